"""The fleet simulator: real agents against a real broker, a summary the broker agrees with."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hub.protocol import Channel, EventType, decode
from kiosk.config import ConfigError
from kiosk.simulate import FAULTS, SimOptions, assign_faults, load_fleet, simulate
from tests.kiosk.helpers import ROOT, Subscriber
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration


def write_fleet(path: Path, broker: TestBroker, count: int) -> list[str]:
    kiosks = [
        {"id": f"sim-{i:03d}", "token": f"t-{i}", "site": f"Mairie {i}", "territory": "Fumélois"}
        for i in range(count)
    ]
    for kiosk in kiosks:
        broker.add_kiosk(kiosk["id"], kiosk["token"])
    path.write_text(json.dumps({"mqtt_url": broker.url, "kiosks": kiosks}), encoding="utf-8")
    return [k["id"] for k in kiosks]


def run_cli(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "simulate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def check_summary(summary: dict[str, Any], ids: list[str], sub: Subscriber) -> None:
    assert sorted(summary["kiosks"]) == ids
    totals = summary["totals"]
    assert totals["kiosks"] == len(ids)
    assert totals["events_acked"] > 0
    assert totals["events_acked"] == len(totals["acked"])
    assert totals["events_appended"] >= totals["events_acked"]
    for kiosk in summary["kiosks"].values():
        assert kiosk["health_sent"] >= 1
        assert kiosk["events_pending"] == len(kiosk["pending"])
    events = [decode(Channel.EVENTS, p) for p in sub.payloads("/events")]
    assert set(totals["acked"]) <= {e.id for e in events}
    assert {e.type for e in events} >= {EventType.SESSION_STARTED, EventType.IDENTIFIED}
    assert all(e.session for e in events)


def test_three_kiosks_for_a_few_seconds(tmp_path: Path, broker: TestBroker) -> None:
    ids = write_fleet(tmp_path / "fleet.json", broker, 4)[:3]
    sub = Subscriber(broker.port, "gaia/v1/kiosks/+/events")
    proc = run_cli(
        tmp_path,
        "--fleet", str(tmp_path / "fleet.json"), "--count", "3", "--duration", "3",
        "--summary", str(tmp_path / "summary.json"), "--health-interval", "0.5",
        "--sessions-per-hour", "7200", "--state-dir", str(tmp_path / "state"), "--seed", "7",
    )  # fmt: skip
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    summary = json.loads((tmp_path / "summary.json").read_text())
    wait_for(lambda: set(summary["totals"]["acked"]) <= {
        decode(Channel.EVENTS, p).id for p in sub.payloads()
    }, 5)  # fmt: skip
    check_summary(summary, ids, sub)
    sub.close()


def test_ctrl_c_stops_cleanly_and_writes_the_summary(tmp_path: Path, broker: TestBroker) -> None:
    ids = write_fleet(tmp_path / "fleet.json", broker, 2)
    sub = Subscriber(broker.port, "gaia/v1/kiosks/+/events")
    status = Subscriber(broker.port, "gaia/v1/kiosks/+/status")
    proc = run_cli(
        tmp_path,
        "--fleet", str(tmp_path / "fleet.json"), "--summary", str(tmp_path / "s.json"),
        "--health-interval", "0.5", "--sessions-per-hour", "7200",
        "--state-dir", str(tmp_path / "state"),
    )  # fmt: skip
    wait_for(lambda: len(sub.payloads()) >= 5, 15)
    stopped = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert time.monotonic() - stopped < 8
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    summary = json.loads((tmp_path / "s.json").read_text())
    wait_for(lambda: set(summary["totals"]["acked"]) <= {
        decode(Channel.EVENTS, p).id for p in sub.payloads()
    }, 5)  # fmt: skip
    check_summary(summary, ids, sub)
    # Each kiosk said goodbye with a retained offline status.
    last = {t: decode(Channel.STATUS, p).state for t, p, _ in status.messages}
    assert sorted(last.values()) == ["offline", "offline"]
    sub.close()
    status.close()


def test_faults_show_in_health_and_status(tmp_path: Path, broker: TestBroker) -> None:
    ids = write_fleet(tmp_path / "fleet.json", broker, 3)
    flaky, paper, hot = ids
    sub = Subscriber(broker.port, "gaia/v1/kiosks/#")
    options = SimOptions(
        fleet=tmp_path / "fleet.json",
        duration_s=4,
        health_interval_s=0.3,
        sessions_per_hour=0,
        state_dir=tmp_path / "state",
        seed=3,
        outage_every_s=(0.8, 0.8),
        outage_length_s=(1.0, 1.0),
        faults={flaky: "flaky-network", paper: "paper-out", hot: "hot-cpu"},
    )
    summary = asyncio.run(simulate(options))
    assert summary["kiosks"][flaky]["outages"] >= 1
    states = [
        decode(Channel.STATUS, p).state
        for t, p, _ in sub.messages
        if t == f"gaia/v1/kiosks/{flaky}/status"
    ]
    # online, dropped (the broker's will), online again ... and offline at the end
    assert len(states) >= 4
    assert states == ["online", "offline"] * (len(states) // 2)

    def healths(kiosk: str) -> list[Any]:
        return [decode(Channel.HEALTH, p) for p in sub.payloads(f"{kiosk}/health")]

    assert all(h.devices.printer == "paper-out" for h in healths(paper))
    assert all(h.cpu_temp_c > 80 for h in healths(hot))
    assert all(h.cpu_temp_c < 80 and h.disk_used_pct < 90 for h in healths(paper))
    sub.close()


def test_bad_fleet_files(tmp_path: Path, broker: TestBroker) -> None:
    write_fleet(tmp_path / "fleet.json", broker, 2)
    with pytest.raises(ConfigError, match="--count 3"):
        load_fleet(tmp_path / "fleet.json", 3)
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(ConfigError, match="not a fleet file"):
        load_fleet(tmp_path / "bad.json")
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "simulate", "--fleet", str(tmp_path / "fleet.json"),
         "--count", "5"],
        capture_output=True, text=True, cwd=ROOT, timeout=20,
    )  # fmt: skip
    assert done.returncode == 2 and "fleet has 2 kiosks" in done.stderr


def test_a_few_kiosks_get_faults() -> None:
    import random

    ids = [f"k-{i:03d}" for i in range(20)]
    faults = assign_faults(ids, random.Random(1))
    assert len(faults) == 5 and set(faults.values()) == set(FAULTS)
    assert assign_faults(ids, random.Random(1)) == faults  # repeatable with a seed
    assert len(assign_faults(ids[:3], random.Random(1))) == 1
