"""Saying who you are: the three ways, the card, the personal code and the secret code."""

from __future__ import annotations

from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.ui import theme as th
from kiosk.ui.screens.base import (
    Built,
    Context,
    action_row,
    back_button,
    heading,
    keypad_screen,
    new_page,
    paragraph,
)
from kiosk.ui.widgets import (
    Icon,
    button,
)


def identify(ctx: Context) -> Built:
    """Three ways to say who you are."""
    t, c = ctx.t, ctx.controller
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("How do you want to start?"), "user"))
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
    page.add_widget(action_row(ctx, back_button(ctx)))
    return Built(page)


def card(ctx: Context) -> Built:
    """Where to hold the card; the scanner's reading takes the person on to the PIN."""
    t, c = ctx.t, ctx.controller
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("Show your card"), "card"))
    page.add_widget(Widget())
    page.add_widget(Icon("qrcode", ctx.theme.primary, 160, size_hint=(1, None)))
    page.add_widget(
        paragraph(
            ctx,
            t("Hold your card flat in front of the reader, under the screen."),
            size=36,
            halign="center",
        )
    )
    page.add_widget(paragraph(ctx, t("The kiosk reads it by itself."), halign="center"))
    page.add_widget(Widget())
    page.add_widget(
        action_row(
            ctx,
            back_button(ctx),
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
    return keypad_screen(
        ctx,
        t("Type your code"),
        t("Your code has {low} to {high} digits.").format(
            low=ctx.view.entry_min, high=ctx.view.entry_max
        ),
        "keypad",
    )


def pin(ctx: Context) -> Built:
    """The secret code (PIN) on the keypad."""
    t = ctx.t
    return keypad_screen(
        ctx,
        t("Type your secret code"),
        t("Nobody can see it. It has {low} to {high} digits.").format(
            low=ctx.view.entry_min, high=ctx.view.entry_max
        ),
        "lock",
        gid="entry-secret",
    )
