"""`make demo`: the hub with demo data, its managed broker and a simulated fleet.

Everything runs locally on embedded defaults: the hub on http://127.0.0.1:8080,
Mosquitto on 127.0.0.1:18830, a SQLite database and the simulated kiosks'
outboxes under var/demo/. State survives a restart; `--fresh` starts again.

One more kiosk, `k-laplume-ui`, has a touch UI: its configuration is written to
var/demo/kiosk-ui.toml and, on a machine with a screen (DISPLAY set) and
without `--no-ui`, the demo opens its UI (`python -m kiosk ui`) and runs its
agent. Its calls are real (the `webrtc` engine, synthetic camera and tone):
they ring the demo advisers, who answer at /console. Demo job seekers and
advisers (in hub/demo_data.toml) are printed in the banner.
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
from sqlalchemy import Connection, select, update

from hub.accounts import Role, add_user, kiosk_for_token, register_kiosk, revoke_kiosk
from hub.config import BrokerConfig, HttpConfig, HubConfig
from hub.seekers import add_seeker
from hub.store import connect, migrate, schema, upsert_ignore

log = logging.getLogger(__name__)

DEMO_EMAIL = "ops@gaia.demo"
DEMO_PASSWORD = "demo-ops-2026"  # noqa: S105 - a published demo log-in, local only
DATA = Path(__file__).with_name("demo_data.toml")
HISTORY_DAYS = 42
UI_CONFIG = "kiosk-ui.toml"


@dataclass(frozen=True)
class DemoKiosk:
    """One kiosk of the demo fleet, in a town hall."""

    id: str
    site: str
    territory: str


UI_KIOSK = DemoKiosk("k-laplume-ui", "Mairie de Laplume", "agenais")
"""The demo kiosk with a touch UI (the others are simulated agents only)."""


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
    """Territories, topics and partners; partners' hours and schedules follow the file."""
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
                "opening": p.get("opening", ""),
            }
            for p in data["partners"]
        ],
    )
    every_territory = [t["id"] for t in data["territories"]]
    for p in data["partners"]:  # a demo from before schedules existed gets them too
        conn.execute(
            update(schema.partners)
            .where(schema.partners.c.id == p["id"])
            .values(hours=p["hours"], opening=p.get("opening", ""))
        )
        topics = p.get("topics", [p["topic"]])
        upsert_ignore(
            conn,
            schema.partner_topics,
            [{"partner_id": p["id"], "topic_id": topic} for topic in topics],
        )
        upsert_ignore(
            conn,
            schema.partner_territories,
            [
                {"partner_id": p["id"], "territory_id": territory}
                for territory in p.get("territories", every_territory)
            ],
        )


def seed_seekers(conn: Connection, data: dict[str, Any]) -> None:
    """The demo job seekers (left as they are when present)."""
    for seeker in data.get("seekers", []):
        known = conn.execute(
            select(schema.seekers.c.code).where(schema.seekers.c.code == seeker["code"])
        ).first()
        if not known:
            add_seeker(
                conn,
                seeker["code"],
                seeker["pin"],
                seeker["first_name"],
                seeker.get("phone"),
                actor="demo",
            )


def seed_advisers(conn: Connection, data: dict[str, Any]) -> None:
    """The demo advisers (left as they are when present)."""
    from hub.signaling.advisers import add_adviser

    for adviser in data.get("advisers", []):
        known = conn.execute(
            select(schema.users.c.id).where(schema.users.c.email == adviser["email"])
        ).first()
        if not known:
            add_adviser(
                conn,
                adviser["email"],
                adviser["password"],
                adviser["name"],
                adviser["partner"],
                list(adviser["topics"]),
                actor="demo",
            )


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string


def write_ui_config(conn: Connection, directory: Path, hub_url: str, mqtt_url: str) -> Path:
    """Register the UI kiosk when needed and write its kiosk.toml; returns its path.

    The token is kept from the previous file while the kiosk stays registered;
    URLs follow the current ports.
    """
    path = directory / UI_CONFIG
    token = ""
    if path.exists():
        with contextlib.suppress(tomllib.TOMLDecodeError, OSError):
            token = tomllib.loads(path.read_text(encoding="utf-8")).get("hub", {}).get("token", "")
    kiosk = UI_KIOSK
    if not token or kiosk_for_token(conn, token) != kiosk.id:
        registered = conn.execute(
            select(schema.kiosks.c.registered).where(schema.kiosks.c.id == kiosk.id)
        ).scalar()
        if registered:  # its token was lost with the file: issue a new one
            revoke_kiosk(conn, kiosk.id, actor="demo")
        token = register_kiosk(conn, kiosk.id, kiosk.site, kiosk.territory, actor="demo").token
    text = "\n".join(
        [
            "# Written by `gaia-hub demo`: the demo kiosk with a touch UI (keep it private:",
            "# the token is this kiosk's secret).",
            f"kiosk_id = {_toml_str(kiosk.id)}",
            'profile = "sim"',
            f"state_dir = {_toml_str(str(directory / 'kiosk-ui'))}",
            "",
            "[hub]",
            f"url = {_toml_str(hub_url)}",
            f"token = {_toml_str(token)}",
            "",
            "[mqtt]",
            f"url = {_toml_str(mqtt_url)}",
            "",
            "[ui]",
            "fullscreen = false",
            'commune = "Laplume"  # offered first on the commune screen',
            "",
            "# Real calls through the demo hub: answer them at /console (a demo adviser).",
            "# The kiosk's camera and microphone are synthetic (the browser uses the real",
            '# ones); camera = "v4l2:/dev/video0" would use a webcam instead.',
            "[call]",
            'engine = "webrtc"',
            'camera = "synthetic"',
            'microphone = "synthetic"',
            "",
        ]
    )
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")
    return path


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
    mqtt_url = f"mqtt://127.0.0.1:{config.broker.port}"
    with engine.begin() as conn:
        seed_catalog(conn, data)
        seed_seekers(conn, data)
        seed_advisers(conn, data)
        write_ui_config(conn, directory, f"http://{config.http.host}:{config.http.port}", mqtt_url)
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
    fleet = {"mqtt_url": mqtt_url, "kiosks": entries}
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
    ui: bool = True,
) -> int:
    """Run hub + broker + simulated fleet (+ the UI kiosk with a screen) until Ctrl-C."""
    config, fleet_path = prepare(
        directory, kiosks=kiosks, port=port, fresh=fresh, broker_port=broker_port
    )
    open_ui = ui and bool(os.environ.get("DISPLAY"))
    return asyncio.run(_serve(config, fleet_path, directory, open_ui=open_ui))


def _adviser_lines(url: str) -> list[str]:
    """Banner lines naming the demo advisers' log-ins."""
    return [
        f"  Adviser       : {a['email']} / {a['password']} ({a['name']}: "
        f"{', '.join(a['topics'])}) at {url}/console"
        for a in load_data().get("advisers", [])
    ]


def _seeker_lines() -> list[str]:
    """Banner lines naming the demo job seekers' codes and PINs."""
    lines = []
    for seeker in load_data().get("seekers", []):
        phone = "has a phone for call-backs" if seeker.get("phone") else "no phone"
        lines.append(
            f"  Job seeker    : code {seeker['code']} PIN {seeker['pin']}"
            f" ({seeker['first_name']}, {phone})"
        )
    return lines


class DemoServer(uvicorn.Server):
    """uvicorn's server without its own signal handling: the demo stops the fleet first."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the demo installs its own handlers (see _serve)


async def _watch(process: asyncio.subprocess.Process, name: str) -> None:
    """Log a child that ends on its own; the demo carries on without it."""
    code = await process.wait()
    log.warning("%s exited (code %s); the demo carries on without it", name, code)


async def _stop(process: asyncio.subprocess.Process, timeout: float = 20) -> None:
    """SIGTERM a child, SIGKILL it if it does not exit in time."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()


async def _start_ui(ui_config: Path) -> list[tuple[asyncio.subprocess.Process, str]]:
    """The UI kiosk's touch interface and agent, in their own sessions (Ctrl-C is ours)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    children = []
    for name, args in (
        ("kiosk UI", ["-m", "kiosk", "ui", "--config", str(ui_config)]),
        ("kiosk agent", ["-m", "kiosk", "--log-level", "WARNING", "agent", "--config",
                         str(ui_config)]),
    ):  # fmt: skip
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, *args, env=env, start_new_session=True
            )
        except OSError as exc:
            log.warning("cannot start the %s: %s", name, exc)
            continue
        children.append((process, name))
    return children


async def _serve(
    config: HubConfig, fleet_path: Path, directory: Path, *, open_ui: bool = False
) -> int:
    from hub.app import create_app
    from hub.server import server_config

    server = DemoServer(server_config(create_app(config), config, log_level="warning"))
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
    ui_config = directory / UI_CONFIG
    ui_children = await _start_ui(ui_config) if open_ui else []
    watchers = [asyncio.create_task(_watch(p, name)) for p, name in ui_children]
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
                f"  Requests      : {url}/requests (call-backs and appointments from kiosks)",
                *_adviser_lines(url),
                "  Calls         : log in at /console as an adviser, press Indisponible to be"
                " Disponible, then call from the kiosk UI",
                *_seeker_lines(),
                f"  Kiosk UI      : {UI_KIOSK.id}, {UI_KIOSK.site} — "
                + (
                    "opening on this screen"
                    if ui_children
                    else f"{sys.executable} -m kiosk ui --config {ui_config}"
                ),
                f"  API (OpenAPI) : {url}/api/openapi.json    Metrics: {url}/metrics",
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
    print("\n  Stopping the kiosk UI, the simulated fleet, then the hub…", flush=True)
    for task in watchers:
        task.cancel()
    for process, _name in ui_children:
        await _stop(process, 10)
    await _stop(simulator)
    server.should_exit = True
    await serving
    stopping.cancel()
    return 0
