"""Fleet queries (filters, sorting, pagination, counts) and the live fleet page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update

from hub import fleet
from hub.store import schema
from tests.hub.helpers import Staff, StatementCounter, add_alert, add_kiosk, health_json

NOW = time.time()

KIOSKS = [
    # id, site, territory, online, cpu, disk, printer, version, last_health ago (s)
    ("agen-01", "Mairie d'Agen", "Agenais", True, 51.0, 40.0, "ok", "1.4.2", 10),
    ("boe-01", "Mairie de Boé", "Agenais", False, 49.0, 95.0, "ok", "1.4.1", 7200),
    ("fumel-01", "Mairie de Fumel", "Fumélois", True, 58.0, 30.0, "paper-out", "1.4.2", 20),
    ("marmande-01", "Mairie de Marmande", "Marmandais", True, 84.0, 20.0, "ok", "1.4.0", 5),
    ("tonneins-01", "Mairie de Tonneins", "Tonneinquois", False, None, None, None, None, None),
]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    with engine.begin() as conn:
        for kid, site, territory, online, cpu, disk, printer, version, ago in KIOSKS:
            add_kiosk(
                conn,
                kid,
                site=site,
                territory=territory,
                online=online,
                status_since=NOW - 3600,
                last_seen=NOW - (ago or 86400),
                last_health_at=None if ago is None else NOW - ago,
                cpu_temp_c=cpu,
                disk_used_pct=disk,
                printer=printer,
                app_version=version,
                health_json=None if ago is None else health_json(cpu_temp_c=cpu),
            )
        add_kiosk(conn, "pi-rogue", registered=False, online=True, last_seen=NOW - 5)
        add_alert(conn, "boe-01", "offline", NOW - 600, detail="silent")
        add_alert(conn, "boe-01", "disk", NOW - 500, detail="95 %")
        add_alert(conn, "marmande-01", "temperature", NOW - 300, detail="CPU at 84 °C")
        add_alert(conn, "fumel-01", "printer", NOW - 9000, closed_at=NOW - 8000)
    return engine


def _ids(engine: Engine, **query: object) -> list[str]:
    with engine.connect() as conn:
        page = fleet.fleet_page(conn, fleet.FleetQuery(**query))  # type: ignore[arg-type]
    return [r["id"] for r in page.rows]


def test_counts(seeded: Engine) -> None:
    with seeded.connect() as conn:
        counts = fleet.fleet_counts(conn)
    assert counts == fleet.FleetCounts(
        kiosks=5, online=3, offline=2, unregistered=1, open_alerts=3, alerting=2
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["agen-01", "boe-01", "fumel-01", "marmande-01", "pi-rogue", "tonneins-01"]),
        ({"q": "MAIRIE DE B"}, ["boe-01"]),  # site, case-insensitive
        ({"q": "mande-0"}, ["marmande-01"]),  # id
        ({"q": "100%_"}, []),  # LIKE wildcards are literal
        ({"territory": "Agenais"}, ["agen-01", "boe-01"]),
        ({"state": "online"}, ["agen-01", "fumel-01", "marmande-01"]),
        ({"state": "offline"}, ["boe-01", "tonneins-01"]),
        ({"state": "alerting"}, ["boe-01", "marmande-01"]),
        ({"state": "unregistered"}, ["pi-rogue"]),
        ({"territory": "Agenais", "state": "online"}, ["agen-01"]),
    ],
)
def test_filters(seeded: Engine, query: dict[str, str], expected: list[str]) -> None:
    assert _ids(seeded, **query) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("id", ["agen-01", "boe-01", "fumel-01", "marmande-01", "pi-rogue", "tonneins-01"]),
        # worst first: offline (more alerts first), unknown device, an open alert, fine
        ("severity", ["boe-01", "tonneins-01", "pi-rogue", "marmande-01", "agen-01", "fumel-01"]),
        ("site", ["pi-rogue", "agen-01", "boe-01", "fumel-01", "marmande-01", "tonneins-01"]),
        ("territory", ["pi-rogue", "agen-01", "boe-01", "fumel-01", "marmande-01", "tonneins-01"]),
        ("state", ["pi-rogue", "boe-01", "tonneins-01", "agen-01", "fumel-01", "marmande-01"]),
        ("health", ["boe-01", "fumel-01", "agen-01", "marmande-01", "pi-rogue", "tonneins-01"]),
        ("temp", ["boe-01", "agen-01", "fumel-01", "marmande-01", "pi-rogue", "tonneins-01"]),
        ("disk", ["marmande-01", "fumel-01", "agen-01", "boe-01", "pi-rogue", "tonneins-01"]),
        ("printer", ["agen-01", "boe-01", "marmande-01", "fumel-01", "pi-rogue", "tonneins-01"]),
        ("version", ["marmande-01", "boe-01", "agen-01", "fumel-01", "pi-rogue", "tonneins-01"]),
        ("alerts", ["agen-01", "fumel-01", "pi-rogue", "tonneins-01", "marmande-01", "boe-01"]),
    ],
)
def test_sorting_ascending_with_missing_values_last(
    seeded: Engine, sort: str, expected: list[str]
) -> None:
    assert _ids(seeded, sort=sort) == expected


def test_sorting_descending_keeps_missing_values_last(seeded: Engine) -> None:
    assert _ids(seeded, sort="temp", desc=True) == [
        "marmande-01",
        "fumel-01",
        "agen-01",
        "boe-01",
        "pi-rogue",
        "tonneins-01",
    ]
    assert _ids(seeded, sort="alerts", desc=True)[:2] == ["boe-01", "marmande-01"]
    assert _ids(seeded, sort="since", desc=True)[-1] == "pi-rogue"  # no status_since


def test_pagination(seeded: Engine) -> None:
    with seeded.connect() as conn:
        first = fleet.fleet_page(conn, fleet.FleetQuery(per_page=4))
        second = fleet.fleet_page(conn, fleet.FleetQuery(per_page=4, page=2))
        beyond = fleet.fleet_page(conn, fleet.FleetQuery(per_page=4, page=99))
    assert (first.total, first.pages, first.page) == (6, 2, 1)
    assert [r["id"] for r in first.rows] == ["agen-01", "boe-01", "fumel-01", "marmande-01"]
    assert [r["id"] for r in second.rows] == ["pi-rogue", "tonneins-01"]
    assert beyond.page == 2 and beyond.rows == second.rows
    assert [a["kind"] for a in first.rows[1]["alerts"]] == ["offline", "disk"]
    assert first.rows[2]["alerts"] == []  # closed alerts are not shown


def test_a_page_costs_a_fixed_number_of_queries(engine: Engine) -> None:
    with engine.begin() as conn:
        for i in range(120):
            add_kiosk(conn, f"k-{i:03d}", territory="Agenais")
            add_alert(conn, f"k-{i:03d}", "offline", NOW - i)
    with engine.connect() as conn, StatementCounter(engine) as counter:
        page = fleet.fleet_page(conn, fleet.FleetQuery(per_page=100, sort="alerts"))
    assert len(page.rows) == 100 and all(len(r["alerts"]) == 1 for r in page.rows)
    assert counter.count == 3  # total, rows, alerts of the page: never one per row
    with engine.connect() as conn, StatementCounter(engine) as counter:
        rows = fleet.list_kiosks(conn)
    assert len(rows) == 120 and counter.count == 2


def test_health_series_is_bucketed_in_sql(engine: Engine) -> None:
    start = NOW - 86400
    with engine.begin() as conn:
        conn.execute(
            insert(schema.health),
            [
                {
                    "kiosk_id": "agen-01",
                    "ts": start + i * 60,
                    "cpu_temp_c": 40.0 + (i % 2) * 10,
                    "load1": 1.0,
                    "mem_used_pct": 50.0,
                    "disk_used_pct": None,
                }
                for i in range(1440)
            ],
        )
        conn.execute(insert(schema.health).values(kiosk_id="boe-01", ts=start + 5, cpu_temp_c=99))
    with engine.connect() as conn:
        points = fleet.health_series(conn, "agen-01", start, NOW, buckets=144)
    assert 140 <= len(points) <= 145
    assert sum(p.samples for p in points) == 1440
    assert all(p.cpu_temp_c == pytest.approx(45.0) for p in points)  # 10 samples, 5 + 5
    assert all(p.disk_used_pct is None for p in points)
    assert [p.ts for p in points] == sorted(p.ts for p in points)
    assert start <= points[0].ts < start + 600


# --- the page ---------------------------------------------------------------


def test_fleet_page_lists_kiosks_with_their_state(
    client: TestClient, seeded: Engine, ops: Staff
) -> None:
    html = client.get("/ops").text
    assert re.search(r'data-count="kiosks">5<', html)
    assert re.search(r'data-count="online">3<', html)
    assert re.search(r'data-count="offline">2<', html)
    assert re.search(r'data-count="open_alerts">3<', html)
    rows = {
        m.group(1): m.group(0) for m in re.finditer(r'<tr data-kiosk="([^"]+)".*?</tr>', html, re.S)
    }
    # the ones that need someone first (hub.fleet severity)
    assert list(rows) == ["boe-01", "tonneins-01", "pi-rogue", "marmande-01", "agen-01", "fumel-01"]
    assert "En ligne" in rows["agen-01"] and "51,0" in rows["agen-01"]
    assert "Hors ligne" in rows["boe-01"] and "Disque" in rows["boe-01"]
    assert "Plus de papier" in rows["fumel-01"]
    assert 'class="val bad"' in rows["marmande-01"] and "84,0" in rows["marmande-01"]
    assert "Température" in rows["marmande-01"]
    # an unregistered kiosk is flagged, never shown as a plain online one
    assert 'class="unregistered"' in rows["pi-rogue"] and "Non enregistrée" in rows["pi-rogue"]
    assert "En ligne" not in rows["pi-rogue"]


def test_fleet_page_filters_sorts_and_pages_from_the_query_string(
    client: TestClient, seeded: Engine, ops: Staff
) -> None:
    html = client.get("/ops?state=offline&sort=temp&dir=desc").text
    assert re.findall(r'<tr data-kiosk="([^"]+)"', html) == ["boe-01", "tonneins-01"]
    assert 'aria-sort="descending"' in html
    assert '<option value="offline" selected>' in html
    # the sort links keep the filter and flip the direction of the active column
    assert 'href="/ops?state=offline&amp;sort=temp&amp;dir=asc"' in html
    assert client.get("/ops?territory=Fum%C3%A9lois").text.count("<tr data-kiosk=") == 1
    nothing = client.get("/ops?q=zzz").text
    assert "Aucune borne ne correspond" in nothing
    odd = client.get("/ops?page=abc&sort=drop&state=evil&dir=sideways")
    assert odd.status_code == 200


def test_fleet_page_paginates(client: TestClient, engine: Engine, ops: Staff) -> None:
    with engine.begin() as conn:
        for i in range(55):
            add_kiosk(conn, f"k-{i:02d}")
    first = client.get("/ops").text
    assert first.count("<tr data-kiosk=") == 50
    assert "page 1 sur 2" in first and 'href="/ops?sort=severity&amp;dir=asc&amp;page=2"' in first
    second = client.get("/ops?page=2").text
    assert re.findall(r'<tr data-kiosk="([^"]+)"', second) == [f"k-{i}" for i in range(50, 55)]


def test_live_endpoint_follows_the_database(client: TestClient, seeded: Engine, ops: Staff) -> None:
    data = client.get("/ops/fleet.json?state=online").json()
    assert data["ids"] == ["marmande-01", "agen-01", "fumel-01"]  # its open alert first
    assert data["counts"] == {
        "kiosks": 5,
        "online": 3,
        "offline": 2,
        "unregistered": 1,
        "open_alerts": 3,
    }
    assert data["total"] == 3 and data["pages"] == 1
    assert '<tr data-kiosk="agen-01"' in data["rows_html"]
    with seeded.begin() as conn:
        conn.execute(
            update(schema.kiosks).where(schema.kiosks.c.id == "agen-01").values(online=False)
        )
    data = client.get("/ops/fleet.json?state=online").json()
    assert data["ids"] == ["marmande-01", "fumel-01"]
    assert data["counts"]["offline"] == 3
    assert client.get("/ops/fleet.json", headers={"Accept": "application/json"}).status_code == 200


def test_templates_have_no_inline_script_or_style(
    client: TestClient, seeded: Engine, ops: Staff
) -> None:
    """A strict CSP (script-src 'self', style-src 'self') must not break any page."""
    pages = [
        "/ops",
        "/ops/kiosks/agen-01",
        "/ops/alerts",
        "/ops/reports/usage",
        "/ops/kiosks/pi-rogue",
    ]
    for path in pages:
        html = client.get(path).text
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert not re.search(r"\sstyle\s*=", html), path
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), path
        assert "<style" not in html, path
    templates = Path(__file__).resolve().parents[2] / "hub" / "web" / "templates"
    for template in templates.glob("*.html"):
        assert not re.search(r"\son[a-z]+\s*=", template.read_text()), template.name


def test_static_files_are_served(client: TestClient) -> None:
    for name in ("app.css", "fleet.js", "kiosk.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200


def test_an_alert_is_taken_on_with_a_note_and_by_whom(
    client: TestClient, seeded: Engine, ops: Staff
) -> None:
    with seeded.connect() as conn:
        alerts = {a["kiosk_id"]: a for a in fleet.list_alerts(conn) if a["closed_at"] is None}
    marmande = alerts["marmande-01"]["id"]
    url = f"/ops/alerts/{marmande}/ack"
    # no CSRF token: refused, nothing recorded
    assert client.post(url, data={"note": "x"}).status_code == 403
    done = client.post(
        url, data={"note": "  Technicien   prévenu, passage jeudi ", "csrf_token": ops.csrf}
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/ops/alerts?acked=1")
    page = client.get("/ops/alerts?acked=1").text
    row = re.search(rf'<tr data-alert="{marmande}".*?</tr>', page, re.S)
    assert row is not None
    assert "ops@gaia.test" in row.group(0) and "Technicien prévenu, passage jeudi" in row.group(0)
    assert "Mettre à jour" in row.group(0) and "Prise en charge enregistrée" in page
    with seeded.connect() as conn:
        audit = conn.execute(
            select(schema.audit.c.actor, schema.audit.c.action, schema.audit.c.target).where(
                schema.audit.c.action == "alert.ack"
            )
        ).all()
    assert [tuple(a) for a in audit] == [("ops@gaia.test", "alert.ack", str(marmande))]
    # a note too long is refused, a closed or unknown alert is a 404: nothing changes
    long = client.post(url, data={"note": "x" * 301, "csrf_token": ops.csrf})
    assert long.status_code == 422
    with seeded.connect() as conn:
        closed = next(a for a in fleet.list_alerts(conn, closed_since=0) if a["closed_at"])["id"]
    assert (
        client.post(f"/ops/alerts/{closed}/ack", data={"csrf_token": ops.csrf}).status_code == 404
    )
    assert client.post("/ops/alerts/999999/ack", data={"csrf_token": ops.csrf}).status_code == 404
    assert client.post("/ops/alerts/abc/ack", data={"csrf_token": ops.csrf}).status_code == 422


def test_one_territory_whatever_its_spelling(engine: Engine) -> None:
    from hub.accounts import register_kiosk
    from hub.territories import canonical, tidy

    with engine.begin() as conn:
        register_kiosk(conn, "agen-01", "Mairie d'Agen", "Agenais")
        register_kiosk(conn, "boe-01", "Mairie de Boé", "  agenais ")  # typed another way
        register_kiosk(conn, "nerac-01", "Mairie de  Nérac", "albret")  # a new one
        add_kiosk(conn, "old-01", territory="AGENAIS")  # a row from before the rule
        assert canonical(conn, "AgEnAiS") == "Agenais"
        kiosks = {r.id: r for r in conn.execute(select(schema.kiosks))}
        listed = fleet.territories(conn)
    assert kiosks["boe-01"].territory == "Agenais" and kiosks["nerac-01"].territory == "Albret"
    assert kiosks["nerac-01"].site == "Mairie de Nérac"
    assert listed == ["Agenais", "Albret"]  # the filter lists it once
    assert tidy(" haut  agenais ") == "Haut agenais"
    # filtering by it finds every spelling
    ids = _ids(engine, territory="Agenais")
    assert sorted(ids) == ["agen-01", "boe-01", "old-01"]
