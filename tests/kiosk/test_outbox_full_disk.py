"""A full disk under the kiosk's state: no new usage event is lost silently."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.protocol import Event, EventType
from kiosk.outbox import RESERVE_BYTES, Outbox, OutboxError


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB filesystem (tmpfs: the tests run as root here)."""
    mount = tmp_path / "state"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f"cannot mount a small filesystem: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> None:
    """Everything left on the disk taken by something else (logs, say)."""
    subprocess.run(["dd", "if=/dev/zero", f"of={disk / 'filler'}", "bs=4k"], capture_output=True)


def test_new_events_keep_going_in_on_a_full_disk_and_losses_are_counted(
    small_disk: Path,
) -> None:
    outbox = Outbox(small_disk / "outbox.db")
    assert outbox.reserve.stat().st_size == RESERVE_BYTES
    sessions = [
        Event(type=EventType.SESSION_STARTED, session=f"session-{i:05d}") for i in range(200)
    ]
    quality = [Event(type=EventType.CALL_QUALITY, detail="good", value=40) for _ in range(200)]
    for event in sessions[:100] + quality + sessions[100:]:
        outbox.append(event)
    _fill(small_disk)
    stored, failed = [], 0
    for i in range(3000):  # far more than the disk holds
        event = Event(type=EventType.SESSION_STARTED, session=f"late-session-{i:05d}")
        try:
            outbox.append(event)
            stored.append(event.id)
        except OutboxError:
            failed += 1
    assert not outbox.reserve.exists()  # given back to let them in
    assert len(stored) > 500, "the reserve and the oldest rows made no room"
    (small_disk / "filler").unlink()  # the disk has room again
    last = Event(type=EventType.SESSION_STARTED, session="session-after-room")
    outbox.append(last)
    assert last.id in set(outbox.event_ids())
    stats = outbox.stats()
    # Every event is accounted for: waiting, counted as dropped (the oldest first), or
    # counted as never stored; none is lost without a trace.
    assert stats.failed_total == failed
    assert stats.pending + stats.dropped_total == 400 + len(stored) + 1 + failed
    # The quality samples went before the sessions that were there first.
    left = set(outbox.event_ids())
    originals = [e.id for e in sessions if e.id in left]
    samples = [e.id for e in quality if e.id in left]
    if len(originals) < len(sessions):  # sessions went only once the samples had gone
        assert not samples
    assert originals == [e.id for e in sessions][len(sessions) - len(originals) :]  # oldest first

    outbox.close()


def test_an_event_that_cannot_be_stored_is_counted_once_there_is_room(
    small_disk: Path,
) -> None:
    outbox = Outbox(small_disk / "outbox.db")
    outbox.reserve.unlink()  # no reserve, nothing to give up: the worst case
    _fill(small_disk)
    with pytest.raises(OutboxError):
        for i in range(5000):
            outbox.append(Event(type=EventType.SESSION_STARTED, session=f"session-x-{i:05d}"))
    (small_disk / "filler").unlink()
    outbox.append(Event(type=EventType.SESSION_STARTED, session="after-room"))
    stats = outbox.stats()
    assert stats.failed_total >= 1 and stats.dropped_total >= stats.failed_total
    outbox.close()
