"""The job seeker's journey through the controller: identify, topic, call, slip, survey."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from kiosk.controller import NoticeKind, Screen
from kiosk.controller.ports import Agreement, Appointment, CallEndReason, CallQuality
from kiosk.controller.view import Notice
from tests.kiosk.controller.conftest import (
    CODE,
    PIN,
    call_placed,
    first_visit,
    identify,
    start_first_visit,
    to_pin,
)
from tests.kiosk.controller.fakes import (
    FakeCache,
    FakeHub,
    Harness,
    make_catalog,
    type_text,
    wait_for,
)

Make = Callable[..., Awaitable[Harness]]


async def test_code_and_pin_lead_to_a_call_an_agreement_a_slip_and_the_survey(
    kiosk: Harness,
) -> None:
    c = kiosk.controller
    assert kiosk.view.screen is Screen.ATTRACT
    c.begin()  # Start is the consent: the welcome screen says the privacy rules
    assert kiosk.view.screen is Screen.IDENTIFY
    c.choose_code()
    assert (kiosk.view.screen, kiosk.view.entry_min, kiosk.view.entry_max) == (Screen.CODE, 6, 10)
    type_text(c, CODE)
    assert kiosk.view.entry == CODE and not kiosk.view.masked
    c.submit()
    assert kiosk.view.screen is Screen.PIN and kiosk.view.masked
    type_text(c, PIN)
    c.submit()
    assert kiosk.view.busy
    await wait_for(lambda: kiosk.view.screen is Screen.TOPICS)
    assert kiosk.view.first_name == "Odette" and not kiosk.view.busy
    assert kiosk.view.catalog is not None
    assert [t.id for t in kiosk.view.catalog.topics] == ["housing", "mobility"]

    c.choose_topic("housing")
    assert kiosk.view.screen is Screen.WAITING
    await wait_for(lambda: bool(kiosk.calls.calls))
    call = kiosk.calls.last
    assert kiosk.calls.callers[-1].first_name == "Odette"
    call.push("queued", position=2, eta_s=90.0)
    assert (kiosk.view.position, kiosk.view.eta_s) == (2, 90.0)
    await wait_for(lambda: kiosk.view.waited_s > 0.02)  # the waiting clock runs
    call.push("answered", adviser_name="Claire")
    assert kiosk.view.screen is Screen.IN_CALL and kiosk.view.adviser_name == "Claire"
    assert c.current_call is call
    call.push("quality", quality=CallQuality.POOR)
    assert kiosk.view.quality is CallQuality.POOR
    c.toggle_mute()
    assert kiosk.view.muted and call.muted
    c.toggle_audio_only()  # a weak link: sound only, asked here
    assert kiosk.view.audio_only and call.audio_only
    call.push("media", audio_only=False)  # the adviser turned the picture back on
    assert not kiosk.view.audio_only
    agreement = Agreement(
        next_step="Bring your lease",
        appointment=Appointment(
            when=datetime(2026, 12, 1, 13, 30, tzinfo=UTC), place="Agen", partner="ADIL 47"
        ),
    )
    call.push("agreement", agreement=agreement)
    await wait_for(lambda: kiosk.view.call_seconds > 0.02)
    c.hang_up()
    assert kiosk.view.screen is Screen.AFTER_CALL and kiosk.view.agreement == agreement
    await wait_for(lambda: call.hung_up)

    c.print_slip()
    await wait_for(lambda: kiosk.view.printed)
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.PRINTED
    slip = kiosk.printer.slips[-1]
    assert slip.kind == "appointment" and slip.title == "Votre rendez-vous"
    assert any("Bring your lease" in line.text for line in slip.lines)

    c.finish()  # after a call, "I'm done" asks the survey first
    assert kiosk.view.screen is Screen.SURVEY
    c.survey(3)
    assert kiosk.view.screen is Screen.GOODBYE and kiosk.view.first_name is None
    await wait_for(lambda: kiosk.view.screen is Screen.ATTRACT)

    assert kiosk.events.types() == [
        "session.started",
        "identified",
        "topic.chosen",
        "call.requested",
        "call.answered",
        "call.quality",
        "call.ended",
        "slip.printed",
        "survey",
        "session.ended",
    ]
    assert kiosk.events.of("identified")[0].detail == "code"
    assert kiosk.events.of("call.ended")[0].topic == "housing"
    assert kiosk.events.of("survey")[0].value == 3
    ended = kiosk.events.of("session.ended")[0]
    assert ended.detail == "done" and ended.value is not None
    assert len({e.session for e in kiosk.events.events}) == 1


async def test_remote_hang_up_goes_to_after_call_and_continue_goes_to_survey(
    kiosk: Harness,
) -> None:
    await identify(kiosk)
    c = kiosk.controller
    await call_placed(kiosk)
    kiosk.calls.last.push("answered", adviser_name="Claire")
    kiosk.calls.last.push("ended", reason=CallEndReason.REMOTE_HUNG_UP)
    assert kiosk.view.screen is Screen.AFTER_CALL and kiosk.view.agreement is None
    c.print_slip()  # no agreement: the topic's contacts
    await wait_for(lambda: bool(kiosk.printer.slips))
    assert kiosk.printer.slips[-1].kind == "contacts"
    c.submit()
    assert kiosk.view.screen is Screen.SURVEY
    c.skip_survey()
    assert kiosk.view.screen is Screen.GOODBYE
    assert kiosk.events.of("survey") == []


async def test_a_call_failing_midway_shows_the_notice_after_the_call(kiosk: Harness) -> None:
    await identify(kiosk)
    kiosk.controller.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    kiosk.calls.last.push("answered", adviser_name="Claire")
    kiosk.calls.last.push("ended", reason=CallEndReason.FAILED)
    assert kiosk.view.screen is Screen.AFTER_CALL
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.CALL_FAILED
    assert "call-failed" in [e.detail for e in kiosk.events.of("error")]


async def test_finish_during_a_call_hangs_up_and_says_goodbye(kiosk: Harness) -> None:
    await identify(kiosk)
    kiosk.controller.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    kiosk.calls.last.push("answered", adviser_name="Claire")
    kiosk.controller.finish()
    assert kiosk.view.screen is Screen.GOODBYE
    await wait_for(lambda: kiosk.calls.last.hung_up)
    assert kiosk.controller.current_call is None
    assert "call.ended" in kiosk.events.types()


async def test_first_visit_with_first_name_and_commune_then_topics(kiosk: Harness) -> None:
    c = kiosk.controller
    c.begin()
    c.choose_first_visit()
    assert kiosk.view.screen is Screen.FIRST_NAME and kiosk.view.entry_max == 40
    type_text(c, "  ")  # a leading space is refused
    assert kiosk.view.entry == ""
    type_text(c, "Zoé-Anne D'Arc7<")  # digits and signs the keyboard does not have are refused
    assert kiosk.view.entry == "Zoé-Anne D'Arc"
    c.submit()
    assert kiosk.view.screen is Screen.COMMUNE and kiosk.view.first_name == "Zoé-Anne D'Arc"
    c.choose_commune("Nowhere")  # not in the list
    assert kiosk.view.screen is Screen.COMMUNE
    c.choose_commune("Laplume")
    assert kiosk.view.screen is Screen.TOPICS  # no phone asked: it is asked when needed
    assert kiosk.view.commune == "Laplume"
    assert kiosk.events.of("identified")[0].detail == "first-visit"


async def test_the_kiosks_own_commune_is_offered_first(make: Make) -> None:
    communes = ("Agen", "Astaffort", "Boé", "Layrac", "Laplume", *(f"Saint-{i}" for i in range(10)))
    kiosk = await make(hub=FakeHub(make_catalog(communes=communes)), home_commune="Laplume")
    start_first_visit(kiosk, commune=None)
    assert kiosk.view.home_commune == "Laplume" and kiosk.view.commune_letters
    kiosk.controller.choose_commune("Laplume")
    assert kiosk.view.screen is Screen.TOPICS and kiosk.view.home_commune is None
    other = await make(home_commune="Paris")  # not in the territory's list: not offered
    start_first_visit(other, commune=None)
    assert other.view.screen is Screen.COMMUNE and other.view.home_commune is None


async def test_a_wrong_phone_says_so_and_keeps_what_was_typed(make: Make) -> None:
    kiosk = await _on_callback_phone(make)
    c = kiosk.controller
    type_text(c, "0612")
    c.submit()
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.INVALID_PHONE
    assert kiosk.view.screen is Screen.PHONE and kiosk.view.entry == "0612"
    type_text(c, "345678")
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.hub.sent[-1].phone == "0612345678"


async def _on_callback_phone(make: Make) -> Harness:
    """A first visitor nobody answered, asking for a call-back: on the phone step."""
    kiosk = await make()
    first_visit(kiosk)
    kiosk.controller.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    kiosk.calls.last.push("ended", reason=CallEndReason.MISSED)
    kiosk.controller.request_contact("callback")
    assert kiosk.view.screen is Screen.PHONE
    return kiosk


async def test_an_international_phone_may_have_up_to_15_digits(make: Make) -> None:
    kiosk = await _on_callback_phone(make)
    c = kiosk.controller
    type_text(c, "3+2")  # "+" only first
    assert kiosk.view.entry == "32"
    c.erase()
    c.erase()
    type_text(c, "+4479460000001234")
    assert kiosk.view.entry == "+447946000000123" and kiosk.view.entry_max == 16
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.REQUEST_SENT)
    assert kiosk.hub.sent[-1].phone == "+447946000000123"


async def test_a_short_code_or_pin_cannot_be_submitted(kiosk: Harness) -> None:
    c = kiosk.controller
    c.begin()
    c.choose_code()
    type_text(c, "12345a")
    assert kiosk.view.entry == "12345"
    assert not kiosk.view.entry_ready  # OK looks disabled...
    c.submit()  # ... and touching it says what is missing
    assert kiosk.view.screen is Screen.CODE
    assert kiosk.view.notice == Notice(NoticeKind.ENTRY_SHORT, count=1)
    type_text(c, "678901234")
    assert kiosk.view.entry == "1234567890"  # at most 10
    assert kiosk.view.entry_ready
    c.submit()
    type_text(c, "123")
    c.submit()
    assert kiosk.view.screen is Screen.PIN and not kiosk.view.busy
    assert kiosk.view.notice == Notice(NoticeKind.ENTRY_SHORT, count=1)
    assert kiosk.hub.identify_calls == 0


async def test_ok_without_a_first_name_says_what_to_do(kiosk: Harness) -> None:
    c = kiosk.controller
    c.begin()
    c.choose_first_visit()
    c.key("-")
    assert not kiosk.view.entry_ready  # signs alone are not a name
    c.submit()
    assert kiosk.view.screen is Screen.FIRST_NAME
    assert kiosk.view.notice == Notice(NoticeKind.NAME_MISSING)
    c.key("A")
    assert kiosk.view.entry_ready


async def test_back_goes_one_step_back_and_from_identify_ends_the_session(kiosk: Harness) -> None:
    c = kiosk.controller
    to_pin(kiosk)
    c.back()
    assert kiosk.view.screen is Screen.CODE and kiosk.view.entry == CODE
    c.back()
    assert kiosk.view.screen is Screen.IDENTIFY
    c.choose_first_visit()
    type_text(c, "Léa")
    c.submit()
    c.back()
    assert kiosk.view.screen is Screen.FIRST_NAME and kiosk.view.entry == "Léa"
    c.submit()
    c.choose_commune("Agen")
    c.back()  # TOPICS → IDENTIFY: who they are is forgotten
    assert kiosk.view.screen is Screen.IDENTIFY and kiosk.view.first_name is None
    c.back()
    assert kiosk.view.screen is Screen.ATTRACT
    assert kiosk.events.of("session.ended")[0].detail == "cancelled"


async def test_qr_card_on_attract_asks_the_pin_at_once(kiosk: Harness) -> None:
    c = kiosk.controller
    c.scanned("GAIA1:" + CODE)  # the welcome screen said the privacy rules
    assert kiosk.view.screen is Screen.PIN
    type_text(c, PIN)
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.TOPICS)
    assert kiosk.events.of("identified")[0].detail == "qr"


async def test_qr_card_on_identify_or_code_goes_to_the_pin(kiosk: Harness) -> None:
    c = kiosk.controller
    c.begin()
    c.choose_code()
    type_text(c, "999")
    c.scanned("GAIA1:" + CODE)
    assert kiosk.view.screen is Screen.PIN and kiosk.view.entry == ""
    type_text(c, PIN)
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.TOPICS)


async def test_a_card_that_is_not_gaia_shows_a_notice_and_stays(kiosk: Harness) -> None:
    c = kiosk.controller
    c.scanned("https://example.org")
    assert kiosk.view.screen is Screen.ATTRACT
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.BAD_CARD
    assert kiosk.events.events == []
    c.begin()
    c.scanned("GAIA1:12")
    assert kiosk.view.screen is Screen.IDENTIFY
    assert kiosk.view.notice is not None and kiosk.view.notice.kind is NoticeKind.BAD_CARD


async def test_i_have_a_card_says_where_to_hold_it_and_takes_the_scan(kiosk: Harness) -> None:
    c = kiosk.controller
    c.begin()
    c.choose_card()
    assert kiosk.view.screen is Screen.CARD
    c.back()
    assert kiosk.view.screen is Screen.IDENTIFY
    c.choose_card()
    c.choose_code()  # no card with them after all: type the number
    assert kiosk.view.screen is Screen.CODE
    c.back()
    c.choose_card()
    c.scanned("GAIA1:" + CODE)
    assert kiosk.view.screen is Screen.PIN
    type_text(c, PIN)
    c.submit()
    await wait_for(lambda: kiosk.view.screen is Screen.TOPICS)
    assert kiosk.events.of("identified")[0].detail == "qr"


async def test_finish_asks_first_where_something_would_be_lost(kiosk: Harness) -> None:
    c = kiosk.controller
    c.begin()
    c.choose_first_visit()
    type_text(c, "Léa")
    c.ask_finish()
    assert kiosk.view.confirm_finish and kiosk.view.screen is Screen.FIRST_NAME
    c.keep_going()  # "No, go on": nothing lost
    assert not kiosk.view.confirm_finish and kiosk.view.entry == "Léa"
    c.ask_finish()
    c.back()  # going elsewhere drops the question
    assert not kiosk.view.confirm_finish
    c.ask_finish()
    c.finish()  # "Yes, finish"
    assert kiosk.view.screen is Screen.GOODBYE and not kiosk.view.confirm_finish
    assert kiosk.events.of("session.ended")[0].detail == "done"


async def test_finish_ends_at_once_where_nothing_is_lost(make: Make) -> None:
    hub = FakeHub()
    hub.reachable = False
    kiosk = await make(hub=hub, cache=FakeCache(make_catalog()))
    c = kiosk.controller
    c.begin()
    assert kiosk.view.screen is Screen.OFFLINE  # the partners' numbers: nothing typed
    c.ask_finish()
    assert kiosk.view.screen is Screen.GOODBYE and not kiosk.view.confirm_finish


async def test_a_long_commune_list_is_found_by_its_first_letter(make: Make) -> None:
    communes = ("Agen", "Astaffort", "Boé", "Layrac", "Laplume", *(f"Saint-{i}" for i in range(10)))
    kiosk = await make(hub=FakeHub(make_catalog(communes=communes)))
    c = kiosk.controller
    start_first_visit(kiosk, commune=None)
    assert kiosk.view.screen is Screen.COMMUNE
    assert kiosk.view.communes_shown == () and kiosk.view.commune_letters == ("A", "B", "L", "S")
    c.choose_commune_letter("Q")  # no commune under it: nothing happens
    assert kiosk.view.commune_letter is None
    c.choose_commune_letter("L")
    assert kiosk.view.communes_shown == ("Layrac", "Laplume")
    c.back()  # back to the letters, not to the first name
    assert kiosk.view.screen is Screen.COMMUNE and kiosk.view.commune_letter is None
    c.choose_other_commune()  # not in the list: go on without one
    assert kiosk.view.screen is Screen.TOPICS and kiosk.view.commune is None
    c.back()
    start_first_visit(kiosk, commune=None)
    c.choose_commune_letter("B")
    c.choose_commune("Boé")
    assert kiosk.view.screen is Screen.TOPICS and kiosk.view.commune == "Boé"


async def test_a_short_commune_list_is_shown_whole(kiosk: Harness) -> None:
    start_first_visit(kiosk, commune=None)
    assert kiosk.view.communes_shown == ("Laplume", "Agen") and kiosk.view.commune_letters == ()


def test_communes_are_filed_under_their_initial_without_accents() -> None:
    from kiosk.controller.communes import initial, letters, shown

    many = [f"Commune {i}" for i in range(10)] + ["Écharde", "Eymet", "Agen", "'s-Bourg"]
    assert initial("Écharde") == "E" and initial("'s-Bourg") == "S"
    assert letters(many) == ("A", "C", "E", "S")
    assert shown(many, "E") == ("Écharde", "Eymet")
    assert shown(many[:5], None) == tuple(many[:5])  # short: all, no letters
    assert letters(many[:5]) == ()


async def test_help_says_to_ask_at_the_desk_and_where_it_is(make: Make) -> None:
    reception = "Accueil au rez-de-chaussée, du lundi au vendredi de 9 h à 12 h."
    kiosk = await make(reception=reception)
    c = kiosk.controller
    c.ask_help()  # on the welcome screen there is no help button
    assert not kiosk.view.help_shown
    c.begin()
    c.ask_help()
    assert kiosk.view.help_shown and kiosk.view.reception == reception
    c.close_help()
    assert not kiosk.view.help_shown and kiosk.view.screen is Screen.IDENTIFY
