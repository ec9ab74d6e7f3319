"""The signaling wire contract: each socket accepts its own messages only, sizes are
capped, and errors say where the message is wrong without echoing it."""

from __future__ import annotations

import json

import pytest

from hub.protocol.signaling import (
    ADVISER_TO_HUB,
    HUB_TO_ADVISER,
    HUB_TO_KIOSK,
    KIOSK_TO_HUB,
    MAX_MESSAGE_BYTES,
    CallAccept,
    CallAccepted,
    Caller,
    CallRequest,
    CallRinging,
    EndReason,
    IceServer,
    SdpOffer,
    SignalingError,
    dump,
    parse,
)


def test_messages_round_trip_on_their_own_socket() -> None:
    request = CallRequest(
        call_id="c-0123456789",
        topic="housing",
        caller=Caller(first_name="Léa", commune="Agen", language="en"),
    )
    assert parse(KIOSK_TO_HUB, dump(request)) == request
    accepted = CallAccepted(
        call_id="c-0123456789",
        adviser_name="Claire",
        ice_servers=[IceServer(urls=["turn:127.0.0.1:3478"], username="1:c", credential="x")],
    )
    assert parse(HUB_TO_KIOSK, dump(accepted)) == accepted
    assert parse(ADVISER_TO_HUB, dump(CallAccept(call_id="c-0123456789"))).type == "call.accept"
    wire = json.loads(dump(request))
    assert wire["v"] == 1 and wire["type"] == "call.request"
    assert "ref" not in wire["caller"]  # absent fields are not sent as null


def test_a_message_of_the_other_socket_is_refused() -> None:
    accept = dump(CallAccept(call_id="c-0123456789"))  # advisers accept, kiosks do not
    with pytest.raises(SignalingError):
        parse(KIOSK_TO_HUB, accept)
    offer = dump(SdpOffer(call_id="c-0123456789", sdp="v=0"))  # kiosks offer, advisers answer
    with pytest.raises(SignalingError):
        parse(ADVISER_TO_HUB, offer)
    assert parse(HUB_TO_ADVISER, offer).type == "sdp.offer"


@pytest.mark.parametrize(
    ("frame", "where"),
    [
        ("not json", ""),
        ("[]", ""),
        ('{"type": "call.request"}', "call.request.call_id"),
        ('{"type": "call.request", "call_id": "c-0123456789", "topic": "x", "v": 2}', "v"),
        ('{"type": "call.cancel", "call_id": "../../etc"}', "call_id"),
        ('{"type": "call.cancel", "call_id": "c-0123456789", "extra": 1}', "extra"),
        ('{"type": "shell", "call_id": "c-0123456789"}', ""),
    ],
)
def test_malformed_frames_say_where_without_echoing(frame: str, where: str) -> None:
    with pytest.raises(SignalingError) as caught:
        parse(KIOSK_TO_HUB, frame)
    assert where in str(caught.value)
    assert "etc" not in str(caught.value)


def test_oversized_frames_are_refused_before_parsing() -> None:
    sdp = "a" * MAX_MESSAGE_BYTES
    frame = json.dumps({"type": "sdp.offer", "call_id": "c-0123456789", "sdp": sdp})
    with pytest.raises(SignalingError, match="over"):
        parse(KIOSK_TO_HUB, frame)


def test_the_caller_carries_no_more_than_the_adviser_may_see() -> None:
    assert set(Caller.model_fields) == {"first_name", "commune", "ref", "language"}
    ringing = CallRinging.model_fields
    assert "phone" not in ringing and "code" not in ringing
    assert {r.value for r in EndReason} >= {"missed", "cancelled", "adviser-left", "failed"}
