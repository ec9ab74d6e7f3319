"""Adviser profiles: which partner a staff user answers calls for, on which topics.

An adviser is a staff user (role adviser; ops and admin users may answer too
once they have a profile) with a display name shown to the caller, one
partner, and the topics they handle (tables adviser_profiles, adviser_topics).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from hub.accounts import AccountError, Role, add_user, audit
from hub.partners import partner_territories
from hub.store import schema

MAX_NAME = 80


@dataclass(frozen=True)
class AdviserProfile:
    """What routing needs to know about an adviser."""

    user_id: int
    name: str
    partner_id: str
    partner_name: str
    topics: tuple[str, ...]
    territories: tuple[str, ...] = ()
    """The territories of the partner (ids): only their kiosks ring this adviser. Empty
    only for a profile built by hand (a test): it then hears every kiosk."""


@dataclass(frozen=True)
class AdviserListing:
    """One line of `gaia-hub adviser list`."""

    profile: AdviserProfile
    email: str
    role: str
    disabled: bool


def set_profile(
    conn: Connection,
    user_id: int,
    name: str,
    partner_id: str,
    topics: list[str],
    actor: str = "cli",
) -> AdviserProfile:
    """Create or replace a user's adviser profile; AccountError for unknown partner/topics."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise AccountError(f"an adviser's name has 1 to {MAX_NAME} characters")
    wanted = list(dict.fromkeys(t.strip() for t in topics if t.strip()))
    if not wanted:
        raise AccountError("an adviser handles at least one topic")
    p = schema.partners.c
    partner = conn.execute(select(p.name).where(p.id == partner_id)).scalar()
    if partner is None:
        raise AccountError(f"no partner {partner_id!r}")
    t = schema.topics.c
    known = set(conn.execute(select(t.id).where(t.id.in_(wanted))).scalars())
    unknown = [topic for topic in wanted if topic not in known]
    if unknown:
        raise AccountError(f"unknown topic(s): {', '.join(unknown)}")
    u = schema.users.c
    email = conn.execute(select(u.email).where(u.id == user_id)).scalar()
    if email is None:
        raise AccountError(f"no user {user_id}")
    conn.execute(
        delete(schema.adviser_profiles).where(schema.adviser_profiles.c.user_id == user_id)
    )
    conn.execute(
        insert(schema.adviser_profiles).values(
            user_id=user_id, name=name, partner_id=partner_id, created_at=time.time()
        )
    )
    conn.execute(
        insert(schema.adviser_topics), [{"user_id": user_id, "topic_id": t} for t in wanted]
    )
    audit(conn, actor, "adviser.profile", email, f"partner={partner_id} topics={','.join(wanted)}")
    return AdviserProfile(
        user_id, name, partner_id, partner, tuple(wanted), partner_territories(conn, partner_id)
    )


def add_adviser(
    conn: Connection,
    email: str,
    password: str,
    name: str,
    partner_id: str,
    topics: list[str],
    actor: str = "cli",
) -> AdviserProfile:
    """Create a user with role adviser and its profile (all or nothing in `conn`'s transaction)."""
    user_id = add_user(conn, email, password, Role.ADVISER, actor=actor)
    return set_profile(conn, user_id, name, partner_id, topics, actor=actor)


def adviser_profile(conn: Connection, user_id: int) -> AdviserProfile | None:
    """A user's adviser profile, or None when they have none."""
    a, p = schema.adviser_profiles.c, schema.partners.c
    row = conn.execute(
        select(a.name, a.partner_id, p.name.label("partner_name"))
        .select_from(schema.adviser_profiles.join(schema.partners, p.id == a.partner_id))
        .where(a.user_id == user_id)
    ).first()
    if row is None:
        return None
    at = schema.adviser_topics.c
    topics = conn.execute(
        select(at.topic_id).where(at.user_id == user_id).order_by(at.topic_id)
    ).scalars()
    return AdviserProfile(
        user_id,
        row.name,
        row.partner_id,
        row.partner_name,
        tuple(topics),
        partner_territories(conn, row.partner_id),
    )


def list_advisers(conn: Connection) -> list[AdviserListing]:
    """Every user with an adviser profile, by name."""
    a, u = schema.adviser_profiles.c, schema.users.c
    rows = conn.execute(
        select(a.user_id, u.email, u.role, u.disabled)
        .select_from(schema.adviser_profiles.join(schema.users, u.id == a.user_id))
        .order_by(a.name, u.email)
    ).all()
    listings = []
    for row in rows:
        profile = adviser_profile(conn, row.user_id)
        if profile is not None:
            listings.append(AdviserListing(profile, row.email, row.role, bool(row.disabled)))
    return listings


def topic_label(conn: Connection, topic_id: str) -> str | None:
    """A topic's French label (what advisers read), or None for an unknown topic."""
    t = schema.topics.c
    label: str | None = conn.execute(select(t.label_fr).where(t.id == topic_id)).scalar()
    return label


def topic_wait_limit(conn: Connection, topic_id: str) -> float | None:
    """The topic's own limit in line, in seconds (None: the hub's [calls] queue_wait_s)."""
    t = schema.topics.c
    limit = conn.execute(select(t.max_wait_s).where(t.id == topic_id)).scalar()
    return float(limit) if limit is not None else None


def kiosk_territory(conn: Connection, kiosk_id: str) -> str | None:
    """The id of the kiosk's territory, or None when it names no known territory."""
    from hub.partners import territory_of

    k = schema.kiosks.c
    name: str | None = conn.execute(select(k.territory).where(k.id == kiosk_id)).scalar()
    return territory_of(conn, name or "")


def kiosk_site(conn: Connection, kiosk_id: str) -> str:
    """The kiosk's place as shown to advisers (e.g. "Mairie de Laplume")."""
    k = schema.kiosks.c
    site: str | None = conn.execute(select(k.site).where(k.id == kiosk_id)).scalar()
    return (site or kiosk_id)[:120]
