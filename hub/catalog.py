"""The catalog a kiosk shows: topics, their partners (open now or not) and communes.

Built from the `topics`, `partners` and `territories` tables for one kiosk.
Whether a partner is open comes from its `opening` schedule (hub.opening) in
Europe/Paris time; a topic is available when one of its partners is open.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from hub.opening import OpeningError, parse_opening
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


def build_catalog(conn: Connection, kiosk_id: str, now: float) -> Catalog:
    """The catalog for `kiosk_id` at time `now` (epoch seconds)."""
    moment = datetime.fromtimestamp(now, UTC)
    k = schema.kiosks.c
    kiosk = conn.execute(select(k.site, k.territory).where(k.id == kiosk_id)).first()
    site = kiosk.site if kiosk else ""
    territory = kiosk.territory if kiosk else ""
    p = schema.partners.c
    partners: dict[str, list[PartnerInfo]] = {}
    for row in conn.execute(
        select(p.id, p.name, p.topic_id, p.phone, p.hours, p.opening).order_by(p.name)
    ):
        partners.setdefault(row.topic_id, []).append(
            PartnerInfo(
                id=row.id,
                name=row.name,
                phone=row.phone,
                hours=row.hours,
                open_now=partner_open(row.opening, moment),
            )
        )
    t = schema.topics.c
    topics = []
    rows = conn.execute(select(t.id, t.label_fr, t.label_en, t.pictogram)).all()
    for topic in sorted(rows, key=lambda r: _sort_key(r.label_fr)):  # as listed on screen
        own = partners.get(topic.id, [])[:MAX_PARTNERS]
        topics.append(
            TopicInfo(
                id=topic.id,
                label_fr=topic.label_fr,
                label_en=topic.label_en,
                pictogram=topic.pictogram,
                available_now=any(partner.open_now for partner in own),
                partners=own,
            )
        )
    return Catalog(
        generated_at=moment,
        site=site[:120],
        communes=communes_for(conn, territory),
        topics=topics[:MAX_TOPICS],
    )
