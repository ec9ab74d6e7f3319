"""The real call engine: signaling through the hub, media with aiortc.

See docs/architecture.md, "Processes".

`WebRtcCallService` implements the controller's `CallService` port. A call:

    request   CallRequest on the kiosk's socket → "queued" updates (CallQueued)
    accepted  CallAccepted (adviser's name, ICE servers for this call) → "answered";
              the camera and microphone open; the kiosk makes the offer (VP8 only,
              capped at max_video_kbps both ways) once gathering is complete
    connected the adviser's answer → media flows; the adviser's picture is kept
              for the UI's texture, their voice goes to the speaker; every
              quality_every_s a sample goes to the hub and a grade to the UI
    ended     either side hangs up, the kiosk cancels, the hub says missed /
              unavailable, the socket drops, or media fails → one "ended" update

aiortc cannot restart ICE (#1367): when the connection fails, or is not up
connect_timeout_s after the offer, the kiosk makes one new offer on a new peer
connection (`renegotiate`); if that fails too it hangs up with reason `failed`.

Sound only (`set_audio_only`, or the adviser's MediaMode) stops sending the
camera and hides the adviser's picture; mute sends silence. A missing camera or
microphone leaves that track out (receive only) and shows in `devices()`.

Nothing is recorded and nothing of the caller is kept: the first name and
commune go out in the request and are dropped; pictures are let go at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable, Coroutine
from typing import Any

import av
from aiortc import (
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.codecs import vpx
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy, RTCIceTransportPolicy
from pydantic import ValidationError

from hub.protocol import DeviceState
from hub.protocol.signaling import (
    Agreement as WireAgreement,
)
from hub.protocol.signaling import (
    CallAccepted,
    CallCancel,
    CallEnded,
    Caller,
    CallHangUp,
    CallQualityReport,
    CallQueued,
    CallRequest,
    EndReason,
    ErrorMessage,
    HubToKiosk,
    IceServer,
    MediaMode,
    SdpAnswer,
    SdpOffer,
    _Msg,
)
from kiosk.call.media import LocalMedia, MediaDevices, MicrophoneGate, SelfView, Speaker
from kiosk.call.quality import Counters, grade, sample
from kiosk.call.signaling import SignalingLink
from kiosk.controller.ports import (
    Agreement,
    AgreementSent,
    Answered,
    Appointment,
    CallEndReason,
    CallerInfo,
    CallOver,
    CallUpdate,
    HubUnreachable,
    MediaChanged,
    QualitySample,
    Queued,
    VideoFrame,
)

log = logging.getLogger(__name__)

SELF_VIEW_SIZE = (320, 240)

END_REASONS = {
    EndReason.MISSED: CallEndReason.MISSED,
    EndReason.UNAVAILABLE: CallEndReason.UNAVAILABLE,
    EndReason.CANCELLED: CallEndReason.CANCELLED,
    EndReason.KIOSK_HUNG_UP: CallEndReason.HUNG_UP,
    EndReason.ADVISER_HUNG_UP: CallEndReason.REMOTE_HUNG_UP,
    # The adviser's tab closed: for the caller, the adviser ended the call.
    EndReason.ADVISER_LEFT: CallEndReason.REMOTE_HUNG_UP,
    EndReason.KIOSK_LEFT: CallEndReason.FAILED,
    EndReason.FAILED: CallEndReason.FAILED,
}


def cap_vp8_bitrate(kbps: int) -> None:
    """Cap aiortc's VP8 encoder at `kbps` (it starts there and REMB cannot raise it).

    aiortc has no per-sender bitrate setting; its encoder clamps every REMB estimate
    to module constants. The kiosk runs one call at a time with one cap, so setting
    them for the process is the honest way.
    """
    bps = kbps * 1000
    vpx.MAX_BITRATE = bps
    vpx.DEFAULT_BITRATE = bps
    vpx.MIN_BITRATE = min(vpx.MIN_BITRATE, bps)


def cap_video_bandwidth(sdp: str, kbps: int) -> str:
    """`sdp` with `b=AS:<kbps>` in its video section: the adviser's browser sends no more."""
    out: list[str] = []
    in_video = False
    added = False
    for line in sdp.splitlines():
        if line.startswith("m="):
            in_video, added = line.startswith("m=video"), False
        elif in_video and line.startswith("b="):
            continue  # replaced by ours
        out.append(line)
        if in_video and not added and line.startswith("c="):
            out.append(f"b=AS:{kbps}")
            added = True
    return "\r\n".join(out) + "\r\n"


def share_bundle_candidates(sdp: str) -> str:
    """`sdp` with the BUNDLE-tag section's ICE candidates copied into the other bundled sections.

    Browsers (Chromium, Firefox) list candidates only in the first bundled m-section,
    as RFC 8843 says; aiortc 1.16 takes a bundled transport's candidates from the
    *last* section it parses, so it would see none. Host connections survive that
    (aiortc learns the browser's address from its checks), relayed ones do not:
    without candidates aiortc never asks coturn for a permission and the browser's
    checks are dropped. Sections that list candidates of their own are left alone.
    """
    lines = sdp.splitlines()
    bundle = next((ln.split()[1:] for ln in lines if ln.startswith("a=group:BUNDLE")), [])
    if len(bundle) < 2:
        return sdp
    sections: list[list[str]] = [[]]
    for line in lines:
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)

    def mid(section: list[str]) -> str | None:
        return next((ln[6:] for ln in section if ln.startswith("a=mid:")), None)

    def ice_lines(section: list[str]) -> list[str]:
        return [ln for ln in section if ln.startswith(("a=candidate:", "a=end-of-candidates"))]

    tagged = next((s for s in sections[1:] if mid(s) == bundle[0]), None)
    shared = ice_lines(tagged) if tagged else []
    if not shared:
        return sdp
    for section in sections[1:]:
        if section is not tagged and mid(section) in bundle and not ice_lines(section):
            section.extend(shared)
    return "\r\n".join(line for section in sections for line in section) + "\r\n"


def _caller(info: CallerInfo) -> Caller:
    """What the adviser is shown; a field that does not validate is left out."""
    fields: dict[str, Any] = {
        "first_name": info.first_name,
        "commune": info.commune,
        "ref": info.ref,
        "language": info.language if info.language in ("fr", "en") else "fr",
    }
    for name in ("first_name", "commune", "ref"):
        try:
            Caller(**{name: fields[name]})
        except ValidationError:
            fields[name] = None
    return Caller(**fields)


def _agreement(wire: WireAgreement) -> Agreement:
    appointment = None
    if wire.appointment_at is not None:
        appointment = Appointment(
            when=wire.appointment_at, place=wire.appointment_place, partner=wire.partner
        )
    return Agreement(next_step=wire.next_step, appointment=appointment)


class WebRtcCallService:
    """Places calls through the hub's signaling socket; media with aiortc."""

    def __init__(
        self,
        link: SignalingLink,
        devices: MediaDevices,
        speaker: str = "null",
        *,
        max_video_kbps: int = 500,
        quality_every_s: float = 5,
        connect_timeout_s: float = 20,
        force_relay: bool = False,
    ) -> None:
        self.link = link
        self.media = devices
        self.speaker_url = speaker
        Speaker(speaker)  # fails now on a bad URL, not in a call
        self.max_video_kbps = max_video_kbps
        self.quality_every_s = quality_every_s
        self.connect_timeout_s = connect_timeout_s
        self.force_relay = force_relay
        cap_vp8_bitrate(max_video_kbps)
        self.calls: dict[str, WebRtcCall] = {}
        self._cleanups: set[asyncio.Task[None]] = set()

    async def request(
        self, topic: str, caller: CallerInfo, on_update: Callable[[CallUpdate], None]
    ) -> WebRtcCall:
        """Ask the hub for an adviser on `topic`; HubUnreachable if the socket cannot open."""
        call = WebRtcCall(self, f"c-{secrets.token_urlsafe(12)}", topic, on_update)
        self.calls[call.id] = call
        self.link.register(call.id, call)
        try:
            await self.link.send(CallRequest(call_id=call.id, topic=topic, caller=_caller(caller)))
        except BaseException:
            self.link.unregister(call.id)
            self.calls.pop(call.id, None)
            raise
        return call

    def devices(self) -> dict[str, DeviceState]:
        """The camera's and the microphone's states, as the last call (or a probe) found them."""
        return dict(self.media.states)

    def _track_cleanup(self, task: asyncio.Task[None]) -> None:
        self._cleanups.add(task)
        task.add_done_callback(self._cleanups.discard)

    async def aclose(self) -> None:
        """Hang up every call, wait for their media to close, close the socket."""
        for call in list(self.calls.values()):
            await call.hang_up()
        if self._cleanups:
            await asyncio.gather(*self._cleanups, return_exceptions=True)
        await self.link.aclose()


class WebRtcCall:
    """One call; `state` is "ringing", "answered" or "ended"."""

    def __init__(
        self,
        service: WebRtcCallService,
        call_id: str,
        topic: str,
        on_update: Callable[[CallUpdate], None],
    ) -> None:
        self._service = service
        self.id = call_id
        self.topic = topic
        self._on_update = on_update
        self.state = "ringing"
        self.end_reason: CallEndReason | None = None
        self.adviser_name = ""
        self.muted = False
        self.audio_only = False
        self.renegotiated = False
        self._ice: list[IceServer] = []
        self._pc: RTCPeerConnection | None = None
        self._media: LocalMedia | None = None
        self._self_view: SelfView | None = None
        self._mic: MicrophoneGate | None = None
        self._speaker = Speaker(service.speaker_url)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._connected: asyncio.Event | None = None
        self._remote: av.VideoFrame | None = None
        self._remote_picture: VideoFrame | None = None
        self._local_picture: VideoFrame | None = None
        self._counters: Counters | None = None
        # For the benchmarks and health: counts and times, no content.
        self.frames_decoded = 0
        self.accepted_at: float | None = None
        self.first_frame_at: float | None = None

    @property
    def audio_frames(self) -> int:
        """The adviser's audio frames decoded so far."""
        return self._speaker.frames

    @property
    def audio_peak(self) -> int:
        """The loudest sample of the adviser's audio so far (0: silence)."""
        return self._speaker.peak

    # -- the Call port ----------------------------------------------------------------

    async def cancel(self) -> None:
        """Withdraw the request (CANCELLED); on an answered call, the same as hang_up()."""
        if self.state == "answered":
            await self.hang_up()
            return
        if self.state == "ended":
            return
        await self._tell(CallCancel(call_id=self.id))
        await self._end(CallEndReason.CANCELLED)

    async def hang_up(self) -> None:
        """End the call (HUNG_UP); while still ringing, the same as cancel()."""
        if self.state == "ringing":
            await self.cancel()
            return
        if self.state == "ended":
            return
        await self._tell(CallHangUp(call_id=self.id))
        await self._end(CallEndReason.HUNG_UP)

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute the microphone (the adviser hears silence)."""
        self.muted = muted
        if self._mic is not None:
            self._mic.muted = muted

    def set_audio_only(self, audio_only: bool) -> None:
        """Sound only, or back to video; the adviser's console is told."""
        if self.state == "ended" or audio_only == self.audio_only:
            return
        self._apply_audio_only(audio_only)
        self._spawn(self._tell(MediaMode(call_id=self.id, audio_only=audio_only)))

    def remote_frame(self) -> VideoFrame | None:
        """The adviser's latest picture, RGB24 (converted only when a new one came)."""
        frame = self._remote
        if frame is None or self.audio_only or self.state != "answered":
            return None
        picture = self._remote_picture
        if picture is None or picture.pts != self.frames_decoded:
            rgb = frame.to_ndarray(format="rgb24")
            picture = VideoFrame(frame.width, frame.height, rgb.tobytes(), self.frames_decoded)
            self._remote_picture = picture
        return picture

    def local_frame(self) -> VideoFrame | None:
        """The camera's latest picture as sent, 320×240 RGBA (None: no camera, sound only).

        RGBA, not RGB: swscale scales and converts to RGBA in one fast pass, about half
        the time of RGB24 at this size (bench/call.py); GL ES takes RGBA textures as is.
        """
        view = self._self_view
        if view is None or view.latest is None or self.audio_only or self.state != "answered":
            return None
        picture = self._local_picture
        if picture is None or picture.pts != view.count:
            width, height = SELF_VIEW_SIZE
            small = view.latest.reformat(width=width, height=height, format="rgba")
            picture = VideoFrame(width, height, small.to_ndarray().tobytes(), view.count, "rgba")
            self._local_picture = picture
        return picture

    # -- messages from the hub ----------------------------------------------------------

    def on_message(self, message: HubToKiosk) -> None:
        """A message for this call, from the signaling socket's reader."""
        if self.state == "ended":
            return
        if isinstance(message, CallQueued) and self.state == "ringing":
            self._emit(Queued(position=message.position, eta_s=message.eta_s))
        elif isinstance(message, CallAccepted) and self.state == "ringing":
            self.state = "answered"
            self.accepted_at = time.monotonic()
            self.adviser_name = message.adviser_name
            self._ice = list(message.ice_servers)
            self._emit(Answered(adviser_name=message.adviser_name))
            self._spawn(self._start_media())
        elif isinstance(message, SdpAnswer) and self._pc is not None:
            self._spawn(self._answered(self._pc, message.sdp))
        elif isinstance(message, MediaMode):
            if message.audio_only != self.audio_only:
                self._apply_audio_only(message.audio_only)
                self._emit(MediaChanged(audio_only=message.audio_only))
        elif isinstance(message, CallEnded):
            if message.agreement is not None:
                self._emit(AgreementSent(agreement=_agreement(message.agreement)))
            self._spawn(self._end(END_REASONS.get(message.reason, CallEndReason.FAILED)))
        elif isinstance(message, ErrorMessage):
            log.warning("hub refused a message of the call: %s", message.code)
            if self.state == "ringing":
                # Past the kiosk's call budget: to the person, nobody is free right now
                # (they are offered a call-back), not a failure.
                limited = message.code == "rate-limited"
                self._spawn(
                    self._end(CallEndReason.UNAVAILABLE if limited else CallEndReason.FAILED)
                )

    def on_link_lost(self) -> None:
        """The socket to the hub dropped: the hub has ended the call too."""
        if self.state != "ended":
            self._spawn(self._end(CallEndReason.FAILED))

    # -- media ------------------------------------------------------------------------------

    async def _start_media(self) -> None:
        media = await self._service.media.open()
        if self.state == "ended":
            media.stop()
            return
        self._media = media
        if media.video is not None:
            self._self_view = SelfView(media.video)
            self._self_view.sending = not self.audio_only
        if media.audio is not None:
            self._mic = MicrophoneGate(media.audio)
            self._mic.muted = self.muted
        await self._negotiate(renegotiate=False)

    def _new_pc(self) -> RTCPeerConnection:
        servers = [
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in self._ice
        ]
        policy = (
            RTCIceTransportPolicy.RELAY if self._service.force_relay else RTCIceTransportPolicy.ALL
        )
        pc = RTCPeerConnection(
            RTCConfiguration(
                iceServers=servers,
                iceTransportPolicy=policy,
                bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
            )
        )
        connected = asyncio.Event()
        self._connected = connected

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                self._spawn(self._pull_video(track))
            else:
                self._spawn(self._speaker.play(track))

        @pc.on("connectionstatechange")
        async def on_state() -> None:
            if pc is not self._pc:
                return
            if pc.connectionState == "connected":
                connected.set()
            elif pc.connectionState == "failed":
                self._spawn(self._media_failed(pc))

        audio = pc.addTransceiver(
            self._mic or "audio", direction="sendrecv" if self._mic else "recvonly"
        )
        video = pc.addTransceiver(
            self._self_view or "video", direction="sendrecv" if self._self_view else "recvonly"
        )
        codecs = RTCRtpSender.getCapabilities("video").codecs
        video.setCodecPreferences([c for c in codecs if c.mimeType in ("video/VP8", "video/rtx")])
        opus = [
            c for c in RTCRtpSender.getCapabilities("audio").codecs if c.mimeType == "audio/opus"
        ]
        audio.setCodecPreferences(opus)
        return pc

    async def _negotiate(self, *, renegotiate: bool) -> None:
        pc = self._new_pc()
        self._pc = pc
        await pc.setLocalDescription(await pc.createOffer())  # returns once gathering is done
        if pc is not self._pc or self.state == "ended":
            return
        sdp = cap_video_bandwidth(pc.localDescription.sdp, self._service.max_video_kbps)
        await self._tell(SdpOffer(call_id=self.id, sdp=sdp, renegotiate=renegotiate))
        self._spawn(self._watch(pc))

    async def _answered(self, pc: RTCPeerConnection, sdp: str) -> None:
        if pc is not self._pc or pc.signalingState != "have-local-offer":
            return
        try:
            answer = RTCSessionDescription(sdp=share_bundle_candidates(sdp), type="answer")
            await pc.setRemoteDescription(answer)
        except Exception as exc:  # a malformed answer: same as a failed connection
            log.warning("the adviser's answer was refused: %s", type(exc).__name__)
            await self._media_failed(pc)
            return
        if self._counters is None:
            self._counters = Counters(time.monotonic(), 0, 0, 0, 0)
            self._spawn(self._quality_loop())

    async def _watch(self, pc: RTCPeerConnection) -> None:
        """ICE not connected in time after the offer counts as a failure."""
        connected = self._connected
        assert connected is not None
        try:
            await asyncio.wait_for(connected.wait(), self._service.connect_timeout_s)
        except TimeoutError:
            log.warning("call media not connected after %.0f s", self._service.connect_timeout_s)
            await self._media_failed(pc)

    async def _media_failed(self, pc: RTCPeerConnection) -> None:
        """Renegotiate once on a new peer connection; the second failure ends the call."""
        if pc is not self._pc or self.state != "answered":
            return
        if not self.renegotiated:
            self.renegotiated = True
            log.warning("call media failed: renegotiating once")
            self._pc = None
            await pc.close()
            self._remote = None
            await self._negotiate(renegotiate=True)
            return
        log.warning("call media failed again: ending the call")
        await self._tell(CallHangUp(call_id=self.id, reason="failed"))
        await self._end(CallEndReason.FAILED)

    async def _pull_video(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if not isinstance(frame, av.VideoFrame):
                continue
            self._remote = frame
            self.frames_decoded += 1
            if self.first_frame_at is None:
                self.first_frame_at = time.monotonic()

    def _apply_audio_only(self, audio_only: bool) -> None:
        self.audio_only = audio_only
        if self._self_view is not None:
            self._self_view.sending = not audio_only
        self._remote_picture = self._local_picture = None

    async def _quality_loop(self) -> None:
        every = self._service.quality_every_s
        while self.state == "answered":
            await asyncio.sleep(every)
            pc = self._pc
            if pc is None or pc.connectionState != "connected":
                continue
            report = await pc.getStats()
            quality, self._counters = sample(
                report, self._counters, frames=self.frames_decoded, now=time.monotonic()
            )
            if self.state != "answered":
                return
            await self._tell(CallQualityReport(call_id=self.id, sample=quality))
            self._emit(
                QualitySample(
                    quality=grade(quality, video=not self.audio_only),
                    rtt_ms=quality.rtt_ms,
                )
            )

    # -- plumbing -------------------------------------------------------------------------

    async def _tell(self, message: _Msg) -> None:
        """Send to the hub; a lost socket is handled by on_link_lost, not here."""
        try:
            await self._service.link.send(message)
        except HubUnreachable:
            log.warning("could not tell the hub %s", message.type)  # type: ignore[attr-defined]

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("call task failed", exc_info=task.exception())
            if self.state != "ended":
                self._spawn(self._end(CallEndReason.FAILED))

    def _emit(self, update: CallUpdate, *, final: bool = False) -> None:
        if self.state == "ended" and not final:
            return
        try:
            self._on_update(update)
        except Exception:  # the controller's bug must not kill the call
            log.exception("call update handler failed on %r", update.kind)

    async def _end(self, reason: CallEndReason) -> None:
        """Say "ended" once, then close the media (camera off) and forget the pictures."""
        if self.state == "ended":
            return
        self.state = "ended"
        self.end_reason = reason
        service = self._service
        service.link.unregister(self.id)
        service.calls.pop(self.id, None)
        self._emit(CallOver(reason=reason), final=True)
        cleanup = asyncio.ensure_future(self._close_media())
        service._track_cleanup(cleanup)
        await asyncio.shield(cleanup)

    async def _close_media(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        pc, self._pc = self._pc, None
        if pc is not None:
            await pc.close()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for track in (self._self_view, self._mic):
            if track is not None:
                track.stop()
        if self._media is not None:
            self._media.stop()
        self._media = self._self_view = self._mic = None
        self._remote = self._remote_picture = self._local_picture = None
