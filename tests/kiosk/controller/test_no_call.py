"""Wrong PINs, lockout, and every way a call does not happen: missed, unavailable, failed."""

from __future__ import annotations

import asyncio

from kiosk.controller import NoticeKind, Screen
from kiosk.controller.ports import CallEndReason
from tests.kiosk.controller.conftest import CODE, PIN, call_placed, first_visit, identify, to_pin
from tests.kiosk.controller.fakes import Harness, type_text, wait_for


async def test_wrong_pins_count_down_then_the_code_locks_kindly(kiosk: Harness) -> None:
    c = kiosk.controller
    to_pin(kiosk)
    for left in (2, 1):
        type_text(c, "0000")
        c.submit()
        await wait_for(lambda: not kiosk.view.busy)
        assert kiosk.view.screen is Screen.PIN and kiosk.view.entry == ""
        assert kiosk.view.notice is not None
        assert (kiosk.view.notice.kind, kiosk.view.notice.count) == (NoticeKind.WRONG_PIN, left)
    type_text(c, "0000")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.IDENTIFY)
    assert kiosk.view.notice is not None
    assert (kiosk.view.notice.kind, kiosk.view.notice.count) == (NoticeKind.LOCKED, 15)
    assert [e.detail for e in kiosk.events.of("error")] == ["pin-locked"]
    c.choose_first_visit()  # the screen proposes the first visit instead
    assert kiosk.view.screen is Screen.FIRST_NAME


async def test_actions_wait_while_the_hub_checks_the_pin(kiosk: Harness) -> None:
    c = kiosk.controller
    kiosk.hub.gate = asyncio.Event()
    to_pin(kiosk)
    type_text(c, PIN)
    c.submit()
    assert kiosk.view.busy
    await wait_for(lambda: kiosk.hub.identify_calls == 1)
    c.key("1")
    c.back()
    c.submit()
    assert kiosk.view.screen is Screen.PIN and kiosk.view.busy
    kiosk.hub.gate.set()
    await wait_for(lambda: kiosk.view.screen is Screen.TOPICS)
    assert kiosk.hub.identify_calls == 1


async def test_hub_unreachable_at_identify_goes_offline_keeping_the_session(
    kiosk: Harness,
) -> None:
    to_pin(kiosk)
    kiosk.hub.reachable = False
    type_text(kiosk.controller, PIN)
    kiosk.controller.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.OFFLINE)
    assert not kiosk.view.online and kiosk.view.catalog is not None
    assert "hub-unreachable" in [e.detail for e in kiosk.events.of("error")]
    assert "session.ended" not in kiosk.events.types()


async def test_an_unavailable_topic_offers_contact_without_calling(kiosk: Harness) -> None:
    await identify(kiosk)
    kiosk.controller.choose_topic("mobility")
    assert kiosk.view.screen is Screen.NO_ANSWER
    assert kiosk.view.no_answer_reason == "unavailable"
    assert kiosk.calls.calls == []
    kiosk.controller.request_contact("appointment")
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    sent = kiosk.hub.sent[-1]
    assert (sent.kind, sent.reason, sent.topic) == ("appointment", "unavailable", "mobility")
    assert sent.ref is not None and sent.first_name is None
    assert kiosk.view.request_kind == "appointment" and not kiosk.view.request_offline
    assert kiosk.events.of("appointment.requested")[0].detail == "unavailable"


async def test_a_missed_call_then_a_callback_for_someone_the_hub_can_call(
    kiosk: Harness,
) -> None:
    await identify(kiosk)
    c = kiosk.controller
    await call_placed(kiosk)
    kiosk.calls.last.push("ended", reason=CallEndReason.MISSED)
    assert kiosk.view.screen is Screen.NO_ANSWER and kiosk.view.no_answer_reason == "missed"
    assert kiosk.events.of("call.missed")[0].value is not None
    c.request_contact("callback")
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    sent = kiosk.hub.sent[-1]
    assert (sent.kind, sent.reason, sent.phone) == ("callback", "no-answer", None)
    c.print_slip()
    await wait_for(lambda: bool(kiosk.printer.slips))
    reminder = kiosk.printer.slips[-1]
    assert reminder.kind == "request"
    assert any("Odette" in line.text for line in reminder.lines)
    c.finish()
    assert kiosk.view.screen is Screen.GOODBYE  # no survey without a call
    assert kiosk.events.of("callback.requested")[0].detail == "no-answer"


async def test_a_callback_asks_the_phone_when_the_hub_has_none(kiosk: Harness) -> None:
    kiosk.hub.accounts[CODE].has_phone = False
    await identify(kiosk)
    c = kiosk.controller
    c.choose_topic("mobility")
    c.request_contact("callback")
    assert kiosk.view.screen is Screen.PHONE
    c.submit()  # a call-back needs a number: OK without one says so
    assert kiosk.view.screen is Screen.PHONE and kiosk.view.notice is not None
    c.back()
    assert kiosk.view.screen is Screen.NO_ANSWER
    c.request_contact("callback")
    type_text(c, "0612345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.hub.sent[-1].phone == "0612345678"


async def test_a_first_visitor_gives_a_phone_before_a_callback(kiosk: Harness) -> None:
    c = kiosk.controller
    first_visit(kiosk)
    c.choose_topic("mobility")
    c.request_contact("callback")
    assert kiosk.view.screen is Screen.PHONE
    type_text(c, "0712345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    sent = kiosk.hub.sent[-1]
    assert (sent.first_name, sent.commune, sent.phone, sent.ref) == (
        "Léa",
        "Agen",
        "0712345678",
        None,
    )


async def test_a_request_the_hub_refuses_says_so_and_loses_nothing_else(
    kiosk: Harness,
) -> None:
    await identify(kiosk)
    kiosk.hub.reject_status = 422
    kiosk.controller.choose_topic("mobility")
    kiosk.controller.request_contact("appointment")
    await wait_for(lambda: kiosk.view.notice is not None)
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.REQUEST_FAILED
    assert kiosk.view.screen is Screen.NO_ANSWER and kiosk.view.first_name == "Odette"
    assert kiosk.requests.stored == {}


async def test_a_failed_connection_while_waiting_says_so(kiosk: Harness) -> None:
    await identify(kiosk)
    kiosk.controller.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    kiosk.calls.last.push("ended", reason=CallEndReason.FAILED)
    assert kiosk.view.screen is Screen.NO_ANSWER and kiosk.view.no_answer_reason == "failed"
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.CALL_FAILED
    assert kiosk.events.of("error")[-1].detail == "call-failed"


async def test_a_call_service_error_is_a_failed_call(kiosk: Harness) -> None:
    await identify(kiosk)
    kiosk.calls.fail = True
    kiosk.controller.choose_topic("housing")
    await wait_for(lambda: kiosk.view.screen is Screen.NO_ANSWER)
    assert kiosk.view.no_answer_reason == "failed"


async def test_cancel_wait_withdraws_the_request_and_ignores_its_late_updates(
    kiosk: Harness,
) -> None:
    await identify(kiosk)
    c = kiosk.controller
    c.choose_topic("housing")
    await wait_for(lambda: c.current_call is not None)
    call = kiosk.calls.last
    c.cancel_wait()
    assert kiosk.view.screen is Screen.TOPICS
    await wait_for(lambda: call.cancelled)
    call.push("answered", adviser_name="Late")
    assert kiosk.view.screen is Screen.TOPICS
    c.choose_topic("housing")  # a new request works
    await wait_for(lambda: len(kiosk.calls.calls) == 2)
    kiosk.calls.last.push("answered", adviser_name="Claire")
    assert kiosk.view.screen is Screen.IN_CALL and kiosk.view.adviser_name == "Claire"


async def test_no_answer_back_offers_another_topic(kiosk: Harness) -> None:
    await identify(kiosk)
    kiosk.controller.choose_topic("mobility")
    kiosk.controller.back()
    assert kiosk.view.screen is Screen.TOPICS


async def test_waiting_in_line_the_person_can_be_called_back_instead(kiosk: Harness) -> None:
    await identify(kiosk)  # Odette: the hub has her number
    c = kiosk.controller
    c.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    kiosk.calls.last.push("queued", position=3, eta_s=600.0)
    assert kiosk.view.position == 3
    c.request_contact("callback")
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    await wait_for(lambda: kiosk.calls.last.cancelled)  # out of the line
    sent = kiosk.hub.sent[-1]
    assert (sent.kind, sent.reason, sent.topic) == ("callback", "long-wait", "housing")


async def test_a_first_visitor_leaving_the_line_gives_a_number_or_goes_back(
    kiosk: Harness,
) -> None:
    first_visit(kiosk)
    c = kiosk.controller
    c.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    c.request_contact("callback")
    assert kiosk.view.screen is Screen.PHONE
    c.back()  # changed their mind: back to the topics, the call already withdrawn
    assert kiosk.view.screen is Screen.TOPICS
    await wait_for(lambda: kiosk.calls.last.cancelled)
    assert kiosk.hub.sent == []
