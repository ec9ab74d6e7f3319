"""The catalog a kiosk shows: topics, their partners (open now or not) and communes.

Built for one kiosk from the partners that serve its territory (hub.partners):
a topic is listed when one of them serves it. Whether a partner is open comes
from its `opening` schedule (hub.opening) in Europe/Paris time; a topic is
*available* when an adviser of one of those partners is signed in, available
and not in a call (the call router's `free` pairs), and *open* when one of them
is open by its hours.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from hub.opening import OpeningError, parse_opening
from hub.partners import territory_of
from hub.protocol.kiosk_api import Catalog, PartnerInfo, TopicInfo
from hub.reports.periods import local_tz
from hub.store import schema

log = logging.getLogger(__name__)
MAX_COMMUNES = 400
MAX_PARTNERS = 20
MAX_TOPICS = 40


def _sort_key(name: str) -> str:
    """Alphabetical order as French readers expect it: accents and case ignored."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def partner_open(opening: str, moment: datetime) -> bool:
    """True when a partner with this schedule is open at `moment` (unreadable: closed)."""
    if not opening.strip():
        return False
    try:
        return parse_opening(opening).is_open(moment, local_tz())
    except OpeningError as exc:
        log.warning("partner schedule ignored: %s", exc)
        return False


def communes_for(conn: Connection, territory: str) -> list[str]:
    """The communes offered on the first-visit screen: the kiosk's territory's first.

    `territory` is matched against the territories' ids and names, ignoring case.
    Each group is in alphabetical order; a commune appears once.
    """
    wanted = territory.strip().casefold()
    own: list[str] = []
    others: list[str] = []
    rows = conn.execute(
        select(
            schema.territories.c.id, schema.territories.c.name, schema.territories.c.communes_json
        ).order_by(schema.territories.c.id)
    )
    for row in rows:
        try:
            names = [str(n) for n in json.loads(row.communes_json or "[]")]
        except ValueError:
            log.warning("territory %s: unreadable communes list", row.id)
            continue
        mine = bool(wanted) and wanted in (row.id.casefold(), row.name.casefold())
        (own if mine else others).extend(names)
    seen: set[str] = set()
    result: list[str] = []
    for group in (own, others):
        for name in sorted(group, key=_sort_key):
            if name not in seen:
                seen.add(name)
                result.append(name)
    return result[:MAX_COMMUNES]


def build_catalog(
    conn: Connection, kiosk_id: str, now: float, free: Collection[tuple[str, str]] = ()
) -> Catalog:
    """The catalog for `kiosk_id` at time `now` (epoch seconds); `free` holds the
    (partner id, topic id) pairs that have an adviser free now."""
    moment = datetime.fromtimestamp(now, UTC)
    k = schema.kiosks.c
    kiosk = conn.execute(select(k.site, k.territory).where(k.id == kiosk_id)).first()
    site = kiosk.site if kiosk else ""
    territory = kiosk.territory if kiosk else ""
    territory_id = territory_of(conn, territory)
    p, pt, pr = schema.partners.c, schema.partner_topics.c, schema.partner_territories.c
    partners: dict[str, list[PartnerInfo]] = {}
    here: set[str] = set()  # the partners serving this territory
    free_topics: set[str] = set()
    if territory_id is not None:
        rows = conn.execute(
            select(p.id, p.name, pt.topic_id, p.phone, p.hours, p.opening)
            .select_from(
                schema.partners.join(schema.partner_topics, pt.partner_id == p.id).join(
                    schema.partner_territories, pr.partner_id == p.id
                )
            )
            .where(pr.territory_id == territory_id)
            .order_by(p.name)
        )
        for row in rows:
            partners.setdefault(row.topic_id, []).append(
                PartnerInfo(
                    id=row.id,
                    name=row.name,
                    phone=row.phone,
                    hours=row.hours,
                    open_now=partner_open(row.opening, moment),
                )
            )
            here.add(row.id)
        # an adviser free for a partner of this territory, on any topic they handle
        free_topics = {topic for partner, topic in free if partner in here}
    else:
        log.warning("kiosk %s: territory %r is not a known territory", kiosk_id, territory)
    t = schema.topics.c
    topics = []
    rows_ = conn.execute(select(t.id, t.label_fr, t.label_en, t.pictogram)).all()
    for topic in sorted(rows_, key=lambda r: _sort_key(r.label_fr)):  # as listed on screen
        own = partners.get(topic.id, [])[:MAX_PARTNERS]
        if not own:
            continue  # nobody serves it in this territory
        topics.append(
            TopicInfo(
                id=topic.id,
                label_fr=topic.label_fr,
                label_en=topic.label_en,
                pictogram=topic.pictogram,
                available_now=topic.id in free_topics,
                open_now=any(partner.open_now for partner in own),
                partners=own,
            )
        )
    return Catalog(
        generated_at=moment,
        site=site[:120],
        communes=communes_for(conn, territory),
        topics=topics[:MAX_TOPICS],
    )
