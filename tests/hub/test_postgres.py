"""The store and ingest run unchanged on PostgreSQL (the scale-out database).

Starts a throwaway PostgreSQL cluster from the machine's binaries (Debian's
postgresql packages); skipped, saying why, where there are none.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from hub.accounts import register_kiosk
from hub.alerts import AlertEvaluator
from hub.broker import free_port
from hub.commands import CommandSender, get_command
from hub.config import AlertsConfig, RetentionConfig
from hub.ingest.writer import BatchWriter, Inbound
from hub.metrics import Metrics
from hub.protocol import Ack, AckResult, Channel, Event, EventType, Health, Status
from hub.reports.usage import usage_report
from hub.runtime import purge_old
from hub.store import connect, migrate, schema

pytestmark = pytest.mark.integration


def _run_as_postgres(args: list[str]) -> None:
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(prefix + args, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not bins:
        pytest.skip("no PostgreSQL server binaries on this machine (apt-get install postgresql)")
    if importlib_missing("psycopg"):
        pytest.skip("psycopg is not installed (pip install -e '.[postgres]')")
    bindir = Path(bins[-1]).parent
    # Not under pytest's tmp dir: the postgres user must be able to reach it.
    root = Path(tempfile.mkdtemp(prefix="gaia-pg-"))
    data = root / "data"
    data.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(data, "postgres")
    port = free_port()
    _run_as_postgres([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "gaia"])
    _run_as_postgres(
        [str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(data / "log"), "-o",
         f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]
    )  # fmt: skip
    try:
        _run_as_postgres(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "gaia", "gaia"]
        )
        engine = connect(f"postgresql+psycopg://gaia@127.0.0.1:{port}/gaia")
        migrate(engine)
        yield engine
        engine.dispose()
    finally:
        _run_as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def importlib_missing(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is None


def test_ingest_alerts_commands_report_and_purge_on_postgresql(pg_engine: Engine) -> None:
    engine = pg_engine
    with engine.begin() as conn:
        register_kiosk(conn, "k-agen", "Mairie d'Agen", "Agenais")
    command = CommandSender(engine, lambda _t, _p: True, 600).send(
        "k-agen", "print-test", actor="test"
    )
    now = time.time()
    health = Health(
        uptime_s=1, load1=0.1, mem_used_pct=30, disk_used_pct=95, cpu_temp_c=85,
        app_version="0.1.0", ui="up",
    )  # fmt: skip
    session = "session-0001"
    events = [
        Event(type=EventType.SESSION_STARTED, session=session),
        Event(type=EventType.CALL_ANSWERED, session=session, topic="housing", value=40),
        Event(type=EventType.CALL_ENDED, session=session, topic="housing", value=600),
        Event(type=EventType.SLIP_PRINTED, session=session, topic="housing"),
    ]
    batch = [
        Inbound("k-agen", Channel.STATUS, Status(state="online"), now),
        Inbound("k-agen", Channel.HEALTH, health, now),
        Inbound("k-unknown", Channel.HEALTH, health, now),
        Inbound("k-agen", Channel.ACKS, Ack(command_id=command["id"], result=AckResult.OK), now),
        *[Inbound("k-agen", Channel.EVENTS, e, now) for e in events],
    ]
    writer = BatchWriter(engine)
    assert writer.write(batch).new_events == 4
    assert writer.write(batch).new_events == 0  # replayed: idempotent
    with engine.connect() as conn:
        kiosks = {r.id: r for r in conn.execute(select(schema.kiosks))}
        assert conn.execute(select(func.count()).select_from(schema.health)).scalar() == 2
        report = usage_report(conn, time.strftime("%Y-%m", time.localtime(now)))
    assert kiosks["k-agen"].online and kiosks["k-agen"].disk_used_pct == 95
    assert kiosks["k-unknown"].registered is False
    assert get_command(engine, command["id"])["status"] == "acked"  # type: ignore[index]
    opened, _ = AlertEvaluator(engine, AlertsConfig(), Metrics()).evaluate(now)
    assert {(a["kiosk_id"], a["kind"]) for a in opened} == {
        ("k-agen", "disk"),
        ("k-agen", "temperature"),
    }
    assert report.totals.sessions == 1 and report.totals.slips_printed == 1
    purge_old(engine, RetentionConfig(), now + 30 * 86400)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.health)).scalar() == 0
