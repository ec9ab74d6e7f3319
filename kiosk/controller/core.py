"""The controller's state and plumbing: session life, timers, notices, Views, tasks.

`Core` holds what the journey's collaborators share — the call flow
(kiosk.controller.calling), the contact flow (.contact_flow), the hub sync
(.hubsync) and the printouts (.printouts) each get the one `Core` — and the
`Controller` (kiosk.controller.machine) composes them behind its actions.
`show` is the one place the screen changes. Personal data lives only in the
`Session` (kiosk.controller.session); `end_session` wipes and drops it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any

from hub.protocol import EventType, new_id
from hub.protocol.kiosk_api import Catalog, TopicInfo
from kiosk.controller import communes as places
from kiosk.controller import entry as keys
from kiosk.controller.ops import OpsGate
from kiosk.controller.ports import (
    Call,
    CallService,
    CatalogCache,
    EventSink,
    HubApi,
    Printer,
    RequestStore,
    Speech,
)
from kiosk.controller.session import CallPhase, Session
from kiosk.controller.settings import ControllerSettings
from kiosk.controller.usage import Usage
from kiosk.controller.view import Notice, Screen, View

log = logging.getLogger(__name__)

LANGUAGES = ("fr", "en")
SESSION_SCREENS = frozenset(Screen) - {Screen.ATTRACT, Screen.GOODBYE, Screen.OPS_PIN, Screen.OPS}
IDLE_EXEMPT = frozenset({Screen.WAITING, Screen.IN_CALL, Screen.GOODBYE})
"""Screens where nobody is expected to touch anything: no "are you still there?"."""
OPS_SCREENS = frozenset({Screen.OPS_PIN, Screen.OPS})
_MACHINE_CODE = re.compile(r"[a-z0-9][a-z0-9_.-]{0,30}")


def machine_code(code: str) -> str:
    """A printer error code as an event detail (anything odd becomes `error`)."""
    code = code.strip().lower()
    return code if _MACHINE_CODE.fullmatch(code) else "error"


class Core:
    """State and helpers shared by the controller's collaborators (see the module docstring)."""

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
        self.hub = hub
        self.call_service = calls
        self.printer = printer
        self.speech = speech
        self.usage = Usage(events)
        self.requests = requests
        self.catalog_cache = catalog_cache
        self.settings = settings
        self.site = site
        self.ops_gate = OpsGate(settings.ops_pin, settings.ops_attempts, settings.ops_lock_s)
        self._screen = Screen.ATTRACT
        self.session: Session | None = None
        self.language = self.default_language()
        self.high_contrast = settings.high_contrast
        self.speech_on = self.speech_default()
        self.online = True
        self.catalog: Catalog | None = None
        self.notice: Notice | None = None
        self.countdown: int | None = None
        self.confirming_finish = False
        self.help_shown = False
        self.ops_entry = ""
        self.ops_info: dict[str, str] = {}
        self._notice_timer: asyncio.TimerHandle | None = None
        self._idle_timer: asyncio.TimerHandle | None = None
        self._countdown_timer: asyncio.TimerHandle | None = None
        self._goodbye_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._teardown: set[asyncio.Task[None]] = set()
        self.listeners: list[Callable[[View], None]] = []
        self.flush_wake = asyncio.Event()
        self.started = False
        self.closed = False
        self.view = self._build_view()

    @property
    def screen(self) -> Screen:
        """The screen shown now (changed only through `show`)."""
        return self._screen

    def show(self, screen: Screen) -> None:
        """The one place the screen changes; a veil (help, "finish?") does not follow."""
        self._screen = screen
        self.confirming_finish = self.help_shown = False

    def start_session(self, first: Screen) -> Session:
        """A new person: a session on its first screen (the welcome screen said the
        privacy rules beside Start)."""
        self._cancel_goodbye()
        s = Session(id=new_id(), started=time.monotonic())
        self.session = s
        self.usage.record(EventType.SESSION_STARTED, session=s.id)
        self.go(first)
        return s

    def end_session(self, reason: str) -> None:
        """End the session: stop its call, tasks and speech; wipe and drop every personal datum."""
        s = self.session
        if s is None:
            return
        self.session = None
        now = time.monotonic()
        if s.call_phase == CallPhase.IN_CALL:
            self.record_call_end(s, now)
        if s.call is not None:
            self.dispose_call(s.call, answered=s.call_phase == CallPhase.IN_CALL)
        for task in list(self._session_tasks):
            task.cancel()
        self._session_tasks.clear()
        self.safe_speech_stop()
        self.usage.record(
            EventType.SESSION_ENDED, session=s.id, detail=reason, value=now - s.started
        )
        s.wipe()
        self.confirming_finish = self.help_shown = False
        self.set_notice(None)
        self.reset_idle()

    def to_goodbye(self) -> None:
        self.end_session("done")
        self.show(Screen.GOODBYE)
        self._cancel_goodbye()
        loop = asyncio.get_running_loop()
        self._goodbye_timer = loop.call_later(self.settings.goodbye_s, self._goodbye_over)

    def _goodbye_over(self) -> None:
        self._goodbye_timer = None
        if self.screen is Screen.GOODBYE and not self.closed:
            self.to_attract()
            self.publish()

    def to_attract(self) -> None:
        """Back to the welcome screen with the default language and theme for the next person."""
        self._cancel_goodbye()
        self.show(Screen.ATTRACT)
        self.reset_preferences()

    def _cancel_goodbye(self) -> None:
        if self._goodbye_timer is not None:
            self._goodbye_timer.cancel()
            self._goodbye_timer = None

    def reset_preferences(self) -> None:
        self.language = self.default_language()
        self.high_contrast = self.settings.high_contrast
        if self.speech_on:
            self.safe_speech_stop()
        self.speech_on = self.speech_default()

    def speech_default(self) -> bool:
        """Reading aloud is on for each new person where an engine exists and
        `[ui] read_aloud` says so (they can turn it off on the welcome screen)."""
        return self.settings.read_aloud and self.speech_available()

    def default_language(self) -> str:
        language = self.settings.default_language
        return language if language in LANGUAGES else "fr"

    def go(self, screen: Screen, *, entry: str = "") -> None:
        """Show another screen of the session (its entry starts as `entry`)."""
        self.show(screen)
        s = self.session
        if s is not None:
            s.entry = entry
            s.printed = False

    def current(self, session_id: str) -> Session | None:
        """The session if it is still the one a task was started for."""
        s = self.session
        return s if s is not None and s.id == session_id else None

    def forget_identity(self, s: Session) -> None:
        s.first_name = s.commune = s.phone = s.ref = s.code = s.method = None
        s.has_phone = s.identified = False

    def communes(self) -> list[str]:
        return list(self.catalog.communes) if self.catalog is not None else []

    def home_commune(self) -> str | None:
        """The kiosk's own commune when the catalog lists it (offered first), else None."""
        home = self.settings.home_commune
        return home if home and home in self.communes() else None

    def find_topic(self, topic_id: str) -> TopicInfo | None:
        if self.catalog is None:
            return None
        return next((t for t in self.catalog.topics if t.id == topic_id), None)

    def site_name(self) -> str:
        if self.catalog is not None and self.catalog.site:
            return self.catalog.site
        return self.site

    def record_call_end(self, s: Session, now: float) -> None:
        s.call_seconds = now - s.call_started
        topic = s.topic.id if s.topic is not None else None
        self.usage.record(EventType.CALL_ENDED, session=s.id, topic=topic, value=s.call_seconds)

    def dispose_call(self, call: Call, *, answered: bool) -> None:
        """Hang up or cancel a call in a task that survives the session's end."""

        async def dispose() -> None:
            try:
                await (call.hang_up() if answered else call.cancel())
            except Exception as exc:
                log.warning("ending a call failed: %s", type(exc).__name__)

        task = self.spawn(dispose())
        if task is not None:
            self._teardown.add(task)

    def set_notice(self, notice: Notice | None, duration: float | None = None) -> None:
        if self._notice_timer is not None:
            self._notice_timer.cancel()
            self._notice_timer = None
        self.notice = notice
        if notice is not None and not self.closed:
            delay = self.settings.notice_s if duration is None else duration
            loop = asyncio.get_running_loop()
            self._notice_timer = loop.call_later(delay, self._notice_over, notice)

    def _notice_over(self, notice: Notice) -> None:
        self._notice_timer = None
        if self.notice is notice:
            self.notice = None
            self.publish()

    def _idle_eligible(self) -> bool:
        if self.closed:
            return False
        screen, s = self.screen, self.session
        if screen in OPS_SCREENS:
            return True
        if screen is Screen.ATTRACT:  # someone changed the language and walked away
            return s is None and (
                self.language != self.default_language()
                or self.high_contrast != self.settings.high_contrast
                or self.speech_on != self.speech_default()
            )
        return s is not None and not s.busy and screen not in IDLE_EXEMPT

    def reset_idle(self) -> None:
        for timer in (self._idle_timer, self._countdown_timer):
            if timer is not None:
                timer.cancel()
        self._idle_timer = self._countdown_timer = None
        self.countdown = None

    def ensure_idle(self) -> None:
        """Start the idle timer where it applies; stop it where it does not."""
        if not self._idle_eligible():
            self.reset_idle()
        elif self._idle_timer is None and self.countdown is None:
            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(self.settings.idle_s, self._idle_over)

    def _idle_over(self) -> None:
        self._idle_timer = None
        if not self._idle_eligible():
            return
        if self.screen in OPS_SCREENS:
            self.ops_entry, self.ops_info = "", {}
            self.show(Screen.ATTRACT)
        elif self.screen is Screen.ATTRACT:
            self.reset_preferences()
        else:
            self.countdown = max(1, self.settings.idle_countdown_s)
            self._schedule_countdown()
        self.publish()

    def _schedule_countdown(self) -> None:
        loop = asyncio.get_running_loop()
        self._countdown_timer = loop.call_later(self.settings.tick_s, self._countdown_tick)

    def _countdown_tick(self) -> None:
        self._countdown_timer = None
        if self.countdown is None or self.closed:
            return
        self.countdown -= 1
        if self.countdown <= 0:
            self.countdown = None
            self.end_session("idle")
            self.to_attract()
        else:
            self._schedule_countdown()
        self.publish()

    def speech_available(self) -> bool:
        try:
            return bool(self.speech.available)
        except Exception:
            return False

    def safe_speech_stop(self) -> None:
        try:
            self.speech.stop()
        except Exception as exc:
            log.warning("speech stop failed: %s", type(exc).__name__)

    def _build_view(self) -> View:
        screen, s = self.screen, self.session
        common: dict[str, Any] = {
            "screen": screen,
            "language": self.language,
            "high_contrast": self.high_contrast,
            "speech_on": self.speech_on,
            "speech_available": self.speech_available(),
            "online": self.online,
            "catalog": self.catalog,
            "notice": self.notice,
            "idle_countdown": self.countdown,
            "confirm_finish": self.confirming_finish,
            "help_shown": self.help_shown,
            "reception": self.settings.reception,
        }
        if screen in OPS_SCREENS:
            return View(
                **common,
                entry=self.ops_entry if screen is Screen.OPS_PIN else "",
                masked=screen is Screen.OPS_PIN,
                entry_max=keys.entry_max(screen, self.ops_entry),
                entry_ready=screen is Screen.OPS_PIN and keys.ready(screen, self.ops_entry),
                ops_info=dict(self.ops_info) if screen is Screen.OPS else {},
            )
        if s is None:
            return View(**common)
        now = time.monotonic()
        keypad = screen in keys.KEYPAD_SCREENS
        shown_kind = s.contact_kind if screen is Screen.NO_ANSWER else s.request_kind
        return View(
            **common,
            busy=s.busy,
            first_name=s.first_name,
            commune=s.commune,
            commune_letters=places.letters(self.communes()) if screen is Screen.COMMUNE else (),
            communes_shown=(
                places.shown(self.communes(), s.commune_letter) if screen is Screen.COMMUNE else ()
            ),
            commune_letter=s.commune_letter if screen is Screen.COMMUNE else None,
            home_commune=self.home_commune() if screen is Screen.COMMUNE else None,
            entry=s.entry if keypad else "",
            masked=keys.masked(screen),
            entry_min=keys.entry_min(screen) if keypad else 0,
            entry_max=keys.entry_max(screen, s.entry) if keypad else 0,
            entry_ready=keypad and keys.ready(screen, s.entry),
            topic=s.topic,
            position=s.position,
            eta_s=s.eta_s,
            waited_s=now - s.wait_started if s.call_phase == CallPhase.WAITING else s.waited_s,
            no_answer_reason=s.no_answer_reason,
            request_kind=shown_kind if screen in (Screen.NO_ANSWER, Screen.REQUEST_SENT) else None,
            request_offline=s.request_offline,
            adviser_name=s.adviser_name,
            muted=s.muted,
            audio_only=s.audio_only,
            quality=s.quality,
            call_seconds=now - s.call_started
            if s.call_phase == CallPhase.IN_CALL
            else s.call_seconds,
            agreement=s.agreement,
            printed=s.printed,
        )

    def publish(self) -> None:
        """Build the View and hand it to every listener (only when it changed)."""
        if self.closed:
            return
        self.ensure_idle()
        view = self._build_view()
        if view == self.view:
            return
        self.view = view
        for listener in list(self.listeners):
            try:
                listener(view)
            except Exception as exc:
                log.error("view listener failed: %s", type(exc).__name__)

    def spawn(
        self, coro: Coroutine[Any, Any, None], *, session: bool = False
    ) -> asyncio.Task[None] | None:
        """Run `coro` as a task the controller owns (and the session, if `session`)."""
        if self.closed:
            coro.close()
            return None
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        if session:
            self._session_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    async def shut_down(self) -> None:
        """End any session (hanging up a call), then cancel and await every task."""
        self.end_session("cancelled")
        self.show(Screen.ATTRACT)
        self.reset_preferences()
        self.publish()
        self.closed = True
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
        self.listeners.clear()

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._session_tasks.discard(task)
        self._teardown.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("controller task failed: %s", type(task.exception()).__name__)
