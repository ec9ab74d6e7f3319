"""MQTT topic helpers: `gaia/v1/kiosks/{kiosk_id}/{channel}`.

The topic, not the payload, says which kiosk speaks: the broker's ACL lets a
kiosk publish only under its own id, so the hub trusts the topic.
"""

from __future__ import annotations

import re
from enum import StrEnum

ROOT = "gaia/v1/kiosks"
KIOSK_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
_KIOSK_ID = re.compile(KIOSK_ID_PATTERN)


class Channel(StrEnum):
    """The per-kiosk channels of docs/architecture.md, "Contracts"."""

    STATUS = "status"  # kiosk -> hub, retained online/offline (offline is the will)
    HEALTH = "health"  # kiosk -> hub, periodic
    EVENTS = "events"  # kiosk -> hub, usage events, QoS 1
    COMMANDS = "commands"  # hub -> kiosk, QoS 1
    ACKS = "acks"  # kiosk -> hub, command results
    RECEIPTS = "receipts"  # hub -> kiosk, QoS 1: these events are stored in the hub's database


KIOSK_TO_HUB = (Channel.STATUS, Channel.HEALTH, Channel.EVENTS, Channel.ACKS)


def valid_kiosk_id(kiosk_id: str) -> bool:
    """True when `kiosk_id` is usable as a topic level and an MQTT user name."""
    return bool(_KIOSK_ID.match(kiosk_id))


def kiosk_topic(kiosk_id: str, channel: Channel | str) -> str:
    """The topic of one kiosk's channel; raises ValueError on a bad kiosk id."""
    if not valid_kiosk_id(kiosk_id):
        raise ValueError(f"invalid kiosk id {kiosk_id!r}")
    return f"{ROOT}/{kiosk_id}/{Channel(channel).value}"


def subscription(channel: Channel | str = "+", share_group: str | None = None) -> str:
    """The hub's wildcard subscription, optionally as an MQTT shared subscription.

    With `share_group`, several hub replicas split one stream between them
    (`$share/{group}/...`), each message going to one replica.
    """
    topic = f"{ROOT}/+/{channel if channel == '+' else Channel(channel).value}"
    return f"$share/{share_group}/{topic}" if share_group else topic


def parse_topic(topic: str) -> tuple[str, Channel] | None:
    """Split a topic into (kiosk id, channel), or None when it is not ours."""
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:3]) != ROOT:
        return None
    kiosk_id, channel = parts[3], parts[4]
    if not valid_kiosk_id(kiosk_id):
        return None
    try:
        return kiosk_id, Channel(channel)
    except ValueError:
        return None
