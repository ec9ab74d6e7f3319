"""Ingest benchmark: persisted messages per second and publish->commit latency.

Runs against a real Mosquitto (started here on a free loopback port) with the
hub's own ingest code writing to SQLite, beside the anchor measured in the
same run: a bare paho subscriber that does nothing with what it receives.

    .venv/bin/python -m bench.ingest [--messages 50000] [--kiosks 200] [--seconds 10]

The publisher runs in a separate process (this file with `publish`), so that
it does not share the GIL with the subscriber under test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
from sqlalchemy import func, select

from hub.accounts import register_kiosk
from hub.broker import ManagedBroker, hub_identities, mosquitto_hash
from hub.config import IngestConfig
from hub.ingest import BatchWriter, Inbound, IngestClient
from hub.ingest.workers import IngestWorkers
from hub.metrics import Metrics
from hub.protocol import Health, encode, kiosk_topic, utcnow
from hub.store import connect, migrate, schema

HUB, HUB_PW = "gaia-hub", "bench-hub"
# The broker takes the user name as client id: the bare subscriber needs its own.
BARE = "gaia-bench-bare"
SHARED = "gaia-bench-shared"  # the shared-subscription run's identities (not HUB's session)
DEFAULTS = IngestConfig()
PUB_PW = "bench-publisher"  # every benchmark kiosk's password


def kiosk_ids(n: int) -> list[str]:
    """Kiosk ids used by the benchmark fleet."""
    return [f"k-bench-{i:05d}" for i in range(n)]


def publish(port: int, count: int, rate: float, kiosks: int) -> None:
    """Publish `count` QoS 1 health messages over `kiosks` topics at `rate` msg/s (0: flat out).

    One `mosquitto_pub -l` process per kiosk topic sends the lines this feeder
    writes: a C publisher, so that the publishing side is not the bottleneck
    (a Python paho publisher tops out near 5,000 msg/s here).
    """
    procs = [
        subprocess.Popen(
            [
                "mosquitto_pub",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                # Each publisher is its kiosk (user = client id = kiosk id, as in the field).
                "-u",
                k,
                "-P",
                PUB_PW,
                "-q",
                "1",
                "-M",
                "200",
                "-l",
                "-i",
                k,
                "-t",
                kiosk_topic(k, "health"),
            ],
            stdin=subprocess.PIPE,
        )
        for k in kiosk_ids(kiosks)
    ]
    template = encode(
        Health(
            id="IDIDIDIDIDIDIDIDIDIDIDID",
            ts=utcnow(),
            uptime_s=1000,
            load1=0.5,
            mem_used_pct=40,
            disk_used_pct=50,
            cpu_temp_c=55,
            app_version="0.1.0",
            ui="up",
        )
    ).decode()
    head, tail = template.split('"ts":"', 1)
    tail = tail.split('"', 1)[1]
    before_id, after_id = head.split("IDIDIDIDIDIDIDIDIDIDIDID")
    # ts is the time the line is handed to the publisher: the latency's start.
    started = time.perf_counter()
    tick = 0.005
    i = 0
    while i < count:
        if rate:
            target = min(count, int((time.perf_counter() - started + tick) * rate))
        else:
            target = min(count, i + 5000)
        while i < target:
            # A time stamp per message: a kiosk's health reports are keyed by (kiosk, ts).
            ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            line = f'{before_id}m{i:08d}x{started:.6f}{after_id}"ts":"{ts}"{tail}\n'
            stdin = procs[i % kiosks].stdin
            assert stdin is not None
            stdin.write(line.encode())
            i += 1
        if rate:
            for p in procs:
                assert p.stdin is not None
                p.stdin.flush()
            time.sleep(tick)
    for p in procs:
        assert p.stdin is not None
        p.stdin.close()
    for p in procs:
        p.wait()


def start_publisher(port: int, count: int, rate: float, kiosks: int) -> subprocess.Popen[bytes]:
    """The publisher, in its own process."""
    return subprocess.Popen(
        [
            sys.executable,
            __file__,
            "publish",
            "--port",
            str(port),
            "--messages",
            str(count),
            "--rate",
            str(rate),
            "--kiosks",
            str(kiosks),
        ]
    )


def bare_subscriber(port: int, count: int, *, backlog: bool) -> float:
    """Anchor: messages per second a do-nothing paho subscriber receives.

    `backlog`: the messages are queued by the broker for the subscriber's
    persistent session first, then drained (no publisher competing for CPU);
    otherwise they are received while the publisher runs.
    """
    times: list[float] = []
    done = threading.Event()

    def on_message(_c: object, _u: object, _m: mqtt.MQTTMessage) -> None:
        times.append(time.perf_counter())
        if len(times) >= count:
            done.set()

    def connect() -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=BARE, clean_session=False)
        client.username_pw_set(BARE, HUB_PW)
        client.on_message = on_message
        client.on_connect = lambda c, *_: c.subscribe("gaia/v1/kiosks/+/health", qos=1)
        client.connect("127.0.0.1", port)
        client.loop_start()
        time.sleep(0.5)
        return client

    client = connect()
    if backlog:
        client.disconnect()
        client.loop_stop()
        start_publisher(port, count, 0, 200).wait()
        client = connect()
        done.wait(300)
    else:
        pub = start_publisher(port, count, 0, 200)
        done.wait(300)
        pub.wait()
    client.disconnect()
    client.loop_stop()
    # End the persistent session, or the broker would queue every later message for it.
    cleanup = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=BARE, clean_session=True)
    cleanup.username_pw_set(BARE, HUB_PW)
    cleanup.connect("127.0.0.1", port)
    cleanup.disconnect()
    return (len(times) - 1) / (times[-1] - times[0])


class IngestRun:
    """The hub's ingest against a fresh SQLite file; records commit latencies."""

    def __init__(self, port: int, directory: Path, kiosks: int) -> None:
        self.engine = connect(f"sqlite:///{directory / 'bench.db'}")
        migrate(self.engine)
        with self.engine.begin() as conn:
            for kid in kiosk_ids(kiosks):
                register_kiosk(conn, kid, "bench", "bench", actor="bench")
        self.latencies: list[float] = []
        self.committed = 0
        self.first = 0.0
        self.last = 0.0
        self.lock = threading.Lock()
        self.port = port
        self.client = self._client()

    def _client(self) -> IngestClient:
        return IngestClient(
            f"mqtt://127.0.0.1:{self.port}",
            BatchWriter(self.engine),
            Metrics(),
            username=HUB,
            password=HUB_PW,
            client_id="bench-hub",
            batch_size=DEFAULTS.batch_size,  # the shipped hub.toml defaults
            max_delay_ms=DEFAULTS.max_delay_ms,
            on_batch=self._on_batch,
        )

    def _on_batch(self, items: list[Inbound]) -> None:
        now = time.time()
        with self.lock:
            if not self.committed:
                self.first = min(i.received_at for i in items)
            self.committed += len(items)
            self.last = now
            self.latencies.extend(now - i.message.ts.timestamp() for i in items)

    def restart(self) -> None:
        """A new client with the same id: the broker hands it what it queued meanwhile."""
        self.client = self._client()
        self.client.start()

    def reset(self) -> None:
        with self.lock:
            self.latencies, self.committed, self.first, self.last = [], 0, 0.0, 0.0

    def wait_for(self, count: int, timeout: float = 300) -> None:
        """Until `count` messages are committed and nothing more arrives for a second."""
        deadline = time.monotonic() + timeout
        while self.committed < count and time.monotonic() < deadline:
            time.sleep(0.02)
        last = -1
        while last != self.committed and time.monotonic() < deadline:
            last = self.committed
            time.sleep(1.0)


def shared_backlog(port: int, directory: Path, count: int, kiosks: int, workers: int) -> float:
    """Persisted msg/s draining a backlog with `workers` ingest processes (shared subscription)."""
    engine = connect(f"sqlite:///{directory / f'shared-{workers}.db'}")
    migrate(engine)
    with engine.begin() as conn:
        for kid in kiosk_ids(kiosks):
            register_kiosk(conn, kid, "bench", "bench", actor="bench")
    settings = {
        "url": f"mqtt://127.0.0.1:{port}", "username": SHARED, "password": HUB_PW,
        "db_url": f"sqlite:///{directory / f'shared-{workers}.db'}", "client_id": "bench-shared",
        "share_group": "bench", "keepalive": 30, "batch_size": DEFAULTS.batch_size,
        "max_delay_ms": DEFAULTS.max_delay_ms, "ca_file": "",
    }  # fmt: skip

    def start() -> tuple[IngestClient, IngestWorkers]:
        main = IngestClient(
            f"mqtt://127.0.0.1:{port}", BatchWriter(engine), Metrics(),
            username=SHARED, password=HUB_PW,
            client_id="bench-shared", share_group="bench", batch_size=DEFAULTS.batch_size,
            max_delay_ms=DEFAULTS.max_delay_ms,
        )  # fmt: skip
        extra = IngestWorkers(settings, workers, Metrics())
        main.start()
        extra.start()
        return main, extra

    def stored() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(schema.health)).scalar_one())

    main, extra = start()
    time.sleep(3)  # every worker connected and subscribed: the broker keeps their sessions
    extra.stop()
    main.stop()
    start_publisher(port, count, 0, kiosks).wait()
    started = time.perf_counter()
    main, extra = start()
    while stored() < count and time.perf_counter() - started < 300:
        time.sleep(0.05)
    rate = count / (time.perf_counter() - started)
    extra.stop()
    main.stop()
    return rate


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values."""
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if len(values) > 1
        else values[0]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="cmd")
    p = sub.add_parser("publish")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--messages", type=int, required=True)
    p.add_argument("--rate", type=float, default=0)
    p.add_argument("--kiosks", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--kiosks", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.cmd == "publish":
        publish(args.port, args.messages, args.rate, args.kiosks)
        return

    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        broker = ManagedBroker(Path(tmp) / "broker")
        hubs = [*hub_identities(HUB), *hub_identities(SHARED, 16), BARE]
        pub_hash = mosquitto_hash(PUB_PW)
        fleet = dict.fromkeys(kiosk_ids(max(args.kiosks, 1000)), pub_hash)
        broker.configure(
            {**dict.fromkeys(hubs, mosquitto_hash(HUB_PW)), **fleet},
            hub_users=hubs,
        )
        broker.start()
        try:
            run = IngestRun(broker.port, Path(tmp), args.kiosks)
            for mode in ("backlog", "live"):
                bare = bare_subscriber(broker.port, args.messages, backlog=mode == "backlog")
                run.reset()
                run.client.start()
                time.sleep(0.5)
                if mode == "backlog":
                    run.client.stop()
                    start_publisher(broker.port, args.messages, 0, args.kiosks).wait()
                    run.restart()
                    run.wait_for(args.messages)
                else:
                    pub = start_publisher(broker.port, args.messages, 0, args.kiosks)
                    run.wait_for(args.messages)
                    pub.wait()
                persisted = (run.committed - 1) / (run.last - run.first)
                results[mode] = {
                    "bare_msgs_per_s": round(bare),
                    "persisted_msgs_per_s": round(persisted),
                    "ratio": round(persisted / bare, 2),
                }
                if mode == "backlog":
                    run.client.stop()
            rows = []
            for rate in (1000, 2000, 5000):
                run.reset()
                count = int(rate * args.seconds)
                pub = start_publisher(broker.port, count, rate, args.kiosks)
                run.wait_for(count)
                pub.wait()
                rows.append(
                    {
                        "rate": rate,
                        "persisted": run.committed,
                        "persisted_msgs_per_s": round((run.committed - 1) / (run.last - run.first)),
                        "p50_ms": round(percentile(run.latencies, 50) * 1000, 1),
                        "p99_ms": round(percentile(run.latencies, 99) * 1000, 1),
                    }
                )
            results["paced"] = rows
            run.client.stop()
            shared = shared_backlog(broker.port, Path(tmp), args.messages, args.kiosks, 2)
            results["backlog_2_workers"] = {
                "persisted_msgs_per_s": round(shared),
                "ratio": round(shared / results["backlog"]["bare_msgs_per_s"], 2),  # type: ignore[index]
            }
        finally:
            broker.stop()

    print(f"\nIngest, {args.messages} QoS 1 health messages over {args.kiosks} kiosks (SQLite):\n")
    print("| consumer | bare paho subscriber (anchor) | hub ingest, persisted | ratio |")
    print("|---|---|---|---|")
    labels = {"backlog": "draining a backlog", "live": "while the publisher runs"}
    for mode, label in labels.items():
        r = results[mode]
        print(
            f"| {label} | {r['bare_msgs_per_s']} msg/s "  # type: ignore[index]
            f"| {r['persisted_msgs_per_s']} msg/s | {r['ratio']} |"  # type: ignore[index]
        )
    w = results["backlog_2_workers"]
    print(
        f"| draining a backlog, `[ingest] workers = 2` | (as above) "
        f"| {w['persisted_msgs_per_s']} msg/s | {w['ratio']} |"  # type: ignore[index]
    )
    print(
        "\n| offered rate | persisted | persisted msg/s | p50 publish→commit | p99 publish→commit |"
    )
    print("|---|---|---|---|---|")
    for r in results["paced"]:  # type: ignore[attr-defined]
        print(
            f"| {r['rate']} msg/s | {r['persisted']} | {r['persisted_msgs_per_s']} "
            f"| {r['p50_ms']} ms | {r['p99_ms']} ms |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
