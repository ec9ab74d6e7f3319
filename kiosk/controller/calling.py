"""Calls: request, queue updates, answer, quality, agreement, hang-up, missed or failed."""

from __future__ import annotations

import asyncio
import logging
import time

from hub.protocol import EventType
from hub.protocol.kiosk_api import TopicInfo
from kiosk.controller.core import ControllerCore
from kiosk.controller.ports import CallEndReason, CallerInfo, CallUpdate
from kiosk.controller.session import Session
from kiosk.controller.view import Notice, NoticeKind, Screen

log = logging.getLogger(__name__)


class CallFlow(ControllerCore):
    """The WAITING and IN_CALL part of the journey."""

    def _request_call(self, s: Session, topic: TopicInfo) -> None:
        s.attempt += 1
        s.call, s.call_phase = None, "waiting"
        s.wait_started, s.waited_s = time.monotonic(), 0.0
        s.position = s.eta_s = s.adviser_name = s.quality = s.agreement = None
        s.no_answer_reason, s.muted, s.call_seconds = None, False, 0.0
        s.audio_only = False
        self._usage.record(EventType.CALL_REQUESTED, session=s.id, topic=topic.id)
        self._go(Screen.WAITING)
        caller = CallerInfo(
            first_name=s.first_name, commune=s.commune, ref=s.ref, language=self._language
        )
        self._spawn(self._place_call(s.id, s.attempt, topic.id, caller), session=True)
        self._spawn(self._clock(s.id, s.attempt), session=True)

    async def _place_call(
        self, session_id: str, attempt: int, topic_id: str, caller: CallerInfo
    ) -> None:
        def on_update(update: CallUpdate) -> None:
            self._on_call_update(session_id, attempt, update)

        try:
            call = await self._calls.request(topic_id, caller, on_update)
        except Exception as exc:
            log.warning("call request failed: %s", type(exc).__name__)
            del caller
            s = self._current(session_id)
            if s is not None and s.attempt == attempt and s.call_phase == "waiting":
                self._end_wait(s, CallEndReason.FAILED)
                self._publish()
            return
        del caller
        s = self._current(session_id)
        if s is None or s.attempt != attempt or s.call_phase not in ("waiting", "in-call"):
            self._dispose_call(call, answered=True)  # abandoned meanwhile
            return
        s.call = call
        self._publish()

    async def _clock(self, session_id: str, attempt: int) -> None:
        """Republish every tick while waiting or calling, so the seconds count."""
        while True:
            await asyncio.sleep(self._settings.tick_s)
            s = self._current(session_id)
            if s is None or s.attempt != attempt or s.call_phase not in ("waiting", "in-call"):
                return
            self._publish()

    def _on_call_update(self, session_id: str, attempt: int, update: CallUpdate) -> None:
        if self._closed:
            return
        s = self._current(session_id)
        if s is None or s.attempt != attempt:
            return
        now = time.monotonic()
        if update.kind == "queued" and s.call_phase == "waiting":
            s.position, s.eta_s = update.position, update.eta_s
        elif update.kind == "answered" and s.call_phase == "waiting":
            s.call_phase, s.call_started = "in-call", now
            s.waited_s = now - s.wait_started
            s.adviser_name = update.adviser_name
            s.position = s.eta_s = None
            topic = s.topic.id if s.topic is not None else None
            self._usage.record(EventType.CALL_ANSWERED, session=s.id, topic=topic, value=s.waited_s)
            self._go(Screen.IN_CALL)
        elif update.kind == "quality" and s.call_phase == "in-call":
            if update.quality is not None:  # every sample (5 s): the report's quality line
                self._usage.record(
                    EventType.CALL_QUALITY,
                    session=s.id,
                    topic=s.topic.id if s.topic is not None else None,
                    detail=update.quality.value,
                    value=update.rtt_ms,
                )
            s.quality = update.quality
        elif update.kind == "media" and update.audio_only is not None:
            s.audio_only = update.audio_only
        elif update.kind == "agreement":
            s.agreement = update.agreement
        elif update.kind == "ended":
            reason = update.reason or CallEndReason.FAILED
            if s.call_phase == "waiting":
                self._end_wait(s, reason)
            elif s.call_phase == "in-call":
                failed = reason is CallEndReason.FAILED
                self._close_call(s, hang_up=False)
                self._go(Screen.AFTER_CALL)
                if failed:
                    self._usage.record(EventType.ERROR, session=s.id, detail="call-failed")
                    self._set_notice(Notice(NoticeKind.CALL_FAILED))
            else:
                return
        else:
            return
        self._publish()

    def _end_wait(self, s: Session, reason: CallEndReason) -> None:
        """The request ended unanswered: NO_ANSWER with the reason."""
        s.call_phase = "over"
        s.waited_s = time.monotonic() - s.wait_started
        s.position = s.eta_s = None
        if s.call is not None:
            self._dispose_call(s.call, answered=False)
            s.call = None
        topic = s.topic.id if s.topic is not None else None
        if reason is CallEndReason.FAILED:
            s.no_answer_reason = "failed"
            self._usage.record(EventType.ERROR, session=s.id, detail="call-failed")
            self._set_notice(Notice(NoticeKind.CALL_FAILED))
        elif reason is CallEndReason.UNAVAILABLE:
            s.no_answer_reason = "unavailable"
        else:
            s.no_answer_reason = "missed"
            self._usage.record(EventType.CALL_MISSED, session=s.id, topic=topic, value=s.waited_s)
        self._go(Screen.NO_ANSWER)

    def _cancel_wait(self, s: Session) -> None:
        s.attempt += 1  # the request's coming updates, and its Call, are now stale
        s.call_phase = "over"
        s.position = s.eta_s = None
        if s.call is not None:
            self._dispose_call(s.call, answered=False)
            s.call = None
        self._go(Screen.TOPICS)

    def _close_call(self, s: Session, *, hang_up: bool = True) -> None:
        """The call is over (hung up here or there): record its length, let the call go."""
        self._record_call_end(s, time.monotonic())
        s.call_phase = "over"
        if s.call is not None and hang_up:
            self._dispose_call(s.call, answered=True)
        s.call = None
        s.muted, s.quality, s.audio_only = False, None, False
