"""The kiosk controller: the job seeker's journey as a plain-Python state machine.

ATTRACT → PRIVACY → IDENTIFY → (CODE → PIN) | (FIRST_NAME → COMMUNE → PHONE) →
TOPICS → WAITING → IN_CALL → AFTER_CALL → SURVEY → GOODBYE → ATTRACT, with
NO_ANSWER / REQUEST_SENT when nobody answers, OFFLINE when the hub cannot be
reached, and OPS_PIN / OPS for the technician.

The UI calls the actions below on the event loop; each publishes a new `View`.
Slow work (the hub, the call, the printer) runs in tasks the controller owns
and cancels in `close()`. Time comes from the loop (`call_later`, `sleep`) with
the durations of `ControllerSettings`, so tests run with tiny ones.

Privacy: every personal datum lives in one `Session` (kiosk.controller.session)
and the View built from it. Logs and usage events carry none; ending a session
wipes and drops that object and publishes a View without personal fields.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from hub.protocol import DeviceState, EventType, utcnow
from hub.protocol.kiosk_api import ContactKind, ContactReason, IdentifyMethod, code_from_qr
from kiosk.controller import communes as places
from kiosk.controller import entry as keys
from kiosk.controller import slips
from kiosk.controller.calling import CallFlow
from kiosk.controller.contact_flow import ContactFlow
from kiosk.controller.core import (
    LANGUAGES,
    OPS_SCREENS,
    SESSION_SCREENS,
    ControllerCore,
    action,
    machine_code,
)
from kiosk.controller.hubsync import HubSync
from kiosk.controller.ops import yes_no
from kiosk.controller.ports import Call, CallEndReason, PrinterError, Slip
from kiosk.controller.printouts import Printouts
from kiosk.controller.settings import ControllerSettings
from kiosk.controller.view import Notice, NoticeKind, Screen, View

log = logging.getLogger(__name__)


NOTHING_TO_LOSE = frozenset({Screen.REQUEST_SENT, Screen.AFTER_CALL, Screen.SURVEY, Screen.OFFLINE})
"""Screens where Finish ends at once: nothing the person did would be lost."""


class Controller(CallFlow, ContactFlow, HubSync, Printouts, ControllerCore):
    """The state machine behind the kiosk's screens (see the module docstring)."""

    @property
    def view(self) -> View:
        """The current View."""
        return self._view

    @property
    def current_call(self) -> Call | None:
        """The call under way (to pull video frames), or None."""
        return self._session.call if self._session is not None else None

    def subscribe(self, listener: Callable[[View], None]) -> Callable[[], None]:
        """Call `listener` with every new View; returns a function that unsubscribes."""
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def devices(self) -> dict[str, DeviceState]:
        """Device states for health: printer, camera, microphone; no scanner or panel here."""
        states: dict[str, DeviceState] = {}
        try:
            states["printer"] = self._printer.state()
        except Exception as exc:
            log.warning("printer state unknown: %s", type(exc).__name__)
            states["printer"] = DeviceState.ERROR
        try:
            states.update(self._calls.devices())
        except Exception as exc:
            log.warning("camera and microphone states unknown: %s", type(exc).__name__)
            states.setdefault("camera", DeviceState.UNKNOWN)
            states.setdefault("microphone", DeviceState.UNKNOWN)
        states["scanner"] = DeviceState.ABSENT
        states["panel"] = DeviceState.ABSENT
        return states

    async def start(self) -> None:
        """Show the cached catalog, refresh it from the hub, then start the background tasks."""
        if self._started or self._closed:
            return
        self._started = True
        try:
            self._catalog = self._catalog_cache.load()
        except Exception as exc:
            log.warning("catalog cache unreadable: %s", type(exc).__name__)
        self._publish()
        await self._refresh()
        self._spawn(self._refresh_loop())
        self._spawn(self._flush_loop())

    async def close(self) -> None:
        """End any session (hanging up a call), then cancel and await every task it owns."""
        if self._closed:
            return
        self._end_session("cancelled")
        self._screen = Screen.ATTRACT
        self._reset_preferences()
        self._publish()
        self._closed = True
        for timer in (
            self._notice_timer,
            self._idle_timer,
            self._countdown_timer,
            self._goodbye_timer,
        ):
            if timer is not None:
                timer.cancel()
        self._notice_timer = self._idle_timer = self._countdown_timer = None
        self._goodbye_timer = None
        if self._teardown:  # let a hang-up reach the call service
            await asyncio.wait(set(self._teardown), timeout=2)
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._listeners.clear()

    def touch(self) -> None:
        """Any touch: restarts the idle timer and hides the countdown."""
        if self._closed:
            return
        shown = self._countdown is not None
        self._reset_idle()
        if shown:
            self._publish()
        else:
            self._ensure_idle()

    def still_here(self) -> None:
        """The person answered "are you still there?"."""
        self.touch()

    @action
    def set_language(self, language: str) -> None:
        """Switch the language ("fr" or "en") until the session ends."""
        if language in LANGUAGES:
            self._language = language

    @action
    def toggle_contrast(self) -> None:
        """Switch the high-contrast theme until the session ends."""
        self._high_contrast = not self._high_contrast

    @action
    def toggle_speech(self) -> None:
        """Turn reading aloud on or off (only when an engine is available)."""
        if not self._speech_available():
            return
        self._speech_on = not self._speech_on
        if not self._speech_on:
            self._safe_speech_stop()

    def speak(self, text: str) -> None:
        """Read a screen's text aloud when speech is on (not an action: no idle reset)."""
        if self._closed or not self._speech_on or not self._speech_available():
            return
        try:
            self._speech.say(text, self._language)
        except Exception as exc:
            log.warning("speech failed: %s", type(exc).__name__)

    def show_message(self, text: str) -> None:
        """A message from ops staff, shown over any screen for twice the notice time."""
        if self._closed:
            return
        self._set_notice(Notice(NoticeKind.OPS_MESSAGE, text=text), self._settings.notice_s * 2)
        self._publish()

    @action
    def begin(self) -> None:
        """ATTRACT → PRIVACY: a session starts (also from GOODBYE: someone new is here)."""
        if self._screen is Screen.GOODBYE:
            self._to_attract()  # the previous person's language and theme go
        if self._screen is Screen.ATTRACT and self._session is None:
            self._start_session()

    @action
    def accept_privacy(self) -> None:
        """PRIVACY → IDENTIFY (PIN after a scanned card; OFFLINE when the hub is unreachable)."""
        s = self._session
        if s is None or self._screen is not Screen.PRIVACY:
            return
        if not self._online:
            s.code = s.method = None
            self._go(Screen.OFFLINE)
        elif s.code is not None:
            self._go(Screen.PIN)
        else:
            self._go(Screen.IDENTIFY)

    @action
    def back(self) -> None:
        """One step back; from PRIVACY it ends the session (cancelled)."""
        screen, s = self._screen, self._session
        if screen in OPS_SCREENS:
            self._ops_entry = ""
            self._screen = Screen.ATTRACT
            return
        if s is None or s.busy:
            return
        if screen is Screen.PRIVACY:
            self._end_session("cancelled")
            self._to_attract()
        elif screen is Screen.IDENTIFY:
            self._go(Screen.PRIVACY)
        elif screen is Screen.CARD:
            self._go(Screen.IDENTIFY)
        elif screen is Screen.CODE:
            s.code = s.method = None
            self._go(Screen.IDENTIFY)
        elif screen is Screen.PIN:
            code, s.code, s.method = s.code or "", None, None
            self._go(Screen.CODE, entry=code)
        elif screen is Screen.FIRST_NAME:
            s.first_name = None
            self._leave_details()
        elif screen is Screen.COMMUNE and s.commune_letter is not None:
            s.commune_letter = None  # back to the letters
        elif screen is Screen.COMMUNE:
            s.commune = None
            self._go(Screen.FIRST_NAME, entry=s.first_name or "")
        elif screen is Screen.PHONE:
            if s.contact_kind is not None and s.identified:
                self._leave_details()
            elif self._communes():
                self._go(Screen.COMMUNE)
            else:
                self._go(Screen.FIRST_NAME, entry=s.first_name or "")
        elif screen is Screen.TOPICS:
            self._forget_identity(s)
            self._go(Screen.IDENTIFY)
        elif screen is Screen.WAITING:
            self._cancel_wait(s)
        elif screen is Screen.NO_ANSWER:
            self._go(Screen.TOPICS)
        elif screen is Screen.OFFLINE and self._online:
            self._go(Screen.IDENTIFY)  # the hub is back: try again

    @action
    def choose_code(self) -> None:
        """IDENTIFY (or CARD, for someone without their card) → CODE."""
        if self._session is not None and self._screen in (Screen.IDENTIFY, Screen.CARD):
            self._go(Screen.CODE)

    @action
    def choose_card(self) -> None:
        """IDENTIFY → CARD: where to hold the card; a scan then goes to the PIN."""
        if self._session is not None and self._screen is Screen.IDENTIFY:
            self._go(Screen.CARD)

    @action
    def choose_first_visit(self) -> None:
        """IDENTIFY → FIRST_NAME."""
        s = self._session
        if s is not None and self._screen is Screen.IDENTIFY:
            s.contact_kind = None
            self._go(Screen.FIRST_NAME)

    @action
    def key(self, char: str) -> None:
        """A digit or letter on the current keypad or keyboard."""
        if self._screen is Screen.OPS_PIN:
            if keys.accepts(Screen.OPS_PIN, self._ops_entry, char):
                self._ops_entry += char
            return
        s = self._session
        if s is not None and not s.busy and keys.accepts(self._screen, s.entry, char):
            s.entry += char

    @action
    def erase(self) -> None:
        """Remove the last character of the current entry."""
        if self._screen is Screen.OPS_PIN:
            self._ops_entry = self._ops_entry[:-1]
            return
        s = self._session
        if s is not None and not s.busy and self._screen in keys.KEYPAD_SCREENS:
            s.entry = s.entry[:-1]

    @action
    def submit(self) -> None:
        """Validate the current screen's entry (or go on from AFTER_CALL)."""
        screen = self._screen
        if screen is Screen.OPS_PIN:
            self._submit_ops_pin()
            return
        s = self._session
        if s is None or s.busy:
            return
        lacking = keys.missing(screen, s.entry)
        if lacking is not None:  # the OK key looked disabled: say what is missing
            self._set_notice(Notice(NoticeKind.ENTRY_SHORT, count=lacking))
        elif screen is Screen.CODE and keys.complete(screen, s.entry):
            s.code, s.method = s.entry, IdentifyMethod.CODE.value
            self._go(Screen.PIN)
        elif screen is Screen.PIN and keys.complete(screen, s.entry) and s.code is not None:
            s.busy = True
            self._spawn(self._identify(s.id, s.method or "code", s.code, s.entry), session=True)
        elif screen is Screen.FIRST_NAME:
            name = keys.clean_first_name(s.entry)
            if name is None:
                self._set_notice(Notice(NoticeKind.NAME_MISSING))
            else:
                s.first_name = name
                self._go(Screen.COMMUNE if self._communes() else Screen.PHONE)
        elif screen is Screen.PHONE:
            number = keys.clean_phone(s.entry)
            if number is None:
                self._set_notice(Notice(NoticeKind.INVALID_PHONE))
            else:
                s.phone = number
                self._after_phone(s)
        elif screen is Screen.AFTER_CALL:
            self._go(Screen.SURVEY)

    @action
    def skip(self) -> None:
        """PHONE is optional on a first visit (not for a call-back, which needs one)."""
        s = self._session
        if s is not None and self._screen is Screen.PHONE and s.contact_kind != "callback":
            self._after_phone(s)

    @action
    def scanned(self, text: str) -> None:
        """A QR text from any source: a Gaïa card goes to the PIN with its code filled in."""
        if self._screen is Screen.GOODBYE:
            self._to_attract()
        screen, s = self._screen, self._session
        if screen not in (Screen.ATTRACT, Screen.IDENTIFY, Screen.CARD, Screen.CODE):
            return
        if (screen is Screen.ATTRACT) != (s is None) or (s is not None and s.busy):
            return
        code = code_from_qr(text)
        if code is None:
            self._set_notice(Notice(NoticeKind.BAD_CARD))
            return
        if s is None:
            s = self._start_session()  # privacy first, then the PIN
        else:
            self._go(Screen.PIN)
        s.code, s.method = code, IdentifyMethod.QR.value

    @action
    def choose_commune(self, name: str) -> None:
        """COMMUNE → PHONE with a commune from the catalog's list."""
        s = self._session
        if s is not None and self._screen is Screen.COMMUNE and name in self._communes():
            s.commune, s.commune_letter = name, None
            self._go(Screen.PHONE)

    @action
    def choose_commune_letter(self, letter: str) -> None:
        """COMMUNE: list the communes under this initial (a long list)."""
        s = self._session
        if (
            s is not None
            and self._screen is Screen.COMMUNE
            and letter in places.letters(self._communes())
        ):
            s.commune_letter = letter

    @action
    def choose_other_commune(self) -> None:
        """COMMUNE → PHONE without a commune: it is not in the territory's list."""
        s = self._session
        if s is not None and self._screen is Screen.COMMUNE:
            s.commune, s.commune_letter = None, None
            self._go(Screen.PHONE)

    @action
    def choose_topic(self, topic_id: str) -> None:
        """TOPICS → WAITING (or NO_ANSWER when nobody handles it now); OFFLINE: selects it."""
        s = self._session
        topic = self._find_topic(topic_id)
        if s is None or s.busy or topic is None:
            return
        if self._screen is Screen.OFFLINE:
            s.topic = topic  # the call-back request will name it
            return
        if self._screen is not Screen.TOPICS:
            return
        s.topic = topic
        self._usage.record(EventType.TOPIC_CHOSEN, session=s.id, topic=topic.id)
        if not topic.available_now:
            s.no_answer_reason = CallEndReason.UNAVAILABLE.value
            self._go(Screen.NO_ANSWER)
            return
        self._request_call(s, topic)

    @action
    def cancel_wait(self) -> None:
        """WAITING → TOPICS, withdrawing the call request."""
        s = self._session
        if s is not None and self._screen is Screen.WAITING:
            self._cancel_wait(s)

    @action
    def request_contact(self, kind: str) -> None:
        """NO_ANSWER or OFFLINE: ask for a call-back or an appointment (asks what is missing)."""
        s = self._session
        if s is None or s.busy or kind not in (ContactKind.CALLBACK, ContactKind.APPOINTMENT):
            return
        if self._screen is Screen.NO_ANSWER:
            unavailable = s.no_answer_reason == CallEndReason.UNAVAILABLE.value
            reason = ContactReason.UNAVAILABLE if unavailable else ContactReason.NO_ANSWER
        elif self._screen is Screen.OFFLINE:
            reason = ContactReason.OFFLINE
        else:
            return
        s.contact_kind, s.contact_origin, s.contact_reason = kind, self._screen, reason.value
        self._continue_contact(s)

    @action
    def toggle_mute(self) -> None:
        """IN_CALL: mute or unmute the microphone."""
        s = self._session
        if s is None or self._screen is not Screen.IN_CALL:
            return
        s.muted = not s.muted
        if s.call is not None:
            try:
                s.call.set_muted(s.muted)
            except Exception as exc:
                log.warning("mute failed: %s", type(exc).__name__)

    @action
    def toggle_audio_only(self) -> None:
        """IN_CALL: sound only (the picture off both ways, for a weak link), or back."""
        s = self._session
        if s is None or self._screen is not Screen.IN_CALL:
            return
        s.audio_only = not s.audio_only
        if s.call is not None:
            try:
                s.call.set_audio_only(s.audio_only)
            except Exception as exc:
                log.warning("sound-only switch failed: %s", type(exc).__name__)

    @action
    def hang_up(self) -> None:
        """IN_CALL → AFTER_CALL."""
        s = self._session
        if s is None or self._screen is not Screen.IN_CALL:
            return
        self._close_call(s)
        self._go(Screen.AFTER_CALL)

    @action
    def print_slip(self) -> None:
        """Print: the agreement (AFTER_CALL), the contact sheet (OFFLINE), a reminder."""
        s, screen = self._session, self._screen
        if s is None:
            return
        slip: Slip | None = None
        if screen is Screen.AFTER_CALL:
            if s.agreement is not None:
                slip = slips.agreement_slip(s.agreement, s.topic, self._language)
            else:
                topics = [s.topic] if s.topic is not None else []
                slip = slips.contacts_slip(topics, self._language, self._site_name())
        elif screen is Screen.OFFLINE and self._catalog is not None:
            slip = slips.catalog_contacts_slip(self._catalog, self._language)
        elif screen is Screen.REQUEST_SENT:
            slip = slips.request_slip(
                first_name=s.first_name,
                kind=s.request_kind or ContactKind.CALLBACK.value,
                topic=s.topic,
                offline=s.request_offline,
                language=self._language,
            )
        if slip is not None:
            self._spawn(self._print(s.id, slip), session=True)

    @action
    def survey(self, score: int) -> None:
        """SURVEY: 1 (unhappy) .. 3 (happy), then GOODBYE."""
        s = self._session
        if s is None or self._screen is not Screen.SURVEY or score not in (1, 2, 3):
            return
        self._usage.record(EventType.SURVEY, session=s.id, value=score)
        self._to_goodbye()

    @action
    def skip_survey(self) -> None:
        """SURVEY → GOODBYE without an answer."""
        if self._session is not None and self._screen is Screen.SURVEY:
            self._to_goodbye()

    @action
    def ask_finish(self) -> None:
        """The top bar's Finish: asks first where ending would erase what the person is
        doing (confirm with `finish`, or `keep_going`); ends at once where it would not."""
        if self._session is None or self._screen not in SESSION_SCREENS:
            return
        if self._screen in NOTHING_TO_LOSE:
            self._finish()
        else:
            self._confirming_finish = True

    @action
    def ask_help(self) -> None:
        """The help button: say to ask at the town hall's desk, and where it is."""
        if self._session is not None and self._screen in SESSION_SCREENS:
            self._help_shown = True

    @action
    def close_help(self) -> None:
        """Close the help veil."""
        self._help_shown = False

    @action
    def keep_going(self) -> None:
        """The confirmation's "No, go on"."""
        self._confirming_finish = False

    @action
    def finish(self) -> None:
        """ "I'm done": GOODBYE from any screen of a session (the survey first after a call)."""
        self._finish()

    def _finish(self) -> None:
        self._confirming_finish = False
        screen = self._screen
        if screen is Screen.GOODBYE:
            self._to_attract()
        elif self._session is None or screen not in SESSION_SCREENS:
            return
        elif screen is Screen.AFTER_CALL:
            self._go(Screen.SURVEY)
        else:
            self._to_goodbye()

    @action
    def ops_long_press(self) -> None:
        """The long press in the corner: OPS_PIN, only on ATTRACT and not while locked out."""
        if self._screen is Screen.ATTRACT and self._session is None and not self._ops.locked():
            self._ops_entry = ""
            self._screen = Screen.OPS_PIN

    @action
    def ops_action(self, name: str) -> None:
        """OPS: "print-test" | "speech-test" | "refresh" | "close"."""
        if self._screen is not Screen.OPS:
            return
        if name == "close":
            self._ops_info = {}
            self._screen = Screen.ATTRACT
        elif name == "print-test":
            self._spawn(self._ops_print_test())
        elif name == "speech-test":
            if self._speech_available():
                try:
                    self._speech.say(slips.text("test.speech", self._language), self._language)
                except Exception as exc:
                    log.warning("speech test failed: %s", type(exc).__name__)
        elif name == "refresh":
            self._spawn(self._ops_refresh())

    async def _ops_print_test(self) -> None:
        try:
            await self.print_test()
        except PrinterError as exc:
            self._set_notice(Notice(NoticeKind.PRINTER_FAILED, text=machine_code(exc.code)))
        except Exception as exc:
            log.warning("test print failed: %s", type(exc).__name__)
            self._set_notice(Notice(NoticeKind.PRINTER_FAILED, text="error"))
        else:
            self._set_notice(Notice(NoticeKind.PRINTED))
        self._refresh_ops_info()
        self._publish()

    def _submit_ops_pin(self) -> None:
        entry, self._ops_entry = self._ops_entry, ""
        if not entry:
            return
        if self._ops.check(entry):
            self._screen = Screen.OPS
            self._refresh_ops_info()
        else:
            self._screen = Screen.ATTRACT
            self._set_notice(Notice(NoticeKind.OPS_PIN_WRONG))

    def _refresh_ops_info(self) -> None:
        try:
            pending = str(len(self._requests.pending()))
        except Exception as exc:
            log.warning("request store unreadable: %s", type(exc).__name__)
            pending = "?"
        try:
            printer = self._printer.state().value
        except Exception:
            printer = DeviceState.ERROR.value
        age = "-"
        if self._catalog is not None:
            minutes = (utcnow() - self._catalog.generated_at).total_seconds() / 60
            age = f"{max(0, int(minutes))} min"
        self._ops_info = {
            "site": self._site_name(),
            "online": yes_no(self._online),
            "catalog age": age,
            "printer": printer,
            "pending requests": pending,
            "speech": yes_no(self._speech_available()),
        }

    async def _ops_refresh(self) -> None:
        await self._refresh()
        if self._screen is Screen.OPS:
            self._refresh_ops_info()
            self._publish()


__all__ = ["Controller", "ControllerSettings"]
