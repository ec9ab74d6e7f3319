"""The technician's screens: the PIN and the maintenance menu."""

from __future__ import annotations

from functools import partial

from kivy.uix.gridlayout import GridLayout
from kivy.uix.widget import Widget

from kiosk.ui import theme as th
from kiosk.ui.i18n import Translator, _
from kiosk.ui.screens.base import (
    Built,
    Context,
    heading,
    keypad_screen,
    new_page,
)
from kiosk.ui.widgets import (
    Text,
    button,
)

OPS_LABELS = {
    "site": _("Place"),
    "online": _("Connected to Gaïa"),
    "catalog-age": _("Topics updated"),
    "printer": _("Printer"),
    "pending-requests": _("Requests to send"),
    "speech": _("Reading aloud"),
}
"""The words of each fact of the maintenance menu (kiosk.controller.ops.OPS_FACTS)."""

DEVICE_WORDS = {
    "ok": _("Works"),
    "paper-low": _("Little paper left"),
    "paper-out": _("No paper"),
    "offline": _("Not answering"),
    "absent": _("Not installed"),
    "error": _("Fault"),
    "unknown": _("Unknown"),
}


def ops_value(t: Translator, key: str, value: str) -> str:
    """A fact of the maintenance menu worded in the screen's language."""
    if value in ("yes", "no") and key in ("online", "speech"):
        return t("Yes") if value == "yes" else t("No")
    if key == "catalog-age":
        if not value.isdigit():
            return t("Never")
        minutes = int(value)
        return t.n("{n} minute ago", "{n} minutes ago", minutes).format(n=minutes)
    if key == "printer":
        return t(DEVICE_WORDS.get(value, "Unknown"))
    return value


def ops_pin(ctx: Context) -> Built:
    """The technician's code."""
    return keypad_screen(ctx, ctx.t("Technician code"), "", "gear", gid="entry-secret")


def ops(ctx: Context) -> Built:
    """The maintenance menu."""
    t, v, c = ctx.t, ctx.view, ctx.controller
    page = new_page(ctx)
    page.add_widget(heading(ctx, t("Maintenance"), "gear"))
    grid = GridLayout(
        cols=2, spacing=10, size_hint_y=None, row_default_height=50, row_force_default=True
    )
    grid.bind(minimum_height=grid.setter("height"))
    for key, value in v.ops_info.items():
        label = t(OPS_LABELS[key]) if key in OPS_LABELS else key
        grid.add_widget(Text(label, ctx.theme, bold=True, size_hint_y=1))
        grid.add_widget(Text(ops_value(t, key, value), ctx.theme, size_hint_y=1, gid=f"ops-{key}"))
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
