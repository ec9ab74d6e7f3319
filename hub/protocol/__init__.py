"""The one wire contract between kiosks and the hub (docs/architecture.md, "Contracts").

Only the standard library and pydantic are imported here, so the kiosk can
depend on this package without pulling in the hub.
"""

from hub.protocol.messages import (
    MAX_PAYLOAD_BYTES,
    SCHEMA_VERSION,
    Ack,
    AckResult,
    BootTime,
    Command,
    CommandName,
    DeviceState,
    Event,
    EventType,
    Health,
    ProtocolError,
    Receipt,
    Status,
    decode,
    encode,
    new_id,
    utcnow,
)
from hub.protocol.topics import KIOSK_ID_PATTERN, Channel, kiosk_topic, parse_topic, subscription

__all__ = [
    "KIOSK_ID_PATTERN",
    "MAX_PAYLOAD_BYTES",
    "SCHEMA_VERSION",
    "Ack",
    "AckResult",
    "BootTime",
    "Channel",
    "Command",
    "CommandName",
    "DeviceState",
    "Event",
    "EventType",
    "Health",
    "ProtocolError",
    "Receipt",
    "Status",
    "decode",
    "encode",
    "kiosk_topic",
    "new_id",
    "parse_topic",
    "subscription",
    "utcnow",
]
