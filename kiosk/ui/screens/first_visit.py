"""A first visit: first name, then commune (the kiosk's own first, the others by their first
letter when the list is long); the phone number when a request needs one."""

from __future__ import annotations

from functools import partial

from kivy.uix.gridlayout import GridLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.controller.view import View
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
    rows_grid,
)
from kiosk.ui.widgets import (
    EntryDisplay,
    LetterKeyboard,
    box,
    button,
    entry_text,
)


def first_name(ctx: Context) -> Built:
    """First visit, 1/3: the first name on a letter keyboard."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = new_page(ctx)
    if ctx.portrait:
        page.padding = (16, th.PADDING)
    top = box(vertical=False, size_hint_y=None, spacing=th.SPACING)
    title = heading(ctx, t("What is your first name?"), "user", size=40)
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
            back_button(ctx, "" if ctx.portrait else t("Back"), text_size=28),
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
    """First visit, 2/2: the commune, from a list (no typing): the kiosk's own first (one
    touch for most people), the others by their first letter when the list is long
    (kiosk.controller.communes); "another commune" always."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("Where do you live?"), "place"))
    home = v.home_commune if v.commune_letter is None else None
    if home:
        page.add_widget(
            button(
                "commune-home",
                ctx.say(t("I live in {commune}").format(commune=home)),
                partial(c.choose_commune, home),
                ctx.theme,
                pictogram="place",
            )
        )
    if not v.communes_shown and not v.commune_letters:
        page.add_widget(paragraph(ctx, t("The list of communes is not available.")))
        page.add_widget(Widget())
    elif v.commune_letter is None and v.commune_letters:
        page.add_widget(
            paragraph(
                ctx,
                t("Or touch the first letter of your commune.")
                if home
                else t("Touch the first letter of your commune."),
            )
        )
        letters = v.commune_letters
        page.add_widget(ctx.part(("commune-letters", letters), lambda: _letter_grid(ctx, letters)))
        page.add_widget(Widget())
    else:
        if v.commune_letter is not None:
            page.add_widget(
                paragraph(
                    ctx, t("Communes starting with {letter}:").format(letter=v.commune_letter)
                )
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
    page.add_widget(action_row(ctx, back_button(ctx), other, stack=False))
    return Built(page)


def _letter_grid(ctx: Context, letters: tuple[str, ...]) -> GridLayout:
    grid = rows_grid(5 if ctx.portrait else 8, int(th.TOUCH_MIN * 1.3))
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
    grid = rows_grid(2 if ctx.portrait else 3, th.TOUCH_MIN)
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


def phone(ctx: Context) -> Built:
    """The number an adviser will call, for a call-back or to set an appointment."""
    t = ctx.t
    return keypad_screen(
        ctx, t("Your phone number"), t("An adviser will call you on this number."), "phone"
    )
