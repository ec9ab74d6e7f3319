"""Calls relayed through a real coturn with the credentials the hub mints per call.

Both peers are forced to relay (`iceTransportPolicy: "relay"`), so media can only
flow through coturn: the kiosk's aiortc engine against an aiortc adviser and
against the console in Chromium. Expired or forged credentials are refused by
coturn itself.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable

import pytest
from aioice import stun
from aioice.turn import create_turn_endpoint

from hub.config import IceConfig
from hub.protocol.signaling import (
    CallAccept,
    CallAssigned,
    CallEnded,
    CallOutcome,
    CallRinging,
    SdpOffer,
)
from hub.signaling.ice import turn_credential
from kiosk.call.webrtc import WebRtcCall, WebRtcCallService, share_bundle_candidates
from kiosk.controller.ports import CallEndReason, CallerInfo
from tests.hub.signaling.conftest import Scene, _scene
from tests.hub.signaling.console import chromium, eventually, frames_decoded, open_console
from tests.hub.signaling.peers import AdviserPeer, Updates, kiosk_engine
from tests.hub.signaling.support import HubServer
from tests.hub.signaling.test_calls import online, record
from tests.hub.signaling.test_kiosk_engine import until
from tests.hub.signaling.turn import Coturn

CALLER = CallerInfo(first_name="Léa", commune="Layrac")


def relay_scene(make_hub: Callable[..., HubServer], turn: Coturn, secret: str = "") -> Scene:
    """The usual cast on a hub whose [ice] points at `turn` (with `secret`, default coturn's)."""
    ice = IceConfig(turn_urls=[turn.url], turn_secret=secret or turn.secret, turn_ttl_s=600)
    return _scene(make_hub(ice=ice, ring_timeout_s=30))


async def accepted_relayed_call(
    scene: Scene, connect_timeout_s: float
) -> tuple[WebRtcCall, Updates, AdviserPeer, CallAssigned, WebRtcCallService]:
    """The kiosk engine, forced to relay, calls for housing; Claire accepts (relay too)."""
    claire = await online(scene, "claire@habitat.test")
    service = kiosk_engine(
        scene.hub, scene.kiosk_token, force_relay=True, connect_timeout_s=connect_timeout_s
    )
    updates = Updates()
    call = await service.request("housing", CALLER, updates)
    await claire.send(CallAccept(call_id=(await claire.expect(CallRinging)).call_id))
    peer = AdviserPeer(claire, relay=True)
    assigned = await claire.expect(CallAssigned)
    peer.assigned(assigned)
    return call, updates, peer, assigned, service


def candidate_types(sdp: str) -> set[str]:
    """The candidate types an SDP offers ("host", "srflx", "relay")."""
    return set(re.findall(r"^a=candidate:.* typ (\w+)", sdp, flags=re.MULTILINE))


async def test_both_peers_relayed_through_coturn_media_flows_both_ways(
    make_hub: Callable[..., HubServer], coturn: Coturn
) -> None:
    scene = relay_scene(make_hub, coturn)
    call, updates, peer, assigned, service = await accepted_relayed_call(scene, 15)
    (turn,) = assigned.ice_servers
    assert turn.urls == [coturn.url] and turn.username and turn.username.endswith(call.id)
    offer = await peer.client.expect(SdpOffer)
    assert candidate_types(offer.sdp) == {"relay"}, "the kiosk offers relayed candidates only"
    await peer.answer(offer)
    assert peer.pc is not None and candidate_types(peer.pc.localDescription.sdp) == {"relay"}

    await until(
        lambda: call.frames_decoded > 15 and call.audio_frames > 25 and peer.frames["video"] > 15,
        "video and sound both ways through coturn",
        timeout=20,
    )
    assert "ended" not in updates.kinds()
    log = coturn.log_text()
    assert f"user <{turn.username}>" in log, "coturn authenticated the hub's minted username"
    assert "ALLOCATE processed, success" in log
    await call.hang_up()
    await peer.close()
    await service.aclose()
    assert record(scene, call.id).outcome == CallOutcome.ANSWERED


@pytest.mark.browser
async def test_the_console_in_chromium_relays_through_coturn_too(
    make_hub: Callable[..., HubServer], coturn: Coturn
) -> None:
    scene = relay_scene(make_hub, coturn)
    hub = scene.hub
    async with chromium() as browser:
        page = await open_console(browser, hub.http_url, "claire@habitat.test", query="?relay=1")
        assert await page.get_attribute("#console", "data-relay") == "1"
        service = kiosk_engine(hub, scene.kiosk_token, force_relay=True, connect_timeout_s=15)
        updates = Updates()
        call = await service.request("housing", CALLER, updates)
        item = page.locator(f"li[data-call={call.id}]")
        await item.wait_for()
        await item.locator("button.accept").click()
        await until(
            lambda: call.frames_decoded > 15 and call.audio_frames > 50,
            "the kiosk decodes Chromium's video and sound through coturn",
            timeout=25,
        )

        async def decoded() -> bool:
            return await frames_decoded(page) > 10

        await eventually(decoded, "Chromium decodes the kiosk's video through coturn")
        route = await page.get_attribute("#console", "data-route")
        assert route == "relay/relay", f"Chromium's media goes {route}, not through coturn"
        await call.hang_up()
        await service.aclose()


async def _allocate(turn: Coturn, username: str, password: str) -> None:
    """Ask coturn for a relay allocation with these credentials (raises when refused)."""
    transport, _ = await create_turn_endpoint(
        asyncio.DatagramProtocol, ("127.0.0.1", turn.port), username, password
    )
    transport.close()


async def test_coturn_accepts_minted_credentials_and_refuses_expired_or_forged_ones(
    coturn: Coturn,
) -> None:
    now = time.time()
    await _allocate(coturn, *turn_credential(coturn.secret, "call-valid", now + 600))

    for username, password in (
        turn_credential(coturn.secret, "call-expired", now - 5),
        turn_credential("not-the-shared-secret", "call-forged", now + 600),
        (turn_credential(coturn.secret, "call-altered", now + 600)[0], "AAAA" * 7),
    ):
        with pytest.raises(stun.TransactionFailed) as refused:
            await _allocate(coturn, username, password)
        assert refused.value.response.error_code == 401, username


async def test_a_hub_with_the_wrong_turn_secret_gets_a_failed_call_not_a_hang(
    make_hub: Callable[..., HubServer], coturn: Coturn
) -> None:
    scene = relay_scene(make_hub, coturn, secret="a-secret-coturn-does-not-know")
    call, updates, peer, _, service = await accepted_relayed_call(scene, 3)
    claire = peer.client
    first = await claire.expect(SdpOffer)
    assert "relay" not in candidate_types(first.sdp), "coturn gave no relay address"
    await peer.answer(first)
    await peer.answer(await claire.expect(SdpOffer, timeout=15))
    assert (await updates.wait("ended", timeout=20)).reason is CallEndReason.FAILED
    assert (await claire.expect(CallEnded)).reason == "failed"
    assert record(scene, call.id).outcome == CallOutcome.FAILED
    assert "401" in coturn.log_text() or "Unauthorized" in coturn.log_text()
    await peer.close()
    await service.aclose()


def test_a_browsers_bundled_answer_gives_every_section_the_tagged_candidates() -> None:
    relay = "a=candidate:1 1 udp 58597375 127.0.0.1 21256 typ relay raddr 0.0.0.0 rport 0"
    answer = "\r\n".join(
        [
            "v=0",
            "a=group:BUNDLE 0 1 2",
            "m=audio 21256 UDP/TLS/RTP/SAVPF 96",
            "a=mid:0",
            relay,
            "a=end-of-candidates",
            "m=video 9 UDP/TLS/RTP/SAVPF 97",
            "a=mid:1",
            "m=video 9 UDP/TLS/RTP/SAVPF 97",
            "a=mid:2",
            "a=candidate:2 1 udp 2122260223 192.0.2.7 5000 typ host",
        ]
    )
    shared = share_bundle_candidates(answer)
    sections = shared.split("m=")[1:]
    assert relay in sections[1] and "a=end-of-candidates" in sections[1]
    assert relay not in sections[2], "a section with candidates of its own keeps them"
    assert shared.count(relay) == 2
    unbundled = answer.replace("a=group:BUNDLE 0 1 2", "")
    assert share_bundle_candidates(unbundled) == unbundled
