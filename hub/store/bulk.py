"""Executemany without SQLAlchemy's per-row parameter processing, for ingest's hot path.

SQLAlchemy Core builds a parameter dict per row and runs type processors on
it; for a thousand narrow rows that is most of the write's cost. A
`BulkStatement` compiles its statement once per dialect and hands the
driver plain rows (tuples for positional paramstyles such as SQLite's,
dicts for named ones such as psycopg's). Only for columns whose Python
values the driver takes as they are (numbers, strings, None).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.sql import ClauseElement


def insert_ignore(table: Table) -> Callable[[str], ClauseElement]:
    """A factory of `INSERT ... ON CONFLICT DO NOTHING` for the dialect it is given."""

    def build(dialect: str) -> ClauseElement:
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            return sqlite_insert(table).on_conflict_do_nothing()
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(table).on_conflict_do_nothing()
        raise ValueError(f"unsupported database {dialect}")

    return build


class BulkStatement:
    """A statement with named binds, executed for many rows at the driver level.

    `statement` is either the statement itself or a factory taking the dialect
    name (for dialect-specific constructs such as `insert_ignore`).
    """

    def __init__(
        self,
        statement: ClauseElement | Callable[[str], ClauseElement],
        keys: Sequence[str] = (),
    ) -> None:
        self.statement = statement
        self.keys = tuple(keys)
        self._compiled: dict[str, tuple[str, tuple[str, ...] | None]] = {}

    def _sql(self, conn: Connection) -> tuple[str, tuple[str, ...] | None]:
        name = conn.dialect.name
        if name not in self._compiled:
            statement = (
                self.statement
                if isinstance(self.statement, ClauseElement)
                else self.statement(name)
            )
            # An INSERT without values() takes its columns from `keys`; an UPDATE names
            # its binds itself.
            compiled = statement.compile(
                dialect=conn.dialect, column_keys=list(self.keys) if self.keys else None
            )
            positions = getattr(compiled, "positiontup", None)  # SQLCompiler, positional styles
            order = (
                tuple(positions) if getattr(compiled, "positional", False) and positions else None
            )
            self._compiled[name] = (str(compiled), order)
        return self._compiled[name]

    def execute(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Run for every row (dicts keyed by bind name); returns the affected row count."""
        if not rows:
            return 0
        sql, order = self._sql(conn)
        params: list[Any] = (
            [tuple(row[k] for k in order) for row in rows] if order is not None else list(rows)
        )
        result = conn.exec_driver_sql(sql, params)
        return max(result.rowcount, 0)

    def execute_rows(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        """Run for every row given as a tuple in `keys` order (the cheapest form)."""
        if not rows:
            return 0
        sql, order = self._sql(conn)
        if order != self.keys:  # a named paramstyle (psycopg): the driver wants dicts
            rows = [dict(zip(self.keys, row, strict=True)) for row in rows]  # type: ignore[misc]
        result = conn.exec_driver_sql(sql, list(rows))
        return max(result.rowcount, 0)
