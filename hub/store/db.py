"""Engine creation, migrations and the few dialect-specific statements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

from hub.files import private_dir, private_sqlite

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(Exception):
    """The database cannot be used as configured."""


def connect(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and foreign keys.

        The parent directory of a SQLite file is created when missing (0700), and
    the file and its WAL files are kept 0600 (hub.files).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = Path(parsed.database) if parsed.database not in (None, "", ":memory:") else None
        if database is not None:
            private_dir(database.parent)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
            if database is not None:
                private_sqlite(database)  # personal data: 0600 (hub.files)
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
