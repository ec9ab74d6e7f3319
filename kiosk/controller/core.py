"""The controller's state and plumbing: session life, timers, notices, Views, tasks.

`ControllerCore` holds everything the journey's parts share (kiosk.controller.
calling, .contact_flow, .hubsync, .printouts) and the `Controller`
(kiosk.controller.machine) exposes as actions. Personal data lives only in its
`Session` (kiosk.controller.session); `_end_session` wipes and drops it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

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
from kiosk.controller.session import Session
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

P = ParamSpec("P")
C = TypeVar("C", bound="ControllerCore")


def action(method: Callable[Concatenate[C, P], None]) -> Callable[Concatenate[C, P], None]:
    """An action of the person: resets the idle timer, clears the notice, then publishes."""

    @functools.wraps(method)
    def run(self: C, *args: P.args, **kwargs: P.kwargs) -> None:
        if self._closed:
            return
        self._reset_idle()
        self._set_notice(None)
        method(self, *args, **kwargs)
        self._publish()

    return run


def machine_code(code: str) -> str:
    """A printer error code as an event detail (anything odd becomes `error`)."""
    code = code.strip().lower()
    return code if _MACHINE_CODE.fullmatch(code) else "error"


class ControllerCore:
    """State and helpers shared by the controller's parts (see the module docstring)."""

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
        self._hub = hub
        self._calls = calls
        self._printer = printer
        self._speech = speech
        self._usage = Usage(events)
        self._requests = requests
        self._catalog_cache = catalog_cache
        self._settings = settings
        self._site = site
        self._ops = OpsGate(settings.ops_pin, settings.ops_attempts, settings.ops_lock_s)
        self._screen = Screen.ATTRACT
        self._session: Session | None = None
        self._language = self._default_language()
        self._high_contrast = settings.high_contrast
        self._speech_on = self._speech_default()
        self._online = True
        self._catalog: Catalog | None = None
        self._notice: Notice | None = None
        self._countdown: int | None = None
        self._confirming_finish = False
        self._help_shown = False
        self._ops_entry = ""
        self._ops_info: dict[str, str] = {}
        self._notice_timer: asyncio.TimerHandle | None = None
        self._idle_timer: asyncio.TimerHandle | None = None
        self._countdown_timer: asyncio.TimerHandle | None = None
        self._goodbye_timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._teardown: set[asyncio.Task[None]] = set()
        self._listeners: list[Callable[[View], None]] = []
        self._flush_wake = asyncio.Event()
        self._started = False
        self._closed = False
        self._view = self._build_view()

    def _start_session(self) -> Session:
        self._cancel_goodbye()
        s = Session(id=new_id(), started=time.monotonic())
        self._session = s
        self._usage.record(EventType.SESSION_STARTED, session=s.id)
        self._go(Screen.PRIVACY)
        return s

    def _end_session(self, reason: str) -> None:
        """End the session: stop its call, tasks and speech; wipe and drop every personal datum."""
        s = self._session
        if s is None:
            return
        self._session = None
        now = time.monotonic()
        if s.call_phase == "in-call":
            self._record_call_end(s, now)
        if s.call is not None:
            self._dispose_call(s.call, answered=s.call_phase == "in-call")
        for task in list(self._session_tasks):
            task.cancel()
        self._session_tasks.clear()
        self._safe_speech_stop()
        self._usage.record(
            EventType.SESSION_ENDED, session=s.id, detail=reason, value=now - s.started
        )
        s.wipe()
        self._confirming_finish = self._help_shown = False
        self._set_notice(None)
        self._reset_idle()

    def _to_goodbye(self) -> None:
        self._end_session("done")
        self._screen = Screen.GOODBYE
        self._cancel_goodbye()
        loop = asyncio.get_running_loop()
        self._goodbye_timer = loop.call_later(self._settings.goodbye_s, self._goodbye_over)

    def _goodbye_over(self) -> None:
        self._goodbye_timer = None
        if self._screen is Screen.GOODBYE and not self._closed:
            self._to_attract()
            self._publish()

    def _to_attract(self) -> None:
        """Back to the welcome screen with the default language and theme for the next person."""
        self._cancel_goodbye()
        self._screen = Screen.ATTRACT
        self._reset_preferences()

    def _cancel_goodbye(self) -> None:
        if self._goodbye_timer is not None:
            self._goodbye_timer.cancel()
            self._goodbye_timer = None

    def _reset_preferences(self) -> None:
        self._language = self._default_language()
        self._high_contrast = self._settings.high_contrast
        if self._speech_on:
            self._safe_speech_stop()
        self._speech_on = self._speech_default()

    def _speech_default(self) -> bool:
        """Reading aloud is on for each new person where an engine exists and
        `[ui] read_aloud` says so (they can turn it off on the welcome screen)."""
        return self._settings.read_aloud and self._speech_available()

    def _default_language(self) -> str:
        language = self._settings.default_language
        return language if language in LANGUAGES else "fr"

    def _go(self, screen: Screen, *, entry: str = "") -> None:
        """Show another screen of the session (its entry starts as `entry`)."""
        self._screen = screen
        self._confirming_finish = self._help_shown = False
        s = self._session
        if s is not None:
            s.entry = entry
            s.printed = False

    def _current(self, session_id: str) -> Session | None:
        """The session if it is still the one a task was started for."""
        s = self._session
        return s if s is not None and s.id == session_id else None

    def _forget_identity(self, s: Session) -> None:
        s.first_name = s.commune = s.phone = s.ref = s.code = s.method = None
        s.has_phone = s.identified = False

    def _communes(self) -> list[str]:
        return list(self._catalog.communes) if self._catalog is not None else []

    def _find_topic(self, topic_id: str) -> TopicInfo | None:
        if self._catalog is None:
            return None
        return next((t for t in self._catalog.topics if t.id == topic_id), None)

    def _site_name(self) -> str:
        if self._catalog is not None and self._catalog.site:
            return self._catalog.site
        return self._site

    def _record_call_end(self, s: Session, now: float) -> None:
        s.call_seconds = now - s.call_started
        topic = s.topic.id if s.topic is not None else None
        self._usage.record(EventType.CALL_ENDED, session=s.id, topic=topic, value=s.call_seconds)

    def _dispose_call(self, call: Call, *, answered: bool) -> None:
        """Hang up or cancel a call in a task that survives the session's end."""

        async def dispose() -> None:
            try:
                await (call.hang_up() if answered else call.cancel())
            except Exception as exc:
                log.warning("ending a call failed: %s", type(exc).__name__)

        task = self._spawn(dispose())
        if task is not None:
            self._teardown.add(task)

    def _set_notice(self, notice: Notice | None, duration: float | None = None) -> None:
        if self._notice_timer is not None:
            self._notice_timer.cancel()
            self._notice_timer = None
        self._notice = notice
        if notice is not None and not self._closed:
            delay = self._settings.notice_s if duration is None else duration
            loop = asyncio.get_running_loop()
            self._notice_timer = loop.call_later(delay, self._notice_over, notice)

    def _notice_over(self, notice: Notice) -> None:
        self._notice_timer = None
        if self._notice is notice:
            self._notice = None
            self._publish()

    def _idle_eligible(self) -> bool:
        if self._closed:
            return False
        screen, s = self._screen, self._session
        if screen in OPS_SCREENS:
            return True
        if screen is Screen.ATTRACT:  # someone changed the language and walked away
            return s is None and (
                self._language != self._default_language()
                or self._high_contrast != self._settings.high_contrast
                or self._speech_on != self._speech_default()
            )
        return s is not None and not s.busy and screen not in IDLE_EXEMPT

    def _reset_idle(self) -> None:
        for timer in (self._idle_timer, self._countdown_timer):
            if timer is not None:
                timer.cancel()
        self._idle_timer = self._countdown_timer = None
        self._countdown = None

    def _ensure_idle(self) -> None:
        """Start the idle timer where it applies; stop it where it does not."""
        if not self._idle_eligible():
            self._reset_idle()
        elif self._idle_timer is None and self._countdown is None:
            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(self._settings.idle_s, self._idle_over)

    def _idle_over(self) -> None:
        self._idle_timer = None
        if not self._idle_eligible():
            return
        if self._screen in OPS_SCREENS:
            self._ops_entry, self._ops_info = "", {}
            self._screen = Screen.ATTRACT
        elif self._screen is Screen.ATTRACT:
            self._reset_preferences()
        else:
            self._countdown = max(1, self._settings.idle_countdown_s)
            self._schedule_countdown()
        self._publish()

    def _schedule_countdown(self) -> None:
        loop = asyncio.get_running_loop()
        self._countdown_timer = loop.call_later(self._settings.tick_s, self._countdown_tick)

    def _countdown_tick(self) -> None:
        self._countdown_timer = None
        if self._countdown is None or self._closed:
            return
        self._countdown -= 1
        if self._countdown <= 0:
            self._countdown = None
            self._end_session("idle")
            self._to_attract()
        else:
            self._schedule_countdown()
        self._publish()

    def _speech_available(self) -> bool:
        try:
            return bool(self._speech.available)
        except Exception:
            return False

    def _safe_speech_stop(self) -> None:
        try:
            self._speech.stop()
        except Exception as exc:
            log.warning("speech stop failed: %s", type(exc).__name__)

    def _build_view(self) -> View:
        screen, s = self._screen, self._session
        common: dict[str, Any] = {
            "screen": screen,
            "language": self._language,
            "high_contrast": self._high_contrast,
            "speech_on": self._speech_on,
            "speech_available": self._speech_available(),
            "online": self._online,
            "catalog": self._catalog,
            "notice": self._notice,
            "idle_countdown": self._countdown,
            "confirm_finish": self._confirming_finish,
            "help_shown": self._help_shown,
            "reception": self._settings.reception,
        }
        if screen in OPS_SCREENS:
            return View(
                **common,
                entry=self._ops_entry if screen is Screen.OPS_PIN else "",
                masked=screen is Screen.OPS_PIN,
                entry_max=keys.entry_max(screen, self._ops_entry),
                entry_ready=screen is Screen.OPS_PIN and keys.ready(screen, self._ops_entry),
                ops_info=dict(self._ops_info) if screen is Screen.OPS else {},
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
            commune_letters=places.letters(self._communes()) if screen is Screen.COMMUNE else (),
            communes_shown=(
                places.shown(self._communes(), s.commune_letter) if screen is Screen.COMMUNE else ()
            ),
            commune_letter=s.commune_letter if screen is Screen.COMMUNE else None,
            entry=s.entry if keypad else "",
            masked=keys.masked(screen),
            entry_max=keys.entry_max(screen, s.entry) if keypad else 0,
            entry_ready=keypad and keys.ready(screen, s.entry),
            topic=s.topic,
            position=s.position,
            eta_s=s.eta_s,
            waited_s=now - s.wait_started if s.call_phase == "waiting" else s.waited_s,
            no_answer_reason=s.no_answer_reason,
            request_kind=shown_kind if screen in (Screen.NO_ANSWER, Screen.REQUEST_SENT) else None,
            request_offline=s.request_offline,
            adviser_name=s.adviser_name,
            muted=s.muted,
            audio_only=s.audio_only,
            quality=s.quality,
            call_seconds=now - s.call_started if s.call_phase == "in-call" else s.call_seconds,
            agreement=s.agreement,
            printed=s.printed,
        )

    def _publish(self) -> None:
        """Build the View and hand it to every listener (only when it changed)."""
        if self._closed:
            return
        self._ensure_idle()
        view = self._build_view()
        if view == self._view:
            return
        self._view = view
        for listener in list(self._listeners):
            try:
                listener(view)
            except Exception as exc:
                log.error("view listener failed: %s", type(exc).__name__)

    def _spawn(
        self, coro: Coroutine[Any, Any, None], *, session: bool = False
    ) -> asyncio.Task[None] | None:
        """Run `coro` as a task the controller owns (and the session, if `session`)."""
        if self._closed:
            coro.close()
            return None
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        if session:
            self._session_tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._session_tasks.discard(task)
        self._teardown.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("controller task failed: %s", type(task.exception()).__name__)
