"""Engine creation, migrations and the few dialect-specific statements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from hub.errors import HubError
from hub.files import private_dir, private_sqlite

MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(HubError):
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


def check_store(url: str, state_dir: Path) -> None:
    """Before serving: the database is readable, sound, and not unexpectedly empty.

    Raises StoreError with one line naming the file and the cause: a SQLite file that
    fails its quick check (a damaged page would leave ingest stuck later), or one
    that is empty in a state directory that was used before (a restore gone wrong
    would otherwise start a hub with no kiosks, users or tokens: `gaia-hub migrate`
    starts afresh on purpose). Other databases are only connected to.
    """
    parsed = make_url(url)
    engine = connect(url)
    try:
        with engine.connect() as conn:
            if parsed.get_backend_name() != "sqlite":
                conn.exec_driver_sql("SELECT 1")
                return
            database = parsed.database or ""
            tables = conn.exec_driver_sql(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).scalar()
            if not tables and (state_dir / "broker").exists():
                raise StoreError(
                    f"{database}: the database is empty, but this state directory was used "
                    "before: restore hub.db from a backup, or run `gaia-hub migrate` to start "
                    "with an empty hub"
                )
            verdict = conn.exec_driver_sql("PRAGMA quick_check(3)").scalars().all()
            if verdict != ["ok"]:
                found = " ".join(" ".join(map(str, verdict)).split())[:200]
                raise StoreError(
                    f"{database}: the database is damaged ({found}): restore it from a backup"
                )
    except SQLAlchemyError as exc:
        raise StoreError(
            f"{parsed.database or parsed.render_as_string()}: {describe_db_error(exc)}"
        ) from None
    finally:
        engine.dispose()


# SQLite's and PostgreSQL's names for a damaged database (not a failing write).
_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "XX001", "XX002"}


def describe_db_error(exc: SQLAlchemyError) -> str:
    """The database's own words for a failure, on one line (no SQL, no parameters);
    damage found at run time is named as such, with what to do."""
    orig = getattr(exc, "orig", None)
    text = str(orig) if orig is not None else exc.__class__.__name__
    words = " ".join(text.split())[:200] or exc.__class__.__name__
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None)
    if code in _DAMAGED:
        return f"the database is damaged ({words}): stop the hub and restore it from a backup"
    return words


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
