"""The call engine's interface, as the controller sees it (defined in kiosk.controller.ports).

Engines (`kiosk.call.sim` now, aiortc later) implement `CallService` and `Call`
and push `CallUpdate`s (Queued, Answered, QualitySample, MediaChanged,
AgreementSent, CallOver) on the event loop.
"""

from kiosk.controller.ports import (
    Agreement,
    Appointment,
    Call,
    CallEndReason,
    CallerInfo,
    CallQuality,
    CallService,
    CallUpdate,
    VideoFrame,
)

__all__ = [
    "Agreement",
    "Appointment",
    "Call",
    "CallEndReason",
    "CallQuality",
    "CallService",
    "CallUpdate",
    "CallerInfo",
    "VideoFrame",
]
