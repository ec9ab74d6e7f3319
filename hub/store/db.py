"""Engine creation, migrations and the few dialect-specific statements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """The database cannot be used as configured."""


def connect(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and foreign keys.

    The parent directory of a SQLite file is created when missing.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def upsert_ignore(conn: Connection, table: Table, rows: Iterable[Mapping[str, Any]]) -> int:
    """Insert rows, silently skipping those whose primary key exists already.

    This is what makes ingest idempotent: a replayed message is a no-op.
    Returns the number of rows actually inserted.
    """
    rows = list(rows)
    if not rows:
        return 0
    from hub.store.bulk import insert_ignore

    try:
        stmt: Any = insert_ignore(table)(conn.dialect.name)
    except ValueError as exc:  # pragma: no cover - only the two supported back ends
        raise StoreError(str(exc)) from None
    result = conn.execute(stmt, rows)
    return max(result.rowcount, 0)
