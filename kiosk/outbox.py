"""The outbox: a bounded store-and-forward queue of usage events (DESIGN.md §2).

One SQLite file in WAL mode, shared by two processes: the UI appends events,
the agent publishes them and deletes a row only once the broker acknowledged
it. The queue is bounded by count and by bytes; when full, the oldest rows go
first and a persistent `dropped_total` counter says how many were lost.

A small `seen_commands` table remembers the ids of remote commands already
executed, so a command delivered twice (MQTT QoS 1 is at least once) runs once
even across an agent restart.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.protocol import Event, encode

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    payload BLOB NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES
    ('count', 0), ('bytes', 0), ('dropped_total', 0), ('dropped_reported', 0);
-- Triggers keep count and size current in O(1), whichever process writes.
CREATE TRIGGER IF NOT EXISTS events_added AFTER INSERT ON events BEGIN
    UPDATE meta SET value = value + 1 WHERE key = 'count';
    UPDATE meta SET value = value + NEW.size WHERE key = 'bytes';
END;
CREATE TRIGGER IF NOT EXISTS events_removed AFTER DELETE ON events BEGIN
    UPDATE meta SET value = value - 1 WHERE key = 'count';
    UPDATE meta SET value = value - OLD.size WHERE key = 'bytes';
END;
CREATE INDEX IF NOT EXISTS events_by_event_id ON events (event_id);
CREATE TABLE IF NOT EXISTS seen_commands (id TEXT PRIMARY KEY, expires REAL NOT NULL);
"""

SEEN_GRACE_S = 3600.0
"""Seen command ids are kept this long past their expiry (clock adjustments)."""


class OutboxError(Exception):
    """The outbox database cannot be opened or written."""


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One stored event: `seq` is the row id the agent tracks, `payload` the JSON."""

    seq: int
    event_id: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class OutboxStats:
    """How many events wait, and how many were ever dropped because the outbox was full."""

    pending: int
    dropped_total: int


class Outbox:
    """A bounded SQLite queue of encoded events; safe for one writer and one reader process.

    Nothing is opened until the constructor runs; `close()` releases the file.
    """

    def __init__(
        self,
        path: str | Path,
        max_events: int = 50_000,
        max_bytes: int = 20_000_000,
        *,
        busy_timeout_s: float = 5.0,
    ) -> None:
        self.path = Path(path)
        self.max_events = max_events
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes
            # the lock up front and waits (busy timeout) instead of failing on upgrade.
            self._db = sqlite3.connect(
                self.path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a power cut may lose the last commits, never corrupts.
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._tx() as db:
                for statement in _statements(_SCHEMA):
                    db.execute(statement)
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(f"{self.path}: {exc}") from exc

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken immediately (see the connect comment)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise OutboxError(f"{self.path}: {exc}") from exc

    def _read(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one read-only statement (its own implicit, consistent transaction)."""
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise OutboxError(f"{self.path}: {exc}") from exc

    def _meta(self, db: sqlite3.Connection, key: str) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def append(self, event: Event) -> int:
        """Store one event; drop the oldest rows while over a bound. Returns how many dropped."""
        payload = encode(event)
        with self._tx() as db:
            db.execute(
                "INSERT INTO events (event_id, payload, size) VALUES (?, ?, ?)",
                (event.id, payload, len(payload)),
            )
            count, size = self._meta(db, "count"), self._meta(db, "bytes")
            if count <= self.max_events and size <= self.max_bytes:
                return 0
            dropped, last_seq = 0, None
            for seq, row_size in db.execute("SELECT seq, size FROM events ORDER BY seq"):
                if count <= self.max_events and size <= self.max_bytes:
                    break
                count, size, dropped, last_seq = count - 1, size - row_size, dropped + 1, seq
            db.execute("DELETE FROM events WHERE seq <= ?", (last_seq,))
            db.execute("UPDATE meta SET value = value + ? WHERE key = 'dropped_total'", (dropped,))
            return dropped

    def pending(
        self, limit: int, exclude_ids: Collection[int] = (), *, after_seq: int = 0
    ) -> list[OutboxRow]:
        """The oldest `limit` rows after `after_seq` whose `seq` is not in `exclude_ids`."""
        if limit <= 0:
            return []
        rows = self._read(
            "SELECT seq, event_id, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit + len(exclude_ids)),
        )
        found = [OutboxRow(int(s), str(e), bytes(p)) for s, e, p in rows if s not in exclude_ids]
        return found[:limit]

    def delete(self, ids: Iterable[int]) -> int:
        """Remove rows by `seq`; unknown ids are ignored."""
        params = [(seq,) for seq in ids]
        if not params:
            return 0
        with self._tx() as db:
            before = self._meta(db, "count")
            db.executemany("DELETE FROM events WHERE seq = ?", params)
            return before - self._meta(db, "count")

    def delete_events(self, event_ids: Iterable[str]) -> int:
        """Remove rows by event id (the hub's receipt names them); unknown ids are ignored."""
        params = [(event_id,) for event_id in event_ids]
        if not params:
            return 0
        with self._tx() as db:
            before = self._meta(db, "count")
            db.executemany("DELETE FROM events WHERE event_id = ?", params)
            return before - self._meta(db, "count")

    def stats(self) -> OutboxStats:
        """Pending count and the all-time number of dropped events."""
        meta = {str(k): int(v) for k, v in self._read("SELECT key, value FROM meta")}
        return OutboxStats(meta.get("count", 0), meta.get("dropped_total", 0))

    def take_dropped_recent(self) -> int:
        """Events dropped since the previous call (persisted, so none is reported twice)."""
        with self._tx() as db:
            total, reported = self._meta(db, "dropped_total"), self._meta(db, "dropped_reported")
            db.execute("UPDATE meta SET value = ? WHERE key = 'dropped_reported'", (total,))
            return total - reported

    def event_ids(self) -> list[str]:
        """Ids of every pending event, oldest first."""
        return [str(r[0]) for r in self._read("SELECT event_id FROM events ORDER BY seq")]

    def mark_command_seen(self, command_id: str, expires_ts: float) -> bool:
        """Remember a command id until after `expires_ts` (epoch seconds); False if seen before."""
        with self._tx() as db:
            db.execute("DELETE FROM seen_commands WHERE expires < ?", (time.time() - SEEN_GRACE_S,))
            cursor = db.execute(
                "INSERT OR IGNORE INTO seen_commands (id, expires) VALUES (?, ?)",
                (command_id, expires_ts),
            )
            return cursor.rowcount == 1

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _statements(script: str) -> Iterator[str]:
    """Split a schema script into whole statements (triggers contain semicolons)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
