"""The kiosk controller: the job seeker's journey as a plain-Python state machine.

ATTRACT → IDENTIFY → (CODE → PIN) | (FIRST_NAME → COMMUNE) → TOPICS → WAITING →
IN_CALL → AFTER_CALL → SURVEY → GOODBYE → ATTRACT, with
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

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Concatenate, ParamSpec

from hub.protocol import DeviceState, EventType, utcnow
from hub.protocol.kiosk_api import ContactKind, ContactReason, IdentifyMethod, code_from_qr
from kiosk.controller import communes as places
from kiosk.controller import entry as keys
from kiosk.controller import slips
from kiosk.controller.calling import CallFlow
from kiosk.controller.contact_flow import ContactFlow
from kiosk.controller.core import LANGUAGES, OPS_SCREENS, SESSION_SCREENS, Core, machine_code
from kiosk.controller.hubsync import HubSync
from kiosk.controller.ops import yes_no
from kiosk.controller.ports import (
    Call,
    CallEndReason,
    CallService,
    CatalogCache,
    EventSink,
    HubApi,
    Printer,
    PrinterError,
    RequestStore,
    Slip,
    Speech,
)
from kiosk.controller.printouts import Printouts
from kiosk.controller.session import Session
from kiosk.controller.settings import ControllerSettings
from kiosk.controller.view import Notice, NoticeKind, Screen, View

log = logging.getLogger(__name__)


NOTHING_TO_LOSE = frozenset({Screen.REQUEST_SENT, Screen.AFTER_CALL, Screen.SURVEY, Screen.OFFLINE})
"""Screens where Finish ends at once: nothing the person did would be lost."""

P = ParamSpec("P")


def action(
    method: Callable[Concatenate[Controller, P], None],
) -> Callable[Concatenate[Controller, P], None]:
    """An action of the person: resets the idle timer, clears the notice, then publishes."""

    @functools.wraps(method)
    def run(self: Controller, *args: P.args, **kwargs: P.kwargs) -> None:
        core = self._core
        if core.closed:
            return
        core.reset_idle()
        core.set_notice(None)
        method(self, *args, **kwargs)
        core.publish()

    return run


Step = Callable[["Controller", Session], None]
"""One arm of a transition table: what an action does on one screen of a session."""


class Controller:
    """The state machine behind the kiosk's screens (see the module docstring).

    One object composed of collaborators that share one `Core`: the call flow, the
    contact flow, the hub sync and the printouts. `back` and `submit` are the
    tables `BACK` and `SUBMIT` below, one arm per screen.
    """

    def __init__(
        self,
        *,
        hub: HubApi,
        calls: CallService,
        printer: Printer,
        speech: Speech,
        events: EventSink,
        requests: RequestStore,
        catalog_cache: CatalogCache,
        settings: ControllerSettings,
        site: str = "",
    ) -> None:
        self._core = Core(
            hub=hub,
            calls=calls,
            printer=printer,
            speech=speech,
            events=events,
            requests=requests,
            catalog_cache=catalog_cache,
            settings=settings,
            site=site,
        )
        self._calls = CallFlow(self._core)
        self._contacts = ContactFlow(self._core)
        self._sync = HubSync(self._core)
        self._printouts = Printouts(self._core)

    @property
    def view(self) -> View:
        """The current View."""
        return self._core.view

    @property
    def current_call(self) -> Call | None:
        """The call under way (to pull video frames), or None."""
        return self._core.session.call if self._core.session is not None else None

    def subscribe(self, listener: Callable[[View], None]) -> Callable[[], None]:
        """Call `listener` with every new View; returns a function that unsubscribes."""
        self._core.listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._core.listeners:
                self._core.listeners.remove(listener)

        return unsubscribe

    def devices(self) -> dict[str, DeviceState]:
        """Device states for health: printer, camera, microphone; no scanner or panel here."""
        states: dict[str, DeviceState] = {}
        try:
            states["printer"] = self._core.printer.state()
        except Exception as exc:
            log.warning("printer state unknown: %s", type(exc).__name__)
            states["printer"] = DeviceState.ERROR
        try:
            states.update(self._core.call_service.devices())
        except Exception as exc:
            log.warning("camera and microphone states unknown: %s", type(exc).__name__)
            states.setdefault("camera", DeviceState.UNKNOWN)
            states.setdefault("microphone", DeviceState.UNKNOWN)
        states["scanner"] = DeviceState.ABSENT
        states["panel"] = DeviceState.ABSENT
        return states

    async def start(self) -> None:
        """Show the cached catalog, refresh it from the hub, then start the background tasks."""
        if self._core.started or self._core.closed:
            return
        self._core.started = True
        try:
            self._core.catalog = self._core.catalog_cache.load()
        except Exception as exc:
            log.warning("catalog cache unreadable: %s", type(exc).__name__)
        self._core.publish()
        await self._sync.refresh()
        self._core.spawn(self._sync.refresh_loop())
        self._core.spawn(self._sync.flush_loop())

    async def close(self) -> None:
        """End any session (hanging up a call), then cancel and await every task it owns."""
        if not self._core.closed:
            await self._core.shut_down()

    async def print_test(self) -> None:
        """Print the test slip (the agent's command, the ops menu); raises PrinterError."""
        await self._printouts.print_test()

    def touch(self) -> None:
        """Any touch: restarts the idle timer and hides the countdown."""
        if self._core.closed:
            return
        shown = self._core.countdown is not None
        self._core.reset_idle()
        if shown:
            self._core.publish()
        else:
            self._core.ensure_idle()

    def still_here(self) -> None:
        """The person answered "are you still there?"."""
        self.touch()

    @action
    def set_language(self, language: str) -> None:
        """Switch the language ("fr" or "en") until the session ends."""
        if language in LANGUAGES:
            self._core.language = language

    @action
    def toggle_contrast(self) -> None:
        """Switch the high-contrast theme until the session ends."""
        self._core.high_contrast = not self._core.high_contrast

    @action
    def toggle_speech(self) -> None:
        """Turn reading aloud on or off (only when an engine is available)."""
        if not self._core.speech_available():
            return
        self._core.speech_on = not self._core.speech_on
        if not self._core.speech_on:
            self._core.safe_speech_stop()

    def speak(self, text: str) -> None:
        """Read a screen's text aloud when speech is on (not an action: no idle reset)."""
        if self._core.closed or not self._core.speech_on or not self._core.speech_available():
            return
        try:
            self._core.speech.say(text, self._core.language)
        except Exception as exc:
            log.warning("speech failed: %s", type(exc).__name__)

    def show_message(self, text: str) -> None:
        """A message from ops staff, shown over any screen for twice the notice time."""
        if self._core.closed:
            return
        self._core.set_notice(
            Notice(NoticeKind.OPS_MESSAGE, text=text), self._core.settings.notice_s * 2
        )
        self._core.publish()

    @action
    def begin(self) -> None:
        """ATTRACT → IDENTIFY (OFFLINE when the hub is unreachable): a session starts, also
        from GOODBYE (someone new is here). Start is the consent: the welcome screen says
        the privacy rules beside it."""
        if self._core.screen is Screen.GOODBYE:
            self._core.to_attract()  # the previous person's language and theme go
        if self._core.screen is Screen.ATTRACT and self._core.session is None:
            self._core.start_session(Screen.IDENTIFY if self._core.online else Screen.OFFLINE)

    @action
    def back(self) -> None:
        """One step back (the table `BACK`); from IDENTIFY it ends the session (cancelled)."""
        core = self._core
        if core.screen in OPS_SCREENS:
            core.ops_entry = ""
            core.show(Screen.ATTRACT)
            return
        s = core.session
        step = BACK.get(core.screen)
        if s is not None and not s.busy and step is not None:
            step(self, s)

    def _back_to_identify(self, s: Session) -> None:
        s.code = s.method = None
        self._core.go(Screen.IDENTIFY)

    def _back_to_topics(self, s: Session) -> None:
        self._core.go(Screen.TOPICS)

    def _leave(self, s: Session) -> None:
        self._core.end_session("cancelled")
        self._core.to_attract()

    def _back_from_pin(self, s: Session) -> None:
        code, s.code, s.method = s.code or "", None, None
        self._core.go(Screen.CODE, entry=code)

    def _back_from_first_name(self, s: Session) -> None:
        s.first_name = None
        self._contacts.leave_details()

    def _back_from_commune(self, s: Session) -> None:
        if s.commune_letter is not None:
            s.commune_letter = None  # back to the letters
        else:
            s.commune = None
            self._core.go(Screen.FIRST_NAME, entry=s.first_name or "")

    def _back_from_phone(self, s: Session) -> None:
        if s.contact_kind is not None and s.identified:
            self._contacts.leave_details()
        elif self._core.communes():
            self._core.go(Screen.COMMUNE)
        else:
            self._core.go(Screen.FIRST_NAME, entry=s.first_name or "")

    def _back_from_topics(self, s: Session) -> None:
        self._core.forget_identity(s)
        self._core.go(Screen.IDENTIFY)

    def _back_from_waiting(self, s: Session) -> None:
        self._calls.cancel_wait(s)

    def _back_from_offline(self, s: Session) -> None:
        if self._core.online:
            self._core.go(Screen.IDENTIFY)  # the hub is back: try again

    @action
    def choose_code(self) -> None:
        """IDENTIFY (or CARD, for someone without their card) → CODE."""
        if self._core.session is not None and self._core.screen in (Screen.IDENTIFY, Screen.CARD):
            self._core.go(Screen.CODE)

    @action
    def choose_card(self) -> None:
        """IDENTIFY → CARD: where to hold the card; a scan then goes to the PIN."""
        if self._core.session is not None and self._core.screen is Screen.IDENTIFY:
            self._core.go(Screen.CARD)

    @action
    def choose_first_visit(self) -> None:
        """IDENTIFY → FIRST_NAME."""
        s = self._core.session
        if s is not None and self._core.screen is Screen.IDENTIFY:
            s.contact_kind = None
            self._core.go(Screen.FIRST_NAME)

    @action
    def key(self, char: str) -> None:
        """A digit or letter on the current keypad or keyboard."""
        if self._core.screen is Screen.OPS_PIN:
            if keys.accepts(Screen.OPS_PIN, self._core.ops_entry, char):
                self._core.ops_entry += char
            return
        s = self._core.session
        if s is not None and not s.busy and keys.accepts(self._core.screen, s.entry, char):
            s.entry += char

    @action
    def erase(self) -> None:
        """Remove the last character of the current entry."""
        if self._core.screen is Screen.OPS_PIN:
            self._core.ops_entry = self._core.ops_entry[:-1]
            return
        s = self._core.session
        if s is not None and not s.busy and self._core.screen in keys.KEYPAD_SCREENS:
            s.entry = s.entry[:-1]

    @action
    def submit(self) -> None:
        """Validate the current screen's entry (the table `SUBMIT`), or go on from AFTER_CALL."""
        core = self._core
        if core.screen is Screen.OPS_PIN:
            self._submit_ops_pin()
            return
        s = core.session
        step = SUBMIT.get(core.screen)
        if s is None or s.busy or step is None:
            return
        lacking = keys.missing(core.screen, s.entry)
        if lacking is not None:  # the OK key looked disabled: say what is missing
            core.set_notice(Notice(NoticeKind.ENTRY_SHORT, count=lacking))
        else:
            step(self, s)

    def _submit_code(self, s: Session) -> None:
        if not keys.complete(Screen.CODE, s.entry):
            return
        s.code, s.method = s.entry, IdentifyMethod.CODE.value
        self._core.go(Screen.PIN)

    def _submit_pin(self, s: Session) -> None:
        if s.code is None or not keys.complete(Screen.PIN, s.entry):
            return
        s.busy = True
        self._core.spawn(
            self._contacts.identify(s.id, s.method or "code", s.code, s.entry), session=True
        )

    def _submit_first_name(self, s: Session) -> None:
        name = keys.clean_first_name(s.entry)
        if name is None:
            self._core.set_notice(Notice(NoticeKind.NAME_MISSING))
        else:
            s.first_name = name
            if self._core.communes():
                self._core.go(Screen.COMMUNE)
            else:
                self._contacts.details_done(s)

    def _submit_phone(self, s: Session) -> None:
        number = keys.clean_phone(s.entry)
        if number is None:
            self._core.set_notice(Notice(NoticeKind.INVALID_PHONE))
        else:
            s.phone = number
            self._contacts.continue_contact(s)

    def _submit_after_call(self, s: Session) -> None:
        self._core.go(Screen.SURVEY)

    @action
    def scanned(self, text: str) -> None:
        """A QR text from any source: a Gaïa card goes to the PIN with its code filled in."""
        if self._core.screen is Screen.GOODBYE:
            self._core.to_attract()
        screen, s = self._core.screen, self._core.session
        if screen not in (Screen.ATTRACT, Screen.IDENTIFY, Screen.CARD, Screen.CODE):
            return
        if (screen is Screen.ATTRACT) != (s is None) or (s is not None and s.busy):
            return
        code = code_from_qr(text)
        if code is None:
            self._core.set_notice(Notice(NoticeKind.BAD_CARD))
            return
        if s is None:  # the welcome screen said the privacy rules: straight to the PIN
            if not self._core.online:
                self._core.start_session(Screen.OFFLINE)
                return
            s = self._core.start_session(Screen.PIN)
        else:
            self._core.go(Screen.PIN)
        s.code, s.method = code, IdentifyMethod.QR.value

    @action
    def choose_commune(self, name: str) -> None:
        """COMMUNE → TOPICS (or on with a request) with a commune from the catalog's list."""
        s = self._core.session
        if s is not None and self._core.screen is Screen.COMMUNE and name in self._core.communes():
            s.commune, s.commune_letter = name, None
            self._contacts.details_done(s)

    @action
    def choose_commune_letter(self, letter: str) -> None:
        """COMMUNE: list the communes under this initial (a long list)."""
        s = self._core.session
        if (
            s is not None
            and self._core.screen is Screen.COMMUNE
            and letter in places.letters(self._core.communes())
        ):
            s.commune_letter = letter

    @action
    def choose_other_commune(self) -> None:
        """COMMUNE → TOPICS without a commune: it is not in the territory's list."""
        s = self._core.session
        if s is not None and self._core.screen is Screen.COMMUNE:
            s.commune, s.commune_letter = None, None
            self._contacts.details_done(s)

    @action
    def choose_topic(self, topic_id: str) -> None:
        """TOPICS → WAITING (or NO_ANSWER when nobody handles it now); OFFLINE: selects it."""
        s = self._core.session
        topic = self._core.find_topic(topic_id)
        if s is None or s.busy or topic is None:
            return
        if self._core.screen is Screen.OFFLINE:
            s.topic = topic  # the call-back request will name it
            return
        if self._core.screen is not Screen.TOPICS:
            return
        s.topic = topic
        self._core.usage.record(EventType.TOPIC_CHOSEN, session=s.id, topic=topic.id)
        if not (topic.available_now or topic.open_now):  # closed, and nobody signed in free
            s.no_answer_reason = CallEndReason.UNAVAILABLE.value
            self._core.go(Screen.NO_ANSWER)
            return
        self._calls.request(s, topic)

    @action
    def cancel_wait(self) -> None:
        """WAITING → TOPICS, withdrawing the call request."""
        s = self._core.session
        if s is not None and self._core.screen is Screen.WAITING:
            self._calls.cancel_wait(s)

    @action
    def request_contact(self, kind: str) -> None:
        """NO_ANSWER or OFFLINE: ask for a call-back or an appointment (asks what is missing).
        WAITING: be called back instead of waiting in line (the call is withdrawn; Back on
        the phone step returns to the topics)."""
        s = self._core.session
        if s is None or s.busy or kind not in (ContactKind.CALLBACK, ContactKind.APPOINTMENT):
            return
        origin = self._core.screen
        if origin is Screen.NO_ANSWER:
            unavailable = s.no_answer_reason == CallEndReason.UNAVAILABLE.value
            reason = ContactReason.UNAVAILABLE if unavailable else ContactReason.NO_ANSWER
        elif origin is Screen.OFFLINE:
            reason = ContactReason.OFFLINE
        elif origin is Screen.WAITING:
            self._calls.cancel_wait(s)  # out of the line: on TOPICS now
            origin, reason = Screen.TOPICS, ContactReason.LONG_WAIT
        else:
            return
        s.contact_kind, s.contact_origin, s.contact_reason = kind, origin, reason.value
        self._contacts.continue_contact(s)

    @action
    def toggle_mute(self) -> None:
        """IN_CALL: mute or unmute the microphone."""
        s = self._core.session
        if s is None or self._core.screen is not Screen.IN_CALL:
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
        s = self._core.session
        if s is None or self._core.screen is not Screen.IN_CALL:
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
        s = self._core.session
        if s is None or self._core.screen is not Screen.IN_CALL:
            return
        self._calls.close(s)
        self._core.go(Screen.AFTER_CALL)

    @action
    def print_slip(self) -> None:
        """Print: the agreement (AFTER_CALL), the contact sheet (OFFLINE), a reminder."""
        s, screen = self._core.session, self._core.screen
        if s is None:
            return
        slip: Slip | None = None
        if screen is Screen.AFTER_CALL:
            if s.agreement is not None:
                slip = slips.agreement_slip(s.agreement, s.topic, self._core.language)
            else:
                topics = [s.topic] if s.topic is not None else []
                slip = slips.contacts_slip(topics, self._core.language, self._core.site_name())
        elif screen is Screen.OFFLINE and self._core.catalog is not None:
            slip = slips.catalog_contacts_slip(self._core.catalog, self._core.language)
        elif screen is Screen.REQUEST_SENT:
            slip = slips.request_slip(
                first_name=s.first_name,
                kind=s.request_kind or ContactKind.CALLBACK.value,
                topic=s.topic,
                offline=s.request_offline,
                language=self._core.language,
            )
        if slip is not None:
            self._core.spawn(self._printouts.print_for(s.id, slip), session=True)

    @action
    def survey(self, score: int) -> None:
        """SURVEY: 1 (unhappy) .. 3 (happy), then GOODBYE."""
        s = self._core.session
        if s is None or self._core.screen is not Screen.SURVEY or score not in (1, 2, 3):
            return
        self._core.usage.record(EventType.SURVEY, session=s.id, value=score)
        self._core.to_goodbye()

    @action
    def skip_survey(self) -> None:
        """SURVEY → GOODBYE without an answer."""
        if self._core.session is not None and self._core.screen is Screen.SURVEY:
            self._core.to_goodbye()

    @action
    def ask_finish(self) -> None:
        """The top bar's Finish: asks first where ending would erase what the person is
        doing (confirm with `finish`, or `keep_going`); ends at once where it would not."""
        if self._core.session is None or self._core.screen not in SESSION_SCREENS:
            return
        if self._core.screen in NOTHING_TO_LOSE:
            self._finish()
        else:
            self._core.confirming_finish = True

    @action
    def ask_help(self) -> None:
        """The help button: say to ask at the town hall's desk, and where it is."""
        if self._core.session is not None and self._core.screen in SESSION_SCREENS:
            self._core.help_shown = True

    @action
    def close_help(self) -> None:
        """Close the help veil."""
        self._core.help_shown = False

    @action
    def keep_going(self) -> None:
        """The confirmation's "No, go on"."""
        self._core.confirming_finish = False

    @action
    def finish(self) -> None:
        """ "I'm done": GOODBYE from any screen of a session (the survey first after a call)."""
        self._finish()

    def _finish(self) -> None:
        self._core.confirming_finish = False
        screen = self._core.screen
        if screen is Screen.GOODBYE:
            self._core.to_attract()
        elif self._core.session is None or screen not in SESSION_SCREENS:
            return
        elif screen is Screen.AFTER_CALL:
            self._core.go(Screen.SURVEY)
        else:
            self._core.to_goodbye()

    @action
    def ops_long_press(self) -> None:
        """The long press in the corner: OPS_PIN, only on ATTRACT and not while locked out."""
        if (
            self._core.screen is Screen.ATTRACT
            and self._core.session is None
            and not self._core.ops_gate.locked()
        ):
            self._core.ops_entry = ""
            self._core.show(Screen.OPS_PIN)

    @action
    def ops_action(self, name: str) -> None:
        """OPS: "print-test" | "speech-test" | "refresh" | "close"."""
        if self._core.screen is not Screen.OPS:
            return
        if name == "close":
            self._core.ops_info = {}
            self._core.show(Screen.ATTRACT)
        elif name == "print-test":
            self._core.spawn(self._ops_print_test())
        elif name == "speech-test":
            if self._core.speech_available():
                try:
                    self._core.speech.say(
                        slips.text("test.speech", self._core.language), self._core.language
                    )
                except Exception as exc:
                    log.warning("speech test failed: %s", type(exc).__name__)
        elif name == "refresh":
            self._core.spawn(self._ops_refresh())

    async def _ops_print_test(self) -> None:
        try:
            await self.print_test()
        except PrinterError as exc:
            self._core.set_notice(Notice(NoticeKind.PRINTER_FAILED, text=machine_code(exc.code)))
        except Exception as exc:
            log.warning("test print failed: %s", type(exc).__name__)
            self._core.set_notice(Notice(NoticeKind.PRINTER_FAILED, text="error"))
        else:
            self._core.set_notice(Notice(NoticeKind.PRINTED))
        self._refresh_ops_info()
        self._core.publish()

    def _submit_ops_pin(self) -> None:
        entry, self._core.ops_entry = self._core.ops_entry, ""
        if not entry:
            return
        if self._core.ops_gate.check(entry):
            self._core.show(Screen.OPS)
            self._refresh_ops_info()
        else:
            self._core.show(Screen.ATTRACT)
            self._core.set_notice(Notice(NoticeKind.OPS_PIN_WRONG))

    def _refresh_ops_info(self) -> None:
        try:
            pending = str(len(self._core.requests.pending()))
        except Exception as exc:
            log.warning("request store unreadable: %s", type(exc).__name__)
            pending = "?"
        try:
            printer = self._core.printer.state().value
        except Exception:
            printer = DeviceState.ERROR.value
        age = ""
        if self._core.catalog is not None:
            minutes = (utcnow() - self._core.catalog.generated_at).total_seconds() / 60
            age = str(max(0, int(minutes)))
        # Machine values under the keys of OPS_FACTS: the UI words them in the language.
        self._core.ops_info = {
            "site": self._core.site_name(),
            "online": yes_no(self._core.online),
            "catalog-age": age,
            "printer": printer,
            "pending-requests": pending,
            "speech": yes_no(self._core.speech_available()),
        }

    async def _ops_refresh(self) -> None:
        await self._sync.refresh()
        if self._core.screen is Screen.OPS:
            self._refresh_ops_info()
            self._core.publish()


BACK: Mapping[Screen, Step] = {
    Screen.IDENTIFY: Controller._leave,
    Screen.CARD: Controller._back_to_identify,
    Screen.CODE: Controller._back_to_identify,
    Screen.PIN: Controller._back_from_pin,
    Screen.FIRST_NAME: Controller._back_from_first_name,
    Screen.COMMUNE: Controller._back_from_commune,
    Screen.PHONE: Controller._back_from_phone,
    Screen.TOPICS: Controller._back_from_topics,
    Screen.WAITING: Controller._back_from_waiting,
    Screen.NO_ANSWER: Controller._back_to_topics,
    Screen.OFFLINE: Controller._back_from_offline,
}
"""Where Back leads from each screen of a session (the others have no Back)."""

SUBMIT: Mapping[Screen, Step] = {
    Screen.CODE: Controller._submit_code,
    Screen.PIN: Controller._submit_pin,
    Screen.FIRST_NAME: Controller._submit_first_name,
    Screen.PHONE: Controller._submit_phone,
    Screen.AFTER_CALL: Controller._submit_after_call,
}
"""What OK does on each screen that has an entry to validate (OPS_PIN aside)."""

__all__ = ["BACK", "SUBMIT", "Controller", "ControllerSettings"]
