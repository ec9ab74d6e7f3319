"""Hostile clients benchmark: the kiosk API's latency and the hub's memory under attack.

The hub runs as `gaia-hub serve` in its own process (SQLite, demo catalog, its
managed broker not needed: an unreachable [mqtt] url). This process probes the
kiosk API as a kiosk does (GET /kiosk/v1/catalog, 10 a second, one kiosk) and
samples the hub's RSS, first at rest (the anchor, same run), then while an
attacker process (`--attack`) runs each of:

- `logins`: 40 parallel log-ins with random e-mails, each from its own address
  (the hub trusts the local proxy's X-Forwarded-For here, so the per-address
  limit does not stop them: the global hash cap has to);
- `slow`: 300 clients sending half a request and never the rest, each from its
  own loopback address (127.0.x.y), reconnecting as soon as the hub closes them;
- `calls`: one kiosk sending call requests on its signaling socket as fast as
  the hub answers.

Goals (issue 13): kiosk API p95 under attack ≤ 3× at rest, RSS growth ≤ 100 MiB.

    .venv/bin/python -m bench.hostile [--seconds 20] [--json docs/bench-hostile.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import percentile
from hub.broker import free_port

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ("logins", "slow", "calls")

SEED = """
import sys
from hub.accounts import register_kiosk
from hub.config import load_config
from hub.demo import load_data, seed_catalog
from hub.store import connect, migrate
engine = connect(load_config(sys.argv[1]).db_url)
migrate(engine)
with engine.begin() as conn:
    seed_catalog(conn, load_data())
    print(register_kiosk(conn, "k-probe", "Mairie de Laplume", "agenais").token)
    print(register_kiosk(conn, "k-flood", "Mairie de Layrac", "agenais").token)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


class Hub:
    """`gaia-hub serve` in a child process, with the kiosk tokens of the probe and the flood."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.config = directory / "hub.toml"
        self.config.write_text(
            f"""
state_dir = "{directory / "state"}"
[http]
port = {self.port}
trusted_proxies = ["127.0.0.1"]
[mqtt]
url = "mqtt://127.0.0.1:{free_port()}"
password = "unused"
[kiosk_api]
api_per_minute = 100000
"""
        )
        out = subprocess.run(
            [sys.executable, "-c", SEED, str(self.config)],
            capture_output=True, text=True, env=_env(), check=True, timeout=120,
        ).stdout.split()  # fmt: skip
        self.probe_token, self.flood_token = out[-2], out[-1]
        self.log = open(directory / "hub.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--config", str(self.config)],
            stdout=self.log, stderr=self.log, env=_env(),
        )  # fmt: skip
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the hub did not start")

    def rss_mib(self) -> float:
        """The hub's resident memory."""
        return psutil.Process(self.process.pid).memory_info().rss / 2**20

    def stop(self) -> None:
        """SIGTERM, as systemd would."""
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


def probe(hub: Hub, seconds: float) -> dict[str, float]:
    """The kiosk API's latency (10 requests a second) and the hub's peak RSS meanwhile."""
    times: list[float] = []
    rss: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {hub.probe_token}"}
    with httpx.Client(base_url=hub.url, headers=headers, timeout=30) as client:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t0 = time.perf_counter()
            try:
                ok = client.get("/kiosk/v1/catalog").status_code == 200
            except httpx.HTTPError:
                ok = False
            times.append(time.perf_counter() - t0)
            errors += not ok
            rss.append(hub.rss_mib())
            time.sleep(max(0.0, 0.1 - (time.perf_counter() - t0)))
    return {
        "p50_ms": round(percentile(times, 0.5) * 1000, 1),
        "p95_ms": round(percentile(times, 0.95) * 1000, 1),
        "max_ms": round(max(times) * 1000, 1),
        "errors": errors,
        "requests": len(times),
        "rss_mib_max": round(max(rss), 1),
    }


# -- the attacker (a child process) -----------------------------------------------------


async def attack_logins(url: str, stop: float) -> dict[str, int]:
    """40 workers posting log-ins with random e-mails, each from a random address."""
    codes: dict[str, int] = {}

    async def worker(client: httpx.AsyncClient) -> None:
        while time.monotonic() < stop:
            ip = f"198.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
            try:
                r = await client.post(
                    "/login",
                    data={"email": f"{uuid.uuid4().hex}@x.test", "password": "guess-12345"},
                    headers={"X-Forwarded-For": ip, "Origin": url},
                )
                codes[str(r.status_code)] = codes.get(str(r.status_code), 0) + 1
            except httpx.HTTPError as exc:
                codes[type(exc).__name__] = codes.get(type(exc).__name__, 0) + 1

    limits = httpx.Limits(max_connections=40)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(40)))
    return codes


def attack_slow(port: int, stop: float) -> dict[str, int]:
    """300 half-sent requests from 300 addresses, reopened whenever the hub closes one."""
    counts = {"opened": 0, "closed_by_hub": 0}
    lock = threading.Lock()

    def holder(i: int) -> None:
        source = f"127.0.{1 + i // 250}.{1 + i % 250}"
        while time.monotonic() < stop:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5,
                                              source_address=(source, 0)) as s:  # fmt: skip
                    s.sendall(b"GET /ops HTTP/1.1\r\nHost: hub\r\nX-Slow: ")
                    with lock:
                        counts["opened"] += 1
                    s.settimeout(max(0.1, stop - time.monotonic()))
                    try:
                        s.recv(100)  # the hub's 408, or its close
                        with lock:
                            counts["closed_by_hub"] += 1
                    except TimeoutError:
                        return
            except OSError:
                time.sleep(0.2)

    threads = [threading.Thread(target=holder, args=(i,)) for i in range(300)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


async def attack_calls(url: str, token: str, stop: float) -> dict[str, int]:
    """One kiosk's signaling socket sending call requests as fast as the hub answers."""
    from websockets.asyncio.client import connect

    from hub.protocol.signaling import HUB_TO_KIOSK, KIOSK_WS_PATH, CallRequest, dump, parse

    counts: dict[str, int] = {}
    ws_url = url.replace("http://", "ws://") + KIOSK_WS_PATH
    async with connect(ws_url, additional_headers={"Authorization": f"Bearer {token}"}) as ws:
        while time.monotonic() < stop:
            await ws.send(dump(CallRequest(call_id=uuid.uuid4().hex, topic="housing")))
            answer = parse(HUB_TO_KIOSK, await ws.recv())
            kind = getattr(answer, "code", None) or answer.type
            counts[kind] = counts.get(kind, 0) + 1
    return counts


def attacker_main(args: argparse.Namespace) -> None:
    """Run one attack for `--seconds`, then print what the hub answered (JSON)."""
    stop = time.monotonic() + args.seconds
    if args.attack == "logins":
        result: dict[str, int] = asyncio.run(attack_logins(args.url, stop))
    elif args.attack == "slow":
        result = attack_slow(args.port, stop)
    else:
        result = asyncio.run(attack_calls(args.url, args.token, stop))
    print(json.dumps(result), flush=True)


# -- the run ----------------------------------------------------------------------------


def run(seconds: float) -> dict[str, Any]:
    """At rest, then each attack; returns the results."""
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%d"), "seconds": seconds}
    with tempfile.TemporaryDirectory() as tmp:
        hub = Hub(Path(tmp))
        try:
            probe(hub, 3)  # warm-up
            rest = probe(hub, seconds)
            results["rest"] = rest
            print("rest", rest, flush=True)
            for attack in ATTACKS:
                child = subprocess.Popen(
                    [sys.executable, "-m", "bench.hostile", "--attack", attack,
                     "--url", hub.url, "--port", str(hub.port), "--token", hub.flood_token,
                     "--seconds", str(seconds + 2)],
                    stdout=subprocess.PIPE, text=True, env=_env(), cwd=ROOT,
                )  # fmt: skip
                time.sleep(1.5)  # the attack is under way
                under = probe(hub, seconds)
                out, _ = child.communicate(timeout=seconds + 120)
                under["attacker_saw"] = json.loads(out.strip().splitlines()[-1])
                under["p95_ratio"] = round(under["p95_ms"] / max(rest["p95_ms"], 0.1), 2)
                under["rss_growth_mib"] = round(under["rss_mib_max"] - rest["rss_mib_max"], 1)
                results[attack] = under
                print(attack, under, flush=True)
                time.sleep(12)  # the header timeout closes what the attack left open
        finally:
            hub.stop()
    return results


def main() -> None:
    """Parse the arguments; run the benchmark, or one attack (the child's part)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20, help="each measurement's length")
    parser.add_argument("--json", type=Path, help="write the results there")
    parser.add_argument("--attack", choices=ATTACKS)
    parser.add_argument("--url", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default="")
    args = parser.parse_args()
    if args.attack:
        attacker_main(args)
        return
    results = run(args.seconds)
    rest = results["rest"]
    print("\n| | kiosk API p50 | p95 | × rest | max | hub RSS (max) | growth |")
    print("|---|---|---|---|---|---|---|")
    print(f"| at rest (anchor) | {rest['p50_ms']} ms | {rest['p95_ms']} ms | 1 "
          f"| {rest['max_ms']} ms | {rest['rss_mib_max']} MiB | |")  # fmt: skip
    for attack in ATTACKS:
        r = results[attack]
        print(
            f"| {attack} | {r['p50_ms']} ms | {r['p95_ms']} ms | {r['p95_ratio']} "
            f"| {r['max_ms']} ms | {r['rss_mib_max']} MiB | {r['rss_growth_mib']} MiB |"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
