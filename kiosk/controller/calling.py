"""Calls: request, queue updates, answer, quality, agreement, hang-up, missed or failed."""

from __future__ import annotations

import asyncio
import logging
import time

from hub.protocol import EventType
from hub.protocol.kiosk_api import TopicInfo
from kiosk.controller.core import Core
from kiosk.controller.ports import (
    AgreementSent,
    Answered,
    CallEndReason,
    CallerInfo,
    CallOver,
    CallUpdate,
    MediaChanged,
    QualitySample,
    Queued,
)
from kiosk.controller.session import CallPhase, Session
from kiosk.controller.view import Notice, NoticeKind, Screen

log = logging.getLogger(__name__)


class CallFlow:
    """The WAITING and IN_CALL part of the journey."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def request(self, s: Session, topic: TopicInfo) -> None:
        """Ask for an adviser on `topic`: WAITING, with the call placed in a task."""
        s.attempt += 1
        s.call, s.call_phase = None, CallPhase.WAITING
        s.wait_started, s.waited_s = time.monotonic(), 0.0
        s.position = s.eta_s = s.adviser_name = s.quality = s.agreement = None
        s.no_answer_reason, s.muted, s.call_seconds = None, False, 0.0
        s.audio_only = False
        self._core.usage.record(EventType.CALL_REQUESTED, session=s.id, topic=topic.id)
        self._core.go(Screen.WAITING)
        caller = CallerInfo(
            first_name=s.first_name, commune=s.commune, ref=s.ref, language=self._core.language
        )
        self._core.spawn(self._place_call(s.id, s.attempt, topic.id, caller), session=True)
        self._core.spawn(self._clock(s.id, s.attempt), session=True)

    async def _place_call(
        self, session_id: str, attempt: int, topic_id: str, caller: CallerInfo
    ) -> None:
        def on_update(update: CallUpdate) -> None:
            self._on_call_update(session_id, attempt, update)

        try:
            call = await self._core.call_service.request(topic_id, caller, on_update)
        except Exception as exc:
            log.warning("call request failed: %s", type(exc).__name__)
            del caller
            s = self._core.current(session_id)
            if s is not None and s.attempt == attempt and s.call_phase == CallPhase.WAITING:
                self.end_wait(s, CallEndReason.FAILED)
                self._core.publish()
            return
        del caller
        s = self._core.current(session_id)
        if (
            s is None
            or s.attempt != attempt
            or s.call_phase not in (CallPhase.WAITING, CallPhase.IN_CALL)
        ):
            self._core.dispose_call(call, answered=True)  # abandoned meanwhile
            return
        s.call = call
        self._core.publish()

    async def _clock(self, session_id: str, attempt: int) -> None:
        """Republish every tick while waiting or calling, so the seconds count."""
        while True:
            await asyncio.sleep(self._core.settings.tick_s)
            s = self._core.current(session_id)
            if (
                s is None
                or s.attempt != attempt
                or s.call_phase not in (CallPhase.WAITING, CallPhase.IN_CALL)
            ):
                return
            self._core.publish()

    def _on_call_update(self, session_id: str, attempt: int, update: CallUpdate) -> None:
        if self._core.closed:
            return
        s = self._core.current(session_id)
        if s is None or s.attempt != attempt:
            return
        now = time.monotonic()
        waiting, in_call = s.call_phase is CallPhase.WAITING, s.call_phase is CallPhase.IN_CALL
        match update:
            case Queued(position=position, eta_s=eta_s) if waiting:
                s.position, s.eta_s = position, eta_s
            case Answered(adviser_name=name) if waiting:
                s.call_phase, s.call_started = CallPhase.IN_CALL, now
                s.waited_s = now - s.wait_started
                s.adviser_name = name
                s.position = s.eta_s = None
                topic = s.topic.id if s.topic is not None else None
                self._core.usage.record(
                    EventType.CALL_ANSWERED, session=s.id, topic=topic, value=s.waited_s
                )
                self._core.go(Screen.IN_CALL)
            case QualitySample(quality=quality, rtt_ms=rtt_ms) if in_call:
                if quality is not None:  # every sample (5 s): the report's quality line
                    self._core.usage.record(
                        EventType.CALL_QUALITY,
                        session=s.id,
                        topic=s.topic.id if s.topic is not None else None,
                        detail=quality.value,
                        value=rtt_ms,
                    )
                s.quality = quality
            case MediaChanged(audio_only=audio_only):
                s.audio_only = audio_only
            case AgreementSent(agreement=agreement):
                s.agreement = agreement
            case CallOver(reason=reason) if waiting:
                self.end_wait(s, reason)
            case CallOver(reason=reason) if in_call:
                self.close(s, hang_up=False)
                self._core.go(Screen.AFTER_CALL)
                if reason is CallEndReason.FAILED:
                    self._core.usage.record(EventType.ERROR, session=s.id, detail="call-failed")
                    self._core.set_notice(Notice(NoticeKind.CALL_FAILED))
            case _:
                return
        self._core.publish()

    def end_wait(self, s: Session, reason: CallEndReason) -> None:
        """The request ended unanswered: NO_ANSWER with the reason."""
        s.call_phase = CallPhase.OVER
        s.waited_s = time.monotonic() - s.wait_started
        s.position = s.eta_s = None
        if s.call is not None:
            self._core.dispose_call(s.call, answered=False)
            s.call = None
        topic = s.topic.id if s.topic is not None else None
        if reason is CallEndReason.FAILED:
            s.no_answer_reason = "failed"
            self._core.usage.record(EventType.ERROR, session=s.id, detail="call-failed")
            self._core.set_notice(Notice(NoticeKind.CALL_FAILED))
        elif reason is CallEndReason.UNAVAILABLE:
            s.no_answer_reason = "unavailable"
        else:
            s.no_answer_reason = "missed"
            self._core.usage.record(
                EventType.CALL_MISSED, session=s.id, topic=topic, value=s.waited_s
            )
        self._core.go(Screen.NO_ANSWER)

    def cancel_wait(self, s: Session) -> None:
        """WAITING → TOPICS: the request is withdrawn."""
        s.attempt += 1  # the request's coming updates, and its Call, are now stale
        s.call_phase = CallPhase.OVER
        s.position = s.eta_s = None
        if s.call is not None:
            self._core.dispose_call(s.call, answered=False)
            s.call = None
        self._core.go(Screen.TOPICS)

    def close(self, s: Session, *, hang_up: bool = True) -> None:
        """The call is over (hung up here or there): record its length, let the call go."""
        self._core.record_call_end(s, time.monotonic())
        s.call_phase = CallPhase.OVER
        if s.call is not None and hang_up:
            self._core.dispose_call(s.call, answered=True)
        s.call = None
        s.muted, s.quality, s.audio_only = False, None, False
