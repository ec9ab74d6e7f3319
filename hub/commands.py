"""Remote commands: recorded in the database, published to the kiosk, tracked to their ack."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from hub.accounts import audit
from hub.errors import HubError
from hub.protocol import Ack, AckResult, Command, CommandName, encode, kiosk_topic
from hub.store import schema

Publisher = Callable[[str, bytes], bool]
"""Publishes (topic, payload) with QoS 1; False when the broker cannot be reached."""


class CommandError(HubError, ValueError):
    """A command that cannot be sent; the message is fit for the user."""


class CommandSender:
    """Creates commands for kiosks and publishes them through the hub's MQTT client."""

    def __init__(self, engine: Engine, publish: Publisher | None, default_ttl_s: int) -> None:
        self.engine = engine
        self.publish = publish
        self.default_ttl_s = default_ttl_s

    def send(
        self,
        kiosk_id: str,
        name: str,
        args: dict[str, str] | None = None,
        *,
        actor: str,
        ttl_s: int | None = None,
    ) -> dict[str, Any]:
        """Record, audit and publish a command; returns its row as a dict."""
        try:
            command_name = CommandName(name)
        except ValueError:
            allowed = ", ".join(c.value for c in CommandName)
            raise CommandError(f"unknown command {name!r}; one of: {allowed}") from None
        args = dict(args or {})
        if command_name is CommandName.SHOW_MESSAGE and not args.get("text", "").strip():
            raise CommandError("show-message needs a non-empty 'text'")
        ttl = ttl_s or self.default_ttl_s
        now = datetime.now(UTC)
        try:
            command = Command(name=command_name, args=args, expires=now + timedelta(seconds=ttl))
        except ValueError as exc:
            raise CommandError(f"invalid command: {exc}") from None
        with self.engine.begin() as conn:
            kiosk = conn.execute(
                select(schema.kiosks.c.registered, schema.kiosks.c.clock_skew_s).where(
                    schema.kiosks.c.id == kiosk_id
                )
            ).first()
            if kiosk is None or not kiosk.registered:
                raise CommandError(f"no registered kiosk {kiosk_id}")
            conn.execute(
                insert(schema.commands).values(
                    id=command.id,
                    kiosk_id=kiosk_id,
                    name=command_name.value,
                    args_json=json.dumps(args),
                    created_at=now.timestamp(),
                    expires_at=command.expires.timestamp(),
                    created_by=actor,
                    status="sent",
                )
            )
            audit(conn, actor, "command.send", kiosk_id, f"{command_name.value} id={command.id}")
        published = self.publish is not None and self.publish(
            kiosk_topic(kiosk_id, "commands"), encode(on_kiosk_clock(command, kiosk.clock_skew_s))
        )
        if not published:
            with self.engine.begin() as conn:
                conn.execute(
                    update(schema.commands)
                    .where(schema.commands.c.id == command.id)
                    .values(status="failed", detail="broker unreachable")
                )
        return get_command(self.engine, command.id) or {}


SKEW_CORRECTED_S = 30.0
"""Beyond this measured skew, a command's times are sent on the kiosk's own clock."""


def on_kiosk_clock(command: Command, skew_s: float | None) -> Command:
    """The command as the kiosk will judge it: its times moved by the kiosk's measured
    clock skew (hub.ingest.clock), so a kiosk a day ahead (or at 1970 before NTP) neither
    refuses every command as expired nor runs a stale one. The database keeps hub time."""
    if skew_s is None or abs(skew_s) <= SKEW_CORRECTED_S:
        return command
    shift = timedelta(seconds=skew_s)
    try:
        return command.model_copy(
            update={"ts": command.ts + shift, "expires": command.expires + shift}
        )
    except OverflowError:
        return command


def get_command(engine: Engine, command_id: str) -> dict[str, Any] | None:
    """A command with its current status (`sent` turns `expired` once past expiry)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(schema.commands).where(schema.commands.c.id == command_id)
        ).first()
    return command_dict(row._asdict()) if row else None


def command_dict(row: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """The public form of a command row."""
    status = row["status"]
    if status == "sent" and (now or time.time()) >= row["expires_at"]:
        status = "expired"
    return {
        "id": row["id"],
        "kiosk_id": row["kiosk_id"],
        "name": row["name"],
        "args": json.loads(row["args_json"] or "{}"),
        "created_at": _iso(row["created_at"]),
        "expires_at": _iso(row["expires_at"]),
        "created_by": row["created_by"],
        "status": status,
        "acked_at": _iso(row["acked_at"]),
        "result": row["result"],
        "detail": row["detail"],
    }


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat() if ts is not None else None


ACK_STATUS = {
    AckResult.OK: "acked",
    AckResult.DUPLICATE: "acked",
    AckResult.EXPIRED: "expired",
}


def apply_acks(conn: Connection, acks: list[tuple[str, Ack, float]]) -> None:
    """Record kiosk acks (kiosk id, ack, arrival on the hub's clock); an ack only counts
    from the kiosk the command was sent to, and is dated by its arrival."""
    for kiosk_id, ack, received_at in acks:
        conn.execute(
            update(schema.commands)
            .where(
                schema.commands.c.id == ack.command_id,
                schema.commands.c.kiosk_id == kiosk_id,
                schema.commands.c.acked_at.is_(None),
            )
            .values(
                status=ACK_STATUS.get(ack.result, "failed"),
                result=ack.result.value,
                detail=ack.detail,
                acked_at=received_at,
            )
        )
