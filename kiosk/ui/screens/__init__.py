"""One builder per screen of the journey: View in, widget tree out (plus what to read aloud).

A module per phase of the journey (docs/architecture.md, "Kiosk screens"):
`welcome`, `identify`, `first_visit`, `topics`, `call`, `farewell`, `offline`
and `ops`; what they share is in `base`. `build` picks the builder of the
View's screen.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.controller.view import Screen
from kiosk.ui.screens import call, farewell, first_visit, identify, offline, ops, topics, welcome
from kiosk.ui.screens.base import Built, CatalogKey, Context, topic_label

BUILDERS: dict[Screen, Callable[[Context], Built]] = {
    Screen.ATTRACT: welcome.attract,
    Screen.IDENTIFY: identify.identify,
    Screen.CARD: identify.card,
    Screen.CODE: identify.code,
    Screen.PIN: identify.pin,
    Screen.FIRST_NAME: first_visit.first_name,
    Screen.COMMUNE: first_visit.commune,
    Screen.PHONE: first_visit.phone,
    Screen.TOPICS: topics.topics,
    Screen.WAITING: topics.waiting,
    Screen.NO_ANSWER: topics.no_answer,
    Screen.REQUEST_SENT: topics.request_sent,
    Screen.IN_CALL: call.in_call,
    Screen.AFTER_CALL: call.after_call,
    Screen.SURVEY: farewell.survey,
    Screen.GOODBYE: farewell.goodbye,
    Screen.OFFLINE: offline.offline,
    Screen.OPS_PIN: ops.ops_pin,
    Screen.OPS: ops.ops,
}


def build(ctx: Context) -> Built:
    """The widget tree of the View's screen."""
    built = BUILDERS[ctx.view.screen](ctx)
    built.spoken = [s for s in ctx.spoken if s]
    return built


__all__ = ["BUILDERS", "Built", "CatalogKey", "Context", "build", "topic_label"]
