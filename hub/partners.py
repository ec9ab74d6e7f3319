"""The catalogue's model: territories and their communes, topics, and the partners who
serve topics in territories (docs/operations.md, "Territories and partners").

A kiosk stands in one territory; it lists, and its calls ring, only the partners
that serve that territory (hub.catalog, hub.signaling.router). Every change here
is validated, written in the caller's transaction and audited; bad input raises
`PartnerError` with a sentence for the person who typed it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from hub.accounts import audit
from hub.errors import HubError
from hub.opening import OpeningError, parse_opening
from hub.store import schema

_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
MAX_COMMUNES = 400
MAX_NAME = 120


class PartnerError(HubError, ValueError):
    """A territory, topic or partner that cannot be written as given."""


@dataclass(frozen=True)
class Territory:
    """A territory and its communes (as the commune screen lists them)."""

    id: str
    name: str
    communes: tuple[str, ...]


@dataclass(frozen=True)
class Partner:
    """A partner organisation: what it serves, where, and how to reach it."""

    id: str
    name: str
    topics: tuple[str, ...]
    territories: tuple[str, ...]
    phone: str
    hours: str
    opening: str
    address: str


def _check_id(kind: str, value: str) -> str:
    value = value.strip()
    if not _ID.fullmatch(value):
        raise PartnerError(
            f"a {kind} id has 1 to 40 characters: lower-case letters, digits and '-' "
            f"(got {value!r})"
        )
    return value


def _check_text(what: str, value: str, limit: int, *, required: bool = False) -> str:
    value = " ".join(value.split())
    if required and not value:
        raise PartnerError(f"{what} is required")
    if len(value) > limit:
        raise PartnerError(f"{what} has at most {limit} characters")
    return value


def _ids(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


# -- territories ---------------------------------------------------------------------------


def add_territory(
    conn: Connection, territory_id: str, name: str, communes: list[str], actor: str = "cli"
) -> Territory:
    """Create a territory, or replace its name and communes (the same id)."""
    territory_id = _check_id("territory", territory_id)
    name = _check_text("a territory's name", name, MAX_NAME, required=True)
    names = list(dict.fromkeys(_check_text("a commune", c, 80) for c in communes))
    names = [n for n in names if n]
    if len(names) > MAX_COMMUNES:
        raise PartnerError(f"a territory has at most {MAX_COMMUNES} communes")
    t = schema.territories.c
    values = {"name": name, "communes_json": json.dumps(names, ensure_ascii=False)}
    if conn.execute(select(t.id).where(t.id == territory_id)).first() is None:
        conn.execute(insert(schema.territories).values(id=territory_id, **values))
    else:
        conn.execute(update(schema.territories).where(t.id == territory_id).values(**values))
    audit(conn, actor, "territory.set", territory_id, f"{name}: {len(names)} communes")
    return Territory(territory_id, name, tuple(names))


def list_territories(conn: Connection) -> list[Territory]:
    """Every territory, by name."""
    t = schema.territories.c
    rows = conn.execute(select(t.id, t.name, t.communes_json).order_by(t.name)).all()
    return [Territory(r.id, r.name, tuple(json.loads(r.communes_json or "[]"))) for r in rows]


def territory_of(conn: Connection, name: str) -> str | None:
    """The id of the territory called `name` (its id or its name, case ignored), or None."""
    wanted = " ".join(name.split()).casefold()
    if not wanted:
        return None
    t = schema.territories.c
    for row in conn.execute(select(t.id, t.name)):
        if wanted in (row.id.casefold(), " ".join(row.name.split()).casefold()):
            return str(row.id)
    return None


# -- topics --------------------------------------------------------------------------------


def add_topic(
    conn: Connection,
    topic_id: str,
    label_fr: str,
    label_en: str,
    pictogram: str = "",
    max_wait_s: int | None = None,
    actor: str = "cli",
) -> None:
    """Create a topic, or replace its labels, pictogram and wait limit (the same id)."""
    topic_id = _check_id("topic", topic_id)
    if max_wait_s is not None and not 30 <= max_wait_s <= 7200:
        raise PartnerError("a topic's wait limit is 30 to 7200 seconds")
    values: dict[str, object] = {
        "label_fr": _check_text("the French label", label_fr, MAX_NAME, required=True),
        "label_en": _check_text("the English label", label_en, MAX_NAME, required=True),
        "pictogram": _check_text("the pictogram", pictogram, 40),
        "max_wait_s": max_wait_s,
    }
    t = schema.topics.c
    if conn.execute(select(t.id).where(t.id == topic_id)).first() is None:
        conn.execute(insert(schema.topics).values(id=topic_id, **values))
    else:
        conn.execute(update(schema.topics).where(t.id == topic_id).values(**values))
    audit(conn, actor, "topic.set", topic_id, str(values["label_fr"]))


# -- partners ------------------------------------------------------------------------------


def add_partner(
    conn: Connection,
    partner_id: str,
    name: str,
    topics: list[str],
    territories: list[str],
    *,
    phone: str = "",
    hours: str = "",
    opening: str = "",
    address: str = "",
    actor: str = "cli",
) -> Partner:
    """Create a partner, or replace what it serves and where (the same id)."""
    partner_id = _check_id("partner", partner_id)
    name = _check_text("a partner's name", name, 160, required=True)
    wanted_topics, wanted_territories = _ids(topics), _ids(territories)
    if not wanted_topics:
        raise PartnerError("a partner serves at least one topic")
    if not wanted_territories:
        raise PartnerError("a partner serves at least one territory")
    t = schema.topics.c
    known = set(conn.execute(select(t.id).where(t.id.in_(wanted_topics))).scalars())
    missing = [x for x in wanted_topics if x not in known]
    if missing:
        raise PartnerError(f"unknown topic(s): {', '.join(missing)} (gaia-hub topic add)")
    resolved = []
    for value in wanted_territories:
        found = territory_of(conn, value)
        if found is None:
            raise PartnerError(f"unknown territory {value!r} (gaia-hub territory add)")
        resolved.append(found)
    opening = " ".join(opening.split())
    if opening:
        try:
            parse_opening(opening)
        except OpeningError as exc:
            raise PartnerError(f"opening hours: {exc}") from None
    values = {
        "name": name,
        "topic_id": wanted_topics[0],
        "phone": _check_text("the phone", phone, 40),
        "hours": _check_text("the hours", hours, 160),
        "opening": _check_text("the opening schedule", opening, 200),
        "address": _check_text("the address", address, 200),
    }
    p = schema.partners.c
    if conn.execute(select(p.id).where(p.id == partner_id)).first() is None:
        conn.execute(insert(schema.partners).values(id=partner_id, **values))
    else:
        conn.execute(update(schema.partners).where(p.id == partner_id).values(**values))
    pt, pr = schema.partner_topics, schema.partner_territories
    conn.execute(delete(pt).where(pt.c.partner_id == partner_id))
    conn.execute(insert(pt), [{"partner_id": partner_id, "topic_id": x} for x in wanted_topics])
    conn.execute(delete(pr).where(pr.c.partner_id == partner_id))
    territories_ = list(dict.fromkeys(resolved))
    conn.execute(insert(pr), [{"partner_id": partner_id, "territory_id": x} for x in territories_])
    audit(
        conn,
        actor,
        "partner.set",
        partner_id,
        f"topics={','.join(wanted_topics)} territories={','.join(territories_)}",
    )
    return Partner(
        partner_id,
        name,
        tuple(wanted_topics),
        tuple(territories_),
        values["phone"],
        values["hours"],
        values["opening"],
        values["address"],
    )


def list_partners(conn: Connection) -> list[Partner]:
    """Every partner, by name, with its topics and territories."""
    p = schema.partners.c
    topics: dict[str, list[str]] = {}
    for row in conn.execute(select(schema.partner_topics).order_by("topic_id")):
        topics.setdefault(row.partner_id, []).append(row.topic_id)
    territories: dict[str, list[str]] = {}
    for row in conn.execute(select(schema.partner_territories).order_by("territory_id")):
        territories.setdefault(row.partner_id, []).append(row.territory_id)
    rows = conn.execute(
        select(p.id, p.name, p.phone, p.hours, p.opening, p.address).order_by(p.name)
    ).all()
    return [
        Partner(
            r.id,
            r.name,
            tuple(topics.get(r.id, [])),
            tuple(territories.get(r.id, [])),
            r.phone,
            r.hours,
            r.opening,
            r.address,
        )
        for r in rows
    ]


def partner_territories(conn: Connection, partner_id: str) -> tuple[str, ...]:
    """The territories a partner serves."""
    pr = schema.partner_territories.c
    return tuple(
        conn.execute(
            select(pr.territory_id).where(pr.partner_id == partner_id).order_by(pr.territory_id)
        ).scalars()
    )
