"""The Kivy application: draws the controller's View, sends it the person's touches.

The app keeps nothing about the person: on every change of screen (and so at
the end of every session) the whole widget tree of the screen is thrown away
and built again from the View. Frequent small changes (a digit typed, the
seconds waited, the countdown) update the live labels of the current tree.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from kiosk.controller import communes as places
from kiosk.controller.view import NoticeKind, Screen, View
from kiosk.ui import heap, lockdown
from kiosk.ui import theme as th
from kiosk.ui.actions import KioskActions
from kiosk.ui.i18n import Translator
from kiosk.ui.notices import notice_text
from kiosk.ui.parts import PartCache
from kiosk.ui.screens import Built, CatalogKey, Context, build
from kiosk.ui.theme import theme_for
from kiosk.ui.widgets import Icon, Text, box, button, fill, unfill

log = logging.getLogger(__name__)

SESSION_SCREENS = frozenset(Screen) - {
    Screen.ATTRACT,
    Screen.GOODBYE,
    Screen.OPS_PIN,
    Screen.OPS,
    Screen.IN_CALL,
}
"""Screens that show the "Finish" button in the top bar."""


PREWARM_SCREENS = (Screen.CODE, Screen.FIRST_NAME, Screen.COMMUNE, Screen.TOPICS)
"""Screens whose reusable parts are built ahead, on the attract screen."""

CATALOG_WAITS = 10
"""Start-up rests to wait for the hub's catalog before building the parts without it."""

GOODBYE_COLLECT_DELAY_S = 0.15
"""Time for the goodbye screen to be drawn before the collection between sessions."""

CATALOG_SCREENS = frozenset({Screen.COMMUNE, Screen.TOPICS, Screen.OFFLINE})
"""Screens that show the catalog: only they are built again when its content changes."""


def _structure(view: View, catalog_key: CatalogKey) -> tuple[Any, ...]:
    """The parts of a View whose change needs the screen built again.

    Everything else (digits typed, seconds waited, the OK key turning on) updates the
    live widgets of the current screen; a notice or the connection state only redraws
    the top bar.
    """
    return (
        view.screen,
        view.language,
        view.high_contrast,
        view.speech_on,
        view.speech_available,
        view.online,
        catalog_key(view.catalog) if view.screen in CATALOG_SCREENS else None,
        view.first_name,
        view.commune_letter,
        view.communes_shown,
        view.topic.id if view.topic else None,
        view.no_answer_reason,
        view.request_kind,
        view.request_offline,
        view.adviser_name,
        view.muted,
        view.audio_only,
        view.agreement,
        view.printed,
        tuple(sorted(view.ops_info.items())),
    )


def _bar_structure(view: View) -> tuple[Any, ...]:
    """The parts of a View the top bar shows."""
    return (
        view.language,
        view.high_contrast,
        view.notice,
        view.online,
        view.catalog.site if view.catalog else "",
        view.speech_on and view.screen is not Screen.IN_CALL,
        view.screen in SESSION_SCREENS,
        view.screen is Screen.IN_CALL,
    )


def _overlay_structure(view: View) -> tuple[Any, ...]:
    """The parts of a View the veils show (the countdown's seconds are updated in place)."""
    return (
        view.language,
        view.high_contrast,
        view.idle_countdown is not None,
        view.busy,
        view.confirm_finish,
        view.help_shown,
    )


class Blocker(FloatLayout):
    """A veil over the screen: its own children get touches, nothing beneath it does."""

    gaia_veil = True  # the layout checker looks only at what is on a veil

    def on_touch_down(self, touch: Any) -> bool:
        """Give the touch to the veil's children, then swallow it."""
        super().on_touch_down(touch)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        """Swallow."""
        super().on_touch_move(touch)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        """Swallow."""
        super().on_touch_up(touch)
        return True


class CornerPress(Widget):
    """An invisible top-left square: a long press there asks for the ops menu."""

    def __init__(self, hold_s: float, on_long_press: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(size_hint=(None, None), size=(th.TOUCH_MIN, th.TOUCH_MIN), **kwargs)
        self._hold_s = hold_s
        self._on_long_press = on_long_press
        self._event: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        """Start timing a press that begins in the corner."""
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._event = Clock.schedule_once(lambda _dt: self._on_long_press(), self._hold_s)
        return True

    def on_touch_move(self, touch: Any) -> bool:
        """Leaving the corner cancels the press."""
        if touch.grab_current is self and not self.collide_point(*touch.pos):
            self._cancel()
        return touch.grab_current is self

    def on_touch_up(self, touch: Any) -> bool:
        """Releasing early cancels the press."""
        if touch.grab_current is self:
            touch.ungrab(self)
            self._cancel()
            return True
        return False

    def _cancel(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None


def _veil_card(theme: th.Theme, title: str) -> tuple[Blocker, BoxLayout]:
    """A veil over the screen with a card in its middle, as tall as what it holds,
    titled `title`; the caller adds the rest to the card."""
    veil = Blocker()
    fill(veil, (0, 0, 0, 0.6))
    card = box(
        padding=th.PADDING * 2,
        spacing=th.SPACING,
        bg=theme.surface,
        radius=24,
        size_hint=(0.86, None),
        pos_hint={"center_x": 0.5, "center_y": 0.5},
    )
    card.bind(minimum_height=card.setter("height"))
    card.add_widget(Text(title, theme, size=th.TITLE, bold=True, halign="center", gid="title"))
    veil.add_widget(card)
    return veil, card


class KioskApp(App):
    """The touch interface of one kiosk."""

    title = "Gaïa"

    def __init__(
        self,
        controller: KioskActions,
        *,
        ops_long_press_s: float = 3.0,
        lock: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.controller = controller
        self.ops_long_press_s = ops_long_press_s
        self.lock = lock
        self.built: Built | None = None
        self.view: View | None = None
        self._structure: tuple[Any, ...] | None = None
        self.catalog_key = CatalogKey()
        self._bar: tuple[Any, ...] | None = None
        self._veils: tuple[Any, ...] | None = None
        self._countdown: Any = None
        self.parts = PartCache()
        """Keypads, keyboards and grids built once (nothing personal in them)."""
        self.rest_delay_s = 1.0
        """Seconds on the attract screen before building parts and collecting garbage."""
        self._settled = False
        self._catalog_waits = 0
        self._collected = True
        self.last_rest_collect_s = 0.0
        """Seconds the last collection between sessions took."""
        self._unsubscribe: Callable[[], None] | None = None
        self._spoken_for: tuple[Any, ...] | None = None
        self.renders = 0
        self.last_render_s = 0.0
        """Seconds the last full build took (the benchmark reads it)."""
        self.first_frame_at: float | None = None

    # -- Kivy lifecycle --------------------------------------------------------------------

    def build(self) -> Widget:
        """The root: a background, the top bar, the screen area and the overlays."""
        if self.lock:
            lockdown.lock_window(Window)
        self.root_layout = FloatLayout()
        self.background = Widget()
        self.root_layout.add_widget(self.background)
        self.page = box(spacing=0)
        self.top_bar = box(
            vertical=False, size_hint_y=None, height=th.TOUCH_MIN + 10, padding=(th.PADDING, 5)
        )
        self.screen_area = box(spacing=0)
        self.page.add_widget(self.top_bar)
        self.page.add_widget(self.screen_area)
        self.root_layout.add_widget(self.page)
        self.overlay = FloatLayout()
        self.root_layout.add_widget(self.overlay)
        self.corner = CornerPress(
            self.ops_long_press_s, self._corner_pressed, pos_hint={"x": 0, "top": 1}
        )
        self.root_layout.add_widget(self.corner)
        Window.bind(on_touch_down=self._any_touch, size=self._resized)
        self._unsubscribe = self.controller.subscribe(self.show)
        Clock.schedule_once(lambda _dt: self.show(self.controller.view), 0)
        return self.root_layout

    def on_start(self) -> None:
        """Note the first frame (for the start-up benchmark); then get ready at rest."""
        Window.bind(on_flip=self._first_flip)
        Clock.schedule_once(self._first_rest, self.rest_delay_s)

    def on_stop(self) -> None:
        """Stop pulling video and listening to the controller."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._drop_screen()

    def _first_rest(self, _dt: float) -> None:
        """After start-up, once the catalog is in: build the parts, then settle the heap."""
        if self._settled or not self._at_rest():  # else: at the end of the first session
            return
        assert self.view is not None
        if self.view.catalog is None and self._catalog_waits < CATALOG_WAITS:
            self._catalog_waits += 1  # the topic and commune grids need the catalog
            Clock.schedule_once(self._first_rest, self.rest_delay_s)
            return
        self._prewarm(then=self._settle)

    def _settle(self) -> None:
        heap.settle()
        self._settled = self._collected = True

    def _goodbye(self, _dt: float) -> None:
        """The goodbye screen is drawn and asks nothing: collect the session's garbage."""
        if self.view is not None and self.view.screen is Screen.GOODBYE:
            self.last_rest_collect_s = heap.collect_at_rest()
            self._collected = True

    def _rest(self, _dt: float) -> None:
        """Between sessions: build what the next person will need; collect if not done."""
        if not self._at_rest():
            return

        def then() -> None:
            if not self._settled:
                self._settle()
            elif not self._collected:  # the session ended without a goodbye (idle, ops)
                self.last_rest_collect_s = heap.collect_at_rest()
                self._collected = True

        self._prewarm(then)

    def _at_rest(self) -> bool:
        return self.view is not None and self.view.screen is Screen.ATTRACT

    def _prewarm(self, then: Callable[[], None]) -> None:
        """Build the reusable parts of the session's screens for the current language,
        contrast and orientation, off screen and one screen a frame (so a tap is never
        kept waiting long); then run `then`. Stops if a session starts meanwhile."""
        todo = list(PREWARM_SCREENS)

        def step(_dt: float) -> None:
            view = self.view
            if view is None or not self._at_rest():
                self.parts.detach_all()
                return
            if not todo:
                self.parts.detach_all()
                then()
                return
            screen = todo.pop(0)
            communes = view.catalog.communes if view.catalog else []
            ctx = Context(
                # What the screen will show first: for the communes, the letters.
                replace(
                    view,
                    screen=screen,
                    entry="",
                    commune_letters=places.letters(communes),
                    communes_shown=places.shown(communes, None),
                ),
                Translator(view.language),
                theme_for(view.high_contrast),
                self.portrait,
                self.controller,
                self.parts,
                self.catalog_key(view.catalog),
            )
            build(ctx)
            Clock.schedule_once(step, 0)

        Clock.schedule_once(step, 0)

    def _first_flip(self, *_: Any) -> None:
        if self.first_frame_at is None and self.built is not None:
            self.first_frame_at = time.perf_counter()
            Window.unbind(on_flip=self._first_flip)

    # -- input -----------------------------------------------------------------------------

    def _any_touch(self, *_: Any) -> bool:
        self.controller.touch()
        return False

    def _corner_pressed(self) -> None:
        self.controller.ops_long_press()

    def _resized(self, *_: Any) -> None:
        if self.view is not None:
            self._structure = self._bar = None
            self.show(self.view)

    # -- drawing ---------------------------------------------------------------------------

    @property
    def portrait(self) -> bool:
        """True when the window is taller than wide."""
        return bool(Window.height > Window.width)

    def show(self, view: View) -> None:
        """Draw a View: build the screen again if its structure changed, else update it."""
        previous = self.view.screen if self.view is not None else None
        if view.screen is not previous:
            if view.screen is Screen.GOODBYE:
                Clock.schedule_once(self._goodbye, GOODBYE_COLLECT_DELAY_S)
            elif view.screen is Screen.ATTRACT:
                Clock.schedule_once(self._rest, self.rest_delay_s)
            elif previous is Screen.ATTRACT:
                self._collected = False
        self.view = view
        structure = (*_structure(view, self.catalog_key), self.portrait)
        if structure != self._structure or self.built is None:
            started = time.perf_counter()
            self._rebuild(view)
            self._structure = structure
            self.last_render_s = time.perf_counter() - started
            self.renders += 1
        elif self.built.update is not None:
            self.built.update(view)
        bar = _bar_structure(view)
        if bar != self._bar:
            self._top_bar(view, Translator(view.language))
            self._bar = bar
        veils = _overlay_structure(view)
        if veils != self._veils:
            self._overlays(view)
            self._veils = veils
        elif self._countdown is not None and view.idle_countdown is not None:
            self._countdown.text = self._countdown_words(view)
        self._read_aloud(view)

    def _drop_screen(self) -> None:
        if self.built is not None:
            for video in self.built.videos:
                video.stop()
        self.built = None
        self.screen_area.clear_widgets()
        self.parts.detach_all()

    def _rebuild(self, view: View) -> None:
        theme = theme_for(view.high_contrast)
        t = Translator(view.language)
        self._drop_screen()
        unfill(self.background)
        fill(self.background, theme.background)
        self.background.size = Window.size
        ctx = Context(
            view,
            t,
            theme,
            self.portrait,
            self.controller,
            self.parts,
            self.catalog_key(view.catalog),
        )
        self.built = build(ctx)
        self.screen_area.add_widget(self.built.root)

    def _top_bar(self, view: View, t: Translator) -> None:
        """Connection state and site; a notice when there is one; listen again; finish."""
        theme = theme_for(view.high_contrast)
        bar = self.top_bar
        bar.clear_widgets()
        unfill(bar)
        if view.screen is Screen.IN_CALL and view.notice is None:
            bar.height = 0  # the call takes the whole screen (a notice still shows)
            return
        bar.height = th.TOUCH_MIN + 10
        bar.spacing = 8 if self.portrait else th.SPACING
        bar.add_widget(Widget(size_hint_x=None, width=th.TOUCH_MIN))  # the ops corner
        if view.notice is not None:
            # Notices sit in the top bar, so they never hide a button the person needs.
            bad = view.notice.kind not in (NoticeKind.PRINTED, NoticeKind.OPS_MESSAGE)
            bg, fg = (theme.danger, theme.on_danger) if bad else (theme.primary, theme.on_primary)
            fill(bar, bg)
            bar.height = 170
            bar.add_widget(Icon("warning" if bad else "info", fg, 44))
            words = Text(
                notice_text(t, view.notice), theme, size=30, bold=True, color=fg, gid="notice"
            )
            words.pos_hint = {"center_y": 0.5}
            # As tall as the words need (a long notice in portrait wraps on many lines).
            words.bind(height=lambda _w, h: setattr(bar, "height", max(170, h + 24)))
            bar.add_widget(words)
        else:
            status = "online" if view.online else "offline"
            bar.add_widget(Icon(status, theme.ok if view.online else theme.warning, 34))
            site = view.catalog.site if view.catalog else ""
            crowded = self.portrait and view.screen in SESSION_SCREENS
            # In portrait with Listen and Finish there is no room for the site's name.
            shown = "" if crowded else site
            bar.add_widget(Text(shown, theme, size=th.SMALL, color=theme.muted, size_hint_y=1))
        if view.speech_on and view.screen is not Screen.IN_CALL:
            bar.add_widget(
                button(
                    "listen",
                    "" if self.portrait else t("Listen again"),  # portrait: the pictogram alone
                    self._read_again,
                    theme,
                    pictogram="speak",
                    style="secondary",
                    size_hint=(None, None),
                    width=th.TOUCH_MIN + 20 if self.portrait else 330,
                    text_size=28,
                    height=th.TOUCH_MIN,
                    pos_hint={"center_y": 0.5},
                )
            )
        # In portrait a notice needs the width: Help comes back when it goes. Beside
        # Listen again, or in portrait, Help is its pictogram alone.
        compact = self.portrait or (view.speech_on and view.screen is not Screen.IN_CALL)
        if view.screen in SESSION_SCREENS and not (self.portrait and view.notice is not None):
            bar.add_widget(Widget(size_hint_x=None, width=0 if self.portrait else th.SPACING))
            bar.add_widget(
                button(
                    "help",
                    "" if compact else t("Help"),
                    self.controller.ask_help,
                    theme,
                    pictogram="help",
                    style="secondary",
                    size_hint=(None, None),
                    width=th.TOUCH_MIN + 20 if compact else 200,
                    text_size=28,
                    height=th.TOUCH_MIN,
                    pos_hint={"center_y": 0.5},
                )
            )
        if view.screen in SESSION_SCREENS:
            bar.add_widget(Widget(size_hint_x=None, width=0 if self.portrait else th.SPACING))
            bar.add_widget(
                button(
                    "top-finish",
                    t("Finish"),
                    self.controller.ask_finish,
                    theme,
                    pictogram="done",
                    style="secondary",
                    size_hint=(None, None),
                    width=260,
                    text_size=28,
                    height=th.TOUCH_MIN,
                    pos_hint={"center_y": 0.5},
                )
            )

    def _overlays(self, view: View) -> None:
        theme = theme_for(view.high_contrast)
        t = Translator(view.language)
        self.overlay.clear_widgets()
        self._countdown = None
        if view.idle_countdown is not None:
            veil, card = _veil_card(theme, t("Are you still there?"))
            self._countdown = Text(
                self._countdown_words(view), theme, size=34, halign="center", gid="countdown"
            )
            card.add_widget(self._countdown)
            card.add_widget(
                button(
                    "still-here",
                    t("Yes, I am here"),
                    self.controller.still_here,
                    theme,
                    pictogram="check",
                    text_size=40,
                )
            )
            self.overlay.add_widget(veil)
        if view.help_shown and view.idle_countdown is None:
            self.overlay.add_widget(self._help(view, theme, t))
        if view.confirm_finish and view.idle_countdown is None:
            self.overlay.add_widget(self._confirm_finish(theme, t))
        if view.busy:
            veil = Blocker()
            fill(veil, (0, 0, 0, 0.35))
            veil.add_widget(
                Text(
                    t("One moment…"),
                    theme,
                    size=th.TITLE,
                    bold=True,
                    color=(1, 1, 1, 1),
                    halign="center",
                    pos_hint={"center_x": 0.5, "center_y": 0.5},
                )
            )
            self.overlay.add_widget(veil)

    def _help(self, view: View, theme: th.Theme, t: Translator) -> Widget:
        """Help: a person at the town hall's desk can help; where and when, from config."""
        veil, card = _veil_card(theme, t("Need help?"))
        card.add_widget(Text(t("Ask at the town hall desk: someone can help you."), theme, size=34))
        if view.reception:
            card.add_widget(Text(view.reception, theme, size=th.BODY, gid="reception"))
        card.add_widget(
            button("close-help", t("Close"), self.controller.close_help, theme, pictogram="check")
        )
        return veil

    def _confirm_finish(self, theme: th.Theme, t: Translator) -> Widget:
        """Finish touched: end now (everything typed is erased), or go on."""
        veil, card = _veil_card(theme, t("Finish now?"))
        card.add_widget(Text(t("What you typed will be erased."), theme, size=34, halign="center"))
        choices = box(vertical=self.portrait, size_hint_y=None, spacing=th.SPACING)
        go_on = button(
            "keep-going", t("No, go on"), self.controller.keep_going, theme, pictogram="back"
        )
        end = button(
            "confirm-finish",
            t("Yes, finish"),
            self.controller.finish,
            theme,
            pictogram="done",
            style="secondary",
        )
        for choice in (go_on, end):
            choices.add_widget(choice)
        choices.height = go_on.height * 2 + th.SPACING if self.portrait else go_on.height
        card.add_widget(choices)
        return veil

    @staticmethod
    def _countdown_words(view: View) -> str:
        n = view.idle_countdown or 0
        t = Translator(view.language)
        return t.n("The session ends in {n} second.", "The session ends in {n} seconds.", n).format(
            n=n
        )

    # -- speech ----------------------------------------------------------------------------

    def _read_aloud(self, view: View) -> None:
        """Read each new screen once, when speech is on; never the welcome screen on its
        own (nobody may be there: it would talk to an empty town hall)."""
        if not view.speech_on or self.built is None or view.screen is Screen.ATTRACT:
            self._spoken_for = None
            return
        key = (view.screen, view.language, view.notice)
        if key == self._spoken_for:
            return
        self._spoken_for = key
        self._read_again()

    def _read_again(self) -> None:
        if self.built is None or self.view is None:
            return
        parts = list(self.built.spoken)
        if self.view.notice is not None:
            parts.insert(0, notice_text(Translator(self.view.language), self.view.notice))
        self.controller.speak(" ".join(parts))
