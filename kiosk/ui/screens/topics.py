"""Choosing a topic and waiting for an adviser; nobody answered; the request noted."""

from __future__ import annotations

from functools import partial

from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from hub.protocol.kiosk_api import TopicInfo
from kiosk.controller.view import View
from kiosk.ui import theme as th
from kiosk.ui.formatting import format_duration, minutes_label
from kiosk.ui.screens.base import (
    Built,
    Context,
    action_row,
    back_button,
    finish_button,
    heading,
    new_page,
    paragraph,
    topic_label,
)
from kiosk.ui.widgets import (
    Text,
    box,
    button,
)


def topics(ctx: Context) -> Built:
    """Choose what you need help with (Back beside the question, so the tiles keep
    their height)."""
    t, v = ctx.t, ctx.view
    page = new_page(ctx)
    head = box(vertical=False, size_hint_y=None, spacing=th.SPACING)
    words = box(spacing=0, size_hint_y=None)
    words.bind(minimum_height=words.setter("height"))
    if v.first_name:
        words.add_widget(
            paragraph(
                ctx,
                t("Hello {name}.").format(name=v.first_name),
                size=36,
                bold=True,
                gid="greeting",
            )
        )
    words.add_widget(heading(ctx, t("What do you need help with?"), ""))
    back = back_button(ctx)
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
    grid = ctx.part(("topics", ctx.catalog_key), lambda: _topic_grid(ctx, offered))
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
        if topic.available_now:
            state = t("An adviser is free now")
        elif topic.open_now:  # the call waits for the first adviser free
            state = t("Open. Every adviser is busy.")
        else:
            state = t("Nobody free now")
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
    page = new_page(ctx)
    page.add_widget(Widget(size_hint_y=0.2))
    page.add_widget(heading(ctx, t("We are calling an adviser."), "hourglass"))
    if v.topic is not None:
        page.add_widget(paragraph(ctx, topic_label(v.topic, v.language), size=36, bold=True))
    position = Text("", ctx.theme, size=36, gid="position")
    eta = Text("", ctx.theme, size=36, gid="eta")
    waited = Text("", ctx.theme, color=ctx.theme.muted, gid="waited")
    page.add_widget(position)
    page.add_widget(eta)
    page.add_widget(waited)
    page.add_widget(Widget())
    page.add_widget(
        action_row(
            ctx,
            button(
                "callback",
                t("Be called back instead"),
                lambda: c.request_contact("callback"),
                ctx.theme,
                pictogram="callback",
                style="secondary",
            ),
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
    page = new_page(ctx)
    headline = {
        "unavailable": t("Nobody is free now for this topic."),
        "failed": t("The call did not work."),
    }.get(v.no_answer_reason or "", t("Nobody answered."))
    page.add_widget(heading(ctx, headline, "clock"))
    page.add_widget(paragraph(ctx, t("What would you like to do?"), size=36))
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
        action_row(
            ctx,
            button(
                "other-topic",
                t("Another topic"),
                c.back,
                ctx.theme,
                pictogram="back",
                style="secondary",
            ),
            finish_button(ctx, style="secondary"),
        )
    )
    return Built(page)


def request_sent(ctx: Context) -> Built:
    """The request is noted (or waits for the connection)."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("It is noted."), "check"))
    if v.request_kind == "appointment":
        page.add_widget(
            paragraph(ctx, t("An adviser will contact you to set an appointment."), size=36)
        )
    else:
        page.add_widget(paragraph(ctx, t("An adviser will call you back."), size=36))
    if v.request_offline:
        page.add_widget(
            paragraph(
                ctx,
                t("The kiosk will send your request as soon as it is connected again."),
                color=ctx.theme.warning,
            )
        )
    page.add_widget(Widget())
    page.add_widget(
        action_row(
            ctx,
            button(
                "print",
                t("Print a reminder"),
                c.print_slip,
                ctx.theme,
                pictogram="print",
                style="secondary",
            ),
            finish_button(ctx),
        )
    )
    return Built(page)
