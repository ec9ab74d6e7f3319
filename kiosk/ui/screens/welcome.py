"""The welcome screen: what the kiosk is, its privacy rules, Start; language, contrast and
reading aloud. Start is the consent: the rules are said beside it, so a session starts
with the choice of how to say who you are."""

from __future__ import annotations

from functools import partial

from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.ui import theme as th
from kiosk.ui.screens.base import (
    Built,
    Context,
    heading,
    new_page,
    paragraph,
)
from kiosk.ui.widgets import (
    Icon,
    box,
    button,
)


def attract(ctx: Context) -> Built:
    """Welcome: what the kiosk offers, the privacy rules, Start, and the switches."""
    v, t, c = ctx.view, ctx.t, ctx.controller
    page = new_page(ctx)
    page.add_widget(Widget(size_hint_y=0.05))
    page.add_widget(heading(ctx, t("Hello!"), "adviser", size=th.BIG))
    page.add_widget(
        paragraph(ctx, t("Talk face to face with an adviser, by video. It is free."), size=36)
    )
    if not v.online:
        page.add_widget(
            paragraph(
                ctx,
                t("The kiosk is not connected. You can still find phone numbers."),
                color=ctx.theme.warning,
                bold=True,
            )
        )
    rules = box(spacing=4, size_hint_y=None)
    row_height = 58
    for line, pic in (
        (t("The call is not recorded."), "video"),
        (t("Nothing about you stays on this kiosk."), "close"),
        (t("Only the adviser sees your first name."), "user"),
    ):
        row = box(vertical=False, size_hint_y=None, height=row_height, spacing=16)
        row.add_widget(Icon(pic, ctx.theme.primary, 36, size_hint_x=None, width=44))
        row.add_widget(paragraph(ctx, line, size=30, size_hint_y=1))
        rules.add_widget(row)
    rules.height = 3 * row_height + 2 * 4
    page.add_widget(rules)
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
    start.height = 160
    page.add_widget(start)
    page.add_widget(Widget(size_hint_y=0.05))
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
