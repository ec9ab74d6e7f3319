"""The wire contract: topics and payloads are validated strictly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from hub.protocol import (
    Ack,
    AckResult,
    Channel,
    Command,
    Event,
    EventType,
    Health,
    ProtocolError,
    Status,
    decode,
    encode,
    kiosk_topic,
    parse_topic,
    subscription,
    utcnow,
)


def health() -> Health:
    return Health(
        uptime_s=12, load1=0.3, mem_used_pct=40, disk_used_pct=50, app_version="0.1.0", ui="up"
    )


@pytest.mark.parametrize(
    ("channel", "message"),
    [
        (Channel.STATUS, Status(state="online", app_version="0.1.0")),
        (Channel.HEALTH, health()),
        (Channel.EVENTS, Event(type=EventType.CALL_ANSWERED, session="s" * 16, value=12.5)),
        (Channel.COMMANDS, Command(name="print-test", expires=utcnow() + timedelta(minutes=5))),
        (Channel.ACKS, Ack(command_id="c" * 32, result=AckResult.OK)),
    ],
)
def test_round_trip(channel: Channel, message: object) -> None:
    assert decode(channel, encode(message)) == message  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        (b"\xff\xfe{}", "not-utf8"),
        (b"{not json", "not-json"),
        (b"[1, 2]", "invalid"),
        (b'{"v": 2, "id": "abcdefgh", "ts": "2026-01-01T00:00:00Z"}', "version"),
        (b"x" * 1_048_576, "too-large"),
    ],
)
def test_malformed_payloads_have_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(ProtocolError) as info:
        decode(Channel.HEALTH, payload)
    assert info.value.reason == reason


def test_wrong_types_and_foreign_kiosk_id_are_refused() -> None:
    good = health().model_dump(mode="json")
    for bad in (
        {**good, "load1": "high"},  # wrong type (strict: no coercion from strings)
        {**good, "kiosk_id": "k-other"},  # a payload never names a kiosk
        {**good, "ts": "2026-01-01T00:00:00"},  # naive timestamp
        {**good, "disk_used_pct": 140},
    ):
        with pytest.raises(ProtocolError) as info:
            decode(Channel.HEALTH, json.dumps(bad).encode())
        assert info.value.reason == "invalid"


def test_event_detail_is_a_code_not_free_text() -> None:
    with pytest.raises(ValueError):
        Event(type=EventType.ERROR, detail="Jean Dupont 06 12 34 56 78")


def test_topics() -> None:
    assert kiosk_topic("k-agen-01", "health") == "gaia/v1/kiosks/k-agen-01/health"
    assert parse_topic("gaia/v1/kiosks/k-agen-01/events") == ("k-agen-01", Channel.EVENTS)
    assert parse_topic("gaia/v1/kiosks/K_BAD/events") is None
    assert parse_topic("gaia/v1/kiosks/k-1/other") is None
    assert parse_topic("elsewhere/k-1/events") is None
    assert subscription(share_group="hubs") == "$share/hubs/gaia/v1/kiosks/+/+"
    with pytest.raises(ValueError):
        kiosk_topic("../x", "health")


def test_command_expiry() -> None:
    cmd = Command(name="reboot", expires=utcnow() - timedelta(seconds=1))
    assert cmd.expired()


def test_schema_version_is_required_on_the_wire() -> None:
    payload = health().model_dump(mode="json")
    del payload["v"]
    with pytest.raises(ProtocolError) as info:
        decode(Channel.HEALTH, json.dumps(payload).encode())
    assert info.value.reason == "version"
