"""An adviser played by aiortc (for engine tests without a browser), and a kiosk engine.

`AdviserPeer` answers the kiosk's offers with synthetic media, like the console
does, and counts what it receives. `kiosk_engine` builds the kiosk's real
WebRtcCallService against a test hub, with synthetic media.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy

from hub.protocol.signaling import CallAssigned, IceServer, SdpAnswer, SdpOffer
from kiosk.call.media import (
    MediaDevices,
    SyntheticCamera,
    SyntheticMicrophone,
    synthetic_pictures,
    tone,
)
from kiosk.call.signaling import SignalingLink
from kiosk.call.webrtc import WebRtcCallService
from kiosk.controller.ports import CallUpdate
from tests.hub.signaling.support import Client, HubServer

_PICTURES: list[Any] = []


def pictures() -> list[Any]:
    """Synthetic 640×480 pictures, drawn once per test process."""
    if not _PICTURES:
        _PICTURES.extend(synthetic_pictures(640, 480, 10))
    return _PICTURES


def kiosk_engine(hub: HubServer, token: str, **options: Any) -> WebRtcCallService:
    """The kiosk's real call engine on `hub`, with synthetic camera and microphone."""
    camera = options.pop("camera", "synthetic")
    microphone = options.pop("microphone", "synthetic")
    fps = options.pop("fps", 15)
    devices = MediaDevices(camera, microphone, fps=fps)
    devices._pictures = pictures() if camera == "synthetic" else None
    return WebRtcCallService(SignalingLink(hub.http_url, token, 5.0), devices, **options)


@dataclass
class Updates:
    """The CallUpdates a call pushed, in order."""

    seen: list[CallUpdate] = field(default_factory=list)

    def __call__(self, update: CallUpdate) -> None:
        self.seen.append(update)

    def kinds(self) -> list[str]:
        """The kinds, in order."""
        return [u.kind for u in self.seen]

    def last(self, kind: str) -> CallUpdate | None:
        """The latest update of `kind`."""
        found = [u for u in self.seen if u.kind == kind]
        return found[-1] if found else None

    async def wait(self, kind: str, timeout: float = 15) -> CallUpdate:
        """Wait for an update of `kind`."""
        deadline = asyncio.get_running_loop().time() + timeout
        while (found := self.last(kind)) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"no {kind!r} update in {timeout}s; saw {self.kinds()}")
            await asyncio.sleep(0.02)
        return found


class AdviserPeer:
    """Answers offers on an adviser socket with an aiortc peer and synthetic media."""

    def __init__(self, client: Client, *, relay: bool = False) -> None:
        self.client = client
        self.relay = relay
        self.ice: list[IceServer] = []
        self.pc: RTCPeerConnection | None = None
        self.offers: list[SdpOffer] = []
        self.frames = {"video": 0, "audio": 0}
        self._pulls: list[asyncio.Task[None]] = []

    def assigned(self, message: CallAssigned) -> None:
        """Keep the ICE servers the hub gave for the call."""
        self.ice = list(message.ice_servers)

    async def answer(self, offer: SdpOffer, *, broken: bool = False) -> None:
        """Answer `offer`; `broken`: with a peer that is closed at once (ICE will fail)."""
        self.offers.append(offer)
        if self.pc is not None:
            await self.pc.close()
        servers = [
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in self.ice
        ]
        policy = RTCIceTransportPolicy.RELAY if self.relay else RTCIceTransportPolicy.ALL
        pc = RTCPeerConnection(RTCConfiguration(iceServers=servers, iceTransportPolicy=policy))
        self.pc = pc

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._pulls.append(asyncio.ensure_future(self._pull(track)))

        await pc.setRemoteDescription(RTCSessionDescription(offer.sdp, "offer"))
        pc.addTrack(SyntheticMicrophone(tone()))
        pc.addTrack(SyntheticCamera(pictures(), 15))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = SdpAnswer(call_id=offer.call_id, sdp=pc.localDescription.sdp)
        if broken:
            await pc.close()
            self.pc = None
        await self.client.send(answer)

    async def _pull(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self.frames[track.kind] += 1
        except MediaStreamError:
            return

    async def close(self) -> None:
        """Close the peer and stop counting."""
        for task in self._pulls:
            task.cancel()
        if self.pc is not None:
            await self.pc.close()
            self.pc = None
