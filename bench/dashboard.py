"""Latency of the fleet page, its live endpoint and the kiosk list API with 5,000 kiosks.

Not a test (timings depend on the machine); run it by hand:

    .venv/bin/python -m bench.dashboard [--kiosks 5000] [--runs 40] [--gc-freeze]

It seeds a SQLite database in a temporary directory (kiosks with a Health
payload each, a few hundred open alerts, a week of health for one kiosk),
serves it with uvicorn in a separate process (no MQTT), and times requests
from here over loopback with a session cookie (authentication included),
printing p50 / p95 / max in milliseconds. Between two listings of the API,
some rows can be changed to mimic kiosks reporting.
"""

from __future__ import annotations

import argparse
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import Engine, insert, update

from hub.accounts import Role, hash_password
from hub.auth import create_session
from hub.config import HubConfig
from hub.store import connect, migrate, schema
from tests.hub.helpers import add_user, health_json

TERRITORIES = ["Agenais", "Fumélois", "Villeneuvois", "Marmandais", "Tonneinquois", "Miramontais"]
SERVER = """
import sys
from pathlib import Path
import uvicorn
from hub.app import create_app
from hub.config import HubConfig
app = create_app(HubConfig(state_dir=Path(sys.argv[1])), background=False)
# Anchor: a static body the size of the full kiosk list, from the same server.
from fastapi import Response
ANCHOR = b"[" + b"x" * 3_831_000 + b"]"
@app.get("/bench-anchor")
def anchor() -> Response:
    return Response(ANCHOR, media_type="application/json")
if sys.argv[3:] == ["freeze"]:
    import gc
    gc.freeze()  # start-up objects out of the collector's way: shorter gen-2 pauses
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def seed(engine: Engine, kiosks: int, rng: random.Random) -> str:
    """Fill the database; returns the session cookie of an ops user."""
    now = time.time()
    rows = []
    for i in range(kiosks):
        temp = round(rng.uniform(40, 85), 1)
        disk = round(rng.uniform(20, 95), 1)
        rows.append(
            {
                "id": f"k-{i:05d}",
                "site": f"Mairie n°{i}",
                "territory": TERRITORIES[i % len(TERRITORIES)],
                "registered": i % 97 != 0,
                "online": rng.random() > 0.05,
                "status_since": now - rng.uniform(0, 10 * 86400),
                "last_seen": now - rng.uniform(0, 60),
                "last_health_at": now - rng.uniform(0, 60),
                "app_version": rng.choice(["1.4.0", "1.4.1", "1.4.2"]),
                "cpu_temp_c": temp,
                "disk_used_pct": disk,
                "printer": rng.choice(["ok"] * 8 + ["paper-low", "paper-out"]),
                "ui": "up",
                "health_json": health_json(cpu_temp_c=temp, disk_used_pct=disk),
            }
        )
    alerts = [
        {"kiosk_id": f"k-{i:05d}", "kind": kind, "detail": "x", "opened_at": now - i}
        for i in rng.sample(range(kiosks), k=min(300, kiosks))
        for kind in ("offline", "disk")
    ]
    health = [
        {
            "kiosk_id": "k-00001",
            "ts": now - i * 30,
            "cpu_temp_c": 50.0,
            "load1": 0.5,
            "mem_used_pct": 40.0,
            "disk_used_pct": 60.0,
        }
        for i in range(7 * 2880)
    ]
    with engine.begin() as conn:
        conn.execute(insert(schema.kiosks), rows)
        conn.execute(insert(schema.alerts), alerts)
        conn.execute(insert(schema.health), health)
    user = add_user(engine, "ops@perf.test", Role.OPS, hash_password("perf-password-1"))
    with engine.begin() as conn:
        token, _csrf = create_session(conn, user, hours=1)
    return token


def timings(
    client: httpx.Client, path: str, runs: int, before: Callable[[], None] | None = None
) -> tuple[float, float, float, int]:
    """(p50, p95, max) in ms and the response size of `runs` GETs of `path`.

    `before` runs (untimed) before each request.
    """
    client.get(path)  # warm-up
    samples = []
    size = 0
    for _ in range(runs):
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.content)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return samples[len(samples) // 2], p95, samples[-1], size


def main() -> None:
    """Seed, serve, time, print a table."""
    parser = argparse.ArgumentParser(description="Latency of the dashboard and API.")
    parser.add_argument("--kiosks", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--gc-freeze", action="store_true", help="call gc.freeze() in the server after start-up"
    )
    args = parser.parse_args()
    paths = [
        "/bench-anchor",
        "/ops",
        "/ops/fleet.json",
        "/ops/fleet.json?sort=alerts&dir=desc",
        "/ops/fleet.json?q=mairie%20n%C2%B04&sort=temp&dir=desc",
        "/ops/fleet.json?territory=Marmandais&state=alerting",
        "/ops/fleet.json?sort=disk&page=100",
        "/ops/kiosks/k-00001",
        "/ops/kiosks/k-00001?range=7d",
        "/api/v1/kiosks/k-00001",
        "/api/v1/kiosks?state=online",
        "/api/v1/kiosks",
    ]
    with tempfile.TemporaryDirectory(prefix="gaia-perf-") as tmp:
        config = HubConfig(state_dir=Path(tmp))
        engine = connect(config.db_url)
        migrate(engine)
        rng = random.Random(1)
        token = seed(engine, args.kiosks, rng)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        command = [sys.executable, "-c", SERVER, tmp, str(port)]
        server = subprocess.Popen(command + (["freeze"] if args.gc_freeze else []))
        try:
            client = httpx.Client(
                base_url=f"http://127.0.0.1:{port}", cookies={"gaia_session": token}, timeout=30
            )
            deadline = time.monotonic() + 30
            while True:
                try:
                    client.get("/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)

            def changed(share: float) -> Callable[[], None]:
                def change() -> None:
                    count = int(args.kiosks * share)
                    ids = [f"k-{i:05d}" for i in rng.sample(range(args.kiosks), count)]
                    with engine.begin() as conn:
                        conn.execute(
                            update(schema.kiosks)
                            .where(schema.kiosks.c.id.in_(ids))
                            .values(last_seen=time.time(), cpu_temp_c=rng.uniform(40, 80))
                        )

                return change

            cases: list[tuple[str, str, Callable[[], None] | None]] = [(p, p, None) for p in paths]
            cases += [
                (
                    "/api/v1/kiosks (20 % of kiosks changed each time)",
                    "/api/v1/kiosks",
                    changed(0.2),
                ),
                ("/api/v1/kiosks (every kiosk changed each time)", "/api/v1/kiosks", changed(1.0)),
            ]
            freeze = ", gc.freeze()" if args.gc_freeze else ""
            print(
                f"{args.kiosks} kiosks, {args.runs} runs each, uvicorn over loopback{freeze} (ms)"
            )
            print(f"| {'request':<55} | {'p50':>6} | {'p95':>6} | {'max':>6} | {'bytes':>8} |")
            print(f"|{'-' * 57}|{'-' * 8}|{'-' * 8}|{'-' * 8}|{'-' * 10}|")
            for label, path, before in cases:
                p50, p95, worst, size = timings(client, path, args.runs, before)
                print(f"| {label:<55} | {p50:6.1f} | {p95:6.1f} | {worst:6.1f} | {size:8d} |")
            client.close()
        finally:
            server.terminate()
            server.wait(10)
            engine.dispose()


if __name__ == "__main__":
    main()
