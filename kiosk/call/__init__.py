"""Calls to advisers: the interface the controller uses, and its two engines.

`open_call_service(call, hub)` builds the engine kiosk.toml's `[call]` names:
`webrtc` (kiosk.call.webrtc: the hub's signaling socket and aiortc media) or
`sim` (kiosk.call.sim: a pretend adviser with drawn pictures, no hub needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import CallConfig, HubLink
    from kiosk.controller.ports import CallService


def open_call_service(
    call: CallConfig, hub: HubLink | None = None, timeout_s: float = 8.0
) -> CallService:
    """The call engine for `[call]`; `hub` (url, token) is needed by `webrtc`."""
    if call.engine == "webrtc":
        from kiosk.call.media import MediaDevices
        from kiosk.call.signaling import SignalingLink
        from kiosk.call.webrtc import WebRtcCallService

        if hub is None:
            raise ValueError("the webrtc call engine needs the [hub] link")
        devices = MediaDevices(
            call.camera,
            call.microphone,
            width=call.video_width,
            height=call.video_height,
            fps=call.fps,
        )
        return WebRtcCallService(
            SignalingLink(hub.url, hub.token, timeout_s),
            devices,
            call.speaker,
            max_video_kbps=call.max_video_kbps,
            quality_every_s=call.quality_every_s,
            connect_timeout_s=call.connect_timeout_s,
            force_relay=call.force_relay,
        )
    from kiosk.call.sim import SimCallService  # Pillow is loaded only when a call service is

    return SimCallService(
        answer_after_s=call.sim_answer_after_s,
        unanswered_topics=call.sim_unanswered_topics,
        ring_timeout_s=call.ring_timeout_s,
        call_s=call.sim_call_s,
    )
