"""Versioned, strictly validated payloads of the MQTT channels.

Every payload is a JSON object with the schema version `v`, a unique `id` and
a UTC timestamp `ts`. Unknown fields are refused (a payload naming a kiosk is
refused: the topic says who speaks). Telemetry carries no personal data: free
text is limited to short machine codes, except a `show-message` command's
text, which goes from ops staff to the kiosk screen.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from hub.protocol.topics import Channel

SCHEMA_VERSION: Literal[1] = 1
MAX_PAYLOAD_BYTES = 16 * 1024
"""No legitimate message comes near this; anything larger is refused unread."""

MessageId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


def new_id() -> str:
    """A fresh message id (UUID4, hex)."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class ProtocolError(ValueError):
    """A payload that is not a valid message; `reason` is a short metric label."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Message(BaseModel):
    """Fields every payload has."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    v: Literal[1] = SCHEMA_VERSION
    id: MessageId = Field(default_factory=new_id)
    ts: AwareDatetime = Field(default_factory=utcnow)

    @field_validator("ts")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class Status(Message):
    """Retained presence: `online` as birth, `offline` as the last will."""

    state: Literal["online", "offline"]
    app_version: Annotated[str, Field(max_length=32)] | None = None
    # Random per agent start: births alternating between two of them under one kiosk
    # id are two devices with the same credentials (a cloned SD card).
    instance: MessageId | None = None


class DeviceState(StrEnum):
    """What the UI knows of one device."""

    OK = "ok"
    PAPER_LOW = "paper-low"
    PAPER_OUT = "paper-out"
    OFFLINE = "offline"  # configured but not answering (unplugged)
    ABSENT = "absent"  # not configured on this kiosk
    ERROR = "error"
    UNKNOWN = "unknown"  # the UI did not say (for instance: the UI is down)


class Devices(BaseModel):
    """Device states reported by the UI process."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    printer: DeviceState = DeviceState.UNKNOWN
    camera: DeviceState = DeviceState.UNKNOWN
    microphone: DeviceState = DeviceState.UNKNOWN
    scanner: DeviceState = DeviceState.UNKNOWN
    panel: DeviceState = DeviceState.UNKNOWN


Percent = Annotated[float, Field(ge=0, le=100)]


class BootTime(BaseModel):
    """A moment on a kiosk's boot clock, which NTP never steps (kiosk.clock)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    boot: MessageId  # the kernel's random id of that boot
    uptime_s: Annotated[float, Field(ge=0, le=1e9)]


class Health(Message):
    """Periodic health report of a kiosk (agent and, through it, the UI)."""

    uptime_s: Annotated[float, Field(ge=0)]
    # With `uptime_s`, places this boot on the hub's clock: events stamped before the
    # kiosk's clock was synchronised are timed by it (hub.ingest.clock).
    boot: MessageId | None = None
    load1: Annotated[float, Field(ge=0)]
    cpu_temp_c: Annotated[float, Field(ge=-50, le=150)] | None = None
    mem_used_pct: Percent
    disk_used_pct: Percent
    app_version: Annotated[str, Field(max_length=32)]
    net_iface: Annotated[str, Field(max_length=32)] | None = None
    ui: Literal["up", "down"]
    devices: Devices = Field(default_factory=Devices)
    outbox_pending: Annotated[int, Field(ge=0)] = 0
    outbox_dropped_total: Annotated[int, Field(ge=0)] = 0
    outbox_dropped_recent: Annotated[int, Field(ge=0)] = 0
    # Usage events that could not be stored at all (a full disk); also in the dropped ones.
    outbox_failed_total: Annotated[int, Field(ge=0)] = 0


class EventType(StrEnum):
    """Usage events; together they make the funders' usage report."""

    SESSION_STARTED = "session.started"
    IDENTIFIED = "identified"  # detail: code | qr | first-visit
    TOPIC_CHOSEN = "topic.chosen"
    CALL_REQUESTED = "call.requested"
    CALL_ANSWERED = "call.answered"  # value: seconds waited
    CALL_MISSED = "call.missed"  # value: seconds waited
    CALL_ENDED = "call.ended"  # value: call length in seconds
    CALL_QUALITY = "call.quality"  # every 5 s in a call; detail: good | fair | poor; value: RTT ms
    CALLBACK_REQUESTED = "callback.requested"  # detail: no-answer | unavailable | offline
    APPOINTMENT_REQUESTED = "appointment.requested"  # detail: as for callback.requested
    SLIP_PRINTED = "slip.printed"  # detail: appointment | contacts | test
    SURVEY = "survey"  # value: 1 (unhappy) .. 3 (happy)
    SESSION_ENDED = "session.ended"  # detail: done | idle | cancelled | offline; value: seconds
    ERROR = "error"  # detail: error code


class Event(Message):
    """One usage event. `session` is a random per-session id, never a person's."""

    type: EventType
    session: MessageId | None = None
    topic: Code | None = None
    value: Annotated[float, Field(ge=0, le=1e7)] | None = None
    detail: Code | None = None
    # Set when `ts` was stamped before the kiosk's clock was synchronised (kiosk.clock).
    unsynced: BootTime | None = None


class CommandName(StrEnum):
    """Remote commands ops staff can send to a kiosk."""

    RESTART_UI = "restart-ui"
    REBOOT = "reboot"
    RELOAD_CONFIG = "reload-config"
    PRINT_TEST = "print-test"
    SHOW_MESSAGE = "show-message"


class Command(Message):
    """A command from the hub; refused by the kiosk after `expires`."""

    name: CommandName
    expires: AwareDatetime
    args: dict[Annotated[str, Field(max_length=32)], Annotated[str, Field(max_length=280)]] = Field(
        default_factory=dict, max_length=8
    )

    def expired(self, now: datetime | None = None) -> bool:
        """True once the command may no longer be executed."""
        return (now or utcnow()) >= self.expires


class AckResult(StrEnum):
    """The outcome of a command on the kiosk."""

    OK = "ok"
    FAILED = "failed"
    REJECTED = "rejected"  # invalid for this kiosk
    EXPIRED = "expired"
    DUPLICATE = "duplicate"  # already executed once; not run again
    UI_UNAVAILABLE = "ui-unavailable"


class Ack(Message):
    """A kiosk's answer to a command."""

    command_id: MessageId
    result: AckResult
    detail: Annotated[str, Field(max_length=200)] | None = None


MAX_RECEIPT_IDS = 200
"""200 ids of the longest kind (64 characters) keep a receipt under MAX_PAYLOAD_BYTES."""


class Receipt(Message):
    """The hub's end-to-end acknowledgement: these event ids are committed.

    The kiosk keeps an event in its outbox until a receipt names it, so an
    event survives a broker crash between the broker's PUBACK and the hub.
    """

    events: list[MessageId] = Field(min_length=1, max_length=MAX_RECEIPT_IDS)


MODELS: dict[Channel, type[Message]] = {
    Channel.STATUS: Status,
    Channel.HEALTH: Health,
    Channel.EVENTS: Event,
    Channel.COMMANDS: Command,
    Channel.ACKS: Ack,
    Channel.RECEIPTS: Receipt,
}


def encode(message: Message) -> bytes:
    """Serialize a message to its JSON payload."""
    return message.model_dump_json(exclude_none=True).encode()


def decode(channel: Channel, payload: bytes | bytearray) -> Any:
    """Parse and validate a payload for `channel`.

    Raises ProtocolError with reason `empty`, `too-large`, `not-utf8`,
    `not-json`, `version` or `invalid`; never anything else.
    """
    if not payload:
        raise ProtocolError("empty")
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise ProtocolError("too-large", f"{len(payload)} bytes")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError("not-utf8", str(exc)) from None
    # One parse on the hot path; the error's kind is worked out only on failure.
    try:
        message = MODELS[channel].model_validate_json(text, strict=True)
    except ValidationError as exc:
        raise _classify(exc) from None
    if "v" not in message.model_fields_set:  # defaulted in code, required on the wire
        raise ProtocolError("version", "schema version `v` is missing")
    return message


def _classify(exc: ValidationError) -> ProtocolError:
    errors = exc.errors()
    first = errors[0] if errors else {"type": "", "loc": ()}
    if first["type"] == "json_invalid":
        return ProtocolError("not-json", str(first.get("msg", "")))
    if first["type"] == "model_type":
        return ProtocolError("invalid", "payload is not a JSON object")
    if any(tuple(e["loc"]) == ("v",) for e in errors):
        return ProtocolError("version", f"unsupported schema version {first.get('input')!r}")
    return ProtocolError("invalid", _short(exc))


def describe(exc: ValidationError, limit: int = 3) -> str:
    """A one-line summary of a validation error: where and what was expected, never the
    value given (it may be anything: a secret in a configuration file, say)."""
    errors = exc.errors(include_input=False, include_url=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in errors[:limit]]
    more = len(errors) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def _short(exc: ValidationError) -> str:
    """A one-line summary of a validation error (no input values: they may be anything)."""
    return describe(exc)
