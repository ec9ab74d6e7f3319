"""Offline: the cached catalog, the contact sheet, requests kept and sent when the hub is back."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from kiosk.controller import NoticeKind, Screen
from tests.kiosk.controller.conftest import first_visit, identify, to_pin
from tests.kiosk.controller.fakes import (
    Account,
    FakeCache,
    FakeHub,
    Harness,
    make_catalog,
    type_text,
    wait_for,
)

Make = Callable[..., Awaitable[Harness]]


def _down_hub() -> FakeHub:
    hub = FakeHub()
    hub.reachable = False
    return hub


async def test_offline_at_start_with_a_cache_shows_the_cached_contacts(make: Make) -> None:
    kiosk = await make(hub=_down_hub(), cache=FakeCache(make_catalog(site="Cached")))
    assert not kiosk.view.online
    assert kiosk.view.catalog is not None and kiosk.view.catalog.site == "Cached"
    c = kiosk.controller
    c.begin()
    assert kiosk.view.screen is Screen.OFFLINE
    c.print_slip()
    await wait_for(lambda: bool(kiosk.printer.slips))
    sheet = kiosk.printer.slips[-1]
    assert sheet.kind == "contacts"
    texts = [line.text for line in sheet.lines]
    assert "05 53 00 00 01" in texts and "05 53 00 00 02" in texts
    assert "mardi 14 h-17 h" in texts
    assert kiosk.events.of("slip.printed")[0].detail == "contacts"
    assert kiosk.events.of("error")[0].detail == "hub-unreachable"


async def test_offline_at_start_without_a_cache_says_there_is_no_catalog(make: Make) -> None:
    kiosk = await make(hub=_down_hub())
    c = kiosk.controller
    c.begin()
    assert kiosk.view.screen is Screen.OFFLINE and kiosk.view.catalog is None
    c.print_slip()  # nothing to print
    c.request_contact("callback")
    assert kiosk.view.screen is Screen.FIRST_NAME
    type_text(c, "Léa")
    c.submit()
    assert kiosk.view.screen is Screen.PHONE  # no commune list without a catalog
    type_text(c, "0612345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.printer.slips == []
    (stored,) = kiosk.requests.stored.values()
    assert (stored.reason, stored.commune, stored.first_name) == ("offline", None, "Léa")


async def test_offline_callback_is_stored_then_flushed_when_the_hub_is_back(make: Make) -> None:
    kiosk = await make(
        hub=_down_hub(),
        cache=FakeCache(make_catalog()),
        catalog_refresh_s=0.05,
        request_retry_s=0.05,
    )
    c = kiosk.controller
    c.begin()
    c.choose_topic("housing")  # on the offline screen: names the request's topic
    assert kiosk.view.screen is Screen.OFFLINE and kiosk.view.topic is not None
    c.request_contact("callback")
    assert kiosk.view.screen is Screen.FIRST_NAME
    c.back()
    assert kiosk.view.screen is Screen.OFFLINE
    c.request_contact("callback")
    type_text(c, "Léa")
    c.submit()
    c.choose_commune("Laplume")
    assert kiosk.view.screen is Screen.PHONE  # a call-back needs a number
    type_text(c, "0612345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.view.request_offline and kiosk.view.request_kind == "callback"
    (stored,) = kiosk.requests.stored.values()
    assert (stored.reason, stored.topic, stored.phone) == ("offline", "housing", "0612345678")
    assert kiosk.events.of("callback.requested")[0].detail == "offline"

    kiosk.controller.print_slip()
    await wait_for(lambda: bool(kiosk.printer.slips))
    reminder = kiosk.printer.slips[-1]
    assert not any("0612345678" in line.text for line in reminder.lines)

    kiosk.hub.reachable = True
    await wait_for(lambda: kiosk.requests.stored == {})
    assert [r.id for r in kiosk.hub.sent] == [stored.id]
    await wait_for(lambda: kiosk.view.online)


async def test_a_stored_request_the_hub_rejects_is_dropped_others_wait(make: Make) -> None:
    kiosk = await make(request_retry_s=0.02)
    await _store_one_offline(kiosk)
    kiosk.hub.reachable = True
    kiosk.hub.reject_status = 409  # not a validation error: kept for later
    tries = kiosk.hub.send_attempts
    await wait_for(lambda: kiosk.hub.send_attempts >= tries + 2)
    assert len(kiosk.requests.stored) == 1
    kiosk.hub.reject_status = 422
    await wait_for(lambda: kiosk.requests.stored == {})
    assert kiosk.hub.sent == []


async def _store_one_offline(kiosk: Harness) -> None:
    """A first visitor's call-back made while the hub is down."""
    kiosk.hub.reachable = False
    c = kiosk.controller
    first_visit(kiosk)
    c.choose_topic("mobility")
    c.request_contact("appointment")
    assert kiosk.view.screen is Screen.PHONE  # to set the appointment, an adviser calls
    type_text(c, "0612345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.view.request_offline
    assert len(kiosk.requests.stored) == 1


async def test_hub_down_mid_journey_keeps_the_request_for_later(make: Make) -> None:
    kiosk = await make()
    kiosk.hub.accounts["73519042"] = Account(pin="2468", first_name="Odette")
    await identify(kiosk)
    kiosk.hub.reachable = False
    kiosk.controller.choose_topic("mobility")
    kiosk.controller.request_contact("appointment")
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.view.request_offline and not kiosk.view.online
    (stored,) = kiosk.requests.stored.values()
    assert stored.reason == "unavailable" and stored.ref is not None


async def test_refresh_updates_online_and_the_cache_and_back_retries_online(make: Make) -> None:
    kiosk = await make(hub=_down_hub(), catalog_refresh_s=0.02)
    c = kiosk.controller
    c.begin()
    assert kiosk.view.screen is Screen.OFFLINE
    c.back()  # still offline: stays
    assert kiosk.view.screen is Screen.OFFLINE
    kiosk.hub.reachable = True
    await wait_for(lambda: kiosk.view.online)
    assert kiosk.cache.saves >= 1 and kiosk.view.catalog is not None
    c.back()
    assert kiosk.view.screen is Screen.IDENTIFY


async def test_printer_failure_shows_the_code_and_keeps_the_screen(make: Make) -> None:
    kiosk = await make(hub=_down_hub(), cache=FakeCache(make_catalog()))
    kiosk.printer.fail_code = "paper-out"
    c = kiosk.controller
    c.begin()
    c.print_slip()
    await wait_for(lambda: kiosk.view.notice is not None)
    notice = kiosk.view.notice
    assert notice is not None
    assert (notice.kind, notice.text) == (NoticeKind.PRINTER_FAILED, "paper-out")
    assert kiosk.view.screen is Screen.OFFLINE and not kiosk.view.printed
    assert "printer-paper-out" in [e.detail for e in kiosk.events.of("error")]
    kiosk.printer.fail_code = None
    c.print_slip()  # nothing else was lost: printing again works
    await wait_for(lambda: kiosk.view.printed)


async def test_a_hub_asking_to_slow_down_keeps_the_request_and_waits(make: Make) -> None:
    """429 from the hub: the person is told the request is kept, the kiosk stays online,
    and the flusher waits the time the hub asked before sending it."""
    kiosk = await make(request_retry_s=0.02, catalog_refresh_s=0.02)
    kiosk.hub.throttle_s = 1
    c = kiosk.controller
    first_visit(kiosk)
    c.choose_topic("mobility")
    c.request_contact("appointment")
    type_text(c, "0612345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.view.request_offline and len(kiosk.requests.stored) == 1
    assert kiosk.view.online  # busy is not down: no offline screen for the next person
    tries = kiosk.hub.send_attempts
    await asyncio.sleep(0.5)
    # Once refused, the flusher waits the second the hub asked, not its 20 ms retry.
    assert kiosk.hub.send_attempts <= tries + 1
    kiosk.hub.throttle_s = None
    await wait_for(lambda: kiosk.requests.stored == {}, timeout=5)
    assert len(kiosk.hub.sent) == 1


async def test_identify_while_the_hub_slows_the_kiosk_down_says_wait(make: Make) -> None:
    kiosk = await make()
    kiosk.hub.accounts["73519042"] = Account(pin="2468", first_name="Odette")
    kiosk.hub.throttle_s = 120
    to_pin(kiosk, "73519042")
    type_text(kiosk.controller, "2468")
    kiosk.controller.submit()
    await wait_for(lambda: kiosk.view.notice is not None)
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.LOCKED
    assert kiosk.view.notice.count == 2  # minutes
    assert kiosk.view.screen is Screen.IDENTIFY and kiosk.view.online
