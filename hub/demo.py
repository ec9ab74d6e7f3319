"""`make demo`: the hub with demo data, its managed broker and a simulated fleet.

Everything runs locally on embedded defaults: the hub on http://127.0.0.1:8080,
Mosquitto on 127.0.0.1:18830, a SQLite database and the simulated kiosks'
outboxes under var/demo/. State survives a restart; `--fresh` starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Connection, select

from hub.accounts import Role, add_user, register_kiosk, revoke_kiosk
from hub.config import BrokerConfig, HttpConfig, HubConfig
from hub.store import connect, migrate, schema, upsert_ignore

log = logging.getLogger(__name__)

DEMO_EMAIL = "ops@gaia.demo"
DEMO_PASSWORD = "demo-ops-2026"  # noqa: S105 - a published demo log-in, local only
DATA = Path(__file__).with_name("demo_data.toml")
HISTORY_DAYS = 42


@dataclass(frozen=True)
class DemoKiosk:
    """One kiosk of the demo fleet, in a town hall."""

    id: str
    site: str
    territory: str


def load_data() -> dict[str, Any]:
    """The demo data file (territories, communes, topics, partners)."""
    return tomllib.loads(DATA.read_text(encoding="utf-8"))


def slug(text: str) -> str:
    """ASCII, lower-case, dash-separated: 'Penne-d'Agenais' -> 'penne-d-agenais'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(c if c.isalnum() else "-" for c in ascii_text.lower())
    return "-".join(part for part in out.split("-") if part)


def town_hall(commune: str) -> str:
    """'Mairie d'Agen', 'Mairie du Mas-d'Agenais', 'Mairie de Laplume'."""
    if commune.startswith("Le "):
        return f"Mairie du {commune[3:]}"
    if commune[0] in "AEIOUYÉÈÂ":
        return f"Mairie d'{commune}"
    return f"Mairie de {commune}"


def demo_fleet(count: int, data: dict[str, Any] | None = None) -> list[DemoKiosk]:
    """`count` kiosks spread over the territories, one per town hall."""
    data = data or load_data()
    territories = data["territories"]
    fleet: list[DemoKiosk] = []
    i = 0
    while len(fleet) < count:
        territory = territories[i % len(territories)]
        communes = territory["communes"]
        round_ = i // len(territories)
        commune = communes[round_ % len(communes)]
        suffix = f"-{round_ // len(communes) + 1}" if round_ >= len(communes) else ""
        fleet.append(
            DemoKiosk(f"k-{slug(commune)}{suffix}"[:63], town_hall(commune), territory["name"])
        )
        i += 1
    return fleet


def seed_catalog(conn: Connection, data: dict[str, Any]) -> None:
    """Territories, topics and partners (existing rows are left as they are)."""
    upsert_ignore(
        conn,
        schema.territories,
        [
            {"id": t["id"], "name": t["name"], "communes_json": json.dumps(t["communes"])}
            for t in data["territories"]
        ],
    )
    upsert_ignore(
        conn,
        schema.topics,
        [{k: t[k] for k in ("id", "label_fr", "label_en", "pictogram")} for t in data["topics"]],
    )
    upsert_ignore(
        conn,
        schema.partners,
        [
            {
                "id": p["id"],
                "name": p["name"],
                "topic_id": p["topic"],
                "phone": p["phone"],
                "hours": p["hours"],
            }
            for p in data["partners"]
        ],
    )


def prepare(
    directory: Path, *, kiosks: int, port: int, fresh: bool, broker_port: int = 18830
) -> tuple[HubConfig, Path]:
    """Create or reuse the demo state; returns the hub config and the fleet file."""
    if fresh and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = HubConfig(
        state_dir=directory / "hub",
        http=HttpConfig(host="127.0.0.1", port=port),
        broker=BrokerConfig(port=broker_port),
    )
    engine = connect(config.db_url)
    migrate(engine)
    data = load_data()
    fleet_path = directory / "fleet.json"
    known: dict[str, dict[str, str]] = {}
    if fleet_path.exists():
        known = {k["id"]: k for k in json.loads(fleet_path.read_text())["kiosks"]}
    entries = []
    with engine.begin() as conn:
        seed_catalog(conn, data)
        if not conn.execute(
            select(schema.users.c.id).where(schema.users.c.email == DEMO_EMAIL)
        ).first():
            add_user(conn, DEMO_EMAIL, DEMO_PASSWORD, Role.ADMIN, actor="demo")
        for kiosk in demo_fleet(kiosks, data):
            if kiosk.id in known:
                entries.append(known[kiosk.id])
                continue
            registered = conn.execute(
                select(schema.kiosks.c.registered).where(schema.kiosks.c.id == kiosk.id)
            ).scalar()
            if registered:  # its token was lost with the fleet file: issue a new one
                revoke_kiosk(conn, kiosk.id, actor="demo")
            reg = register_kiosk(conn, kiosk.id, kiosk.site, kiosk.territory, actor="demo")
            entries.append(
                {
                    "id": kiosk.id,
                    "token": reg.token,
                    "site": kiosk.site,
                    "territory": kiosk.territory,
                }
            )
    fleet = {"mqtt_url": f"mqtt://127.0.0.1:{config.broker.port}", "kiosks": entries}
    fleet_path.touch(mode=0o600)
    fleet_path.write_text(json.dumps(fleet, indent=2, ensure_ascii=False))
    engine.dispose()
    return config, fleet_path


def run_demo(
    directory: Path,
    *,
    kiosks: int = 20,
    port: int = 8080,
    fresh: bool = False,
    broker_port: int = 18830,
) -> int:
    """Run hub + broker + simulated fleet until Ctrl-C."""
    config, fleet_path = prepare(
        directory, kiosks=kiosks, port=port, fresh=fresh, broker_port=broker_port
    )
    return asyncio.run(_serve(config, fleet_path, directory))


class DemoServer(uvicorn.Server):
    """uvicorn's server without its own signal handling: the demo stops the fleet first."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the demo installs its own handlers (see _serve)


async def _serve(config: HubConfig, fleet_path: Path, directory: Path) -> int:
    from hub.app import create_app

    server = DemoServer(
        uvicorn.Config(
            create_app(config),
            host=config.http.host,
            port=config.http.port,
            log_level="warning",
            access_log=False,
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            return 1  # uvicorn said why (port in use, ...)
        await asyncio.sleep(0.1)
    args = [
        "--fleet",
        str(fleet_path),
        "--state-dir",
        str(directory / "kiosks"),
        "--summary",
        str(directory / "simulator-summary.json"),
        "--health-interval",
        "10",
    ]
    marker = directory / "history-sent"
    if not marker.exists():  # the first run also sends six weeks of past usage
        args += ["--backfill-days", str(HISTORY_DAYS)]
        marker.touch()
    simulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kiosk", "--log-level", "WARNING", "simulate", *args,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        start_new_session=True,  # Ctrl-C reaches the demo, which stops the fleet first
    )  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    url = f"http://{config.http.host}:{config.http.port}"
    print(
        "\n".join(
            [
                "",
                "  Gaïa demo is running.",
                f"  Ops dashboard : {url}/ops",
                f"  Log in with   : {DEMO_EMAIL} / {DEMO_PASSWORD}",
                f"  API docs      : {url}/api/docs    Metrics: {url}/metrics",
                f"  MQTT broker   : mqtt://127.0.0.1:{config.broker.port} (per-kiosk users)",
                f"  State         : {directory}/ (make demo ARGS=--fresh starts again)",
                "  Stop with Ctrl-C.",
                "",
            ]
        ),
        flush=True,
    )
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    print("\n  Stopping the simulated fleet, then the hub…", flush=True)
    if simulator.returncode is None:
        simulator.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(simulator.wait(), 20)
        except TimeoutError:
            simulator.kill()
    server.should_exit = True
    await serving
    stopping.cancel()
    return 0
