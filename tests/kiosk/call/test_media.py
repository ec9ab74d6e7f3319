"""The call's media on the kiosk: synthetic tracks, device URLs, mute and sound-only gates,
the speaker, and the quality grade."""

from __future__ import annotations

import asyncio
import time

import av
import numpy as np
import pytest
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from hub.protocol import DeviceState
from hub.protocol.signaling import QualitySample
from kiosk.call import open_call_service
from kiosk.call.media import (
    MediaDevices,
    MediaError,
    MicrophoneGate,
    SelfView,
    Speaker,
    SyntheticCamera,
    SyntheticMicrophone,
    synthetic_pictures,
    tone,
)
from kiosk.call.quality import Counters, grade, sample
from kiosk.config import CallConfig, HubLink
from kiosk.controller.ports import CallQuality


async def test_the_synthetic_camera_gives_640x480_frames_at_its_rate() -> None:
    camera = SyntheticCamera(synthetic_pictures(640, 480, 4), fps=30)
    started = time.monotonic()
    frames = [await camera.recv() for _ in range(16)]
    elapsed = time.monotonic() - started
    assert all(isinstance(f, av.VideoFrame) and (f.width, f.height) == (640, 480) for f in frames)
    assert [f.pts for f in frames] == [i * 3000 for i in range(16)]  # 90 kHz clock
    assert 0.4 < elapsed < 1.5  # 15 intervals of 1/30 s, paced, not as fast as possible
    camera.stop()
    with pytest.raises(MediaStreamError):
        await camera.recv()


async def test_the_synthetic_microphone_gives_20ms_of_a_tone_and_mute_gives_silence() -> None:
    gate = MicrophoneGate(SyntheticMicrophone(tone()))
    frame = await gate.recv()
    assert isinstance(frame, av.AudioFrame) and frame.samples == 960 and frame.sample_rate == 48000
    assert np.abs(frame.to_ndarray()).max() > 100
    gate.muted = True
    silent = await gate.recv()
    assert isinstance(silent, av.AudioFrame) and silent.samples == 960
    assert np.abs(silent.to_ndarray()).max() == 0


async def test_sound_only_keeps_draining_the_camera_but_sends_nothing() -> None:
    camera = SyntheticCamera(synthetic_pictures(320, 240, 2), fps=30)
    view = SelfView(camera)
    first = await view.recv()
    assert view.latest is first and view.count == 1
    view.sending = False
    pending = asyncio.ensure_future(view.recv())
    await asyncio.sleep(0.3)
    assert not pending.done() and view.latest is None  # nothing to send, no self-view
    assert camera._index >= 5  # ... but the camera is still read
    view.sending = True
    assert isinstance(await asyncio.wait_for(pending, 1), av.VideoFrame)
    view.stop()
    assert view.latest is None


async def test_devices_that_are_missing_are_left_out_and_reported() -> None:
    devices = MediaDevices("v4l2:/dev/video-missing", "alsa:hw:9")
    assert devices.states == {"camera": DeviceState.OFFLINE, "microphone": DeviceState.OFFLINE}
    media = await devices.open()
    assert media.video is None and media.audio is None
    assert devices.states == {"camera": DeviceState.OFFLINE, "microphone": DeviceState.OFFLINE}
    none = MediaDevices("none", "synthetic")
    opened = await none.open()
    assert opened.video is None and opened.audio is not None
    assert none.states == {"camera": DeviceState.ABSENT, "microphone": DeviceState.OK}
    opened.stop()


def test_unknown_device_urls_are_refused_at_start() -> None:
    with pytest.raises(MediaError, match="unknown media device"):
        MediaDevices("webcam:0", "synthetic")
    with pytest.raises(MediaError, match="unknown speaker"):
        Speaker("bluetooth:x")


class _Tone(MediaStreamTrack):
    kind = "audio"

    def __init__(self, frames: int) -> None:
        super().__init__()
        self.inner = SyntheticMicrophone(tone())
        self.left = frames

    async def recv(self) -> av.AudioFrame:
        if self.left == 0:
            raise MediaStreamError
        self.left -= 1
        return await self.inner.recv()  # type: ignore[return-value]


async def test_a_speaker_that_fails_is_dropped_and_the_sound_still_decodes() -> None:
    speaker = Speaker("alsa:hw:9")  # no such card
    await asyncio.wait_for(speaker.play(_Tone(10)), 5)
    assert speaker.frames == 10 and speaker.peak > 100


def test_open_call_service_builds_the_configured_engine() -> None:
    from kiosk.call.sim import SimCallService
    from kiosk.call.webrtc import WebRtcCallService

    assert isinstance(open_call_service(CallConfig()), SimCallService)
    webrtc = open_call_service(
        CallConfig(engine="webrtc", camera="none"),
        HubLink(url="https://hub.example", token="gaia_k_x"),
    )
    assert isinstance(webrtc, WebRtcCallService)
    assert webrtc.link.url == "wss://hub.example/ws/kiosk/v1"
    assert webrtc.devices()["camera"] is DeviceState.ABSENT
    assert webrtc.force_relay is False and webrtc.max_video_kbps == 500
    relayed = open_call_service(
        CallConfig(engine="webrtc", force_relay=True),
        HubLink(url="http://hub.test", token="gaia_k_x"),
    )
    assert isinstance(relayed, WebRtcCallService)
    assert relayed.force_relay is True
    with pytest.raises(ValueError, match="hub"):
        open_call_service(CallConfig(engine="webrtc"))


class _Stats:
    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def test_a_quality_sample_from_aiortc_stats_and_its_grade() -> None:
    def report(received: int, lost: int, nbytes: int, rtt: float) -> dict[str, _Stats]:
        return {
            "in": _Stats(type="inbound-rtp", packetsReceived=received, packetsLost=lost),
            "rin": _Stats(type="remote-inbound-rtp", roundTripTime=rtt),
            "t": _Stats(type="transport", bytesReceived=nbytes),
        }

    first, counters = sample(report(100, 0, 10_000, 0.02), None, frames=10, now=100.0)
    assert first.rtt_ms == 20 and first.loss_pct is None
    assert isinstance(counters, Counters)
    later, _ = sample(report(1100, 50, 335_000, 0.05), counters, frames=85, now=105.0)
    assert later.loss_pct == pytest.approx(100 * 50 / 1050)
    assert later.bitrate_kbps == pytest.approx(520.0)
    assert later.fps == pytest.approx(15.0)
    assert grade(later) is CallQuality.FAIR  # 4.8 % loss
    assert grade(QualitySample(rtt_ms=40, loss_pct=0.5, fps=15)) is CallQuality.GOOD
    assert grade(QualitySample(rtt_ms=900, loss_pct=0)) is CallQuality.POOR
    assert grade(QualitySample(rtt_ms=40, loss_pct=0, fps=2)) is CallQuality.POOR
    assert grade(QualitySample(rtt_ms=40, loss_pct=0, fps=0), video=False) is CallQuality.GOOD
