"""The end of a session: the three-smiley survey and goodbye."""

from __future__ import annotations

from functools import partial

from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.ui import theme as th
from kiosk.ui.screens.base import (
    Built,
    Context,
    action_row,
    heading,
    new_page,
    paragraph,
)
from kiosk.ui.widgets import (
    button,
)


def survey(ctx: Context) -> Built:
    """Three smileys: did it help?"""
    t, c = ctx.t, ctx.controller
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("Did this help you?"), ""))
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
        action_row(
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
    page = new_page(ctx)
    page.add_widget(Widget())
    page.add_widget(heading(ctx, t("Thank you. Goodbye!"), "happy", size=th.BIG))
    page.add_widget(
        paragraph(ctx, t("Everything about you has been erased from the kiosk."), size=34)
    )
    page.add_widget(Widget())
    return Built(page)
