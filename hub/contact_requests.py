"""Call-back and appointment requests from kiosks: store, list, mark handled, purge.

A request names the job seeker either by a seeker reference (resolved here to
their personal code, first name and phone) or, on a first visit, by the first
name and commune they typed. Its id is the kiosk's own, so a replay from the
kiosk's outbox is stored once. These rows hold personal data: they are shown
only to staff on /requests and purged on the retention schedule.

Who sees what (`visible_topics`): ops and admin see every request; an adviser
only those of their own partner, on the topics they handle (a request belongs
to the partners serving its topic); an adviser without a profile sees none.
Every display of a phone number to a staff member goes to the audit log.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, or_, select, update

from hub.accounts import Role, audit
from hub.auth import Principal
from hub.config import RetentionConfig
from hub.errors import HubError
from hub.protocol.kiosk_api import ContactKind, ContactRequest
from hub.seekers import resolve_ref
from hub.signaling.advisers import adviser_profile
from hub.store import schema, upsert_ignore


class RequestRefused(HubError, ValueError):
    """A contact request that cannot be acted on; the message says why (422)."""


@dataclass(frozen=True)
class Stored:
    """The outcome of `store_request`: False `created` means a replay."""

    id: str
    created: bool


def store_request(
    conn: Connection, kiosk_id: str, request: ContactRequest, now: float | None = None
) -> Stored:
    """Store a request from `kiosk_id` once (idempotent on its id).

    Without a seeker reference, a first name and a commune are required, and a
    phone number for a call-back. A reference that is unknown, expired or was
    handed to another kiosk names nobody: the request is still kept (it may
    come late from the outbox) with the details it carries.
    """
    now = time.time() if now is None else now
    if request.ref is None:
        if not request.first_name or not request.commune:
            raise RequestRefused("a first visit needs a first name and a commune")
        if request.kind == ContactKind.CALLBACK and not request.phone:
            raise RequestRefused("a call-back needs a phone number")
    seeker = resolve_ref(conn, request.ref, kiosk_id, now) if request.ref else None
    row = {
        "id": request.id,
        "kiosk_id": kiosk_id,
        "kind": request.kind.value,
        "reason": request.reason.value,
        "topic": request.topic,
        "first_name": request.first_name or (seeker.first_name if seeker else None),
        "commune": request.commune,
        "phone": request.phone or (seeker.phone if seeker else None),
        "seeker_code": seeker.code if seeker else None,
        "created_at": request.created_at.timestamp(),
        "received_at": now,
    }
    created = upsert_ignore(conn, schema.contact_requests, [row]) == 1
    return Stored(request.id, created)


def visible_topics(conn: Connection, principal: Principal) -> frozenset[str] | None:
    """The topics whose requests `principal` may see and act on; None for all of them."""
    if principal.allows(Role.OPS):
        return None
    profile = adviser_profile(conn, principal.user_id) if principal.user_id is not None else None
    if profile is None:
        return frozenset()
    p = schema.partners.c
    served = set(conn.execute(select(p.topic_id).where(p.id == profile.partner_id)).scalars())
    return frozenset(t for t in profile.topics if t in served)


def open_requests(
    conn: Connection, topics: frozenset[str] | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """Requests not handled yet, oldest first, with the kiosk's site and the topic's label;
    only those on `topics` unless it is None (see visible_topics)."""
    if topics is not None and not topics:
        return []
    c, k, t = schema.contact_requests.c, schema.kiosks.c, schema.topics.c
    rows = conn.execute(
        select(
            c.id,
            c.kiosk_id,
            c.kind,
            c.reason,
            c.topic,
            c.first_name,
            c.commune,
            c.phone,
            c.seeker_code,
            c.created_at,
            c.received_at,
            k.site,
            t.label_fr.label("topic_label"),
        )
        .select_from(
            schema.contact_requests.outerjoin(schema.kiosks, k.id == c.kiosk_id).outerjoin(
                schema.topics, t.id == c.topic
            )
        )
        .where(c.handled_at.is_(None), *([c.topic.in_(topics)] if topics is not None else []))
        .order_by(c.created_at, c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


def audit_phones_shown(conn: Connection, actor: str, rows: list[dict[str, Any]]) -> int:
    """Record that `actor` was shown the phone numbers of these requests; returns how many."""
    shown = [r["id"] for r in rows if r.get("phone")]
    for request_id in shown:
        audit(conn, actor, "request.phone-shown", str(request_id)[:120])
    return len(shown)


def mark_handled(
    conn: Connection,
    request_id: str,
    actor: str,
    now: float | None = None,
    topics: frozenset[str] | None = None,
) -> bool:
    """Mark an open request handled by `actor`; False when unknown, handled already or
    not on `topics` (when given: see visible_topics)."""
    now = time.time() if now is None else now
    c = schema.contact_requests.c
    scope = [c.topic.in_(topics)] if topics is not None else []
    result = conn.execute(
        update(schema.contact_requests)
        .where(c.id == request_id, c.handled_at.is_(None), *scope)
        .values(handled_at=now, handled_by=actor)
    )
    if result.rowcount == 0:
        return False
    audit(conn, actor, "request.handled", request_id[:120])
    return True


def purge_requests(conn: Connection, retention: RetentionConfig, now: float) -> int:
    """Delete requests handled long enough ago, and every request past its retention."""
    c = schema.contact_requests.c
    result = conn.execute(
        delete(schema.contact_requests).where(
            or_(
                c.handled_at < now - retention.handled_requests_days * 86400,
                c.received_at < now - retention.requests_days * 86400,
            )
        )
    )
    return max(result.rowcount, 0)
