"""What every screen builder shares: the Context it gets, the Built it returns, and the
pieces most screens have (a title, a paragraph, a row of buttons, Back, Finish, a keypad).

Builders never keep the View: the tree they return shows it, and the app throws
the tree away when the screen changes or the session ends. Words go through
the translator `t` (gettext); numbers and names are formatted, never concatenated
into sentences, so each language keeps its own word order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from hub.protocol.kiosk_api import Catalog, TopicInfo
from kiosk.controller.view import View
from kiosk.ui import theme as th
from kiosk.ui.actions import KioskActions
from kiosk.ui.i18n import Translator
from kiosk.ui.parts import PartCache
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import (
    EntryDisplay,
    Icon,
    Keypad,
    Text,
    VideoView,
    box,
    button,
    entry_text,
)

W = TypeVar("W", bound=Widget)


@dataclass
class Built:
    """A screen's widget tree, its words to read aloud, and its live parts."""

    root: Widget
    spoken: list[str] = field(default_factory=list)
    update: Callable[[View], None] | None = None
    videos: list[VideoView] = field(default_factory=list)


@dataclass
class Context:
    """What every builder needs."""

    view: View
    t: Translator
    theme: Theme
    portrait: bool
    controller: KioskActions
    """The controller (kiosk.controller.Controller): its actions are the buttons' callbacks."""
    parts: PartCache = field(default_factory=PartCache)
    catalog_key: str = ""
    """The catalog's content (`CatalogKey`): parts built from the catalog are kept under it."""
    spoken: list[str] = field(default_factory=list)

    def part(self, key: tuple[Hashable, ...], factory: Callable[[], W]) -> W:
        """A reusable part (nothing personal in it) for this language, theme and orientation."""
        return self.parts.get((*key, self.view.language, self.theme.name, self.portrait), factory)

    def say(self, text: str) -> str:
        """Note a text as part of what the screen reads aloud; returns it."""
        self.spoken.append(text)
        return text


class CatalogKey:
    """The catalog's content without its timestamp: equal when nothing shown changed.

    The app owns one and asks it on every View; it serialises the catalog only when
    the hub sent a new one (the refresh every few minutes), not on every View.
    """

    def __init__(self) -> None:
        self._catalog: Catalog | None = None
        self._key = ""

    def __call__(self, catalog: Catalog | None) -> str:
        """The key of `catalog` ("" for none)."""
        if catalog is None:
            return ""
        if catalog is not self._catalog:
            self._catalog = catalog
            self._key = catalog.model_dump_json(exclude={"generated_at"})
        return self._key


def topic_label(topic: TopicInfo, language: str) -> str:
    """A topic's name in the session's language."""
    return topic.label_en if language == "en" else topic.label_fr


def heading(ctx: Context, text: str, pictogram: str = "", size: int = th.TITLE) -> BoxLayout:
    """The screen's title: as tall as its lines (a long title wraps, never overflows)."""
    row = box(vertical=False, size_hint_y=None, height=int(size * 2.2), spacing=18)
    if pictogram:
        row.add_widget(Icon(pictogram, ctx.theme.primary, int(size * 1.1)))
    words = Text(ctx.say(text), ctx.theme, size=size, bold=True, gid="title")
    row.add_widget(words)
    words.bind(height=lambda _w, h: setattr(row, "height", max(h, int(size * 2.2))))
    return row


def paragraph(ctx: Context, text: str, **kwargs: Any) -> Text:
    return Text(ctx.say(text), ctx.theme, **kwargs)


def new_page(ctx: Context) -> BoxLayout:
    return box(padding=(th.PADDING * 2, th.PADDING), spacing=th.SPACING)


def action_row(ctx: Context, *buttons: Widget, stack: bool | None = None) -> BoxLayout:
    """A row of buttons (a column in portrait when there are more than two, unless
    `stack` says otherwise)."""
    stack = ctx.portrait and len(buttons) > 2 if stack is None else stack
    row = box(vertical=stack, size_hint_y=None, spacing=th.SPACING)
    for b in buttons:
        row.add_widget(b)
    row.height = (
        sum(b.height for b in buttons) + th.SPACING * (len(buttons) - 1)
        if stack
        else max(b.height for b in buttons)
    )
    return row


def back_button(ctx: Context, label: str | None = None, text_size: int = th.BUTTON_TEXT) -> Widget:
    """The secondary "Back" button every step has (another label where the step says so)."""
    return button(
        "back",
        ctx.t("Back") if label is None else label,
        ctx.controller.back,
        ctx.theme,
        pictogram="back",
        style="secondary",
        text_size=text_size,
    )


def finish_button(ctx: Context, style: str = "primary") -> Widget:
    """The "Finish" button that ends the session."""
    return button(
        "finish", ctx.t("Finish"), ctx.controller.finish, ctx.theme, pictogram="done", style=style
    )


def keypad_screen(
    ctx: Context,
    title: str,
    hint: str,
    pictogram: str,
    gid: str = "entry",
    extra: Widget | None = None,
) -> Built:
    """A title, a hint, the entry, Back (and `extra` beside it) and the keypad: side by
    side in landscape; in portrait the keypad takes what the rest leaves."""
    v, c = ctx.view, ctx.controller
    page = new_page(ctx)
    head = box(spacing=th.SPACING)
    head.add_widget(heading(ctx, title, pictogram, size=40 if ctx.portrait else th.TITLE))
    head.add_widget(paragraph(ctx, hint, color=ctx.theme.muted))
    entry = EntryDisplay(ctx.theme, v.entry, v.masked, gid)
    head.add_widget(entry)
    if not ctx.portrait:
        head.add_widget(Widget())
    buttons = [back_button(ctx)] + ([extra] if extra is not None else [])
    head.add_widget(action_row(ctx, *buttons, stack=not ctx.portrait))
    pad = ctx.part(
        ("keypad",), lambda: Keypad(ctx.theme, c.key, c.erase, c.submit, ctx.t("OK"), False)
    )
    pad.set_ok(v.entry_ready)
    pad.size_hint = (1, 1)
    split = box(vertical=ctx.portrait, spacing=th.PADDING * 2)
    if ctx.portrait:
        head.size_hint_y = None
        head.bind(minimum_height=head.setter("height"))
    else:
        head.size_hint_x = 0.5
        pad.size_hint_x = 0.5
    split.add_widget(head)
    split.add_widget(pad)
    page.add_widget(split)

    def update(view: View) -> None:
        entry.label.text = entry_text(view.entry, view.masked)
        pad.set_ok(view.entry_ready)

    return Built(page, update=update)


def rows_grid(cols: int, row_height: int) -> GridLayout:
    """A grid of `cols` columns whose rows are `row_height` tall; as tall as its rows."""
    grid = GridLayout(
        cols=cols,
        spacing=14,
        size_hint_y=None,
        row_default_height=row_height,
        row_force_default=True,
    )
    grid.bind(minimum_height=grid.setter("height"))
    return grid
