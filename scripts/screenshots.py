"""Screenshots of the ops dashboard for the docs, over a realistic seeded fleet.

Seeds a throw-away database with ~20 kiosks in Lot-et-Garonne town halls, a
week of health reports, the previous and current month of usage events, some
alerts and commands; serves the hub on a free loopback port (no MQTT); drives
Debian's Chromium with Playwright; writes at 1366x900:

    docs/dashboard.png   the fleet page
    docs/kiosk.png       one kiosk's page
    docs/alerts.png      the alerts page
    docs/usage-report.png  the previous month's usage report
    docs/requests.png    call-back and appointment requests waiting for an adviser
    docs/dashboard-phone.png, docs/requests-phone.png  the same at 390 px wide

Run: .venv/bin/python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import math
import random
import secrets
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine, insert, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hub.accounts import Role, add_user, register_kiosk  # noqa: E402
from hub.app import create_app  # noqa: E402
from hub.config import HubConfig  # noqa: E402
from hub.protocol import DeviceState, Health, encode  # noqa: E402
from hub.protocol.messages import Devices  # noqa: E402
from hub.reports.periods import current_month, local_tz, month_range, shift_month  # noqa: E402
from hub.store import schema  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
OPS_EMAIL = "exploitation@gaia.example"
OPS_PASSWORD = secrets.token_urlsafe(16)  # a throw-away account in a temporary database

SITES: list[tuple[str, str, str]] = [
    ("agen-01", "Mairie d'Agen", "Agenais"),
    ("boe-01", "Mairie de Boé", "Agenais"),
    ("layrac-01", "Mairie de Layrac", "Agenais"),
    ("astaffort-01", "Mairie d'Astaffort", "Agenais"),
    ("fumel-01", "Mairie de Fumel", "Fumélois"),
    ("libos-01", "Mairie de Monsempron-Libos", "Fumélois"),
    ("tournon-01", "Mairie de Tournon-d'Agenais", "Fumélois"),
    ("villeneuve-01", "Mairie de Villeneuve-sur-Lot", "Villeneuvois"),
    ("villeneuve-02", "Maison France services de Villeneuve", "Villeneuvois"),
    ("livrade-01", "Mairie de Sainte-Livrade-sur-Lot", "Villeneuvois"),
    ("casseneuil-01", "Mairie de Casseneuil", "Villeneuvois"),
    ("marmande-01", "Mairie de Marmande", "Marmandais"),
    ("seyches-01", "Mairie de Seyches", "Marmandais"),
    ("meilhan-01", "Mairie de Meilhan-sur-Garonne", "Marmandais"),
    ("tonneins-01", "Mairie de Tonneins", "Tonneinquois"),
    ("clairac-01", "Mairie de Clairac", "Tonneinquois"),
    ("miramont-01", "Mairie de Miramont-de-Guyenne", "Miramontais"),
    ("lauzun-01", "Mairie de Lauzun", "Miramontais"),
    ("allemans-01", "Mairie d'Allemans-du-Dropt", "Miramontais"),
]
TOPICS = [  # as in hub/demo_data.toml
    ("employment", "Emploi et insertion", "Work and training", "briefcase"),
    ("housing", "Logement", "Housing", "house"),
    ("mobility", "Mobilité", "Getting around", "car"),
    ("rights-health", "Droits et santé", "Rights and health", "heart"),
    ("microcredit", "Microcrédit", "Micro-credit", "coins"),
    ("business", "Création d'entreprise", "Starting a business", "rocket"),
]
TOPIC_WEIGHTS = [34, 22, 16, 14, 8, 6]
HOT, PAPER_OUT, OFFLINE, DISK = "marmande-01", "fumel-01", "lauzun-01", "tonneins-01"


def _id() -> str:
    return uuid.uuid4().hex


def seed(engine: Engine, now: float, rng: random.Random) -> None:
    """Fill an empty, migrated database with the demo-like fleet."""
    with engine.begin() as conn:
        add_user(conn, OPS_EMAIL, OPS_PASSWORD, Role.OPS, actor="screenshots")
        for topic_id, fr, en, picto in TOPICS:
            conn.execute(
                insert(schema.topics).values(id=topic_id, label_fr=fr, label_en=en, pictogram=picto)
            )
        for kiosk_id, site, territory in SITES:
            register_kiosk(conn, kiosk_id, site, territory, actor="screenshots")
        conn.execute(
            update(schema.kiosks).values(registered_at=now - 120 * 86400 * rng.uniform(0.5, 1))
        )
    _seed_health(engine, now, rng)
    _seed_events(engine, now, rng)
    _seed_alerts_and_commands(engine, now)
    _seed_requests(engine, now)


def _temperature(kiosk_id: str, ts: float, base: float, rng: random.Random) -> float:
    hour = time.localtime(ts).tm_hour + time.localtime(ts).tm_min / 60
    daily = 6 * math.sin((hour - 9) / 24 * 2 * math.pi)
    value = base + daily + rng.gauss(0, 0.8)
    if kiosk_id == HOT:
        value += max(0.0, 30 - (time.time() - ts) / 3600 * 0.8)  # heating up lately
    return round(value, 1)


def _seed_health(engine: Engine, now: float, rng: random.Random) -> None:
    step = 300
    rows: list[dict[str, Any]] = []
    latest: dict[str, dict[str, Any]] = {}
    for index, (kiosk_id, _site, _territory) in enumerate(SITES):
        base_temp = rng.uniform(46, 56)
        disk = 93.5 if kiosk_id == DISK else rng.uniform(28, 62)
        mem = rng.uniform(35, 55)
        last = now - (2 * 86400 + 3 * 3600 if kiosk_id == OFFLINE else rng.uniform(5, 40))
        first = now - 7 * 86400 + index * 7
        for ts in [last - k * step for k in range(int((last - first) // step), -1, -1)]:
            hour = time.localtime(ts).tm_hour
            busy = 9 <= hour < 17
            rows.append(
                {
                    "kiosk_id": kiosk_id,
                    "ts": ts,
                    "cpu_temp_c": _temperature(kiosk_id, ts, base_temp, rng),
                    "load1": round(max(0.05, rng.gauss(0.9 if busy else 0.25, 0.25)), 2),
                    "mem_used_pct": round(min(95, mem + (12 if busy else 0) + rng.gauss(0, 2)), 1),
                    "disk_used_pct": round(disk + (ts - now + 7 * 86400) / 86400 * 0.15, 1),
                    "printer": "paper-out" if kiosk_id == PAPER_OUT else "ok",
                    "ui": "up",
                    "outbox_pending": 0,
                }
            )
        latest[kiosk_id] = rows[-1]
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(schema.health), rows[start : start + 5000])
        for kiosk_id, site, _territory in SITES:
            last_row = latest[kiosk_id]
            printer = DeviceState.PAPER_OUT if kiosk_id == PAPER_OUT else DeviceState.OK
            version = "1.4.2" if site.endswith("Villeneuve") or kiosk_id < "f" else "1.4.1"
            health = Health(
                ts=datetime.fromtimestamp(last_row["ts"], UTC),
                uptime_s=rng.uniform(2, 20) * 86400,
                load1=last_row["load1"],
                cpu_temp_c=last_row["cpu_temp_c"],
                mem_used_pct=last_row["mem_used_pct"],
                disk_used_pct=last_row["disk_used_pct"],
                app_version=version,
                net_iface="eth0" if rng.random() < 0.7 else "wlan0",
                ui="up",
                devices=Devices(
                    printer=printer,
                    camera=DeviceState.OK,
                    microphone=DeviceState.OK,
                    scanner=DeviceState.OK if rng.random() < 0.6 else DeviceState.ABSENT,
                    panel=DeviceState.OK,
                ),
                outbox_pending=0,
            )
            online = kiosk_id != OFFLINE
            conn.execute(
                update(schema.kiosks)
                .where(schema.kiosks.c.id == kiosk_id)
                .values(
                    online=online,
                    status_since=last_row["ts"] if not online else now - rng.uniform(1, 90) * 3600,
                    last_seen=last_row["ts"],
                    last_health_at=last_row["ts"],
                    app_version=version,
                    cpu_temp_c=last_row["cpu_temp_c"],
                    disk_used_pct=last_row["disk_used_pct"],
                    printer=printer.value,
                    ui="up",
                    outbox_dropped_recent=0,
                    health_json=encode(health).decode(),
                )
            )
        conn.execute(
            insert(schema.kiosks).values(
                id="pi-atelier-7f3a",
                registered=False,
                online=True,
                status_since=now - 1500,
                last_seen=now - 20,
            )
        )


def _seed_events(engine: Engine, now: float, rng: random.Random) -> None:
    start, _ = month_range(shift_month(current_month(now), -1))
    rows: list[dict[str, Any]] = []
    busy = {kid: rng.uniform(2, 9) for kid, _s, _t in SITES}
    day = start
    while day < now:
        weekday = time.localtime(day).tm_wday
        for kiosk_id, _site, _territory in SITES:
            if weekday >= 5 or (kiosk_id == OFFLINE and day > now - 2.2 * 86400):
                continue
            for _ in range(max(0, int(rng.gauss(busy[kiosk_id], 1.5)))):
                ts = day + rng.uniform(8.5, 17) * 3600
                if ts >= now:
                    continue
                rows += _session(kiosk_id, ts, rng)
        day += 86400
    with engine.begin() as conn:
        for begin in range(0, len(rows), 5000):
            conn.execute(insert(schema.events), rows[begin : begin + 5000])


def _session(kiosk_id: str, ts: float, rng: random.Random) -> list[dict[str, Any]]:
    session = _id()
    topic = rng.choices([t[0] for t in TOPICS], TOPIC_WEIGHTS)[0]
    events: list[tuple[str, str | None, float | None, str | None]] = [
        ("session.started", None, None, None),
        ("identified", topic, None, rng.choice(["code", "qr", "first-visit"])),
        ("topic.chosen", topic, None, None),
    ]
    if rng.random() < 0.85:
        events.append(("call.requested", topic, None, None))
        wait = max(5.0, rng.gauss(70, 40))
        if rng.random() < 0.86:
            events.append(("call.answered", topic, round(wait), None))
            events.append(("call.ended", topic, round(max(60, rng.gauss(560, 220))), None))
            if rng.random() < 0.55:
                events.append(("slip.printed", topic, None, None))
        else:
            events.append(("call.missed", topic, round(wait + 90), None))
            if rng.random() < 0.6:
                events.append(("callback.requested", topic, None, None))
    events.append(("session.ended", topic, None, "done"))
    return [
        {
            "id": _id(),
            "kiosk_id": kiosk_id,
            "ts": ts + i * 40,
            "received_at": ts + i * 40 + 1,
            "type": kind,
            "session": session,
            "topic": topic_value,
            "value": value,
            "detail": detail,
        }
        for i, (kind, topic_value, value, detail) in enumerate(events)
    ]


def _offline_since(ts: float) -> str:
    """The wording hub.alerts uses for an offline kiosk."""
    return f"hors ligne depuis le {datetime.fromtimestamp(ts, local_tz()):%d/%m à %H:%M}"


def _seed_alerts_and_commands(engine: Engine, now: float) -> None:
    alerts = [
        # kinds and wording of hub.alerts
        (
            OFFLINE,
            "offline",
            _offline_since(now - 2 * 86400 - 3 * 3600 - 120),
            now - 2 * 86400 - 3 * 3600,
            None,
        ),
        (HOT, "temperature", "processeur à 84 °C", now - 40 * 60, None),
        (PAPER_OUT, "printer", "plus de papier", now - 5 * 3600, None),
        (DISK, "disk", "disque rempli à 94 %", now - 26 * 3600, None),
        (
            "seyches-01",
            "offline",
            _offline_since(now - 3 * 86400 - 120),
            now - 3 * 86400,
            now - 3 * 86400 + 900,
        ),
        (PAPER_OUT, "printer", "papier bientôt épuisé", now - 4 * 86400, now - 4 * 86400 + 7200),
        (
            "agen-01",
            "ui-down",
            "l'écran de la borne ne fonctionne pas",
            now - 5 * 86400,
            now - 5 * 86400 + 240,
        ),
    ]
    with engine.begin() as conn:
        for kiosk_id, kind, text, opened, closed in alerts:
            conn.execute(
                insert(schema.alerts).values(
                    kiosk_id=kiosk_id, kind=kind, detail=text, opened_at=opened, closed_at=closed
                )
            )
        commands = [
            (HOT, "restart-ui", now - 30 * 60, "acked", "ok", None),
            (HOT, "print-test", now - 2 * 3600, "acked", "ok", None),
            (HOT, "show-message", now - 26 * 3600, "failed", "ui-unavailable", "UI restarting"),
            (HOT, "reload-config", now - 50 * 3600, "acked", "ok", None),
        ]
        for kiosk_id, name, created, status, result, detail in commands:
            args = '{"text": "Borne en maintenance ce matin"}' if name == "show-message" else "{}"
            conn.execute(
                insert(schema.commands).values(
                    id=_id(),
                    kiosk_id=kiosk_id,
                    name=name,
                    args_json=args,
                    created_at=created,
                    expires_at=created + 600,
                    created_by=OPS_EMAIL,
                    status=status,
                    acked_at=created + 4,
                    result=result,
                    detail=detail,
                )
            )


REQUESTS = [
    # kiosk, topic, kind, reason, first name, commune, phone, minutes ago
    ("agen-01", "housing", "callback", "no-answer", "Léa", "Layrac", "0611223344", 185),
    ("fumel-01", "business", "appointment", "unavailable", "Karim", None, None, 140),
    ("marmande-01", "employment", "callback", "no-answer", "Nathalie", "Seyches", "0782459163", 95),
    ("casseneuil-01", "mobility", "callback", "offline", "Jordan", "Casseneuil", "0645127788", 52),
    ("lauzun-01", "rights-health", "appointment", "no-answer", "Camille", None, "0612345678", 18),
    ("tonneins-01", "microcredit", "appointment", "unavailable", "Sofia", "Clairac", None, 6),
]
"""Open requests shown on /requests (fictitious people)."""


def _seed_requests(engine: Engine, now: float) -> None:
    rows = [
        {
            "id": _id(),
            "kiosk_id": kiosk_id,
            "kind": kind,
            "reason": reason,
            "topic": topic,
            "first_name": first_name,
            "commune": commune,
            "phone": phone,
            "seeker_code": None,
            "created_at": now - minutes * 60,
            "received_at": now - minutes * 60 + 2,
        }
        for kiosk_id, topic, kind, reason, first_name, commune, phone, minutes in REQUESTS
    ]
    with engine.begin() as conn:
        conn.execute(insert(schema.contact_requests), rows)


@contextmanager
def serve(config: HubConfig) -> Iterator[str]:
    """Run the hub (no MQTT) in a thread on a free loopback port; yields its base URL."""
    app = create_app(config, background=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the hub did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def shoot(base: str, out: Path) -> list[Path]:
    """Log in and capture the pages; returns the files written."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    written = []
    last_month = shift_month(current_month(), -1)
    pages = [
        ("dashboard.png", "/ops", None),
        ("kiosk.png", f"/ops/kiosks/{HOT}", None),
        ("alerts.png", "/ops/alerts", None),
        ("usage-report.png", f"/ops/reports/usage?month={last_month}", None),
        ("requests.png", "/requests", None),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="fr-FR")
        page.goto(f"{base}/login")
        page.fill("input[name=email]", OPS_EMAIL)
        page.fill("input[name=password]", OPS_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/ops")
        for name, path, anchor in pages:
            page.goto(base + path)
            if anchor:
                page.locator(anchor).scroll_into_view_if_needed()
            target = out / name
            page.screenshot(path=str(target))
            written.append(target)
        # The fleet and the requests on a phone (390 px): rows become cards.
        page.set_viewport_size({"width": 390, "height": 1100})
        for name, path in (
            ("dashboard-phone.png", "/ops"),
            ("requests-phone.png", "/requests"),
        ):
            page.goto(base + path)
            target = out / name
            page.screenshot(path=str(target))
            written.append(target)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, shoot."""
    parser = argparse.ArgumentParser(description="Screenshots of the ops dashboard for the docs.")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gaia-shots-") as tmp:
        config = HubConfig(state_dir=Path(tmp))
        app_engine = create_app(config, background=False).state.services.engine
        seed(app_engine, time.time(), random.Random(args.seed))
        app_engine.dispose()
        with serve(config) as base:
            for path in shoot(base, args.out):
                print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
