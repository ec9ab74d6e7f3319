"""Idle countdown, goodbye, notices, the ops menu and its PIN, ops messages and devices."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from hub.protocol import DeviceState
from kiosk.controller import NoticeKind, Screen
from kiosk.controller.ops import OPS_FACTS
from kiosk.controller.ports import PrinterError
from tests.kiosk.controller.conftest import identify
from tests.kiosk.controller.fakes import Account, Harness, type_text, wait_for

Make = Callable[..., Awaitable[Harness]]


async def test_idle_counts_down_then_ends_the_session_straight_to_attract(make: Make) -> None:
    kiosk = await make(idle_s=0.05, idle_countdown_s=3)
    c = kiosk.controller
    c.begin()
    c.choose_first_visit()
    type_text(c, "Léa")
    await wait_for(lambda: kiosk.view.idle_countdown is not None)
    counts = [v.idle_countdown for v in kiosk.views if v.idle_countdown is not None]
    assert counts[0] == 3
    await wait_for(lambda: kiosk.view.screen is Screen.ATTRACT)
    seen = [v.idle_countdown for v in kiosk.views if v.idle_countdown is not None]
    assert seen == [3, 2, 1]
    assert Screen.GOODBYE not in [v.screen for v in kiosk.views]
    assert kiosk.view.idle_countdown is None and kiosk.view.entry == ""
    assert kiosk.events.of("session.ended")[0].detail == "idle"


async def test_still_here_or_a_touch_hides_the_countdown_and_keeps_the_session(
    make: Make,
) -> None:
    kiosk = await make(idle_s=0.05, idle_countdown_s=50)
    c = kiosk.controller
    c.begin()
    await wait_for(lambda: kiosk.view.idle_countdown is not None)
    c.still_here()
    assert kiosk.view.idle_countdown is None and kiosk.view.screen is Screen.IDENTIFY
    await wait_for(lambda: kiosk.view.idle_countdown is not None)  # it starts again later
    c.touch()
    assert kiosk.view.idle_countdown is None and kiosk.view.screen is Screen.IDENTIFY


async def test_no_idle_countdown_while_waiting_or_in_a_call(make: Make) -> None:
    kiosk = await make(idle_s=0.03)
    kiosk.hub.accounts["73519042"] = Account(pin="2468", first_name="Odette")
    await identify(kiosk)
    kiosk.controller.choose_topic("housing")
    await wait_for(lambda: bool(kiosk.calls.calls))
    # the waiting clock ticks many times, far past idle_s, without a countdown
    await wait_for(lambda: kiosk.view.waited_s > 0.15)
    kiosk.calls.last.push("answered", adviser_name="Claire")
    await wait_for(lambda: kiosk.view.call_seconds > 0.15)
    assert all(v.idle_countdown is None for v in kiosk.views if v.screen is Screen.IN_CALL)
    assert all(v.idle_countdown is None for v in kiosk.views if v.screen is Screen.WAITING)
    assert kiosk.view.screen is Screen.IN_CALL


async def test_goodbye_returns_to_attract_and_a_new_person_gets_the_defaults(
    kiosk: Harness,
) -> None:
    c = kiosk.controller
    c.set_language("en")
    c.toggle_contrast()
    c.toggle_speech()
    c.begin()
    assert (kiosk.view.language, kiosk.view.high_contrast, kiosk.view.speech_on) == (
        "en",
        True,
        True,
    )
    c.speak("Welcome")
    assert kiosk.speech.said == [("Welcome", "en")]
    c.set_language("de")  # not offered
    c.finish()
    assert kiosk.view.screen is Screen.GOODBYE and kiosk.view.language == "en"
    await wait_for(lambda: kiosk.view.screen is Screen.ATTRACT)
    assert (kiosk.view.language, kiosk.view.high_contrast, kiosk.view.speech_on) == (
        "fr",
        False,
        False,
    )
    assert kiosk.speech.stops >= 1
    c.speak("Bienvenue")
    assert len(kiosk.speech.said) == 1  # speech is off again


async def test_speech_cannot_be_turned_on_without_an_engine(make: Make) -> None:
    kiosk = await make(speech=False)
    kiosk.controller.toggle_speech()
    assert not kiosk.view.speech_on and not kiosk.view.speech_available


async def test_notices_disappear_after_their_time_or_on_the_next_action(make: Make) -> None:
    kiosk = await make(notice_s=0.05)
    c = kiosk.controller
    c.scanned("not a card")
    assert kiosk.view.notice is not None
    await wait_for(lambda: kiosk.view.notice is None)
    c.scanned("not a card")
    c.begin()
    assert kiosk.view.notice is None


async def test_an_ops_message_shows_on_any_screen_for_twice_the_notice_time(make: Make) -> None:
    kiosk = await make(notice_s=0.05)
    kiosk.controller.begin()
    kiosk.controller.show_message("Maintenance à 14 h")
    notice = kiosk.view.notice
    assert notice is not None and (notice.kind, notice.text) == (
        NoticeKind.OPS_MESSAGE,
        "Maintenance à 14 h",
    )
    assert kiosk.view.screen is Screen.IDENTIFY
    await wait_for(lambda: kiosk.view.notice is None)


async def test_ops_pin_right_opens_the_menu_with_kiosk_facts(kiosk: Harness) -> None:
    c = kiosk.controller
    c.ops_long_press()
    assert kiosk.view.screen is Screen.OPS_PIN and kiosk.view.masked
    type_text(c, "246810")
    assert kiosk.view.entry == "246810"
    c.submit()
    assert kiosk.view.screen is Screen.OPS
    info = kiosk.view.ops_info
    assert info["site"] == "Mairie de Laplume" and info["online"] == "yes"
    assert info["printer"] == "ok" and info["pending-requests"] == "0"
    assert info["speech"] == "yes" and info["catalog-age"].isdigit()
    assert tuple(info) == OPS_FACTS
    c.ops_action("print-test")
    await wait_for(lambda: bool(kiosk.printer.slips))
    assert kiosk.printer.slips[-1].kind == "test"
    c.ops_action("speech-test")
    assert kiosk.speech.said
    calls = kiosk.hub.catalog_calls
    c.ops_action("refresh")
    await wait_for(lambda: kiosk.hub.catalog_calls == calls + 1)
    c.ops_action("close")
    assert kiosk.view.screen is Screen.ATTRACT and kiosk.view.ops_info == {}
    assert kiosk.events.of("slip.printed")[0].detail == "test"


async def test_wrong_ops_pins_lock_the_long_press(make: Make) -> None:
    kiosk = await make(ops_attempts=2, ops_lock_s=0.1)
    c = kiosk.controller
    for _ in range(2):
        c.ops_long_press()
        type_text(c, "1111")
        c.submit()
        assert kiosk.view.screen is Screen.ATTRACT
        assert kiosk.view.notice is not None
        assert kiosk.view.notice.kind is NoticeKind.OPS_PIN_WRONG
    c.ops_long_press()
    assert kiosk.view.screen is Screen.ATTRACT  # locked: the long press does nothing

    def unlocked() -> bool:
        c.ops_long_press()
        return kiosk.view.screen is Screen.OPS_PIN

    await wait_for(unlocked)  # after ops_lock_s the long press opens the PIN screen again
    type_text(c, "246810")
    c.submit()
    assert kiosk.view.screen is Screen.OPS


async def test_ops_long_press_does_nothing_during_a_session(kiosk: Harness) -> None:
    kiosk.controller.begin()
    kiosk.controller.ops_long_press()
    assert kiosk.view.screen is Screen.IDENTIFY


async def test_ops_screens_time_out_to_attract(make: Make) -> None:
    kiosk = await make(idle_s=0.05)
    kiosk.controller.ops_long_press()
    type_text(kiosk.controller, "24")
    await wait_for(lambda: kiosk.view.screen is Screen.ATTRACT)
    assert kiosk.view.entry == ""


async def test_print_test_for_the_agent_raises_printer_errors(kiosk: Harness) -> None:
    kiosk.printer.fail_code = "offline"
    try:
        await kiosk.controller.print_test()
    except PrinterError as exc:
        assert exc.code == "offline"
    else:
        raise AssertionError("print_test did not raise")
    assert kiosk.events.of("error")[-1].detail == "printer-offline"
    kiosk.printer.fail_code = None
    await kiosk.controller.print_test()
    assert kiosk.printer.slips[-1].kind == "test"


async def test_devices_report_printer_camera_microphone(kiosk: Harness) -> None:
    kiosk.printer.fail_code = "paper-out"
    assert kiosk.controller.devices() == {
        "printer": DeviceState.PAPER_OUT,
        "camera": DeviceState.OK,
        "microphone": DeviceState.OK,
        "scanner": DeviceState.ABSENT,
        "panel": DeviceState.ABSENT,
    }


async def test_preferences_changed_on_attract_reset_when_nobody_starts(make: Make) -> None:
    kiosk = await make(idle_s=0.05)
    kiosk.controller.set_language("en")
    kiosk.controller.toggle_contrast()
    await wait_for(lambda: kiosk.view.language == "fr")
    assert not kiosk.view.high_contrast and kiosk.view.screen is Screen.ATTRACT


async def test_someone_new_can_start_during_goodbye_with_the_defaults(make: Make) -> None:
    kiosk = await make(goodbye_s=30)
    c = kiosk.controller
    c.set_language("en")
    c.begin()
    c.finish()
    assert kiosk.view.screen is Screen.GOODBYE and kiosk.view.language == "en"
    c.begin()
    assert kiosk.view.screen is Screen.IDENTIFY and kiosk.view.language == "fr"
    assert len(kiosk.events.of("session.started")) == 2


async def test_reading_aloud_is_on_for_each_new_person_where_it_can(make: Make) -> None:
    kiosk = await make(read_aloud=True, idle_s=0.05)
    c = kiosk.controller
    assert kiosk.view.speech_on  # on the welcome screen already, for whoever comes
    await asyncio.sleep(0.3)
    assert kiosk.view.idle_countdown is None  # the default is not a change to undo
    c.toggle_speech()  # this person does not want it
    c.begin()
    assert not kiosk.view.speech_on
    c.speak("Bonjour")
    assert kiosk.speech.said == []
    c.back()  # the session ends: the next person gets the default back
    assert kiosk.view.screen is Screen.ATTRACT and kiosk.view.speech_on
    silent = await make(read_aloud=True, speech=False)  # no engine on this kiosk
    assert not silent.view.speech_on
