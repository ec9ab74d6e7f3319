"""The call and what follows it: the adviser on screen, then what was agreed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from kiosk.controller.ports import CallQuality
from kiosk.controller.view import View
from kiosk.ui import theme as th
from kiosk.ui.actions import KioskActions
from kiosk.ui.formatting import format_duration, format_when
from kiosk.ui.i18n import _
from kiosk.ui.screens.base import (
    Built,
    Context,
    action_row,
    heading,
    new_page,
    paragraph,
)
from kiosk.ui.widgets import (
    Icon,
    Text,
    VideoView,
    box,
    button,
    fill,
)

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
    controls = action_row(
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
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("The call is over."), "check"))
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
        page.add_widget(paragraph(ctx, t("Thank you for your call."), size=36))
    page.add_widget(Widget())
    page.add_widget(
        action_row(
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


def _next(c: KioskActions) -> Callable[[], None]:
    """AFTER_CALL → SURVEY: `finish()` asks the survey first after a call."""
    return c.finish
