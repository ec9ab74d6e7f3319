"""The funders' usage report on a small hand-made data set, as data, CSV, JSON and page."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, insert

from hub.reports.periods import PeriodError, month_range, parse_month, shift_month
from hub.reports.usage import CSV_COLUMNS, usage_csv, usage_report
from hub.store import schema
from tests.hub.helpers import Staff, add_event, add_kiosk

MONTH = "2026-03"
# Mid-month, 10:00 UTC (11:00 in Paris).
T = datetime(2026, 3, 10, 10, 0, tzinfo=UTC).timestamp()


Events = list[tuple[str, str | None, float | None]]


def _session(conn: Connection, kiosk: str, session: str, ts: float, events: Events) -> None:
    """A session.started event (no topic), then `events` 10 s apart."""
    add_event(conn, kiosk, ts, "session.started", session=session)
    for i, (kind, topic, value) in enumerate(events, start=1):
        add_event(conn, kiosk, ts + i * 10, kind, session=session, topic=topic, value=value)


@pytest.fixture
def usage(engine: Engine) -> Engine:
    with engine.begin() as conn:
        add_kiosk(conn, "agen-01", site="Mairie d'Agen", territory="Agenais")
        add_kiosk(conn, "boe-01", site="Mairie de Boé", territory="Agenais")
        add_kiosk(conn, "fumel-01", site="Mairie de Fumel", territory="Fumélois")
        conn.execute(
            insert(schema.topics),
            [
                {"id": "emploi", "label_fr": "Emploi et insertion", "label_en": "Jobs"},
                {"id": "logement", "label_fr": "Logement", "label_en": "Housing"},
            ],
        )
        # agen-01, emploi: one answered call with a slip, one missed call
        _session(
            conn,
            "agen-01",
            "s1",
            T,
            [
                ("topic.chosen", "emploi", None),
                ("call.requested", "emploi", None),
                ("call.answered", "emploi", 30),
                ("call.ended", "emploi", 300),
                ("slip.printed", "emploi", None),
                ("session.ended", "emploi", 400),
            ],
        )
        _session(
            conn,
            "agen-01",
            "s2",
            T + 3600,
            [
                ("topic.chosen", "emploi", None),
                ("call.missed", "emploi", 90),
                ("callback.requested", "emploi", None),
            ],
        )
        # agen-01, logement: one answered call
        _session(
            conn,
            "agen-01",
            "s3",
            T + 7200,
            [
                ("topic.chosen", "logement", None),
                ("call.answered", "logement", 60),
                ("call.ended", "logement", 600),
            ],
        )
        # agen-01, no topic at all: an abandoned session
        _session(conn, "agen-01", "s4", T + 9000, [("session.ended", None, 5)])
        # boe-01: a session starting at 00:30 on March 1st in Paris (still February in UTC),
        # on a topic missing from the topics table
        _session(
            conn,
            "boe-01",
            "s5",
            datetime(2026, 2, 28, 23, 30, tzinfo=UTC).timestamp(),
            [("topic.chosen", "mobilite", None)],
        )
        # fumel-01, emploi: two slips
        _session(
            conn,
            "fumel-01",
            "s6",
            T,
            [
                ("topic.chosen", "emploi", None),
                ("call.answered", "emploi", 10),
                ("call.ended", "emploi", 100),
                ("slip.printed", "emploi", None),
                ("slip.printed", "emploi", None),
            ],
        )
        # outside the month (Paris time) or without a session: not counted
        _session(
            conn,
            "fumel-01",
            "s7",
            datetime(2026, 2, 28, 22, 30, tzinfo=UTC).timestamp(),
            [("topic.chosen", "emploi", None)],
        )
        _session(
            conn,
            "fumel-01",
            "s8",
            datetime(2026, 3, 31, 22, 30, tzinfo=UTC).timestamp(),
            [("topic.chosen", "emploi", None)],
        )
        add_event(conn, "fumel-01", T, "error", detail="printer")
    return engine


def _figures(row: object) -> tuple[object, ...]:
    return (
        row.territory,  # type: ignore[attr-defined]
        row.kiosk_id,  # type: ignore[attr-defined]
        row.topic,  # type: ignore[attr-defined]
        row.sessions,  # type: ignore[attr-defined]
        row.calls_answered,  # type: ignore[attr-defined]
        row.calls_missed,  # type: ignore[attr-defined]
        row.mean_wait_s,  # type: ignore[attr-defined]
        row.mean_call_s,  # type: ignore[attr-defined]
        row.slips_printed,  # type: ignore[attr-defined]
    )


def test_month_ranges_are_local_calendar_months() -> None:
    start, end = month_range("2026-03")
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 2, 28, 23, 0, tzinfo=UTC)
    assert datetime.fromtimestamp(end, UTC) == datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # DST
    assert shift_month("2026-12", 1) == "2027-01" and shift_month("2026-01", -1) == "2025-12"
    for bad in ("2026-13", "2026-3", "march", "1999-01"):
        with pytest.raises(PeriodError):
            parse_month(bad)


def test_report_figures_per_territory_kiosk_and_topic(usage: Engine) -> None:
    with usage.connect() as conn:
        report = usage_report(conn, MONTH)
    assert [_figures(r) for r in report.rows] == [
        ("Agenais", "agen-01", "emploi", 2, 1, 1, 60.0, 300.0, 1),
        ("Agenais", "agen-01", "logement", 1, 1, 0, 60.0, 600.0, 0),
        ("Agenais", "agen-01", "none", 1, 0, 0, None, None, 0),
        ("Agenais", "boe-01", "mobilite", 1, 0, 0, None, None, 0),
        ("Fumélois", "fumel-01", "emploi", 1, 1, 0, 10.0, 100.0, 2),
    ]
    labels = {r.topic: r.topic_label for r in report.rows}
    assert labels == {
        "emploi": "Emploi et insertion",
        "logement": "Logement",
        "none": "Sans thème",
        "mobilite": "mobilite",
    }
    totals = report.totals
    assert (totals.sessions, totals.calls_answered, totals.calls_missed, totals.slips_printed) == (
        6,
        3,
        1,
        3,
    )
    assert totals.mean_wait_s == pytest.approx((30 + 90 + 60 + 10) / 4)
    assert totals.mean_call_s == pytest.approx((300 + 600 + 100) / 3)
    agenais = report.by_territory["Agenais"]
    assert (agenais.sessions, agenais.mean_wait_s, agenais.mean_call_s) == (5, 60.0, 450.0)
    assert report.by_territory_topic[("Agenais", "emploi")] == 2
    assert report.by_territory_topic[("Fumélois", "emploi")] == 1


def test_plain_csv_has_a_header_and_one_row_per_group(usage: Engine) -> None:
    with usage.connect() as conn:
        text = usage_csv(usage_report(conn, MONTH), "plain")
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[1] == [
        "2026-03",
        "Agenais",
        "agen-01",
        "Mairie d'Agen",
        "emploi",
        "Emploi et insertion",
        "2",
        "1",
        "1",
        "60.0",
        "300.0",
        "1",
    ]
    assert rows[3][4:] == ["none", "Sans thème", "1", "0", "0", "", "", "0"]
    assert len(rows) == 6


def test_empty_month(usage: Engine, client: TestClient, ops: Staff) -> None:
    with usage.connect() as conn:
        report = usage_report(conn, "2025-07")
    assert report.rows == [] and report.totals.sessions == 0
    assert report.totals.mean_wait_s is None
    assert usage_csv(report, "plain") == ",".join(CSV_COLUMNS) + "\r\n"
    assert usage_csv(report).startswith("\ufeffMois;Territoire;Borne;")
    page = client.get("/ops/reports/usage?month=2025-07")
    assert page.status_code == 200 and "Aucune session enregistrée en juillet 2025" in page.text
    api = client.get("/api/v1/reports/usage?month=2025-07").json()
    assert api["rows"] == [] and api["totals"]["sessions"] == 0


def test_report_page_shows_table_totals_chart_and_csv_link(
    usage: Engine, client: TestClient, ops: Staff
) -> None:
    response = client.get(f"/ops/reports/usage?month={MONTH}")
    assert response.status_code == 200
    html = response.text
    assert "Rapport d'usage" in html and "mars 2026" in html
    assert 'href="/api/v1/reports/usage?month=2026-03&amp;format=csv"' in html
    assert '<svg class="chart bars"' in html
    assert "Agenais · Emploi et insertion : 2" in html  # a bar segment's tooltip
    total = html.split('<tr class="total">')[1].split("</tr>")[0]
    numbers = [n for n in (c.split(">")[-1] for c in total.split("</td>")) if n.strip()]
    # one unit per measure: counts, and both durations in minutes (as in the French CSV)
    assert numbers == ["6", "3", "1", "0,8", "5,6", "3"]
    assert "Attente moy. (min)" in html and "Durée moy. d'appel (min)" in html
    assert "(s)" not in html and " s d'attente" not in html
    by_territory = html.split('id="by-territory"')[1].split("</table>")[0]
    assert by_territory.count('<th scope="row">') == 2 + 1  # each territory, then the total
    assert "Fumélois" in by_territory
    # the breakdown by kiosk and topic waits, folded, under each territory
    assert html.count('<details class="detail"') == 2 and "<details open" not in html
    assert 'href="?month=2026-02"' in html and 'href="?month=2026-04"' in html
    bad = client.get("/ops/reports/usage?month=2026-13")
    assert bad.status_code == 400 and "Mois invalide" in bad.text


def test_report_through_the_api_as_csv_and_json(
    usage: Engine, client: TestClient, ops: Staff
) -> None:
    response = client.get(f"/api/v1/reports/usage?month={MONTH}&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="gaia-usage-2026-03.csv"' in response.headers["content-disposition"]
    assert response.content.startswith("\ufeffMois;Territoire".encode())  # French, BOM
    assert len(response.text.splitlines()) == 6
    plain = client.get(f"/api/v1/reports/usage?month={MONTH}&format=csv-plain")
    assert plain.text.splitlines()[0] == ",".join(CSV_COLUMNS)
    data = client.get(f"/api/v1/reports/usage?month={MONTH}").json()
    assert data["month"] == MONTH and data["timezone"] == "Europe/Paris"
    assert data["start"] == "2026-02-28T23:00:00+00:00"
    assert data["totals"] == {
        "sessions": 6,
        "calls_answered": 3,
        "calls_missed": 1,
        "mean_wait_s": 47.5,
        "mean_call_s": 333.3,
        "slips_printed": 3,
    }
    assert data["rows"][-1] == {
        "month": MONTH,
        "territory": "Fumélois",
        "kiosk_id": "fumel-01",
        "site": "Mairie de Fumel",
        "topic": "emploi",
        "topic_label": "Emploi et insertion",
        "sessions": 1,
        "calls_answered": 1,
        "calls_missed": 0,
        "mean_wait_s": 10.0,
        "mean_call_s": 100.0,
        "slips_printed": 2,
    }
    assert [t["territory"] for t in data["territories"]] == ["Agenais", "Fumélois"]
    assert client.get("/api/v1/reports/usage?month=03-2026").status_code == 422
    assert client.get("/api/v1/reports/usage?month=2026-03&format=xls").status_code == 422


def test_french_csv_opens_as_columns_in_a_french_spreadsheet(usage: Engine) -> None:
    """French headers, `;`, decimal commas, minutes and a BOM: what French Excel and
    LibreOffice open as columns with their accents."""
    with usage.connect() as conn:
        text = usage_csv(usage_report(conn, MONTH))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Mois", "Territoire", "Borne"]
    assert rows[0][9:11] == ["Attente moyenne (min)", "Durée moyenne d'appel (min)"]
    assert rows[1] == [
        "2026-03", "Agenais", "agen-01", "Mairie d'Agen", "emploi", "Emploi et insertion",
        "2", "1", "1", "1,0", "5,0", "1",
    ]  # fmt: skip


def test_french_csv_read_back_by_libreoffice(usage: Engine, tmp_path: Path) -> None:
    """A real spreadsheet engine (LibreOffice headless, with the French CSV filter options
    a French user's import takes) reads the right columns and the accents."""
    import shutil
    import subprocess

    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.fail("LibreOffice is not installed: run `make test`, which installs it")
    with usage.connect() as conn:
        (tmp_path / "usage.csv").write_bytes(usage_csv(usage_report(conn, MONTH)).encode())
    # Filter options: separator ';' (59), text delimiter '"' (34), UTF-8 (76), from line 1,
    # default column types, French (1036): what a French user's import takes.
    done = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--infilter=CSV:59,34,76,1,,1036", "--convert-to", "fods", "--outdir", str(tmp_path),
         str(tmp_path / "usage.csv")],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = _sheet_rows(tmp_path / "usage.fods")
    assert [v for v, _ in rows[0][:6]] == [
        "Mois", "Territoire", "Borne", "Lieu", "Code du thème", "Thème",
    ]  # fmt: skip
    assert rows[0][10][0] == "Durée moyenne d'appel (min)"
    assert rows[1][3][0] == "Mairie d'Agen" and rows[1][5][0] == "Emploi et insertion"
    assert any(r[1][0] == "Fumélois" for r in rows[1:])  # accents intact
    # Counts and durations are numbers the spreadsheet can add up, not text.
    assert rows[1][6] == ("2", "float") and rows[1][9] == ("1", "float")
    assert rows[1][10] == ("5", "float")


def _sheet_rows(path: Path) -> list[list[tuple[str, str]]]:
    """(value, type) of each cell of the first sheet of a flat OpenDocument spreadsheet."""
    import xml.etree.ElementTree as ET

    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    }
    office, table = "{" + ns["office"] + "}", "{" + ns["table"] + "}"
    tree = ET.parse(path)  # noqa: S314 - written by our own LibreOffice run just now
    sheet = tree.getroot().find(".//table:table", ns)
    assert sheet is not None
    rows = []
    for row in sheet.iterfind("table:table-row", ns):
        cells = []
        for cell in row.iterfind("table:table-cell", ns):
            kind = cell.get(office + "value-type", "")
            value = cell.get(office + "value") or "".join(cell.itertext()).strip()
            repeat = int(cell.get(table + "number-columns-repeated", "1"))
            cells += [(value, kind)] * min(repeat, 50)
        rows.append(cells)
    return rows
