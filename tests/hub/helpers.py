"""Helpers for the hub tests: users, sessions and seed rows inserted with SQLAlchemy."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, insert, select
from sqlalchemy.engine import Connection

from hub.accounts import Role
from hub.auth import create_session
from hub.protocol import DeviceState, Health, encode
from hub.protocol.messages import Devices
from hub.store import schema

PASSWORD = "correct horse battery"


@dataclass
class Staff:
    """A logged-in test user: its e-mail, session cookie and CSRF token."""

    email: str
    user_id: int
    token: str
    csrf: str


def add_user(engine: Engine, email: str, role: Role, password_hash: str) -> int:
    """Insert a staff user with a precomputed password hash; returns its id."""
    with engine.begin() as conn:
        result = conn.execute(
            insert(schema.users).values(
                email=email, password_hash=password_hash, role=role.value, created_at=time.time()
            )
        )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def login_as(
    client: TestClient, engine: Engine, email: str, role: Role, password_hash: str
) -> Staff:
    """Create a user and a session for it, and put the session cookie on `client`."""
    user_id = add_user(engine, email, role, password_hash)
    with engine.begin() as conn:
        token, csrf = create_session(conn, user_id, hours=1)
    client.cookies.set("gaia_session", token)
    return Staff(email, user_id, token, csrf)


def health_json(**overrides: Any) -> str:
    """A Health payload as ingest stores it (JSON, None fields left out)."""
    values: dict[str, Any] = {
        "uptime_s": 7200.0,
        "load1": 0.42,
        "cpu_temp_c": 52.5,
        "mem_used_pct": 41.0,
        "disk_used_pct": 63.0,
        "app_version": "1.4.2",
        "net_iface": "eth0",
        "ui": "up",
        "devices": Devices(printer=DeviceState.OK, camera=DeviceState.OK),
        "outbox_pending": 3,
    }
    values.update(overrides)
    return encode(Health(**values)).decode()


def add_kiosk(conn: Connection, kiosk_id: str, **values: Any) -> None:
    """Insert a kiosk row (registered by default; other columns as given)."""
    row = {"id": kiosk_id, "site": "", "territory": "", "registered": True, **values}
    conn.execute(insert(schema.kiosks).values(**row))


def add_alert(
    conn: Connection,
    kiosk_id: str,
    kind: str,
    opened_at: float,
    closed_at: float | None = None,
    detail: str = "",
) -> None:
    """Insert an alert."""
    conn.execute(
        insert(schema.alerts).values(
            kiosk_id=kiosk_id, kind=kind, detail=detail, opened_at=opened_at, closed_at=closed_at
        )
    )


def add_event(
    conn: Connection,
    kiosk_id: str,
    ts: float,
    type_: str,
    session: str | None = None,
    topic: str | None = None,
    value: float | None = None,
    detail: str | None = None,
) -> None:
    """Insert a usage event."""
    conn.execute(
        insert(schema.events).values(
            id=uuid.uuid4().hex,
            kiosk_id=kiosk_id,
            ts=ts,
            received_at=ts + 1,
            type=type_,
            session=session,
            topic=topic,
            value=value,
            detail=detail,
        )
    )


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


class StatementCounter:
    """Counts SQL statements run on an engine while active (to catch N+1 queries)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _count(self, *_args: Any) -> None:
        self.count += 1

    def __enter__(self) -> StatementCounter:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def add_sessions(conn: Connection, kiosk_id: str, count: int, now: float | None = None) -> None:
    """`count` session.started events, one a second back from `now` (fills index pages)."""
    now = time.time() if now is None else now
    conn.execute(
        insert(schema.events),
        [
            {"id": f"event-{i:06d}", "kiosk_id": kiosk_id, "ts": now - i, "received_at": now,
             "type": "session.started"}
            for i in range(count)
        ],
    )  # fmt: skip


def serve_everywhere(conn: Connection) -> None:
    """Every partner inserted by hand serves its topic in every territory (as the
    migration to territories does for existing partners)."""
    from hub.store.db import upsert_ignore

    p = schema.partners.c
    rows = conn.execute(select(p.id, p.topic_id)).all()
    territories = conn.execute(select(schema.territories.c.id)).scalars().all()
    upsert_ignore(
        conn, schema.partner_topics, [{"partner_id": r.id, "topic_id": r.topic_id} for r in rows]
    )
    upsert_ignore(
        conn,
        schema.partner_territories,
        [{"partner_id": r.id, "territory_id": t} for r in rows for t in territories],
    )
