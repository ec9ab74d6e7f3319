"""The kiosk marks usage events stamped before its clock is synchronised (kiosk.clock)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from hub.protocol import Channel, Event, EventType, decode
from kiosk import clock
from kiosk.clock import ClockSync
from kiosk.outbox import Outbox
from kiosk.usage import OutboxEventSink


@pytest.fixture
def unsynced_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "kernel_synced", lambda: False)


def test_an_event_stamped_before_sync_carries_the_boot_clock(
    tmp_path: Path, unsynced_kernel: None
) -> None:
    sync = ClockSync("auto", flag=tmp_path / "synchronized")
    before = clock.uptime_s()
    marked = sync.stamp(Event(type=EventType.SESSION_STARTED))
    assert marked.unsynced is not None
    assert marked.unsynced.boot == clock.boot_id()
    assert before - 0.001 <= marked.unsynced.uptime_s <= clock.uptime_s() + 0.001


def test_once_synchronised_events_are_not_marked_and_it_stays_so(
    tmp_path: Path, unsynced_kernel: None
) -> None:
    flag = tmp_path / "synchronized"
    sync = ClockSync("auto", flag=flag)
    assert not sync.synced()
    flag.touch()  # systemd-timesyncd's flag: NTP answered
    assert sync.stamp(Event(type=EventType.SURVEY, value=2)).unsynced is None
    flag.unlink()  # it comes and goes with the network; the clock stays right
    assert sync.synced()


def test_the_kernel_ntp_state_counts_as_synchronised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "kernel_synced", lambda: True)
    assert ClockSync("auto", flag=tmp_path / "absent").synced()


def test_trust_never_marks(tmp_path: Path, unsynced_kernel: None) -> None:
    sync = ClockSync("trust", flag=tmp_path / "absent")
    assert sync.stamp(Event(type=EventType.SURVEY, value=1)).unsynced is None


def test_the_real_kernel_answers_and_the_boot_is_this_one() -> None:
    assert clock.kernel_synced() in (True, False)  # adjtimex answered on Linux
    assert (
        clock.boot_id()
        == uuid.UUID(Path("/proc/sys/kernel/random/boot_id").read_text().strip()).hex
    )
    # The boot clock is the kernel's uptime, not the wall clock minus a boot time.
    proc_uptime = float(Path("/proc/uptime").read_text().split()[0])
    assert abs(clock.uptime_s() - proc_uptime) < 1
    assert clock.uptime_s() < time.time() / 2


def test_the_ui_sink_stores_the_mark(tmp_path: Path, unsynced_kernel: None) -> None:
    with Outbox(tmp_path / "o.db") as box:
        sink = OutboxEventSink(box, ClockSync("auto", flag=tmp_path / "absent"))
        sink.record(Event(type=EventType.SESSION_STARTED, session="session-0001"))
        stored = decode(Channel.EVENTS, box.pending(1)[0].payload)
    assert stored.unsynced is not None and stored.unsynced.boot == clock.boot_id()
