"""No connection to the hub: the partners' numbers, print them, be called back."""

from __future__ import annotations

from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui import theme as th
from kiosk.ui.screens.base import (
    Built,
    Context,
    action_row,
    finish_button,
    heading,
    new_page,
    paragraph,
    topic_label,
)
from kiosk.ui.widgets import (
    Icon,
    Text,
    box,
    button,
)


def offline(ctx: Context) -> Built:
    """No connection: the partners' phone numbers and hours, print, call-back later."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = new_page(ctx)
    if v.online:  # the hub came back while this screen was up
        page.add_widget(heading(ctx, t("The connection is back."), "online"))
    else:
        page.add_widget(heading(ctx, t("The kiosk is not connected right now."), "offline"))
    if v.catalog is None or not v.catalog.topics:
        page.add_widget(paragraph(ctx, t("Please come back later, or ask at the town hall desk.")))
        page.add_widget(Widget())
    else:
        page.add_widget(paragraph(ctx, t("You can call these services:"), size=34))
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
        action_row(
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
            # The hub is back: Back (the controller's BACK arm) tries again; else Finish.
            button("back", t("Try again"), c.back, ctx.theme, pictogram="online")
            if v.online
            else finish_button(ctx),
        )
    )
    return Built(page)
