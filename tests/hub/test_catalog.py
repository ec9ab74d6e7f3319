"""Partners' opening schedules and the catalog a kiosk gets (open now, communes order)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import Engine, insert

from hub.catalog import build_catalog, communes_for
from hub.opening import OpeningError, parse_opening
from hub.reports.periods import local_tz
from hub.store import schema
from tests.hub.helpers import add_kiosk


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A wall-clock time in Europe/Paris."""
    return datetime(year, month, day, hour, minute, tzinfo=local_tz())


# 2026-11-23 is a Monday.
MONDAY_10 = paris(2026, 11, 23, 10, 0)
MONDAY_15 = paris(2026, 11, 23, 15, 0)
TUESDAY_15 = paris(2026, 11, 24, 15, 0)
SATURDAY_10 = paris(2026, 11, 28, 10, 0)


def test_a_schedule_says_when_a_partner_is_open() -> None:
    week = parse_opening("mon-fri 09:00-12:00,14:00-17:00; sat 09:00-12:00")
    assert week.is_open(MONDAY_10)
    assert not week.is_open(paris(2026, 11, 23, 12, 0))  # the end of a range is excluded
    assert not week.is_open(paris(2026, 11, 23, 13, 59))
    assert week.is_open(paris(2026, 11, 23, 14, 0))
    assert week.is_open(SATURDAY_10)
    assert not week.is_open(paris(2026, 11, 29, 10, 0))  # Sunday
    listed = parse_opening("tue,thu 14:00-17:00")
    assert listed.is_open(TUESDAY_15) and not listed.is_open(MONDAY_15)
    wrapping = parse_opening("fri-mon 20:00-24:00")
    assert wrapping.is_open(paris(2026, 11, 29, 23, 59)) and wrapping.is_open(
        paris(2026, 11, 23, 21, 0)
    )
    assert not wrapping.is_open(paris(2026, 11, 25, 21, 0))  # Wednesday
    assert not parse_opening("").is_open(MONDAY_10)


def test_a_schedule_in_utc_is_read_in_paris_time() -> None:
    week = parse_opening("mon 09:00-10:00")
    # 08:30 UTC on a winter Monday is 09:30 in Paris.
    assert week.is_open(datetime.fromisoformat("2026-11-23T08:30:00+00:00"), local_tz())
    assert not week.is_open(datetime.fromisoformat("2026-11-23T09:30:00+00:00"), local_tz())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("monday 09:00-12:00", "unknown day"),
        ("mon 9h-12h", "not a time"),
        ("mon 12:00-09:00", "end after it starts"),
        ("mon", "no hours"),
        ("mon 09:00", "not a time range"),
        ("mon 09:00-25:00", "not a time"),
    ],
)
def test_an_unreadable_schedule_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(OpeningError, match=message):
        parse_opening(text)


def seed(engine: Engine) -> None:
    """Two territories sharing a commune, three topics, four partners."""
    with engine.begin() as conn:
        add_kiosk(conn, "k-laplume", site="Mairie de Laplume", territory="Agenais")
        conn.execute(
            insert(schema.territories),
            [
                {"id": "agenais", "name": "Agenais",
                 "communes_json": json.dumps(["Layrac", "Agen", "Boé", "Laplume"])},
                {"id": "fumelois", "name": "Fumélois",
                 "communes_json": json.dumps(["Fumel", "Agen", "Cuzorn"])},
            ],
        )  # fmt: skip
        conn.execute(
            insert(schema.topics),
            [
                {"id": "housing", "label_fr": "Logement", "label_en": "Housing",
                 "pictogram": "house"},
                {"id": "business", "label_fr": "Créer son activité",
                 "label_en": "Starting a business", "pictogram": "lightbulb"},
                {"id": "mobility", "label_fr": "Mobilité", "label_en": "Getting around",
                 "pictogram": "car"},
            ],
        )  # fmt: skip
        conn.execute(
            insert(schema.partners),
            [
                {"id": "habitat", "name": "Habitat 47", "topic_id": "housing",
                 "phone": "05 53 00 00 01", "hours": "lundi–vendredi 9 h–12 h",
                 "opening": "mon-fri 09:00-12:00"},
                {"id": "habitat-bis", "name": "Habitat Garonne", "topic_id": "housing",
                 "phone": "05 53 00 00 07", "hours": "lundi–vendredi 14 h–17 h",
                 "opening": "mon-fri 14:00-17:00"},
                {"id": "creation", "name": "Initiative Création", "topic_id": "business",
                 "phone": "05 53 00 00 05", "hours": "mardi et jeudi 14 h–17 h",
                 "opening": "tue,thu 14:00-17:00"},
                {"id": "mobilite", "name": "Mobilité 47", "topic_id": "mobility",
                 "phone": "05 53 00 00 02", "hours": "sur rendez-vous", "opening": "garbage"},
                {"id": "fumel-logement", "name": "Logement Fumélois", "topic_id": "housing",
                 "phone": "05 53 00 00 09", "hours": "tous les jours",
                 "opening": "mon-sun 00:00-24:00"},
            ],
        )  # fmt: skip
        serves = [
            ("habitat", "housing", "agenais"),
            ("habitat-bis", "housing", "agenais"),
            ("creation", "business", "agenais"),
            ("mobilite", "mobility", "agenais"),
            ("fumel-logement", "housing", "fumelois"),  # another territory's partner
        ]
        conn.execute(
            insert(schema.partner_topics), [{"partner_id": p, "topic_id": t} for p, t, _ in serves]
        )
        conn.execute(
            insert(schema.partner_territories),
            [{"partner_id": p, "territory_id": x} for p, _, x in serves],
        )


def test_the_catalog_says_who_is_open_at_the_time_asked(engine: Engine) -> None:
    seed(engine)
    with engine.connect() as conn:
        monday = build_catalog(conn, "k-laplume", MONDAY_15.timestamp())
        tuesday = build_catalog(conn, "k-laplume", TUESDAY_15.timestamp())
        saturday = build_catalog(conn, "k-laplume", SATURDAY_10.timestamp())
    assert monday.site == "Mairie de Laplume"
    assert [t.id for t in monday.topics] == ["business", "housing", "mobility"]  # French order
    topics = {t.id: t for t in monday.topics}
    assert not topics["business"].open_now  # closed: Tue/Thu afternoons only
    assert topics["housing"].open_now
    assert not any(t.available_now for t in monday.topics)  # no adviser signed in
    # only this territory's partners: Logement Fumélois, open all day, is not listed
    assert {p.id: p.open_now for p in topics["housing"].partners} == {
        "habitat": False,
        "habitat-bis": True,
    }
    assert topics["housing"].partners[0].phone == "05 53 00 00 01"
    assert topics["housing"].partners[0].hours == "lundi–vendredi 9 h–12 h"
    assert not topics["mobility"].open_now  # an unreadable schedule counts as closed
    assert {t.id: t.open_now for t in tuesday.topics}["business"]
    assert not any(t.open_now for t in saturday.topics)


def test_available_now_means_an_adviser_of_a_partner_of_this_territory_is_free(
    engine: Engine,
) -> None:
    seed(engine)
    with engine.connect() as conn:
        free_here = build_catalog(
            conn, "k-laplume", SATURDAY_10.timestamp(), free={("creation", "business")}
        )
        free_elsewhere = build_catalog(
            conn, "k-laplume", SATURDAY_10.timestamp(), free={("fumel-logement", "housing")}
        )
    topics = {t.id: t for t in free_here.topics}
    # signed in and free on a Saturday, outside the partner's hours: available all the same
    assert topics["business"].available_now and not topics["business"].open_now
    assert not topics["housing"].available_now
    # a free adviser of another territory's partner does not make it available here
    assert not any(t.available_now for t in free_elsewhere.topics)


def test_a_kiosk_of_another_territory_lists_its_own_partners_only(engine: Engine) -> None:
    seed(engine)
    with engine.begin() as conn:
        add_kiosk(conn, "k-fumel", site="Mairie de Fumel", territory="Fumélois")
        add_kiosk(conn, "k-nowhere", site="Mairie", territory="Atlantide")
    with engine.connect() as conn:
        fumel = build_catalog(conn, "k-fumel", MONDAY_10.timestamp())
        nowhere = build_catalog(conn, "k-nowhere", MONDAY_10.timestamp())
    assert [t.id for t in fumel.topics] == ["housing"]
    assert [p.id for p in fumel.topics[0].partners] == ["fumel-logement"]
    assert fumel.communes[:3] == ["Agen", "Cuzorn", "Fumel"]
    assert nowhere.topics == []  # a territory nobody knows: no partner to offer


def test_communes_of_the_kiosk_territory_come_first_once_each(engine: Engine) -> None:
    seed(engine)
    with engine.connect() as conn:
        catalog = build_catalog(conn, "k-laplume", MONDAY_10.timestamp())
        by_id = communes_for(conn, "fumelois")
        unknown = communes_for(conn, "")
    assert catalog.communes == ["Agen", "Boé", "Laplume", "Layrac", "Cuzorn", "Fumel"]
    assert by_id == ["Agen", "Cuzorn", "Fumel", "Boé", "Laplume", "Layrac"]
    assert sorted(unknown) == sorted(set(unknown)) and len(unknown) == 6
