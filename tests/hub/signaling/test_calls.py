"""Calls through a real hub: kiosks and advisers on real WebSockets, records in the database."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import select

from hub.config import IceConfig
from hub.protocol.signaling import (
    AdviserHello,
    Agreement,
    CallAccept,
    CallAccepted,
    CallAssigned,
    CallCancel,
    CallEnded,
    Caller,
    CallHangUp,
    CallOutcome,
    CallQualityReport,
    CallQueued,
    CallRequest,
    CallRinging,
    CallWithdrawn,
    EndReason,
    ErrorMessage,
    MediaMode,
    QualitySample,
    SdpAnswer,
    SdpOffer,
    SetAvailability,
)
from hub.signaling.ice import verify_turn_credential
from hub.signaling.records import CallRecord, get_call
from hub.store import schema
from tests.hub.signaling.conftest import Scene
from tests.hub.signaling.support import Client, HubServer, adviser_client, kiosk_client
from tests.support import wait_for


async def online(scene: Scene, email: str, available: bool = True) -> Client:
    """An adviser logged in through /login, connected, with availability set."""
    adviser = await adviser_client(scene.hub, scene.hub.login(email))
    hello = await adviser.expect(AdviserHello)
    assert hello.available is False
    if available:
        await adviser.send(SetAvailability(available=True))
        await barrier(adviser)
    return adviser


async def barrier(adviser: Client) -> None:
    """Wait until the hub has handled what this adviser sent (messages are handled in order)."""
    await adviser.send(CallAccept(call_id="barrier-0000"))
    error = await adviser.expect(ErrorMessage)
    assert error.code == "not-ringing"


def record(scene: Scene, call_id: str) -> CallRecord:
    """The call's record once it is written with an outcome."""

    def read() -> CallRecord | None:
        with scene.hub.engine.connect() as conn:
            found = get_call(conn, call_id)
        return found if found is not None and found.outcome is not None else None

    result: CallRecord = wait_for(read)
    return result


async def test_a_call_rings_every_free_adviser_of_the_topic_and_the_first_accept_wins(
    scene: Scene,
) -> None:
    claire = await online(scene, "claire@habitat.test")
    paul = await online(scene, "paul@habitat.test")
    nadia = await online(scene, "nadia@mobilite.test")  # mobility: must not ring
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    before = time.time()
    await kiosk.send(
        CallRequest(
            call_id="call-000001",
            topic="housing",
            caller=Caller(first_name="Léa", commune="Layrac", ref="ref-secret-0001-abcdef"),
        )
    )
    queued = await kiosk.expect(CallQueued)
    assert (queued.position, queued.ringing) == (1, 2)
    rings = [await claire.expect(CallRinging), await paul.expect(CallRinging)]
    for ring in rings:
        assert ring.call_id == "call-000001"
        assert ring.topic_label == "Logement"
        assert ring.site == "Mairie de Laplume"
        assert (ring.caller.first_name, ring.caller.commune) == ("Léa", "Layrac")
        assert ring.caller.ref is None  # the seeker reference stays in the hub
        assert ring.requested_at.timestamp() >= before - 1

    await paul.send(CallAccept(call_id="call-000001"))
    assigned = await paul.expect(CallAssigned)
    assert assigned.call_id == "call-000001"
    accepted = await kiosk.expect(CallAccepted)
    assert accepted.adviser_name == "Paul"
    assert (await claire.expect(CallWithdrawn)).reason == "taken"

    await claire.send(CallAccept(call_id="call-000001"))  # too late
    late = await claire.expect(ErrorMessage)
    assert (late.code, late.call_id) == ("not-ringing", "call-000001")

    await kiosk.send(SdpOffer(call_id="call-000001", sdp="v=0 offer"))
    assert (await paul.expect(SdpOffer)).sdp == "v=0 offer"
    await paul.send(SdpAnswer(call_id="call-000001", sdp="v=0 answer"))
    assert (await kiosk.expect(SdpAnswer)).sdp == "v=0 answer"
    await paul.send(MediaMode(call_id="call-000001", audio_only=True))
    assert (await kiosk.expect(MediaMode)).audio_only is True
    for rtt, loss, rate in ((40.0, 0.0, 400.0), (60.0, 2.5, 600.0), (80.0, 1.0, 500.0)):
        sample = QualitySample(rtt_ms=rtt, loss_pct=loss, bitrate_kbps=rate)
        await kiosk.send(CallQualityReport(call_id="call-000001", sample=sample))
    await paul.send(CallQualityReport(call_id="call-000001", sample=QualitySample(rtt_ms=50)))

    agreement = Agreement(next_step="Rendez-vous avec Paul", partner="Maison de l'Habitat 47")
    await paul.send(CallHangUp(call_id="call-000001", agreement=agreement))
    ended = await kiosk.expect(CallEnded)
    assert (ended.reason, ended.agreement) == (EndReason.ADVISER_HUNG_UP, agreement)
    assert (await paul.expect(CallEnded)).reason == EndReason.ADVISER_HUNG_UP
    await barrier(nadia)
    assert not [m for m in nadia.seen if isinstance(m, CallRinging)]

    saved = record(scene, "call-000001")
    assert saved.outcome == CallOutcome.ANSWERED
    assert saved.end_reason == "adviser-hung-up"
    assert (saved.kiosk_id, saved.topic, saved.adviser_id) == ("k-laplume", "housing", scene.paul)
    assert saved.rang_at is not None and saved.answered_at is not None
    assert saved.ended_at is not None
    assert before <= saved.requested_at <= saved.rang_at <= saved.answered_at <= saved.ended_at
    assert saved.audio_only is True
    assert saved.quality.samples == 4
    assert saved.quality.rtt_median_ms == 55.0
    assert saved.quality.loss_max_pct == 2.5
    assert saved.quality.bitrate_mean_kbps == 500.0
    with scene.hub.engine.connect() as conn:
        row = conn.execute(select(schema.calls)).mappings().one()
    assert "Léa" not in str(dict(row)) and "Layrac" not in str(dict(row))


async def test_nobody_answers_the_call_is_missed(quick_scene: Scene) -> None:
    claire = await online(quick_scene, "claire@habitat.test")
    kiosk = await kiosk_client(quick_scene.hub, quick_scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-missed1", topic="housing"))
    await claire.expect(CallRinging)
    assert (await kiosk.expect(CallEnded)).reason == EndReason.MISSED
    assert (await claire.expect(CallWithdrawn)).reason == "missed"
    saved = record(quick_scene, "call-missed1")
    assert (saved.outcome, saved.adviser_id, saved.answered_at) == (CallOutcome.MISSED, None, None)
    assert saved.rang_at is not None and saved.ended_at is not None


async def test_nobody_free_for_the_topic_is_unavailable_at_once(scene: Scene) -> None:
    await online(scene, "nadia@mobilite.test")  # mobility only
    await online(scene, "claire@habitat.test", available=False)  # housing, switched off
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-unavail", topic="housing"))
    ended = await kiosk.recv()
    assert isinstance(ended, CallEnded) and ended.reason == EndReason.UNAVAILABLE
    await kiosk.send(CallRequest(call_id="call-unknown", topic="no-such-topic"))
    assert (await kiosk.expect(CallEnded)).reason == EndReason.UNAVAILABLE
    saved = record(scene, "call-unavail")
    assert (saved.outcome, saved.rang_at) == (CallOutcome.UNAVAILABLE, None)


async def test_the_kiosk_cancels_while_it_rings(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    paul = await online(scene, "paul@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-cancel1", topic="housing"))
    await kiosk.expect(CallQueued)
    await claire.expect(CallRinging)
    await paul.expect(CallRinging)
    await kiosk.send(CallCancel(call_id="call-cancel1"))
    assert (await claire.expect(CallWithdrawn)).reason == "cancelled"
    assert (await paul.expect(CallWithdrawn)).reason == "cancelled"
    assert (await kiosk.expect(CallEnded)).reason == EndReason.CANCELLED
    await claire.send(CallAccept(call_id="call-cancel1"))
    assert (await claire.expect(ErrorMessage)).code == "not-ringing"
    assert record(scene, "call-cancel1").outcome == CallOutcome.CANCELLED


async def test_the_kiosk_hangs_up_and_the_adviser_is_told(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-khangup", topic="employment"))
    await claire.expect(CallRinging)
    await claire.send(CallAccept(call_id="call-khangup"))
    await kiosk.expect(CallAccepted)
    await kiosk.send(CallHangUp(call_id="call-khangup"))
    assert (await claire.expect(CallEnded)).reason == EndReason.KIOSK_HUNG_UP
    assert (await kiosk.expect(CallEnded)).reason == EndReason.KIOSK_HUNG_UP
    saved = record(scene, "call-khangup")
    assert (saved.outcome, saved.end_reason) == (CallOutcome.ANSWERED, "kiosk-hung-up")
    # Free again: the next call rings Claire.
    await kiosk.send(CallRequest(call_id="call-khangup2", topic="housing"))
    assert (await claire.expect(CallRinging)).call_id == "call-khangup2"


async def test_the_adviser_drops_mid_call_and_the_kiosk_hears_adviser_left(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-advleft", topic="housing"))
    await claire.expect(CallRinging)
    await claire.send(CallAccept(call_id="call-advleft"))
    await kiosk.expect(CallAccepted)
    await claire.close()  # the tab is closed
    assert (await kiosk.expect(CallEnded)).reason == EndReason.ADVISER_LEFT
    saved = record(scene, "call-advleft")
    assert (saved.outcome, saved.end_reason) == (CallOutcome.ANSWERED, "adviser-left")
    # The kiosk's socket still works: a new call is possible.
    await kiosk.send(CallRequest(call_id="call-advleft2", topic="housing"))
    assert (await kiosk.expect(CallEnded)).reason == EndReason.UNAVAILABLE


async def test_the_kiosk_drops_while_ringing_and_in_a_call(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-kleft01", topic="housing"))
    await claire.expect(CallRinging)
    await kiosk.close()
    assert (await claire.expect(CallWithdrawn)).reason == "kiosk-left"
    assert record(scene, "call-kleft01").end_reason == "kiosk-left"

    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-kleft02", topic="housing"))
    await claire.expect(CallRinging)
    await claire.send(CallAccept(call_id="call-kleft02"))
    await kiosk.expect(CallAccepted)
    await kiosk.close()
    assert (await claire.expect(CallEnded)).reason == EndReason.KIOSK_LEFT


async def test_availability_switched_on_while_a_call_rings(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    paul = await online(scene, "paul@habitat.test", available=False)
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-avail01", topic="housing"))
    assert (await kiosk.expect(CallQueued)).ringing == 1
    await claire.expect(CallRinging)

    await paul.send(SetAvailability(available=True))
    assert (await paul.expect(CallRinging)).call_id == "call-avail01"
    assert (await kiosk.expect(CallQueued)).ringing == 2

    await claire.send(SetAvailability(available=False))
    assert (await kiosk.expect(CallQueued)).ringing == 1
    await claire.send(CallAccept(call_id="call-avail01"))  # switched off: no longer hers
    assert (await claire.expect(ErrorMessage)).code == "not-ringing"
    await paul.send(CallAccept(call_id="call-avail01"))
    assert (await kiosk.expect(CallAccepted)).adviser_name == "Paul"


async def test_sdp_for_another_kiosks_call_is_refused_and_the_socket_stays(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    intruder = await kiosk_client(scene.hub, scene.hub.add_kiosk("k-astaffort"))
    await kiosk.send(CallRequest(call_id="call-victim1", topic="housing"))
    await claire.expect(CallRinging)
    await claire.send(CallAccept(call_id="call-victim1"))
    await kiosk.expect(CallAccepted)

    await intruder.send(SdpOffer(call_id="call-victim1", sdp="v=0 evil"))
    error = await intruder.expect(ErrorMessage)
    assert (error.code, error.call_id) == ("unknown-call", "call-victim1")
    await intruder.send(CallHangUp(call_id="call-victim1"))
    assert (await intruder.expect(ErrorMessage)).code == "unknown-call"
    # The real parties carry on: the offer that arrives is the kiosk's own.
    await kiosk.send(SdpOffer(call_id="call-victim1", sdp="v=0 genuine"))
    assert (await claire.expect(SdpOffer)).sdp == "v=0 genuine"
    nadia = await online(scene, "nadia@mobilite.test")
    await nadia.send(SdpAnswer(call_id="call-victim1", sdp="v=0 evil"))
    assert (await nadia.expect(ErrorMessage)).code == "unknown-call"
    await claire.send(SdpAnswer(call_id="call-victim1", sdp="v=0 answer"))
    assert (await kiosk.expect(SdpAnswer)).sdp == "v=0 answer"


async def test_one_call_per_kiosk_and_a_newer_socket_replaces_the_older(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    await kiosk.send(CallRequest(call_id="call-first01", topic="housing"))
    await kiosk.expect(CallQueued)
    await kiosk.send(CallRequest(call_id="call-second1", topic="housing"))
    assert (await kiosk.expect(ErrorMessage)).code == "busy"
    await kiosk.send(CallRequest(call_id="call-first01", topic="housing"))  # a replay
    assert (await kiosk.expect(CallQueued)).call_id == "call-first01"

    newer = await kiosk_client(scene.hub, scene.kiosk_token)
    code, reason = await kiosk.closed()
    assert code == 4409 and reason
    assert (await claire.expect(CallWithdrawn)).reason == "kiosk-left"
    await newer.send(CallRequest(call_id="call-first01", topic="housing"))  # ended: not again
    assert (await newer.expect(ErrorMessage)).code == "call-id-used"


async def test_both_parties_get_ice_servers_with_valid_turn_credentials(
    make_hub: Callable[..., HubServer],
) -> None:
    ice = IceConfig(
        stun_urls=["stun:127.0.0.1:3478"], turn_urls=["turn:127.0.0.1:3478"], turn_secret="s3cret"
    )
    hub = make_hub(ice=ice, ring_timeout_s=30)
    token = hub.add_kiosk("k-agen")
    hub.add_adviser("claire@habitat.test", "Claire", "habitat-47", ["housing"])
    claire = await adviser_client(hub, hub.login("claire@habitat.test"))
    await claire.expect(AdviserHello)
    await claire.send(SetAvailability(available=True))
    await barrier(claire)
    kiosk = await kiosk_client(hub, token)
    await kiosk.send(CallRequest(call_id="call-ice-001", topic="housing"))
    await claire.expect(CallRinging)
    await claire.send(CallAccept(call_id="call-ice-001"))
    assigned = await claire.expect(CallAssigned)
    accepted = await kiosk.expect(CallAccepted)
    for servers in (assigned.ice_servers, accepted.ice_servers):
        stun, turn = servers
        assert stun.urls == ["stun:127.0.0.1:3478"]
        assert turn.username.endswith(":call-ice-001")
        assert verify_turn_credential("s3cret", turn.username, turn.credential)
        assert int(turn.username.split(":")[0]) > time.time() + 3000  # ttl 3600 s
