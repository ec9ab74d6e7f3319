"""A corrupt, truncated or garbage outbox file never stops the kiosk, and loses only what
cannot be read."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from hub.protocol import Channel, Event, EventType, decode
from kiosk.outbox import KEEP_CORRUPT, Outbox
from tests.kiosk.helpers import AgentProcess, KioskSetup, Subscriber
from tests.support import wait_for


def _filled(path: Path, events: int = 300) -> list[str]:
    with Outbox(path) as outbox:
        ids = []
        for i in range(events):
            event = Event(type=EventType.SESSION_STARTED, session=f"session-{i:05d}")
            outbox.append(event)
            ids.append(event.id)
        outbox._read("PRAGMA wal_checkpoint(TRUNCATE)")
    return ids


def _recovered_events(outbox: Outbox) -> list[Event]:
    return [Event.model_validate_json(r.payload) for r in outbox.pending(10_000)]


def test_a_garbage_file_is_moved_aside_and_a_fresh_outbox_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    path.write_bytes(b"this is not a database, the SD card lost it" * 100)
    with Outbox(path) as outbox:
        assert outbox.salvaged == 0
        (notice,) = _recovered_events(outbox)
        assert (notice.type, notice.detail, notice.value) == (
            EventType.ERROR,
            "outbox-recovered",
            0,
        )
        outbox.append(Event(type=EventType.SESSION_STARTED))  # it works
    (aside,) = tmp_path.glob("outbox.db.corrupt-*")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_damaged_pages_lose_only_their_own_events(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    ids = _filled(path)
    with sqlite3.connect(path) as db:  # where the events' rows live
        leaves = [
            n for (n,) in db.execute(
                "SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf'"
            )
        ]  # fmt: skip
    data = bytearray(path.read_bytes())
    page = 4096
    # Three damaged pages in the middle of the events table (pages count from 1).
    for n in (leaves[3], leaves[4], leaves[8]):
        data[(n - 1) * page : n * page] = b"\xff" * page
    path.write_bytes(bytes(data))
    with Outbox(path) as outbox:
        salvaged = outbox.salvaged
        events = _recovered_events(outbox)
    assert salvaged is not None and 200 <= salvaged < 300, salvaged
    kept = [e.id for e in events if e.type is EventType.SESSION_STARTED]
    assert len(kept) == salvaged and set(kept) <= set(ids)
    assert kept == [i for i in ids if i in set(kept)]  # in their order
    assert events[-1].detail == "outbox-recovered" and events[-1].value == salvaged


def test_a_truncated_file_keeps_what_came_before_the_cut(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    ids = _filled(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with Outbox(path) as outbox:
        kept = [e.id for e in _recovered_events(outbox) if e.type is EventType.SESSION_STARTED]
    assert 0 < len(kept) < len(ids) and set(kept) <= set(ids)


def test_only_the_latest_corrupt_files_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    for i in range(KEEP_CORRUPT + 3):
        path.write_bytes(b"garbage" * 50)
        aside = tmp_path / f"outbox.db.corrupt-2026010{i}T000000"
        aside.write_bytes(b"older")
        Outbox(path).close()
    assert len(list(tmp_path.glob("outbox.db.corrupt-*"))) == KEEP_CORRUPT


def _open_in_child(path: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    with Outbox(path) as outbox:
        queue.put(outbox.salvaged)


def test_the_ui_and_the_agent_opening_a_corrupt_file_together_recover_it_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.db"
    _filled(path, 50)
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 3] = b"\x00\x13" * 2048
    path.write_bytes(bytes(data))
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    children = [ctx.Process(target=_open_in_child, args=(str(path), queue)) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(30)
        assert child.exitcode == 0
    results = sorted((queue.get(timeout=5) for _ in children), key=lambda v: v is None)
    assert results[0] is not None and results[1] is None  # one recovered, one opened
    assert len(list(tmp_path.glob("outbox.db.corrupt-*[0-9]"))) == 1


@pytest.mark.integration
def test_the_agent_starts_on_a_corrupt_outbox_and_ships_what_was_saved(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Callable[[Path], AgentProcess],
) -> None:
    kiosk = make_kiosk("kiosk-corrupt")
    kiosk.state.mkdir(parents=True, exist_ok=True)
    path = kiosk.state / "outbox.db"
    ids = _filled(path, 100)
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 4] = b"\xee" * 4096
    path.write_bytes(bytes(data))
    sub = Subscriber(kiosk.broker.port, kiosk.topic("#"))
    agent = spawn_agent(kiosk.config)
    wait_for(lambda: any(b'"outbox-recovered"' in p for p in sub.payloads("/events")), 20)
    shipped = {decode(Channel.EVENTS, p).id for p in sub.payloads("/events")}
    assert agent.process.poll() is None, agent.log()
    assert len(shipped & set(ids)) >= 50  # everything readable reached the hub's side
    assert "corrupt" in agent.log() and "Traceback" not in agent.log()
    sub.close()
