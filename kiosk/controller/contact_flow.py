"""Who the person is and how to reach them: identify, first visit, contact requests."""

from __future__ import annotations

import logging
import math

from pydantic import ValidationError

from hub.protocol import EventType, new_id, utcnow
from hub.protocol.kiosk_api import (
    ContactKind,
    ContactReason,
    ContactRequest,
    IdentifyMethod,
    IdentifyOutcome,
    IdentifyRequest,
    IdentifyResult,
)
from kiosk.controller.core import Core
from kiosk.controller.ports import HubRejected, HubThrottled
from kiosk.controller.session import Session
from kiosk.controller.view import Notice, NoticeKind, Screen

log = logging.getLogger(__name__)


class ContactFlow:
    """Identify with the hub; first-visit details; call-back and appointment requests."""

    def __init__(self, core: Core) -> None:
        self._core = core

    async def identify(self, session_id: str, method: str, code: str, pin: str) -> None:
        try:
            result = await self._core.hub.identify(
                IdentifyRequest(method=IdentifyMethod(method), code=code, pin=pin)
            )
        except HubThrottled as exc:  # the hub is there but wants this kiosk to wait
            result = IdentifyResult(result=IdentifyOutcome.LOCKED, retry_after_s=exc.retry_after_s)
        except Exception as exc:  # whatever the hub client raises, the person goes offline
            s = self._core.current(session_id)
            if s is None:
                return
            detail = "hub-rejected" if isinstance(exc, HubRejected) else "hub-unreachable"
            self._core.usage.record(EventType.ERROR, session=session_id, detail=detail)
            self._core.online = False
            s.busy = False
            s.code = s.method = None
            self._core.go(Screen.OFFLINE)
            self._core.publish()
            return
        s = self._core.current(session_id)
        if s is None:
            return
        s.busy = False
        if result.result is IdentifyOutcome.OK:
            s.first_name, s.ref, s.has_phone = result.first_name, result.ref, result.has_phone
            s.identified, s.code = True, None
            self._core.usage.record(EventType.IDENTIFIED, session=s.id, detail=method)
            self._core.go(Screen.TOPICS)
        elif result.result is IdentifyOutcome.WRONG:
            s.entry = ""
            self._core.set_notice(Notice(NoticeKind.WRONG_PIN, count=result.attempts_left))
        else:
            minutes = math.ceil(result.retry_after_s / 60) if result.retry_after_s else None
            s.code = s.method = None
            self._core.usage.record(EventType.ERROR, session=s.id, detail="pin-locked")
            self._core.go(Screen.IDENTIFY)
            self._core.set_notice(Notice(NoticeKind.LOCKED, count=minutes))
        del result
        self._core.publish()

    def details_done(self, s: Session) -> None:
        """The first-visit details (first name, commune) are complete: on to the topics,
        or on with the request that asked for them."""
        if not s.identified and s.first_name is not None:
            s.identified, s.method = True, "first-visit"
            self._core.usage.record(EventType.IDENTIFIED, session=s.id, detail="first-visit")
        if s.contact_kind is not None:
            self.continue_contact(s)
        else:
            self._core.go(Screen.TOPICS)

    def leave_details(self) -> None:
        """Back from the first details: to the contact screen that asked, or to IDENTIFY."""
        s = self._core.session
        if s is not None and s.contact_kind is not None and s.contact_origin is not None:
            origin = s.contact_origin
            s.contact_kind = s.contact_origin = s.contact_reason = None
            self._core.go(origin)
        else:
            self._core.go(Screen.IDENTIFY)

    def continue_contact(self, s: Session) -> None:
        """Ask for what the request still needs (first name, phone), else send it."""
        if not s.has_identity():
            self._core.go(Screen.FIRST_NAME)
        elif not s.identified:
            self.details_done(s)  # a first name typed, the commune left out
        elif not s.can_be_called_back():  # a call-back or an appointment: a number to call
            self._core.go(Screen.PHONE)
        else:
            self._send_contact(s)

    def _send_contact(self, s: Session) -> None:
        try:
            request = ContactRequest(
                id=new_id(),
                kind=ContactKind(s.contact_kind or ContactKind.CALLBACK),
                reason=ContactReason(s.contact_reason or ContactReason.NO_ANSWER),
                topic=s.topic.id if s.topic is not None else None,
                created_at=utcnow(),
                ref=s.ref,
                first_name=None if s.ref else s.first_name,
                commune=None if s.ref else s.commune,
                phone=s.phone,
            )
        except ValidationError:
            log.warning("contact request not made: invalid field")
            self._core.set_notice(Notice(NoticeKind.REQUEST_FAILED))
            return
        s.busy = True
        self._core.spawn(self._deliver(s.id, request, try_hub=self._core.online), session=True)

    async def _deliver(self, session_id: str, request: ContactRequest, *, try_hub: bool) -> None:
        """Send a request to the hub, or keep it in the request store for the flusher."""
        kept = not try_hub
        rejected = False
        if try_hub:
            try:
                await self._core.hub.send_request(request)
            except HubThrottled:
                kept = True  # the hub will take it later: the flusher sends it
            except HubRejected as exc:
                log.warning("the hub refused a contact request (%s)", exc.status)
                rejected = True
            except Exception:  # unreachable (or a client error): keep it for the flusher
                self._core.online = False
                self._core.usage.record(
                    EventType.ERROR, session=session_id, detail="hub-unreachable"
                )
                kept = True
        if kept:
            try:
                self._core.requests.store(request)
            except Exception as exc:
                log.warning("contact request not kept: %s", type(exc).__name__)
                rejected = True
        kind, reason, topic = request.kind, request.reason, request.topic
        del request
        s = self._core.current(session_id)
        if s is None:
            return
        s.busy = False
        if rejected:
            self._core.usage.record(EventType.ERROR, session=s.id, detail="request-failed")
            self._core.set_notice(Notice(NoticeKind.REQUEST_FAILED))
        else:
            event = (
                EventType.APPOINTMENT_REQUESTED
                if kind is ContactKind.APPOINTMENT
                else EventType.CALLBACK_REQUESTED
            )
            self._core.usage.record(event, session=s.id, topic=topic, detail=reason.value)
            s.request_kind, s.request_offline = kind.value, kept
            s.contact_kind = s.contact_origin = s.contact_reason = None
            self._core.go(Screen.REQUEST_SENT)
        self._core.publish()
