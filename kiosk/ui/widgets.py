"""The few widgets every screen is made of: text, pictograms, big buttons, keypads, video.

Every widget a person can touch has a `gid` (a stable name) so tests and the
screenshot script find it, and is at least TOUCH_MIN pixels in both
directions. Widgets hold no state about the person: they are rebuilt from the
controller's View.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, Line, Rectangle, RoundedRectangle
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.image import Image
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from kiosk.controller.ports import VideoFrame
from kiosk.ui import theme as th
from kiosk.ui.theme import ICON_FONT, Rgba, Theme, icon


class Paint:
    """What `fill` drew on a widget: its colours can change in place."""

    def __init__(self, widget: Widget, fill_color: Color, line_color: Color) -> None:
        self.widget = widget
        self.fill_color = fill_color
        self.line_color = line_color

    def set(self, color: Rgba, border: Rgba | None = None) -> None:
        """Paint with other colours (None: no border)."""
        self.fill_color.rgba = color
        self.line_color.rgba = border or (0, 0, 0, 0)
        self.widget.gaia_bg = color


def fill(widget: Widget, color: Rgba, radius: float = 0, border: Rgba | None = None) -> Paint:
    """Paint a widget's background (kept in step with its position and size); the colour
    is kept as `gaia_bg` for the layout checker (kiosk.ui.layout_check)."""
    widget.gaia_bg = color
    with widget.canvas.before:
        fill_color = Color(*color)
        shape = RoundedRectangle(radius=[radius]) if radius else Rectangle()  # type: RoundedRectangle | Rectangle
        line_color = Color(*(border or (0, 0, 0, 0)))
        outline = Line(width=2)

    def _sync(*_: object) -> None:
        shape.pos = widget.pos
        shape.size = widget.size
        if radius:
            outline.rounded_rectangle = (*widget.pos, *widget.size, radius)
        else:
            outline.rectangle = (*widget.pos, *widget.size)

    widget.bind(pos=_sync, size=_sync)
    _sync()
    return Paint(widget, fill_color, line_color)


def unfill(widget: Widget) -> None:
    """Remove what `fill` painted."""
    widget.canvas.before.clear()
    widget.gaia_bg = None


def box(
    vertical: bool = True,
    padding: float | tuple[float, ...] = 0,
    spacing: float = th.SPACING,
    bg: Rgba | None = None,
    radius: float = 0,
    **kwargs: Any,
) -> BoxLayout:
    """A BoxLayout, optionally painted."""
    layout = BoxLayout(
        orientation="vertical" if vertical else "horizontal",
        padding=padding,
        spacing=spacing,
        **kwargs,
    )
    if bg is not None:
        fill(layout, bg, radius)
    return layout


class Text(Label):
    """Wrapped text whose height follows its content (set `size_hint_y` to override)."""

    def __init__(
        self,
        text: str,
        theme: Theme,
        size: int = th.BODY,
        bold: bool = False,
        color: Rgba | None = None,
        halign: str = "left",
        gid: str = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("size_hint_y", None)
        super().__init__(
            text=text,
            font_size=size,
            bold=bold,
            color=color or theme.text,
            halign=halign,
            valign="middle",
            **kwargs,
        )
        self.gid = gid
        self.bind(width=self._wrap, texture_size=self._fit)
        self._wrap()

    def _wrap(self, *_: object) -> None:
        self.text_size = (self.width, None)

    def _fit(self, *_: object) -> None:
        if self.size_hint_y is None:
            self.height = max(self.texture_size[1], self.font_size * 1.3)


class Icon(Label):
    """A pictogram from the icon font."""

    def __init__(self, name: str, color: Rgba, size: int = th.ICON, **kwargs: Any) -> None:
        kwargs.setdefault("size_hint", (None, None))
        kwargs.setdefault("size", (size * 1.4, size * 1.4))
        kwargs.setdefault("pos_hint", {"center_y": 0.5})
        super().__init__(
            text=icon(name), font_name=ICON_FONT, font_size=size, color=color, **kwargs
        )


class Tappable(ButtonBehavior, BoxLayout):
    """A touch target: a painted box that calls `action` when released on it.

    Without an action it is disabled: drawn as an outline in the theme's `disabled`
    colour (never like an active button), and a touch on it calls `why`, which
    says what is missing (the controller shows and speaks it)."""

    gid = StringProperty("")

    def __init__(
        self,
        gid: str,
        action: Callable[[], None] | None,
        bg: Rgba,
        border: Rgba | None = None,
        radius: float = 18,
        *,
        disabled_paint: tuple[Rgba, Rgba] | None = None,
        why: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("padding", (th.PADDING, 12))
        kwargs.setdefault("spacing", 16)
        super().__init__(**kwargs)
        self.gid = gid
        self.why = why
        self._enabled_paint = (bg, border)
        self._disabled_paint = disabled_paint
        self._paint = fill(self, bg, radius, border)
        self._action: Callable[[], None] | None = None
        self.set_action(action)

    def on_release(self) -> None:
        """Run the action (the controller's method)."""
        if self._action is not None:
            self._action()

    def on_touch_down(self, touch: Any) -> bool:
        """A touch on a disabled target asks why it is disabled."""
        if self.disabled and self.collide_point(*touch.pos):
            if self.why is not None:
                self.why()
            return True
        return bool(super().on_touch_down(touch))

    def set_action(self, action: Callable[[], None] | None) -> None:
        """Change what a tap does; None makes the target inert and look disabled."""
        self._action = action
        self.disabled = action is None
        if self.disabled and self._disabled_paint is not None:
            self._paint.set(*self._disabled_paint)
        else:
            self._paint.set(*self._enabled_paint)


def button(
    gid: str,
    label: str,
    action: Callable[[], None] | None,
    theme: Theme,
    pictogram: str = "",
    style: str = "primary",
    vertical: bool = False,
    text_size: int = th.BUTTON_TEXT,
    icon_size: int = th.ICON,
    why: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Tappable:
    """A big button: pictogram beside (or above) the word. Styles: primary, secondary, danger."""
    bg, fg = {
        "primary": (theme.primary, theme.on_primary),
        "secondary": (theme.secondary, theme.on_secondary),
        "danger": (theme.danger, theme.on_danger),
    }[style]
    border = theme.border if style == "secondary" else None
    kwargs.setdefault("size_hint_min", (th.TOUCH_MIN, th.TOUCH_MIN))
    if not vertical and "size_hint" not in kwargs:
        kwargs.setdefault("size_hint_y", None)
        kwargs.setdefault("height", max(th.TOUCH_MIN, int(text_size * 3.2)))
    target = Tappable(
        gid,
        action,
        bg,
        border,
        disabled_paint=(theme.background, theme.disabled),
        why=why,
        orientation="vertical" if vertical else "horizontal",
        **kwargs,
    )
    if pictogram:
        pic = Icon(pictogram, fg, icon_size, disabled_color=theme.disabled)
        if vertical:
            pic.size_hint = (1, None)
        target.add_widget(pic)
    if label:
        words = Label(
            text=label,
            font_size=text_size,
            bold=True,
            color=fg,
            disabled_color=theme.disabled,
            halign="center" if vertical or not pictogram else "left",
            valign="middle",
        )
        words.bind(size=lambda w, s: setattr(w, "text_size", s))
        target.add_widget(words)
    return target


class Keypad(GridLayout):
    """A telephone keypad: 1–9, erase, 0, OK — each key well over 15 mm."""

    def __init__(
        self,
        theme: Theme,
        on_key: Callable[[str], None],
        on_erase: Callable[[], None],
        on_submit: Callable[[], None],
        ok_label: str,
        ok_enabled: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(cols=3, spacing=14, **kwargs)
        for digit in "123456789":
            self.add_widget(self._key(theme, digit, on_key))
        self.add_widget(
            button("key-erase", "", on_erase, theme, pictogram="erase", style="secondary")
        )
        self.add_widget(self._key(theme, "0", on_key))
        self._submit = on_submit
        self.ok_key = button("key-ok", ok_label, None, theme, style="primary", why=on_submit)
        self.set_ok(ok_enabled)
        self.add_widget(self.ok_key)
        for child in self.children:
            child.size_hint_y = 1

    def set_ok(self, enabled: bool) -> None:
        """Turn the OK key on (enough is typed) or off."""
        self.ok_key.set_action(self._submit if enabled else None)

    @staticmethod
    def _key(theme: Theme, digit: str, on_key: Callable[[str], None]) -> Tappable:
        return button(
            f"key-{digit}", digit, lambda: on_key(digit), theme, style="secondary", text_size=48
        )


LETTER_ROWS = ("AZERTYUIOP", "QSDFGHJKLM", "WXCVBN-'", "ÉÈÊËÀÂÇÎÏÔ")
"""AZERTY rows, then the accented capitals French first names use most."""
PORTRAIT_KEYS_PER_ROW = 8


class LetterKeyboard(BoxLayout):
    """Capital letters in AZERTY order, French accents, hyphen, apostrophe, space."""

    def __init__(
        self,
        theme: Theme,
        on_key: Callable[[str], None],
        on_erase: Callable[[], None],
        on_submit: Callable[[], None],
        ok_label: str,
        ok_enabled: bool,
        space_label: str,
        back: Tappable,
        portrait: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(orientation="vertical", spacing=8, **kwargs)
        rows: tuple[str, ...] = LETTER_ROWS
        if portrait:  # 800 px wide: eight keys a row keeps each one 15 mm wide
            keys = "".join(LETTER_ROWS)
            n = PORTRAIT_KEYS_PER_ROW
            rows = tuple(keys[i : i + n] for i in range(0, len(keys), n))
        for row in rows:
            line = BoxLayout(spacing=8)
            for char in row:
                line.add_widget(
                    button(
                        f"key-{char}",
                        char,
                        partial(on_key, char),
                        theme,
                        style="secondary",
                        text_size=36,
                        padding=(0, 0),
                        size_hint_y=1,
                        size_hint_min=(0, 0),
                    )
                )
            self.add_widget(line)
        # The last row's keys share the letter rows' height exactly (no minimum that
        # would push them into the accents above) and leave Valider room for its word.
        last = BoxLayout(spacing=8)
        widths = (0.14, 0.14, 0.32, 0.40) if portrait else (0.22, 0.16, 0.34, 0.28)
        back.size_hint = (widths[0], 1)
        back.size_hint_min = (0, 0)
        last.add_widget(back)
        last.add_widget(
            button(
                "key-erase",
                "",
                on_erase,
                theme,
                pictogram="erase",
                style="secondary",
                size_hint=(widths[1], 1),
                size_hint_min=(0, 0),
            )
        )
        last.add_widget(
            button(
                "key-space",
                space_label,
                lambda: on_key(" "),
                theme,
                style="secondary",
                size_hint=(widths[2], 1),
                size_hint_min=(0, 0),
                text_size=th.SMALL,
            )
        )
        self._submit = on_submit
        self.ok_key = button(
            "key-ok",
            ok_label,
            None,
            theme,
            pictogram="check",
            size_hint=(widths[3], 1),
            size_hint_min=(0, 0),
            padding=(12, 0),
            why=on_submit,
        )
        self.set_ok(ok_enabled)
        last.add_widget(self.ok_key)
        self.add_widget(last)

    def set_ok(self, enabled: bool) -> None:
        """Turn the OK key on (a name is typed) or off."""
        self.ok_key.set_action(self._submit if enabled else None)


SECRET_DOT = "\uf111"  # noqa: S105 - a glyph, not a password
"""A filled circle (icon font) shown for each secret digit."""


def entry_text(text: str, masked: bool) -> str:
    """What an entry display shows: the text and a caret, or one dot per secret digit."""
    return SECRET_DOT * len(text) if masked else text + "_"


class EntryDisplay(BoxLayout):
    """What is being typed, big; dots for a secret; a caret shows where the next one goes."""

    def __init__(self, theme: Theme, text: str, masked: bool, gid: str = "entry") -> None:
        super().__init__(size_hint_y=None, height=120, padding=(th.PADDING, 8))
        fill(self, theme.surface, 14, theme.border)
        self.label = Label(
            text=entry_text(text, masked),
            font_name=ICON_FONT if masked else "Roboto",
            font_size=40 if masked else th.BIG,
            bold=True,
            color=theme.text,
            halign="center",
            valign="middle",
        )
        self.label.gid = gid
        self.add_widget(self.label)


class VideoView(Image):
    """Draws a call's frames into a texture, pulled at the display rate (never pushed).

    `source_fn` returns the latest VideoFrame (or None); a frame is uploaded only
    when its `pts` changed, so an idle stream costs nothing.
    """

    def __init__(self, source_fn: Callable[[], VideoFrame | None], fps: float = 30, **kwargs: Any):
        super().__init__(fit_mode="contain", **kwargs)
        self._source_fn = source_fn
        self._last_pts: int | None = None
        self._frame_texture: Any = None
        self.frames_shown = 0
        self._event = Clock.schedule_interval(self._pull, 1 / fps)

    def _pull(self, _dt: float) -> None:
        frame = self._source_fn()
        if frame is None or frame.pts == self._last_pts:
            return
        self._last_pts = frame.pts
        texture = self._frame_texture
        size = (frame.width, frame.height)
        if texture is None or tuple(texture.size) != size or texture.colorfmt != frame.colorfmt:
            texture = Texture.create(size=size, colorfmt=frame.colorfmt)
            texture.flip_vertical()
            self._frame_texture = texture
        texture.blit_buffer(frame.pixels, colorfmt=frame.colorfmt, bufferfmt="ubyte")
        self.texture = texture
        self.canvas.ask_update()
        self.frames_shown += 1

    def stop(self) -> None:
        """Stop pulling frames (the screen is going away)."""
        self._event.cancel()
        self._frame_texture = None
        self.texture = None
