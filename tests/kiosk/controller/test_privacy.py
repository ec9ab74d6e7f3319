"""Session wipe: nothing personal is left in the controller, its events or its logs."""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable

import pytest

from kiosk.controller import Controller, Screen
from kiosk.controller.ports import Agreement, Appointment
from tests.kiosk.controller.conftest import call_placed, start_first_visit, to_pin
from tests.kiosk.controller.fakes import Account, FakeCall, Harness, type_text, wait_for

Make = Callable[..., Awaitable[Harness]]

CODE = "48151623"
PIN = "973164"
NAME = "Quiterie"
NEW_NAME = "Zéphyrine"
PHONE = "0698765432"
OTHER_PHONE = "0756781234"
SECRETS = (CODE, PIN, NAME, NEW_NAME, PHONE, OTHER_PHONE)


def _reachable_strings(root: object, excluded: Iterable[object]) -> list[str]:
    """Every str reachable from `root` through gc referents, not entering `excluded`.

    The ports (fakes) are excluded: what they keep is their own implementations'
    business and tested there. Modules, classes and the event loop are excluded
    too: they lead to the test's own constants, not to the controller's state.
    """
    stop = {id(o) for o in excluded}
    stop.update(id(m) for m in list(sys.modules.values()))
    stop.update(id(vars(m)) for m in list(sys.modules.values()) if hasattr(m, "__dict__"))
    stop.add(id(asyncio.get_running_loop()))
    seen: set[int] = set()
    found: list[str] = []
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or id(obj) in stop or isinstance(obj, type):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            found.append(obj)
            continue
        todo.extend(gc.get_referents(obj))
    return found


def _leaks(strings: Iterable[str]) -> list[str]:
    return [s for s in strings if any(secret in s for secret in SECRETS)]


LONG_LIVED = ("HubSync.refresh_loop", "HubSync.flush_loop", "Event.wait")


async def _settle() -> None:
    """Wait until the session's tasks (cancelled or not) have finished."""

    def only_long_lived() -> bool:
        others = asyncio.all_tasks() - {asyncio.current_task()}
        names = [getattr(t.get_coro(), "__qualname__", "") for t in others]
        return all(name in LONG_LIVED for name in names)

    await wait_for(only_long_lived)


def _assert_wiped(kiosk: Harness) -> None:
    kiosk.views.clear()  # the test's own copy of the published Views
    gc.collect()
    strings = _reachable_strings(kiosk.controller, kiosk.ports())
    assert len(strings) > 20  # the scan did walk the controller (catalog, settings...)
    assert _leaks(strings) == []
    view = kiosk.view
    assert (view.first_name, view.commune, view.entry, view.topic, view.agreement) == (
        None,
        None,
        "",
        None,
        None,
    )


async def test_a_whole_session_leaves_nothing_personal_behind(
    make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    kiosk = await make(idle_s=0.05, idle_countdown_s=1)
    kiosk.hub.accounts[CODE] = Account(pin=PIN, first_name=NAME, has_phone=False)
    c = kiosk.controller

    # 1. identified by code and PIN (one wrong PIN), a call with an agreement, a slip
    to_pin(kiosk, CODE)
    type_text(c, "000000")
    c.submit()
    await wait_for(lambda: kiosk.view.notice is not None)
    type_text(c, PIN)
    c.submit()
    await wait_for(lambda: kiosk.view.first_name == NAME)
    await call_placed(kiosk)
    kiosk.calls.last.push("answered", adviser_name="Claire")
    appointment = Appointment(
        when=kiosk.hub.catalog_value.generated_at, place="Agen", partner="ADIL 47"
    )
    kiosk.calls.last.push(
        "agreement", agreement=Agreement(next_step=f"Call {NAME}", appointment=appointment)
    )
    c.hang_up()
    c.print_slip()
    await wait_for(lambda: kiosk.view.printed)
    # out through "I'm done" and the survey
    c.finish()
    c.skip_survey()
    await wait_for(lambda: kiosk.view.screen is Screen.ATTRACT)
    await _settle()
    _assert_wiped(kiosk)

    # 2. a first visit, a missed call, a call-back with a phone; it ends idle
    start_first_visit(kiosk, NEW_NAME, "Agen")
    c.choose_topic("mobility")
    c.request_contact("callback")
    type_text(c, PHONE)
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.hub.sent[-1].phone == PHONE
    c.back()  # nothing: REQUEST_SENT has no way back
    await wait_for(lambda: kiosk.view.screen is Screen.ATTRACT)  # idle countdown, then end
    await _settle()
    _assert_wiped(kiosk)

    # 3. a session cut short mid-typing by close(), which must wipe too
    start_first_visit(kiosk, NEW_NAME, "Laplume")
    c.choose_topic("mobility")
    c.request_contact("appointment")
    type_text(c, OTHER_PHONE)
    await c.close()
    _assert_wiped(kiosk)

    # no personal datum in any usage event or log line
    for event in kiosk.events.events:
        fields = event.model_dump_json(exclude={"id", "ts"})
        assert not any(secret in fields for secret in SECRETS), fields
    assert _leaks([caplog.text]) == []
    ended = [e.detail for e in kiosk.events.of("session.ended")]
    assert ended == ["done", "idle", "cancelled"]


async def test_the_scan_would_find_a_personal_datum_left_behind(make: Make) -> None:
    """The wipe check is not vacuous: during a session it finds the first name."""
    kiosk = await make()
    c = kiosk.controller
    c.begin()
    c.choose_first_visit()
    type_text(c, NEW_NAME)
    c.submit()
    kiosk.views.clear()
    assert _leaks(_reachable_strings(c, kiosk.ports()))


async def test_close_hangs_up_and_leaves_no_task_running(make: Make) -> None:
    kiosk = await make(request_retry_s=0.01, catalog_refresh_s=0.01)
    kiosk.hub.accounts[CODE] = Account(pin=PIN, first_name=NAME)
    c = kiosk.controller
    to_pin(kiosk, CODE)
    type_text(c, PIN)
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.TOPICS)
    c.choose_topic("housing")
    await wait_for(lambda: c.current_call is not None)
    call = kiosk.calls.last
    assert isinstance(call, FakeCall)
    call.push("answered", adviser_name="Claire")
    c.show_message("bye")
    await c.close()
    assert call.hung_up
    assert asyncio.all_tasks() == {asyncio.current_task()}
    assert kiosk.view.screen is Screen.ATTRACT and kiosk.view.first_name is None
    c.begin()  # actions after close do nothing
    assert kiosk.view.screen is Screen.ATTRACT
    await c.close()  # twice is harmless


async def test_a_controller_that_never_started_closes_cleanly() -> None:
    from tests.kiosk.controller.fakes import build

    harness = build()
    assert isinstance(harness.controller, Controller)
    await harness.controller.close()
    assert asyncio.all_tasks() == {asyncio.current_task()}
