"""The outbox: a bounded store-and-forward queue of usage events.

See docs/architecture.md, "Processes".

One SQLite file in WAL mode, shared by two processes: the UI appends events,
the agent publishes them and deletes a row only once the broker acknowledged
it. The queue is bounded by count and by bytes; when full, the oldest rows go
first and a persistent `dropped_total` counter says how many were lost.

A small `seen_commands` table remembers the ids of remote commands already
executed, so a command delivered twice (MQTT QoS 1 is at least once) runs once
even across an agent restart.

A `requests` table holds the contact requests the UI could not deliver (made
while the hub was unreachable): they carry personal data (a first name, a
phone number), so the table is small (`MAX_REQUESTS`), rows older than
`REQUEST_MAX_AGE_S` are dropped on read, and deleted rows are overwritten
(`secure_delete`). `OutboxRequests` is the controller's `RequestStore` port over it.

A full disk never silently loses a new usage event: the outbox keeps a reserve
file (`<outbox>.reserve`, RESERVE_BYTES) beside itself. When SQLite reports the
disk full, the reserve is given back, the oldest rows (call-quality samples
first) make room inside the file, and the new event goes in; the rows given up
count in `dropped_total`, which health reports and the hub alerts on. An event
that cannot be stored even then is counted too (`failed_total`, and in
`dropped_total`), as soon as the outbox can be written again. The reserve is
made again once the disk has room.

A corrupt or truncated file (a power cut on a dying SD card) never stops the
kiosk: at open, the file that fails SQLite's quick check is moved aside as
`outbox.db.corrupt-<time>` (the last `KEEP_CORRUPT` are kept, 0600, for a
technician), every event, contact request and seen command that can still be
read from it is copied into a fresh outbox, and an `error` event with detail
`outbox-recovered` (value: events salvaged) tells the hub. The UI and the
agent open the outbox at the same time: a lock file makes one of them recover
and the other open the result.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.protocol import Event, EventType, encode
from hub.protocol.kiosk_api import ContactRequest
from kiosk.errors import KioskError

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
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL UNIQUE,
    stored REAL NOT NULL,
    payload BLOB NOT NULL
);
"""

SEEN_GRACE_S = 3600.0
"""Seen command ids are kept this long past their expiry (clock adjustments)."""

MAX_REQUESTS = 200
"""Contact requests kept at most; the oldest go first (they are personal data)."""

REQUEST_MAX_AGE_S = 14 * 86400.0
"""A contact request not delivered within 14 days is dropped (keep the minimum:
docs/architecture.md, "Privacy")."""

RESERVE_BYTES = 512 * 1024
"""Disk space the outbox keeps for itself, given back when the disk is full."""

WAL_LIMIT_BYTES = 256 * 1024
"""The write-ahead log is cut back to this after each checkpoint."""

ROOM_STEPS = (0, 8, 32, 128)
"""Rows given up, step by step, to make room on a full disk (quality samples first)."""

RESERVE_RETRY_S = 60.0
"""How often a missing reserve is tried again."""

KEEP_CORRUPT = 2
"""Corrupt outbox files kept beside the new one (older ones are deleted)."""

SALVAGE_CHUNK = 16
"""Rows read at a time from a corrupt file (about a page's worth): a damaged page costs its
own rows, not the rest."""

log = logging.getLogger(__name__)


class OutboxError(KioskError):
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
    failed_total: int = 0


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
        self.busy_timeout_s = busy_timeout_s
        self.salvaged: int | None = None
        """Events recovered from a corrupt file at open; None when the file was sound."""
        self.reserve = self.path.with_name(self.path.name + ".reserve")
        self._unsaved_failures = 0
        self._reserve_tried = 0.0
        # Imported here: the agent package imports this module (a cycle at import time).
        from kiosk.agent.ratelimit import RateLimitedLog

        self._warn = RateLimitedLog(log, 60.0)  # a full disk fails every append
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _open_lock(self.path):
                try:
                    self._open()
                except sqlite3.DatabaseError as exc:  # not a database, malformed, truncated
                    self._recover(exc)
        except (OSError, sqlite3.Error) as exc:
            raise OutboxError(f"{self.path}: {exc}") from exc
        self._ensure_reserve()

    def _ensure_reserve(self) -> None:
        """Make the reserve file when missing and the disk has room (at most once a minute)."""
        if self.reserve.exists():
            return
        now = time.monotonic()
        if self._reserve_tried and now - self._reserve_tried < RESERVE_RETRY_S:
            return
        self._reserve_tried = now
        try:
            fd = os.open(self.reserve, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            return
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                self.reserve.unlink()
            log.warning("no room for the outbox's reserve yet: %s", exc.strerror)
            return
        os.close(fd)

    def _release_reserve(self) -> bool:
        """Give the reserve's space back to the disk; True when there was one."""
        try:
            self.reserve.unlink()
        except OSError:
            return False
        self._reserve_tried = time.monotonic()
        return True

    def _open(self) -> None:
        """Connect, set the pragmas, create the schema, and check the file is sound."""
        # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes
        # the lock up front and waits (busy timeout) instead of failing on upgrade.
        self._db = sqlite3.connect(
            self.path, timeout=self.busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL mode: a power cut may lose the last commits, never corrupts.
            self._db.execute("PRAGMA synchronous = NORMAL")
            # Deleted rows (delivered contact requests) are overwritten, not just unlinked.
            self._db.execute("PRAGMA secure_delete = ON")
            # A small WAL, checkpointed often and cut back after: on a kiosk's small state
            # partition the default (4 MiB before a checkpoint) is a disk filling itself.
            self._db.execute("PRAGMA wal_autocheckpoint = 64")
            self._db.execute(f"PRAGMA journal_size_limit = {WAL_LIMIT_BYTES}")
            verdict = self._db.execute("PRAGMA quick_check").fetchone()
            if verdict is None or verdict[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {verdict[0] if verdict else '?'}")
            self._db.execute("BEGIN IMMEDIATE")
            for statement in _statements(_SCHEMA):
                self._db.execute(statement)
            self._db.execute("COMMIT")
        except sqlite3.Error:
            self._db.close()
            raise
        with contextlib.suppress(OSError):
            os.chmod(self.path, 0o600)

    def _recover(self, cause: sqlite3.DatabaseError) -> None:
        """Move the corrupt file aside, start a fresh outbox, copy in what can be read."""
        aside = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        log.error("outbox %s is corrupt (%s): moved to %s", self.path, cause, aside.name)
        for suffix in ("", "-wal", "-shm"):
            source = self.path.with_name(self.path.name + suffix)
            if source.exists():
                source.replace(aside.with_name(aside.name + suffix))
        old = sorted(self.path.parent.glob(f"{self.path.name}.corrupt-*[0-9]"))
        for stale in old[:-KEEP_CORRUPT]:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    stale.with_name(stale.name + suffix).unlink()
        self._open()
        events, requests = _salvage(aside)
        with self._tx() as db:
            for event_id, payload in events:
                db.execute(
                    "INSERT INTO events (event_id, payload, size) VALUES (?, ?, ?)",
                    (event_id, payload, len(payload)),
                )
            for request_id, stored, payload in requests:
                db.execute(
                    "INSERT OR IGNORE INTO requests (request_id, stored, payload) VALUES (?, ?, ?)",
                    (request_id, stored, payload),
                )
        self.salvaged = len(events)
        self.append(
            Event(type=EventType.ERROR, detail="outbox-recovered", value=float(len(events)))
        )
        log.error(
            "outbox recovered: %d event(s) and %d contact request(s) salvaged",
            len(events),
            len(requests),
        )

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
        """Store one event; drop the oldest rows while over a bound. Returns how many dropped.

        On a full disk, room is made as the module docstring says; raises OutboxError
        only when even that fails (the event is then counted as lost).
        """
        payload = encode(event)
        try:
            dropped = self._insert(event.id, payload)
        except OutboxError as exc:
            if not _disk_full(exc):
                self._unsaved_failures += 1
                raise
            dropped = self._insert_when_full(event.id, payload)
        if not self.reserve.exists():
            self._ensure_reserve()
        return dropped

    def _insert(self, event_id: str, payload: bytes) -> int:
        """The insert itself, bounds kept; earlier lost events are counted with it."""
        lost = self._unsaved_failures
        with self._tx() as db:
            dropped = 0
            db.execute(
                "INSERT INTO events (event_id, payload, size) VALUES (?, ?, ?)",
                (event_id, payload, len(payload)),
            )
            if lost:
                db.execute("UPDATE meta SET value = value + ? WHERE key = 'dropped_total'", (lost,))
                db.execute(
                    "INSERT INTO meta (key, value) VALUES ('failed_total', ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                    (lost,),
                )
            count, size = self._meta(db, "count"), self._meta(db, "bytes")
            if count > self.max_events or size > self.max_bytes:
                last_seq = None
                for seq, row_size in db.execute("SELECT seq, size FROM events ORDER BY seq"):
                    if count <= self.max_events and size <= self.max_bytes:
                        break
                    count, size, dropped, last_seq = count - 1, size - row_size, dropped + 1, seq
                db.execute("DELETE FROM events WHERE seq <= ?", (last_seq,))
                db.execute(
                    "UPDATE meta SET value = value + ? WHERE key = 'dropped_total'", (dropped,)
                )
        self._unsaved_failures -= lost  # committed: they are on record now
        return dropped

    @staticmethod
    def _make_room(db: sqlite3.Connection, count: int) -> int:
        """Give up the `count` oldest rows, call-quality samples first; returns how many."""
        rows = db.execute(
            "SELECT seq FROM events WHERE CAST(payload AS TEXT) LIKE '%\"call.quality\"%'"
            " ORDER BY seq LIMIT ?",
            (count,),
        ).fetchall()
        if len(rows) < count:
            rows += db.execute(
                "SELECT seq FROM events ORDER BY seq LIMIT ?", (count - len(rows),)
            ).fetchall()
        db.executemany("DELETE FROM events WHERE seq = ?", rows)
        return len(rows)

    def _insert_when_full(self, event_id: str, payload: bytes) -> int:
        """The disk is full: give back the reserve, then make room in the file, a little
        more each time (each step its own small transaction, then a checkpoint), until the
        event goes in; it counts as lost if it never does."""
        released = self._release_reserve()
        self._warn.error(
            "full", "the disk under the outbox is full (%s): oldest events make room",
            "reserve given back" if released else "no reserve left",
        )  # fmt: skip
        dropped = 0
        for rows in ROOM_STEPS:
            with contextlib.suppress(OutboxError):
                if rows:
                    with self._tx() as db:
                        freed = self._make_room(db, rows)
                        db.execute(
                            "UPDATE meta SET value = value + ? WHERE key = 'dropped_total'",
                            (freed,),
                        )
                    dropped += freed
                self._read("PRAGMA wal_checkpoint(TRUNCATE)")  # the log's space back
                return dropped + self._insert(event_id, payload)
        self._unsaved_failures += 1
        raise OutboxError(f"{self.path}: disk full, event not stored (counted as lost)")

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
        """Pending count, the all-time number of dropped events, and of those that could
        not be stored at all (a full disk)."""
        meta = {str(k): int(v) for k, v in self._read("SELECT key, value FROM meta")}
        return OutboxStats(
            meta.get("count", 0), meta.get("dropped_total", 0), meta.get("failed_total", 0)
        )

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

    def store_request(
        self, request_id: str, payload: bytes, *, max_rows: int = MAX_REQUESTS
    ) -> int:
        """Keep a contact request (a replay of its id replaces it); returns how many dropped."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO requests (request_id, stored, payload) VALUES (?, ?, ?)"
                " ON CONFLICT (request_id) DO UPDATE SET payload = excluded.payload",
                (request_id, time.time(), payload),
            )
            cursor = db.execute(
                "DELETE FROM requests WHERE seq NOT IN"
                " (SELECT seq FROM requests ORDER BY seq DESC LIMIT ?)",
                (max_rows,),
            )
            return max(cursor.rowcount, 0)

    def pending_requests(self, max_age_s: float = REQUEST_MAX_AGE_S) -> list[tuple[str, bytes]]:
        """(id, payload) of the stored requests, oldest first, after dropping expired ones."""
        with self._tx() as db:
            expired = db.execute(
                "DELETE FROM requests WHERE stored < ?", (time.time() - max_age_s,)
            ).rowcount
            rows = db.execute("SELECT request_id, payload FROM requests ORDER BY seq").fetchall()
        if expired > 0:
            self._scrub_wal()
        return [(str(r), bytes(p)) for r, p in rows]

    def delete_request(self, request_id: str) -> bool:
        """Forget a contact request; False when it was not there."""
        with self._tx() as db:
            cursor = db.execute("DELETE FROM requests WHERE request_id = ?", (request_id,))
            deleted = cursor.rowcount == 1
        if deleted:
            self._scrub_wal()
        return deleted

    def _scrub_wal(self) -> None:
        """Copy the WAL into the database and empty it, so a deleted request's old page
        versions do not linger in the -wal file (best effort: a reader may hold it)."""
        try:
            self._read("PRAGMA wal_checkpoint(TRUNCATE)")
        except OutboxError as exc:
            log.debug(
                "checkpoint after a request deletion failed: %s", type(exc.__cause__).__name__
            )

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class OutboxRequests:
    """The controller's `RequestStore` over the outbox's `requests` table.

    Requests are kept as their protocol JSON. A row that no longer parses (written
    by another version) is dropped when read. Errors are logged without the
    request's content and never raised: losing a call-back request must not break
    the screen that made it (the person is told to call the partner instead).
    """

    def __init__(
        self,
        outbox: Outbox,
        *,
        max_rows: int = MAX_REQUESTS,
        max_age_s: float = REQUEST_MAX_AGE_S,
    ) -> None:
        self.outbox = outbox
        self.max_rows = max_rows
        self.max_age_s = max_age_s

    def store(self, request: ContactRequest) -> None:
        """Keep a request until the hub accepts it (the oldest go past `max_rows`)."""
        try:
            dropped = self.outbox.store_request(
                request.id, request.model_dump_json().encode(), max_rows=self.max_rows
            )
        except OutboxError as exc:
            log.error("contact request not stored: %s", type(exc.__cause__).__name__)
            return
        if dropped:
            log.warning("%d stored contact request(s) dropped: store full", dropped)

    def pending(self) -> list[ContactRequest]:
        """The requests still to send, oldest first (older than `max_age_s`: gone)."""
        try:
            rows = self.outbox.pending_requests(self.max_age_s)
        except OutboxError as exc:
            log.error("contact requests unreadable: %s", type(exc.__cause__).__name__)
            return []
        found = []
        for request_id, payload in rows:
            try:
                found.append(ContactRequest.model_validate_json(payload))
            except ValidationError:
                log.warning("unreadable stored contact request dropped")
                self.delete(request_id)
        return found

    def delete(self, request_id: str) -> None:
        """Forget a delivered request (unknown ids are ignored)."""
        try:
            self.outbox.delete_request(request_id)
        except OutboxError as exc:
            log.error("contact request not deleted: %s", type(exc.__cause__).__name__)


def _disk_full(exc: OutboxError) -> bool:
    """True when SQLite could not write because the disk (or its quota) is full."""
    cause = exc.__cause__
    text = str(cause or exc).lower()
    return isinstance(cause, sqlite3.OperationalError | OSError) and (
        "full" in text or "no space" in text
    )


@contextmanager
def _open_lock(path: Path) -> Iterator[None]:
    """Hold `<outbox>.lock` while opening: the UI and the agent start together, and only
    one of them may move a corrupt file aside."""
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _readable_rows(db: sqlite3.Connection, table: str, columns: str) -> list[tuple[Any, ...]]:
    """The rows of `table` that can still be read, in chunks of SALVAGE_CHUNK by `seq`
    (a damaged chunk is skipped; a damaged table gives nothing)."""
    top = 0
    for query in (
        f"SELECT seq FROM sqlite_sequence WHERE name = '{table}'",  # noqa: S608 - our names
        f"SELECT max(seq) FROM {table}",  # noqa: S608
    ):
        try:
            row = db.execute(query).fetchone()
            top = max(top, int(row[0] or 0) if row else 0)
        except sqlite3.Error:
            continue
    if not top:
        top = 100_000  # nothing says where the rows end: walk beyond any outbox's bound
    rows: list[tuple[Any, ...]] = []
    for start in range(0, int(top) + 1, SALVAGE_CHUNK):
        try:
            rows += db.execute(
                f"SELECT {columns} FROM {table} WHERE seq > ? AND seq <= ? ORDER BY seq",  # noqa: S608
                (start, start + SALVAGE_CHUNK),
            ).fetchall()
        except sqlite3.Error:
            continue
    return rows


def _readable_copy(path: Path) -> Path:
    """A copy of a damaged database file that SQLite will read as far as it goes: a
    truncated file's header still counts the pages that were cut off, which makes every
    query fail, so the copy's page count is set to what the file holds."""
    data = bytearray(path.read_bytes())
    copy = path.with_name(path.name + ".salvage")
    if len(data) >= 100 and data[:16] == b"SQLite format 3\x00":
        page_size = int.from_bytes(data[16:18], "big") or 65536
        pages = len(data) // page_size
        data = data[: pages * page_size]
        if pages:
            data[28:32] = pages.to_bytes(4, "big")
    fd = os.open(copy, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    return copy


def _salvage(path: Path) -> tuple[list[tuple[str, bytes]], list[tuple[str, float, bytes]]]:
    """Events (id, payload) and contact requests (id, stored, payload) still readable in a
    corrupt outbox file; payloads that no longer parse are left behind."""
    copy = _readable_copy(path)
    try:
        db = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    except sqlite3.Error:
        copy.unlink()
        return [], []
    try:
        events = []
        for event_id, payload in _readable_rows(db, "events", "event_id, payload"):
            try:
                if Event.model_validate_json(payload).id == event_id:
                    events.append((str(event_id), bytes(payload)))
            except (ValidationError, TypeError):
                continue
        requests = []
        for request_id, stored, payload in _readable_rows(
            db, "requests", "request_id, stored, payload"
        ):
            try:
                ContactRequest.model_validate_json(payload)
                requests.append((str(request_id), float(stored), bytes(payload)))
            except (ValidationError, TypeError, ValueError):
                continue
        return events, requests
    finally:
        db.close()
        copy.unlink()  # it may hold contact requests: only the kept file remains


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
