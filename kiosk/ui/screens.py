"""One builder per screen of the journey: View in, widget tree out (plus what to read aloud).

Builders never keep the View: the tree they return shows it, and the app throws
the tree away when the screen changes or the session ends. Words go through
the translator `t` (gettext); numbers and names are formatted, never concatenated
into sentences, so each language keeps its own word order.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from hub.protocol.kiosk_api import Catalog, TopicInfo
from kiosk.controller.ports import CallQuality
from kiosk.controller.view import Screen, View
from kiosk.ui import theme as th
from kiosk.ui.formatting import format_duration, format_when, minutes_label
from kiosk.ui.i18n import Translator, _
from kiosk.ui.parts import PartCache
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import (
    EntryDisplay,
    Icon,
    Keypad,
    LetterKeyboard,
    Text,
    VideoView,
    box,
    button,
    entry_text,
    fill,
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
    controller: Any  # kiosk.controller.Controller: its actions are the buttons' callbacks
    parts: PartCache = field(default_factory=PartCache)
    spoken: list[str] = field(default_factory=list)

    def part(self, key: tuple[Hashable, ...], factory: Callable[[], W]) -> W:
        """A reusable part (nothing personal in it) for this language, theme and orientation."""
        return self.parts.get((*key, self.view.language, self.theme.name, self.portrait), factory)

    def say(self, text: str) -> str:
        """Note a text as part of what the screen reads aloud; returns it."""
        self.spoken.append(text)
        return text


_fingerprint: tuple[Catalog | None, str] = (None, "")


def catalog_content(catalog: Catalog | None) -> str:
    """The catalog's content without its timestamp: equal when nothing shown changed."""
    global _fingerprint
    if catalog is None:
        return ""
    if _fingerprint[0] is not catalog:
        _fingerprint = (catalog, catalog.model_dump_json(exclude={"generated_at"}))
    return _fingerprint[1]


def topic_label(topic: TopicInfo, language: str) -> str:
    """A topic's name in the session's language."""
    return topic.label_en if language == "en" else topic.label_fr


# -- shared pieces ------------------------------------------------------------------------


def _title(ctx: Context, text: str, pictogram: str = "", size: int = th.TITLE) -> BoxLayout:
    """The screen's title: as tall as its lines (a long title wraps, never overflows)."""
    row = box(vertical=False, size_hint_y=None, height=int(size * 2.2), spacing=18)
    if pictogram:
        row.add_widget(Icon(pictogram, ctx.theme.primary, int(size * 1.1)))
    words = Text(ctx.say(text), ctx.theme, size=size, bold=True, gid="title")
    row.add_widget(words)
    words.bind(height=lambda _w, h: setattr(row, "height", max(h, int(size * 2.2))))
    return row


def _body(ctx: Context, text: str, **kwargs: Any) -> Text:
    return Text(ctx.say(text), ctx.theme, **kwargs)


def _page(ctx: Context) -> BoxLayout:
    return box(padding=(th.PADDING * 2, th.PADDING), spacing=th.SPACING)


def _actions(ctx: Context, *buttons: Widget, stack: bool | None = None) -> BoxLayout:
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


def _back_button(ctx: Context, label: str | None = None, text_size: int = th.BUTTON_TEXT) -> Widget:
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


def _finish_button(ctx: Context, style: str = "primary") -> Widget:
    """The "Finish" button that ends the session."""
    return button(
        "finish", ctx.t("Finish"), ctx.controller.finish, ctx.theme, pictogram="done", style=style
    )


def _keypad_screen(
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
    page = _page(ctx)
    head = box(spacing=th.SPACING)
    head.add_widget(_title(ctx, title, pictogram, size=40 if ctx.portrait else th.TITLE))
    head.add_widget(_body(ctx, hint, color=ctx.theme.muted))
    entry = EntryDisplay(ctx.theme, v.entry, v.masked, gid)
    head.add_widget(entry)
    if not ctx.portrait:
        head.add_widget(Widget())
    buttons = [_back_button(ctx)] + ([extra] if extra is not None else [])
    head.add_widget(_actions(ctx, *buttons, stack=not ctx.portrait))
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


# -- the screens --------------------------------------------------------------------------


def attract(ctx: Context) -> Built:
    """Welcome: start, language, contrast and speech."""
    v, t, c = ctx.view, ctx.t, ctx.controller
    page = _page(ctx)
    page.add_widget(Widget(size_hint_y=0.15))
    page.add_widget(_title(ctx, t("Hello!"), "adviser", size=th.BIG))
    page.add_widget(
        _body(ctx, t("Talk face to face with an adviser, by video. It is free."), size=36)
    )
    if not v.online:
        page.add_widget(
            _body(
                ctx,
                t("The kiosk is not connected. You can still find phone numbers."),
                color=ctx.theme.warning,
                bold=True,
            )
        )
    page.add_widget(Widget(size_hint_y=0.1))
    start = button(
        "start",
        t("Start"),
        c.begin,
        ctx.theme,
        pictogram="start",
        text_size=48,
        icon_size=72,
    )
    start.height = 180
    page.add_widget(start)
    page.add_widget(Widget(size_hint_y=0.15))
    options = GridLayout(cols=2 if ctx.portrait else 4, spacing=th.SPACING, size_hint_y=None)
    options.height = (th.TOUCH_MIN * 2 + th.SPACING) if ctx.portrait else th.TOUCH_MIN
    for lang, name in (("fr", "Français"), ("en", "English")):
        options.add_widget(
            button(
                f"lang-{lang}",
                name,
                partial(c.set_language, lang),
                ctx.theme,
                pictogram="language",
                style="primary" if v.language == lang else "secondary",
                text_size=30,
                height=th.TOUCH_MIN,
            )
        )
    options.add_widget(
        button(
            "contrast",
            t("High contrast"),
            c.toggle_contrast,
            ctx.theme,
            pictogram="contrast",
            style="primary" if v.high_contrast else "secondary",
            text_size=30,
            height=th.TOUCH_MIN,
        )
    )
    options.add_widget(
        button(
            "speech",
            t("Read aloud"),
            c.toggle_speech if v.speech_available else None,
            ctx.theme,
            pictogram="speak" if v.speech_on else "speak-off",
            style="primary" if v.speech_on else "secondary",
            text_size=30,
            height=th.TOUCH_MIN,
        )
    )
    page.add_widget(options)
    return Built(page)


def privacy(ctx: Context) -> Built:
    """The short privacy notice."""
    t, c = ctx.t, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("Your privacy"), "privacy"))
    for line, pic in (
        (t("The call is not recorded."), "video"),
        (t("Nothing about you stays on this kiosk."), "close"),
        (t("Only the adviser sees your first name."), "user"),
    ):
        row = box(vertical=False, size_hint_y=None, height=90, spacing=18)
        row.add_widget(Icon(pic, ctx.theme.primary, 40))
        row.add_widget(_body(ctx, line, size=34, size_hint_y=1))
        page.add_widget(row)
    page.add_widget(Widget())
    page.add_widget(
        _actions(
            ctx,
            _back_button(ctx),
            button("accept", t("I understand"), c.accept_privacy, ctx.theme, pictogram="check"),
        )
    )
    return Built(page)


def identify(ctx: Context) -> Built:
    """Three ways to say who you are."""
    t, c = ctx.t, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("How do you want to start?"), "user"))
    choices = GridLayout(cols=1 if ctx.portrait else 3, spacing=th.SPACING * 1.5)
    choices.add_widget(
        button(
            "by-code",
            t("I have a code"),
            c.choose_code,
            ctx.theme,
            pictogram="keypad",
            vertical=True,
            icon_size=80,
        )
    )
    choices.add_widget(
        button(
            "by-card",
            t("I have a card"),
            c.choose_card,
            ctx.theme,
            pictogram="qrcode",
            vertical=True,
            icon_size=80,
        )
    )
    choices.add_widget(
        button(
            "first-visit",
            t("This is my first visit"),
            c.choose_first_visit,
            ctx.theme,
            pictogram="new-user",
            vertical=True,
            icon_size=80,
        )
    )
    page.add_widget(choices)
    page.add_widget(_actions(ctx, _back_button(ctx)))
    return Built(page)


def card(ctx: Context) -> Built:
    """Where to hold the card; the scanner's reading takes the person on to the PIN."""
    t, c = ctx.t, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("Show your card"), "card"))
    page.add_widget(Widget())
    page.add_widget(Icon("qrcode", ctx.theme.primary, 160, size_hint=(1, None)))
    page.add_widget(
        _body(
            ctx,
            t("Hold your card flat in front of the reader, under the screen."),
            size=36,
            halign="center",
        )
    )
    page.add_widget(_body(ctx, t("The kiosk reads it by itself."), halign="center"))
    page.add_widget(Widget())
    page.add_widget(
        _actions(
            ctx,
            _back_button(ctx),
            button(
                "card-type-code",
                t("Type my number"),
                c.choose_code,
                ctx.theme,
                pictogram="keypad",
                style="secondary",
            ),
        )
    )
    return Built(page)


def code(ctx: Context) -> Built:
    """The personal code on the keypad."""
    t = ctx.t
    return _keypad_screen(
        ctx,
        t("Type your code"),
        t("Your code has 6 to 10 digits."),
        "keypad",
    )


def pin(ctx: Context) -> Built:
    """The secret code (PIN) on the keypad."""
    t = ctx.t
    return _keypad_screen(
        ctx,
        t("Type your secret code"),
        t("Nobody can see it. It has 4 to 6 digits."),
        "lock",
        gid="entry-secret",
    )


def phone(ctx: Context) -> Built:
    """A phone number, to be called back (optional on a first visit)."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    if v.request_kind == "callback":
        hint, skip = t("An adviser will call you on this number."), None
    else:
        hint = t("So that an adviser can call you back. You can go on without it.")
        skip = button(
            "skip", t("Without a number"), c.skip, ctx.theme, pictogram="next", style="secondary"
        )
    return _keypad_screen(ctx, t("Your phone number"), hint, "phone", extra=skip)


def first_name(ctx: Context) -> Built:
    """First visit, 1/3: the first name on a letter keyboard."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    if ctx.portrait:
        page.padding = (16, th.PADDING)
    top = box(vertical=False, size_hint_y=None, spacing=th.SPACING)
    title = _title(ctx, t("What is your first name?"), "user", size=40)
    entry = EntryDisplay(ctx.theme, v.entry, False, "entry")
    if ctx.portrait:
        top.orientation = "vertical"
        top.height = title.height + entry.height + th.SPACING
    else:
        top.height = max(title.height, entry.height)
        title.size_hint_x = 0.5
    top.add_widget(title)
    top.add_widget(entry)
    page.add_widget(top)
    keyboard = ctx.part(
        ("letters",),
        lambda: LetterKeyboard(
            ctx.theme,
            c.key,
            c.erase,
            c.submit,
            t("OK"),
            False,
            t("Space"),
            _back_button(ctx, "" if ctx.portrait else t("Back"), text_size=28),
            portrait=ctx.portrait,
        ),
    )
    keyboard.set_ok(v.entry_ready)
    keyboard.size_hint_y = 1  # the keys take all the height left: the bigger the better
    page.add_widget(keyboard)

    def update(view: View) -> None:
        entry.label.text = entry_text(view.entry, False)
        keyboard.set_ok(view.entry_ready)

    return Built(page, update=update)


def commune(ctx: Context) -> Built:
    """First visit, 2/3: the commune, from a list (no typing): by its first letter first
    when the list is long (kiosk.controller.communes); "another commune" always."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("Where do you live?"), "place"))
    if not v.communes_shown and not v.commune_letters:
        page.add_widget(_body(ctx, t("The list of communes is not available.")))
        page.add_widget(Widget())
    elif v.commune_letter is None and v.commune_letters:
        page.add_widget(_body(ctx, t("Touch the first letter of your commune.")))
        letters = v.commune_letters
        page.add_widget(ctx.part(("commune-letters", letters), lambda: _letter_grid(ctx, letters)))
        page.add_widget(Widget())
    else:
        if v.commune_letter is not None:
            page.add_widget(
                _body(ctx, t("Communes starting with {letter}:").format(letter=v.commune_letter))
            )
        names = v.communes_shown
        grid = ctx.part(("communes", names), lambda: _commune_grid(ctx, names))
        scroll = ScrollView(do_scroll_x=False, bar_width=14, scroll_type=["bars", "content"])
        scroll.add_widget(grid)
        page.add_widget(scroll)
    other = button(
        "commune-other",
        t("Another commune"),
        c.choose_other_commune,
        ctx.theme,
        pictogram="place",
        style="secondary",
    )
    page.add_widget(_actions(ctx, _back_button(ctx), other, stack=False))
    return Built(page)


def _rows_grid(cols: int, row_height: int) -> GridLayout:
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


def _letter_grid(ctx: Context, letters: tuple[str, ...]) -> GridLayout:
    grid = _rows_grid(5 if ctx.portrait else 8, int(th.TOUCH_MIN * 1.3))
    for letter in letters:
        grid.add_widget(
            button(
                f"letter-{letter}",
                letter,
                partial(ctx.controller.choose_commune_letter, letter),
                ctx.theme,
                style="secondary",
                text_size=48,
                size_hint=(1, 1),
            )
        )
    return grid


def _commune_grid(ctx: Context, names: tuple[str, ...]) -> GridLayout:
    grid = _rows_grid(2 if ctx.portrait else 3, th.TOUCH_MIN)
    for name in names:
        grid.add_widget(
            button(
                f"commune-{name}",
                name,
                partial(ctx.controller.choose_commune, name),
                ctx.theme,
                style="secondary",
                text_size=th.SMALL,
            )
        )
    return grid


def topics(ctx: Context) -> Built:
    """Choose what you need help with (Back beside the question, so the tiles keep
    their height)."""
    t, v = ctx.t, ctx.view
    page = _page(ctx)
    head = box(vertical=False, size_hint_y=None, spacing=th.SPACING)
    words = box(spacing=0, size_hint_y=None)
    words.bind(minimum_height=words.setter("height"))
    if v.first_name:
        words.add_widget(
            _body(
                ctx,
                t("Hello {name}.").format(name=v.first_name),
                size=36,
                bold=True,
                gid="greeting",
            )
        )
    words.add_widget(_title(ctx, t("What do you need help with?"), ""))
    back = _back_button(ctx)
    back.size_hint_x = None
    back.width = 260
    back.pos_hint = {"top": 1}
    head.add_widget(words)
    head.add_widget(back)
    words.bind(height=lambda _w, h: setattr(head, "height", max(h, back.height)))
    page.add_widget(head)
    offered = list(v.catalog.topics) if v.catalog else []
    for topic in offered:
        ctx.say(topic_label(topic, v.language))
    grid = ctx.part(("topics", catalog_content(v.catalog)), lambda: _topic_grid(ctx, offered))
    page.add_widget(grid)
    return Built(page)


def _topic_grid(ctx: Context, offered: list[TopicInfo]) -> GridLayout:
    """One tile per topic: pictogram, name, whether an adviser is free now."""
    t, c = ctx.t, ctx.controller
    grid = GridLayout(cols=2 if ctx.portrait else 3, spacing=th.SPACING)
    for topic in offered:
        tile = button(
            f"topic-{topic.id}",
            "",
            partial(c.choose_topic, topic.id),
            ctx.theme,
            pictogram=topic.pictogram,
            style="secondary",
            vertical=True,
            icon_size=56,
            padding=(th.PADDING, 16, th.PADDING, 12),
        )
        tile.add_widget(
            Label(
                text=topic_label(topic, ctx.view.language),
                font_size=34,
                bold=True,
                color=ctx.theme.on_secondary,
                halign="center",
                size_hint_y=None,
                height=50,
            )
        )
        state = t("An adviser is free now") if topic.available_now else t("Nobody free now")
        tile.add_widget(
            Label(
                text=state,
                font_size=th.SMALL,
                color=ctx.theme.ok if topic.available_now else ctx.theme.warning,
                halign="center",
                size_hint_y=None,
                height=40,
            )
        )
        grid.add_widget(tile)
    return grid


def waiting(ctx: Context) -> Built:
    """Waiting for an adviser: position, estimated wait, cancel."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    page.add_widget(Widget(size_hint_y=0.2))
    page.add_widget(_title(ctx, t("We are calling an adviser."), "hourglass"))
    if v.topic is not None:
        page.add_widget(_body(ctx, topic_label(v.topic, v.language), size=36, bold=True))
    position = Text("", ctx.theme, size=36, gid="position")
    eta = Text("", ctx.theme, size=36, gid="eta")
    waited = Text("", ctx.theme, color=ctx.theme.muted, gid="waited")
    page.add_widget(position)
    page.add_widget(eta)
    page.add_widget(waited)
    page.add_widget(Widget())
    page.add_widget(
        _actions(
            ctx,
            button(
                "cancel",
                t("Cancel"),
                c.cancel_wait,
                ctx.theme,
                pictogram="close",
                style="danger",
            ),
        )
    )

    def update(view: View) -> None:
        position.text = (
            t.n("You are number {n} in line.", "You are number {n} in line.", view.position).format(
                n=view.position
            )
            if view.position
            else ""
        )
        eta.text = minutes_label(t, view.eta_s) if view.eta_s is not None else ""
        waited.text = t("Waiting for {time}").format(time=format_duration(view.waited_s))

    update(v)
    ctx.say(position.text)
    ctx.say(eta.text)
    return Built(page, update=update)


def no_answer(ctx: Context) -> Built:
    """Nobody answered (or nobody is free): call-back or appointment."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    headline = {
        "unavailable": t("Nobody is free now for this topic."),
        "failed": t("The call did not work."),
    }.get(v.no_answer_reason or "", t("Nobody answered."))
    page.add_widget(_title(ctx, headline, "clock"))
    page.add_widget(_body(ctx, t("What would you like to do?"), size=36))
    page.add_widget(Widget(size_hint_y=0.1))
    choices = GridLayout(cols=1 if ctx.portrait else 2, spacing=th.SPACING)
    choices.add_widget(
        button(
            "callback",
            t("Be called back"),
            lambda: c.request_contact("callback"),
            ctx.theme,
            pictogram="callback",
            vertical=True,
            icon_size=72,
        )
    )
    choices.add_widget(
        button(
            "appointment",
            t("Get an appointment"),
            lambda: c.request_contact("appointment"),
            ctx.theme,
            pictogram="calendar",
            vertical=True,
            icon_size=72,
        )
    )
    page.add_widget(choices)
    page.add_widget(
        _actions(
            ctx,
            button(
                "other-topic",
                t("Another topic"),
                c.back,
                ctx.theme,
                pictogram="back",
                style="secondary",
            ),
            _finish_button(ctx, style="secondary"),
        )
    )
    return Built(page)


def request_sent(ctx: Context) -> Built:
    """The request is noted (or waits for the connection)."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("It is noted."), "check"))
    if v.request_kind == "appointment":
        page.add_widget(
            _body(ctx, t("An adviser will contact you to set an appointment."), size=36)
        )
    else:
        page.add_widget(_body(ctx, t("An adviser will call you back."), size=36))
    if v.request_offline:
        page.add_widget(
            _body(
                ctx,
                t("The kiosk will send your request as soon as it is connected again."),
                color=ctx.theme.warning,
            )
        )
    page.add_widget(Widget())
    page.add_widget(
        _actions(
            ctx,
            button(
                "print",
                t("Print a reminder"),
                c.print_slip,
                ctx.theme,
                pictogram="print",
                style="secondary",
            ),
            _finish_button(ctx),
        )
    )
    return Built(page)


QUALITY_WORDS = {
    CallQuality.GOOD: _("Connection: good"),
    CallQuality.FAIR: _("Connection: fair"),
    CallQuality.POOR: _("Connection: poor"),
}


def in_call(ctx: Context) -> Built:
    """The call: the adviser large, yourself small, mute and hang up."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    call = c.current_call
    page = box(padding=th.PADDING, spacing=th.SPACING)
    fill(page, (0, 0, 0, 1))
    head = box(vertical=False, size_hint_y=None, height=70)
    name = v.adviser_name or t("Your adviser")
    head.add_widget(
        Text(
            ctx.say(name),
            ctx.theme,
            size=34,
            bold=True,
            color=(1, 1, 1, 1),
            size_hint_y=1,
            gid="adviser",
        )
    )
    quality = Text(
        "", ctx.theme, size=28, color=(1, 1, 1, 1), halign="right", size_hint_y=1, gid="quality"
    )
    clock = Text(
        "",
        ctx.theme,
        size=28,
        color=(1, 1, 1, 1),
        halign="right",
        size_hint_y=1,
        size_hint_x=0.4,
        gid="call-time",
    )
    head.add_widget(quality)
    head.add_widget(clock)
    page.add_widget(head)
    # The adviser takes all the room the screen has; yourself small, in a corner of it.
    videos = FloatLayout()
    # Three buttons side by side: in portrait (800 px) the word goes under the pictogram.
    shape: dict[str, Any] = (
        {"vertical": True, "text_size": 28, "icon_size": 40, "size_hint_y": None, "height": 196}
        if ctx.portrait
        else {}
    )
    shown: list[VideoView] = []
    if v.audio_only:
        videos.add_widget(_sound_only(ctx))
    else:
        remote = VideoView(call.remote_frame if call else (lambda: None), pos_hint={"x": 0, "y": 0})
        remote.gid = "remote-video"
        local = VideoView(
            call.local_frame if call else (lambda: None),
            fps=15,
            size_hint=(0.34, 0.2) if ctx.portrait else (1, None),
            pos_hint={"right": 1, "y": 0} if ctx.portrait else {},
        )
        local.gid = "self-view"
        videos.add_widget(remote)
        if ctx.portrait:  # in a corner of the adviser's picture
            videos.add_widget(local)
        else:  # above the buttons, beside the adviser
            local.height = 255
        shown = [remote, local]
    controls = _actions(
        ctx,
        *(
            button(gid, label, action, ctx.theme, pictogram=pic, style=style, **shape)
            for gid, label, action, pic, style in (
                (
                    "mute",
                    t("Microphone off") if v.muted else t("Mute"),
                    c.toggle_mute,
                    "mic-off" if v.muted else "mic",
                    "primary" if v.muted else "secondary",
                ),
                (
                    "audio-only",
                    t("Picture back") if v.audio_only else t("Sound only"),
                    c.toggle_audio_only,
                    "video" if v.audio_only else "video-off",
                    "secondary",
                ),
                ("hang-up", t("Hang up"), c.hang_up, "hang-up", "danger"),
            )
        ),
        # Portrait: a row under the pictures. Landscape: a column beside them, so the
        # adviser gets the screen's whole height.
        stack=not ctx.portrait,
    )
    if ctx.portrait:
        page.add_widget(videos)
        page.add_widget(controls)
    else:
        controls.size_hint = (None, None)
        controls.width = 340
        side = box(vertical=False, spacing=th.SPACING)
        side.add_widget(videos)
        column = box(size_hint_x=None, width=340)
        if shown:
            column.add_widget(shown[1])
        column.add_widget(Widget())
        column.add_widget(controls)
        side.add_widget(column)
        page.add_widget(side)

    def update(view: View) -> None:
        quality.text = t(QUALITY_WORDS[view.quality]) if view.quality else ""
        quality.color = (
            {
                CallQuality.GOOD: ctx.theme.ok
                if ctx.theme.name != "normal"
                else (0.55, 0.9, 0.55, 1),
                CallQuality.FAIR: (1, 0.85, 0.3, 1),
                CallQuality.POOR: (1, 0.5, 0.45, 1),
            }.get(view.quality, (1, 1, 1, 1))
            if view.quality
            else (1, 1, 1, 1)
        )
        clock.text = format_duration(view.call_seconds)

    update(v)
    return Built(page, update=update, videos=shown)


def _sound_only(ctx: Context) -> BoxLayout:
    """What the call screen shows instead of the pictures when the call is sound only."""
    panel = box(padding=th.PADDING * 2, spacing=th.SPACING, pos_hint={"x": 0, "y": 0})
    panel.gid = "sound-only"
    panel.add_widget(Widget())
    panel.add_widget(Icon("speak", (1, 1, 1, 1), 120, pos_hint={"center_x": 0.5}))
    panel.add_widget(
        Text(
            ctx.say(ctx.t("Sound only. The picture is off to keep the sound clear.")),
            ctx.theme,
            size=34,
            bold=True,
            color=(1, 1, 1, 1),
            halign="center",
        )
    )
    panel.add_widget(Widget())
    return panel


def after_call(ctx: Context) -> Built:
    """What was agreed, and a slip to take home."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("The call is over."), "check"))
    agreement = v.agreement
    if agreement is not None and (agreement.next_step or agreement.appointment):
        card = box(
            padding=th.PADDING, spacing=12, bg=ctx.theme.surface, radius=18, size_hint_y=None
        )
        card.bind(minimum_height=card.setter("height"))
        card.add_widget(Text(ctx.say(t("What was agreed:")), ctx.theme, bold=True, size=34))
        if agreement.appointment is not None:
            a = agreement.appointment
            card.add_widget(
                Text(
                    ctx.say(format_when(t, a.when)),
                    ctx.theme,
                    size=34,
                    bold=True,
                    color=ctx.theme.primary,
                    gid="appointment-when",
                )
            )
            card.add_widget(Text(ctx.say(a.partner), ctx.theme))
            card.add_widget(Text(ctx.say(a.place), ctx.theme))
        if agreement.next_step:
            card.add_widget(Text(ctx.say(agreement.next_step), ctx.theme, gid="next-step"))
        page.add_widget(card)
    else:
        page.add_widget(_body(ctx, t("Thank you for your call."), size=36))
    page.add_widget(Widget())
    page.add_widget(
        _actions(
            ctx,
            # Something to take home: printing is the main action until it is printed.
            button(
                "print",
                t("Print") if not v.printed else t("Print again"),
                c.print_slip,
                ctx.theme,
                pictogram="print",
                style="secondary" if v.printed else "primary",
            ),
            button(
                "next",
                t("Continue"),
                _next(c),
                ctx.theme,
                pictogram="check",
                style="primary" if v.printed else "secondary",
            ),
        )
    )
    return Built(page)


def _next(c: Any) -> Callable[[], None]:
    """AFTER_CALL → SURVEY: `finish()` asks the survey first after a call."""
    return c.finish


def survey(ctx: Context) -> Built:
    """Three smileys: did it help?"""
    t, c = ctx.t, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("Did this help you?"), ""))
    faces = GridLayout(cols=3, spacing=th.SPACING * 1.5)
    for score, pic, words, style in (
        (1, "unhappy", t("Not really"), "secondary"),
        (2, "neutral", t("A little"), "secondary"),
        (3, "happy", t("Yes, a lot"), "secondary"),
    ):
        faces.add_widget(
            button(
                f"survey-{score}",
                ctx.say(words),
                partial(c.survey, score),
                ctx.theme,
                pictogram=pic,
                style=style,
                vertical=True,
                icon_size=110,
            )
        )
    page.add_widget(faces)
    page.add_widget(
        _actions(
            ctx,
            button(
                "skip",
                t("I prefer not to answer"),
                c.skip_survey,
                ctx.theme,
                pictogram="next",
                style="secondary",
            ),
        )
    )
    return Built(page)


def goodbye(ctx: Context) -> Built:
    """Thanks, and the promise that nothing stays."""
    t = ctx.t
    page = _page(ctx)
    page.add_widget(Widget())
    page.add_widget(_title(ctx, t("Thank you. Goodbye!"), "happy", size=th.BIG))
    page.add_widget(_body(ctx, t("Everything about you has been erased from the kiosk."), size=34))
    page.add_widget(Widget())
    return Built(page)


def offline(ctx: Context) -> Built:
    """No connection: the partners' phone numbers and hours, print, call-back later."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("The kiosk is not connected right now."), "offline"))
    if v.catalog is None or not v.catalog.topics:
        page.add_widget(_body(ctx, t("Please come back later, or ask at the town hall desk.")))
        page.add_widget(Widget())
    else:
        page.add_widget(_body(ctx, t("You can call these services:"), size=34))
        rows = box(spacing=12, size_hint_y=None)
        rows.bind(minimum_height=rows.setter("height"))
        for topic in v.catalog.topics:
            for partner in topic.partners:
                row = box(
                    vertical=False,
                    spacing=16,
                    padding=(16, 10),
                    bg=ctx.theme.surface,
                    radius=12,
                    size_hint_y=None,
                    height=190 if ctx.portrait else 130,
                )
                row.add_widget(Icon(topic.pictogram, ctx.theme.primary, 44))
                words = box(spacing=2)
                words.add_widget(
                    Text(
                        f"{topic_label(topic, v.language)} — {partner.name}",
                        ctx.theme,
                        size=28,
                        bold=True,
                    )
                )
                words.add_widget(
                    Text(partner.hours, ctx.theme, size=th.SMALL, color=ctx.theme.muted)
                )
                phone_number = Text(
                    partner.phone, ctx.theme, size=34, bold=True, gid=f"phone-{partner.id}"
                )
                row.add_widget(words)
                if ctx.portrait:
                    words.add_widget(phone_number)
                else:
                    phone_number.size_hint = (0.4, 1)
                    phone_number.halign = "right"
                    row.add_widget(phone_number)
                rows.add_widget(row)
        scroll = ScrollView(do_scroll_x=False, bar_width=14, scroll_type=["bars", "content"])
        scroll.add_widget(rows)
        page.add_widget(scroll)
    page.add_widget(
        _actions(
            ctx,
            button(
                "print",
                t("Print the numbers"),
                c.print_slip if v.catalog else None,
                ctx.theme,
                pictogram="print",
                style="secondary",
            ),
            button(
                "callback",
                t("Be called back"),
                lambda: c.request_contact("callback"),
                ctx.theme,
                pictogram="callback",
                style="secondary",
            ),
            _finish_button(ctx),
        )
    )
    return Built(page)


def ops_pin(ctx: Context) -> Built:
    """The technician's code."""
    return _keypad_screen(ctx, ctx.t("Technician code"), "", "gear", gid="entry-secret")


def ops(ctx: Context) -> Built:
    """The maintenance menu."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = _page(ctx)
    page.add_widget(_title(ctx, t("Maintenance"), "gear"))
    grid = GridLayout(
        cols=2, spacing=10, size_hint_y=None, row_default_height=50, row_force_default=True
    )
    grid.bind(minimum_height=grid.setter("height"))
    for key, value in v.ops_info.items():
        grid.add_widget(Text(key, ctx.theme, bold=True, size_hint_y=1))
        grid.add_widget(Text(value, ctx.theme, size_hint_y=1, gid=f"ops-{key}"))
    page.add_widget(grid)
    page.add_widget(Widget())
    actions = GridLayout(
        cols=2, spacing=th.SPACING, size_hint_y=None, height=th.TOUCH_MIN * 2 + th.SPACING
    )
    for name, label, pic in (
        ("print-test", t("Test print"), "print"),
        ("speech-test", t("Test speech"), "speak"),
        ("refresh", t("Refresh the topics"), "online"),
        ("close", t("Close"), "close"),
    ):
        actions.add_widget(
            button(
                f"ops-{name}",
                label,
                partial(c.ops_action, name),
                ctx.theme,
                pictogram=pic,
                style="primary" if name == "close" else "secondary",
                height=th.TOUCH_MIN,
            )
        )
    page.add_widget(actions)
    return Built(page)


BUILDERS: dict[Screen, Callable[[Context], Built]] = {
    Screen.ATTRACT: attract,
    Screen.PRIVACY: privacy,
    Screen.IDENTIFY: identify,
    Screen.CARD: card,
    Screen.CODE: code,
    Screen.PIN: pin,
    Screen.FIRST_NAME: first_name,
    Screen.COMMUNE: commune,
    Screen.PHONE: phone,
    Screen.TOPICS: topics,
    Screen.WAITING: waiting,
    Screen.NO_ANSWER: no_answer,
    Screen.REQUEST_SENT: request_sent,
    Screen.IN_CALL: in_call,
    Screen.AFTER_CALL: after_call,
    Screen.SURVEY: survey,
    Screen.GOODBYE: goodbye,
    Screen.OFFLINE: offline,
    Screen.OPS_PIN: ops_pin,
    Screen.OPS: ops,
}


def build(ctx: Context) -> Built:
    """The widget tree of the View's screen."""
    built = BUILDERS[ctx.view.screen](ctx)
    built.spoken = [s for s in ctx.spoken if s]
    return built
