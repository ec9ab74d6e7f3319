"""The kiosk's aiortc call engine against a real hub, an adviser played by aiortc.

(The same engine against the adviser console in Chromium: test_call_browser.py.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import select

from hub.protocol import DeviceState
from hub.protocol.signaling import (
    CallAccept,
    CallAssigned,
    CallEnded,
    CallHangUp,
    CallOutcome,
    CallRinging,
    CallWithdrawn,
    MediaMode,
    SdpOffer,
)
from hub.store import schema
from kiosk.call.webrtc import WebRtcCall, cap_video_bandwidth
from kiosk.controller.ports import CallEndReason, CallerInfo, CallQuality, HubUnreachable
from tests.hub.signaling.conftest import Scene
from tests.hub.signaling.peers import AdviserPeer, Updates, kiosk_engine
from tests.hub.signaling.support import HubServer
from tests.hub.signaling.test_calls import online, record

CALLER = CallerInfo(first_name="Léa", commune="Layrac")


async def until(predicate: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Wait until `predicate()` holds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def answered_call(
    scene: Scene, updates: Updates, **options: object
) -> tuple[WebRtcCall, AdviserPeer, object]:
    """Claire online; the kiosk engine calls for housing; she accepts and answers the offer."""
    claire = await online(scene, "claire@habitat.test")
    service = kiosk_engine(scene.hub, scene.kiosk_token, **options)
    call = await service.request("housing", CALLER, updates)
    ringing = await claire.expect(CallRinging)
    assert ringing.caller.first_name == "Léa" and ringing.caller.commune == "Layrac"
    await claire.send(CallAccept(call_id=ringing.call_id))
    peer = AdviserPeer(claire)
    peer.assigned(await claire.expect(CallAssigned))
    await peer.answer(await claire.expect(SdpOffer))
    return call, peer, service


async def test_a_kiosk_call_has_video_and_sound_both_ways_and_is_recorded(scene: Scene) -> None:
    updates = Updates()
    call, peer, service = await answered_call(scene, updates, quality_every_s=0.5)
    assert "queued" in updates.kinds()
    assert (await updates.wait("answered")).adviser_name == "Claire"
    offer = peer.offers[0]
    assert "VP8" in offer.sdp and "H264" not in offer.sdp and "b=AS:500" in offer.sdp
    await until(
        lambda: call.frames_decoded > 15 and call.audio_frames > 25 and peer.frames["video"] > 15,
        "video and sound both ways",
    )
    assert call.audio_peak > 500, "the adviser's tone was heard, not silence"
    remote, local = call.remote_frame(), call.local_frame()
    assert remote is not None and (remote.width, remote.height) == (640, 480)
    assert len(remote.pixels) == 640 * 480 * 3 and remote.colorfmt == "rgb"
    assert local is not None and (local.width, local.height) == (320, 240)
    assert len(local.pixels) == 320 * 240 * 4 and local.colorfmt == "rgba"
    # Both show the synthetic room's wall, (58, 64, 74): colours in the right order.
    wall = (58, 64, 74)
    assert all(abs(c - w) < 10 for c, w in zip(remote.pixels[:3], wall, strict=True))
    assert all(abs(c - w) < 10 for c, w in zip(local.pixels[:3], wall, strict=True))
    assert local.pixels[3] == 255  # opaque
    quality = await updates.wait("quality")
    assert quality.quality in (CallQuality.GOOD, CallQuality.FAIR)
    await until(lambda: updates.kinds().count("quality") >= 2, "samples")

    # Sound only from the kiosk: the adviser is told, the pictures go.
    call.set_audio_only(True)
    assert call.remote_frame() is None and call.local_frame() is None
    assert (await peer.client.expect(MediaMode)).audio_only is True
    # ... and back from the adviser's side: the kiosk's UI hears "media".
    await peer.client.send(MediaMode(call_id=call.id, audio_only=False))
    media = await updates.wait("media")
    assert media.audio_only is False
    await until(lambda: call.remote_frame() is not None, "the picture back")

    await call.hang_up()
    assert updates.kinds().count("ended") == 1
    assert updates.last("ended").reason is CallEndReason.HUNG_UP  # type: ignore[union-attr]
    ended = await peer.client.expect(CallEnded)
    assert ended.reason == "kiosk-hung-up"
    assert call.remote_frame() is None and call.local_frame() is None
    rec = record(scene, call.id)
    assert rec.outcome == CallOutcome.ANSWERED and rec.adviser_id == scene.claire
    assert rec.requested_at <= rec.answered_at <= rec.ended_at  # type: ignore[operator]
    assert rec.quality.samples >= 2 and rec.quality.bitrate_mean_kbps
    await peer.close()
    await service.aclose()  # type: ignore[attr-defined]


async def test_the_adviser_hangs_up_with_a_next_step(scene: Scene) -> None:
    from hub.protocol.signaling import Agreement

    updates = Updates()
    call, peer, service = await answered_call(scene, updates)
    await until(lambda: call.frames_decoded > 3, "video")
    await peer.client.send(
        CallHangUp(call_id=call.id, agreement=Agreement(next_step="Apporter le bail"))
    )
    ended = await updates.wait("ended")
    assert ended.reason is CallEndReason.REMOTE_HUNG_UP
    agreement = updates.last("agreement")
    assert agreement is not None and agreement.agreement is not None
    assert agreement.agreement.next_step == "Apporter le bail"
    assert updates.kinds().index("agreement") < updates.kinds().index("ended")
    await peer.close()
    await service.aclose()  # type: ignore[attr-defined]


async def test_the_adviser_closes_the_tab_mid_call_and_the_kiosk_ends_cleanly(
    scene: Scene,
) -> None:
    updates = Updates()
    call, peer, service = await answered_call(scene, updates)
    await until(lambda: call.frames_decoded > 3, "video")
    await peer.client.close()
    ended = await updates.wait("ended")
    assert ended.reason is CallEndReason.REMOTE_HUNG_UP
    assert updates.kinds().count("ended") == 1
    assert call.remote_frame() is None
    await peer.close()
    await service.aclose()  # type: ignore[attr-defined]


async def test_nobody_answers_the_kiosk_hears_missed(quick_scene: Scene) -> None:
    await online(quick_scene, "claire@habitat.test")
    service = kiosk_engine(quick_scene.hub, quick_scene.kiosk_token)
    updates = Updates()
    call = await service.request("housing", CALLER, updates)
    assert (await updates.wait("ended")).reason is CallEndReason.MISSED
    assert record(quick_scene, call.id).outcome == CallOutcome.MISSED
    await service.aclose()


async def test_nobody_handles_the_topic_now_the_kiosk_hears_unavailable(scene: Scene) -> None:
    service = kiosk_engine(scene.hub, scene.kiosk_token)
    updates = Updates()
    await service.request("housing", CALLER, updates)
    assert (await updates.wait("ended")).reason is CallEndReason.UNAVAILABLE
    await service.aclose()


async def test_past_the_kiosk_call_budget_the_person_hears_nobody_is_free(
    make_hub: Callable[..., HubServer],
) -> None:
    """The hub's "rate-limited" answer ends the call as unavailable (a call-back is
    offered), not as a failure, and leaves no call record."""
    hub = make_hub(requests_per_minute=1)
    token = hub.add_kiosk("k-busy")
    hub.add_adviser("claire@habitat.test", "Claire", "habitat-47", ["housing"])
    service = kiosk_engine(hub, token)
    first = Updates()
    await service.request("housing", CALLER, first)  # nobody online: unavailable
    assert (await first.wait("ended")).reason is CallEndReason.UNAVAILABLE
    second = Updates()
    call = await service.request("housing", CALLER, second)
    assert (await second.wait("ended")).reason is CallEndReason.UNAVAILABLE
    with hub.engine.connect() as conn:
        ids = set(conn.execute(select(schema.calls.c.id)).scalars())
    assert call.id not in ids and len(ids) == 1
    await service.aclose()


async def test_the_kiosk_cancels_while_it_rings(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    service = kiosk_engine(scene.hub, scene.kiosk_token)
    updates = Updates()
    call = await service.request("housing", CALLER, updates)
    await claire.expect(CallRinging)
    await call.cancel()
    assert updates.last("ended").reason is CallEndReason.CANCELLED  # type: ignore[union-attr]
    assert (await claire.expect(CallWithdrawn)).reason == "cancelled"
    assert record(scene, call.id).outcome == CallOutcome.CANCELLED
    await call.hang_up()  # safe after the end
    assert updates.kinds().count("ended") == 1
    await service.aclose()


async def test_no_camera_the_call_starts_with_sound_and_health_says_so(scene: Scene) -> None:
    updates = Updates()
    call, peer, service = await answered_call(scene, updates, camera="v4l2:/dev/video-missing")
    assert "m=video" in peer.offers[0].sdp  # the adviser's picture still comes
    await until(
        lambda: call.frames_decoded > 5 and peer.frames["audio"] > 25, "sound out, video in"
    )
    assert peer.frames["video"] == 0
    assert call.local_frame() is None and call.remote_frame() is not None
    assert service.devices() == {  # type: ignore[attr-defined]
        "camera": DeviceState.OFFLINE,
        "microphone": DeviceState.OK,
    }
    await call.hang_up()
    await peer.close()
    await service.aclose()  # type: ignore[attr-defined]


async def test_ice_failure_renegotiates_once_then_media_flows(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    service = kiosk_engine(scene.hub, scene.kiosk_token, connect_timeout_s=2)
    updates = Updates()
    call = await service.request("housing", CALLER, updates)
    await claire.send(CallAccept(call_id=(await claire.expect(CallRinging)).call_id))
    peer = AdviserPeer(claire)
    first = await claire.expect(SdpOffer)
    assert first.renegotiate is False
    await peer.answer(first, broken=True)  # its ICE never answers
    second = await claire.expect(SdpOffer, timeout=15)
    assert second.renegotiate is True
    await peer.answer(second)
    await until(lambda: call.frames_decoded > 5, "video after the renegotiation")
    assert "ended" not in updates.kinds()
    await call.hang_up()
    await peer.close()
    await service.aclose()


async def test_ice_failing_twice_ends_the_call_as_failed(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    service = kiosk_engine(scene.hub, scene.kiosk_token, connect_timeout_s=1.5)
    updates = Updates()
    call = await service.request("housing", CALLER, updates)
    await claire.send(CallAccept(call_id=(await claire.expect(CallRinging)).call_id))
    peer = AdviserPeer(claire)
    await peer.answer(await claire.expect(SdpOffer), broken=True)
    await peer.answer(await claire.expect(SdpOffer, timeout=15), broken=True)
    assert (await updates.wait("ended", timeout=20)).reason is CallEndReason.FAILED
    assert (await claire.expect(CallEnded)).reason == "failed"
    assert record(scene, call.id).outcome == CallOutcome.FAILED
    await peer.close()
    await service.aclose()


async def test_hub_down_or_a_wrong_token_the_request_fails_clearly(
    scene: Scene, make_hub: Callable[..., HubServer]
) -> None:
    wrong = kiosk_engine(scene.hub, "gaia_k_not-a-real-token")
    refused = Updates()
    # The hub accepts the handshake, then closes with 4401: the request either fails at
    # once or, when it went out before the close arrived, its call ends as failed.
    try:
        await wrong.request("housing", CALLER, refused)
    except HubUnreachable:
        pass
    else:
        assert (await refused.wait("ended")).reason is CallEndReason.FAILED
    assert wrong.calls == {}
    hub = make_hub()
    token = hub.add_kiosk("k-astaffort")
    service = kiosk_engine(hub, token)
    hub.stop()
    with pytest.raises(HubUnreachable):
        await service.request("housing", CALLER, Updates())


async def test_the_hub_goes_away_mid_call_and_the_kiosk_ends_it_as_failed(
    make_hub: Callable[..., HubServer],
) -> None:
    from tests.hub.signaling.conftest import _scene

    scene = _scene(make_hub(ring_timeout_s=30))
    updates = Updates()
    call, peer, service = await answered_call(scene, updates)
    await until(lambda: call.frames_decoded > 3, "video")
    scene.hub.stop()
    assert (await updates.wait("ended")).reason is CallEndReason.FAILED
    assert call.remote_frame() is None
    await peer.close()
    await service.aclose()  # type: ignore[attr-defined]


def test_the_offer_caps_the_advisers_video_bitrate() -> None:
    sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n"
    sdp += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:2000\r\na=mid:1\r\n"
    capped = cap_video_bandwidth(sdp, 300)
    assert capped.count("b=AS:") == 1
    video = capped[capped.index("m=video") :]
    assert "b=AS:300" in video and "b=AS:2000" not in capped


async def test_no_microphone_the_call_starts_with_video_and_health_says_so(scene: Scene) -> None:
    updates = Updates()
    call, peer, service = await answered_call(
        scene, updates, microphone="alsa:hw:9", speaker="alsa:hw:9"
    )
    await until(
        lambda: call.frames_decoded > 5 and peer.frames["video"] > 5 and call.audio_frames > 25,
        "video both ways, the adviser heard (no speaker: decoded anyway)",
    )
    assert peer.frames["audio"] == 0
    assert service.devices()["microphone"] is DeviceState.OFFLINE  # type: ignore[attr-defined]
    assert "ended" not in updates.kinds()
    await call.hang_up()
    await peer.close()
    await service.aclose()  # type: ignore[attr-defined]
