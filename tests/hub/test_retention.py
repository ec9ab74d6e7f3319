"""Old telemetry, usage events and expired sessions are purged; recent ones stay."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import insert, select

from hub.accounts import Role, add_user
from hub.config import RetentionConfig
from hub.runtime import purge_old
from hub.store import connect, migrate, schema


def test_purge_keeps_only_what_retention_allows(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'hub.db'}")
    migrate(engine)
    now = time.time()
    day = 86400
    with engine.begin() as conn:
        conn.execute(insert(schema.kiosks), [{"id": "k-agen"}, {"id": "k-fumel"}])
        conn.execute(
            insert(schema.health),
            [
                {"kiosk_id": k, "ts": now - age * day}
                for k in ("k-agen", "k-fumel")
                for age in (1, 9)
            ],
        )
        conn.execute(
            insert(schema.events),
            [
                {"id": f"event-{age:04d}", "kiosk_id": "k-agen", "ts": now - age * day,
                 "received_at": now - age * day, "type": "session.started"}
                for age in (10, 900)
            ]
            # Stamped by a kiosk whose clock said 1970, received just now: kept.
            + [{"id": "event-1970", "kiosk_id": "k-agen", "ts": 0.0, "received_at": now,
                "type": "session.started"}],
        )  # fmt: skip
        conn.execute(
            insert(schema.calls),
            [
                {"id": f"call-{age:04d}", "kiosk_id": "k-agen", "topic": "housing",
                 "requested_at": now - age * day, "outcome": "unavailable"}
                for age in (10, 900)
            ],
        )  # fmt: skip
        user = add_user(conn, "ops@example.org", "a long password", Role.OPS)
        conn.execute(
            insert(schema.web_sessions),
            [
                {"token_hash": "a" * 64, "user_id": user, "csrf": "x", "created_at": now,
                 "expires_at": now - 1},
                {"token_hash": "b" * 64, "user_id": user, "csrf": "y", "created_at": now,
                 "expires_at": now + 3600},
            ],
        )  # fmt: skip
    purge_old(engine, RetentionConfig(health_days=8, events_days=800, calls_days=800), now)
    with engine.connect() as conn:
        ages = sorted(
            round((now - ts) / day) for ts in conn.execute(select(schema.health.c.ts)).scalars()
        )
        events = conn.execute(select(schema.events.c.id)).scalars().all()
        sessions = conn.execute(select(schema.web_sessions.c.token_hash)).scalars().all()
        calls = conn.execute(select(schema.calls.c.id)).scalars().all()
    assert calls == ["call-0010"]
    assert ages == [1, 1]
    assert sorted(events) == ["event-0010", "event-1970"]
    assert sessions == ["b" * 64]
