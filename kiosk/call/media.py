"""The call's media on the kiosk: camera, microphone and speaker, real or synthetic.

`[call]` names each device with a small URL (docs/architecture.md, "Devices"):

    camera      synthetic | v4l2:/dev/video0 | none
    microphone  synthetic | alsa:default | alsa:hw:1,0 | none
    speaker     null | alsa:default

PulseAudio and PipeWire are reached through ALSA's pulse plugin (`alsa:pulse`,
or `alsa:default` where it is the default), which is also how their echo
cancellation is used (aiortc has none, docs/architecture.md, "Pitfalls"): PyAV's FFmpeg has no
pulse device of its own. PyAV's wheels bundle an alsa-lib that looks for its
configuration in the build's prefix; `use_system_alsa_config()` points it at
Debian's (/usr/share/alsa), without which no ALSA name resolves.

Real devices are opened through FFmpeg with aiortc's `MediaPlayer` when a call
starts and closed when it ends, so the camera's light is on only during a call.
A device that cannot be opened is left out (the call starts with what there
is) and its state says so for health. Synthetic tracks (the `sim` profile, the
tests, the benchmarks) are pictures and a tone drawn once and replayed at the
configured rate, so they cost next to nothing per frame.

Nothing here records: the speaker plays the adviser's voice and keeps nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from hub.protocol import DeviceState
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

VIDEO_CLOCK = 90_000
AUDIO_RATE = 48_000
AUDIO_PTIME = 0.020


class MediaError(KioskError):
    """A device URL that is not understood."""


def _scheme(url: str) -> tuple[str, str]:
    scheme, _, rest = url.partition(":")
    return scheme.strip().lower(), rest.strip()


SYSTEM_ALSA = Path("/usr/share/alsa")


def use_system_alsa_config() -> None:
    """Point the wheel's alsa-lib at the system's configuration (unless already set)."""
    if (SYSTEM_ALSA / "alsa.conf").exists():
        os.environ.setdefault("ALSA_CONFIG_PATH", str(SYSTEM_ALSA / "alsa.conf"))
        os.environ.setdefault("ALSA_CONFIG_DIR", str(SYSTEM_ALSA))


ASOUND = Path("/proc/asound")


def _alsa_card_present(name: str) -> bool:
    """Whether the sound card `name` names is there (hw:N / plughw:N: card N; else any)."""
    if not ASOUND.is_dir():
        return False
    device, _, card = name.partition(":")
    if device in ("hw", "plughw") and card:
        index = card.split(",")[0].removeprefix("CARD=")
        return (ASOUND / f"card{index}").exists() or (ASOUND / index).exists()
    return any(ASOUND.glob("card[0-9]*"))


# -- synthetic sources ----------------------------------------------------------------


def synthetic_pictures(width: int, height: int, count: int = 30) -> list[np.ndarray]:
    """`count` YUV420p pictures of a dim room with a silhouette and a sweeping bar."""
    from PIL import Image, ImageDraw

    pictures = []
    for index in range(count):
        image = Image.new("RGB", (width, height), (58, 64, 74))
        draw = ImageDraw.Draw(image)
        cx, unit = width // 2, height / 240
        draw.ellipse((cx - 40 * unit, 50 * unit, cx + 40 * unit, 140 * unit), fill=(120, 128, 140))
        draw.pieslice(
            (cx - 80 * unit, 140 * unit, cx + 80 * unit, 320 * unit), 180, 360, fill=(120, 128, 140)
        )
        x = int(width * index / count)
        draw.rectangle(
            (x, height - 16 * unit, x + width // 8, height - 4 * unit), fill=(110, 200, 120)
        )
        frame = av.VideoFrame.from_image(image).reformat(format="yuv420p")
        pictures.append(frame.to_ndarray())
    return pictures


class SyntheticCamera(MediaStreamTrack):
    """A camera that replays drawn pictures at `fps` (timestamps on the 90 kHz clock)."""

    kind = "video"

    def __init__(self, pictures: list[np.ndarray], fps: int) -> None:
        super().__init__()
        self._pictures = pictures
        self._fps = fps
        self._start: float | None = None
        self._index = 0

    async def recv(self) -> av.VideoFrame:
        """The next picture, on time."""
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._index += 1
            wait = self._start + self._index / self._fps - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        picture = self._pictures[self._index % len(self._pictures)]
        frame = av.VideoFrame.from_ndarray(picture, format="yuv420p")
        frame.pts = int(self._index * VIDEO_CLOCK / self._fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame


def tone(seconds: float = 1.0, hz: float = 440.0) -> np.ndarray:
    """A soft tone with a slow swell, mono s16 at 48 kHz: the synthetic microphone's sound."""
    t = np.arange(int(AUDIO_RATE * seconds)) / AUDIO_RATE
    swell = 0.55 + 0.45 * np.sin(2 * math.pi * t / seconds)
    return (3000 * swell * np.sin(2 * math.pi * hz * t)).astype(np.int16)


class SyntheticMicrophone(MediaStreamTrack):
    """A microphone that plays `tone()` in 20 ms frames, on time."""

    kind = "audio"

    def __init__(self, samples: np.ndarray) -> None:
        super().__init__()
        self._samples = samples
        self._per_frame = int(AUDIO_RATE * AUDIO_PTIME)
        self._start: float | None = None
        self._index = 0

    async def recv(self) -> av.AudioFrame:
        """The next 20 ms of sound."""
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            self._index += 1
            wait = self._start + self._index * AUDIO_PTIME - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        n = self._per_frame
        offset = (self._index * n) % (len(self._samples) - n)
        chunk = self._samples[offset : offset + n]
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self._index * n
        frame.time_base = fractions.Fraction(1, AUDIO_RATE)
        return frame


# -- the devices of one call ------------------------------------------------------------


@dataclass
class LocalMedia:
    """The kiosk's camera and microphone tracks for one call (None: missing)."""

    video: MediaStreamTrack | None
    audio: MediaStreamTrack | None
    _players: list[MediaPlayer] = field(default_factory=list)

    def stop(self) -> None:
        """Stop the tracks and close the devices (the camera's light goes off)."""
        for track in (self.video, self.audio):
            if track is not None:
                track.stop()
        for player in self._players:
            for track in (player.audio, player.video):
                if track is not None:
                    track.stop()
        self._players.clear()


class MediaDevices:
    """Opens the configured camera and microphone per call; remembers their states."""

    def __init__(
        self,
        camera: str = "synthetic",
        microphone: str = "synthetic",
        *,
        width: int = 640,
        height: int = 480,
        fps: int = 15,
    ) -> None:
        self.camera = camera
        self.microphone = microphone
        self.width, self.height, self.fps = width, height, fps
        for url in (camera, microphone):
            if _scheme(url)[0] not in ("synthetic", "v4l2", "alsa", "none"):
                raise MediaError(f"unknown media device {url!r}")
            if _scheme(url)[0] == "alsa":
                use_system_alsa_config()
        self._pictures: list[np.ndarray] | None = None
        self._tone: np.ndarray | None = None
        self.states = {
            "camera": self._probe(camera),
            "microphone": self._probe(microphone),
        }

    @staticmethod
    def _probe(url: str) -> DeviceState:
        """A cheap look without opening the device (health before the first call)."""
        scheme, rest = _scheme(url)
        if scheme == "none":
            return DeviceState.ABSENT
        if scheme == "v4l2":
            return DeviceState.OK if Path(rest).exists() else DeviceState.OFFLINE
        if scheme == "alsa":
            return DeviceState.OK if _alsa_card_present(rest) else DeviceState.OFFLINE
        return DeviceState.OK

    def prepare(self) -> None:
        """Draw the synthetic pictures and tone (once; a few hundred ms at 640×480)."""
        if _scheme(self.camera)[0] == "synthetic" and self._pictures is None:
            self._pictures = synthetic_pictures(self.width, self.height)
        if _scheme(self.microphone)[0] == "synthetic" and self._tone is None:
            self._tone = tone()

    async def open(self) -> LocalMedia:
        """The tracks for a call; a device that fails is left out and marked OFFLINE."""
        await asyncio.to_thread(self.prepare)
        media = LocalMedia(None, None)
        media.video = await self._open("camera", self.camera, media)
        media.audio = await self._open("microphone", self.microphone, media)
        return media

    async def _open(self, name: str, url: str, media: LocalMedia) -> MediaStreamTrack | None:
        scheme, rest = _scheme(url)
        if scheme == "none":
            self.states[name] = DeviceState.ABSENT
            return None
        if scheme == "synthetic":
            self.states[name] = DeviceState.OK
            if name == "camera":
                assert self._pictures is not None
                return SyntheticCamera(self._pictures, self.fps)
            assert self._tone is not None
            return SyntheticMicrophone(self._tone)
        options: dict[str, str]
        if name == "camera":
            options = {"video_size": f"{self.width}x{self.height}", "framerate": str(self.fps)}
        else:
            options = {"channels": "1", "sample_rate": str(AUDIO_RATE)}
        try:
            player = await asyncio.to_thread(
                MediaPlayer, rest or "default", format=scheme, options=options
            )
        except (av.FFmpegError, OSError, ValueError) as exc:
            log.warning("%s %s cannot be opened: %s", name, url, type(exc).__name__)
            self.states[name] = DeviceState.OFFLINE
            return None
        track = player.video if name == "camera" else player.audio
        if track is None:
            log.warning(
                "%s %s has no %s stream", name, url, "video" if name == "camera" else "audio"
            )
            self.states[name] = DeviceState.ERROR
            return None
        media._players.append(player)
        self.states[name] = DeviceState.OK
        return track


# -- the remote side ----------------------------------------------------------------------


class SelfView(MediaStreamTrack):
    """The camera as the call sends it: keeps the latest frame for the self-view.

    While `sending` is off (sound only) the camera is still drained, so a real
    device's frames do not pile up, but nothing is returned, so nothing is sent.
    """

    kind = "video"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.source = source
        self.sending = True
        self.latest: av.VideoFrame | None = None
        self.count = 0

    async def recv(self) -> av.VideoFrame:
        """The camera's next frame to send (also kept for the self-view)."""
        while True:
            frame = await self.source.recv()
            if not isinstance(frame, av.VideoFrame):
                continue
            if self.sending:
                self.latest = frame
                self.count += 1
                return frame
            self.latest = None

    def stop(self) -> None:
        """Stop, dropping the kept frame."""
        super().stop()
        self.latest = None


class MicrophoneGate(MediaStreamTrack):
    """The microphone as the call sends it: silence while `muted`, on the same clock."""

    kind = "audio"

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.source = source
        self.muted = False

    async def recv(self) -> av.AudioFrame:
        """The microphone's next frame, zeroed while muted."""
        frame = await self.source.recv()
        assert isinstance(frame, av.AudioFrame)
        if self.muted:
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
        return frame


class Speaker:
    """Plays the adviser's audio track on the configured output; counts what it decoded.

    `null` decodes and drops (the sim profile, the tests). ALSA is written through
    FFmpeg's output device, as 16-bit PCM at 48 kHz. A speaker that fails (absent,
    unplugged mid-call) is dropped with one warning: the call goes on.
    """

    def __init__(self, url: str = "null") -> None:
        scheme, _rest = _scheme(url)
        if scheme not in ("null", "alsa"):
            raise MediaError(f"unknown speaker {url!r}")
        if scheme == "alsa":
            use_system_alsa_config()
        self.url = url
        self.frames = 0
        self.peak = 0
        """The loudest sample heard so far (0: silence only)."""

    async def play(self, track: MediaStreamTrack) -> None:
        """Pull and play `track` until it ends (run as the call's task; cancel to stop)."""
        scheme, rest = _scheme(self.url)
        container: Any = None
        stream: Any = None
        if scheme != "null":
            try:
                container = av.open(rest or "default", "w", format=scheme)
                stream = container.add_stream("pcm_s16le", rate=AUDIO_RATE, layout="stereo")
            except (av.FFmpegError, OSError, ValueError) as exc:
                log.warning("speaker %s cannot be opened: %s", self.url, type(exc).__name__)
                container = None
        try:
            while True:
                try:
                    frame = await track.recv()
                except MediaStreamError:
                    return
                if not isinstance(frame, av.AudioFrame):
                    continue
                self.frames += 1
                if self.frames % 25 == 1:  # a look twice a second is enough
                    self.peak = max(self.peak, int(np.abs(frame.to_ndarray()).max(initial=0)))
                if container is not None:
                    try:
                        for packet in stream.encode(frame):
                            container.mux(packet)
                    except (av.FFmpegError, OSError, ValueError) as exc:
                        log.warning("speaker %s failed: %s", self.url, type(exc).__name__)
                        with contextlib.suppress(Exception):
                            container.close()
                        container = None
        finally:
            if container is not None:
                with contextlib.suppress(Exception):
                    container.close()
