"""What the controller needs from the world, as small interfaces (docs/architecture.md, "Devices").

Each port has a real and a simulated implementation beside it in the package
(`kiosk.hubclient`, `kiosk.call`, `kiosk.printing`, `kiosk.speech`); the
composition root (`kiosk.ui.main`) picks them from kiosk.toml. Nothing here
imports aiortc, escpos, gpiozero, serial or Kivy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal, Protocol

from hub.protocol import DeviceState, Event
from hub.protocol.kiosk_api import Catalog, ContactRequest, IdentifyRequest, IdentifyResult
from kiosk.errors import KioskError

# -- hub ------------------------------------------------------------------------


class HubClientError(KioskError):
    """Base of the hub client's errors."""


class HubUnreachable(HubClientError):
    """No answer from the hub: network down, timeout, TLS failure or a 5xx."""


class HubRejected(HubClientError):
    """The hub refused the request (4xx): `status` and the hub's `detail`."""

    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(f"{status}: {detail}" if detail else str(status))
        self.status = status
        self.detail = detail


class HubThrottled(HubRejected):
    """The hub said "too many requests from this kiosk" (429): try again after
    `retry_after_s`; what was refused is kept, not dropped."""

    def __init__(self, retry_after_s: int, detail: str = "") -> None:
        super().__init__(429, detail)
        self.retry_after_s = retry_after_s


class HubApi(Protocol):
    """The kiosk API of the hub (hub.protocol.kiosk_api), as the kiosk uses it."""

    async def catalog(self) -> Catalog:
        """The current catalog; raises HubUnreachable or HubRejected."""
        ...

    async def identify(self, request: IdentifyRequest) -> IdentifyResult:
        """Check a personal code and PIN; raises HubUnreachable or HubRejected."""
        ...

    async def send_request(self, request: ContactRequest) -> None:
        """Deliver a call-back or appointment request (idempotent on its id)."""
        ...


# -- calls ----------------------------------------------------------------------


class CallQuality(StrEnum):
    """The simple quality indicator shown during a call."""

    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class CallEndReason(StrEnum):
    """Why a call request or a call ended."""

    HUNG_UP = "hung-up"  # the job seeker hung up
    REMOTE_HUNG_UP = "remote-hung-up"  # the adviser hung up
    MISSED = "missed"  # nobody answered in time
    CANCELLED = "cancelled"  # the job seeker cancelled while waiting
    UNAVAILABLE = "unavailable"  # nobody handles this topic now
    FAILED = "failed"  # the connection failed (network, media)


@dataclass(frozen=True, slots=True)
class Appointment:
    """An appointment the adviser booked during the call."""

    when: datetime
    place: str
    partner: str
    with_whom: str = ""


@dataclass(frozen=True, slots=True)
class Agreement:
    """What was agreed in the call, sent by the adviser's console: shown and printable."""

    next_step: str = ""
    appointment: Appointment | None = None


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One decoded picture, top row first: what the UI uploads to a texture as is."""

    width: int
    height: int
    pixels: bytes
    """`colorfmt` order, tightly packed (3 or 4 bytes a pixel)."""
    pts: int = 0
    """Increases with each new frame, so the UI uploads only when it changed."""
    colorfmt: Literal["rgb", "rgba"] = "rgb"


@dataclass(frozen=True, slots=True)
class Queued:
    """The request waits: its place in the queue and the hub's estimate of the wait."""

    kind: ClassVar[str] = "queued"
    position: int | None = None
    eta_s: float | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    """An adviser answered (their first name, when the console gives one)."""

    kind: ClassVar[str] = "answered"
    adviser_name: str | None = None


@dataclass(frozen=True, slots=True)
class QualitySample:
    """A quality grade of the call under way (every 5 s), with the round trip measured."""

    kind: ClassVar[str] = "quality"
    quality: CallQuality | None = None
    rtt_ms: float | None = None


@dataclass(frozen=True, slots=True)
class MediaChanged:
    """The adviser, or a missing camera, switched the call to sound only or back."""

    kind: ClassVar[str] = "media"
    audio_only: bool = False


@dataclass(frozen=True, slots=True)
class AgreementSent:
    """The adviser's console sent what was agreed."""

    kind: ClassVar[str] = "agreement"
    agreement: Agreement | None = None


@dataclass(frozen=True, slots=True)
class CallOver:
    """The request or the call is over, and why."""

    kind: ClassVar[str] = "ended"
    reason: CallEndReason = CallEndReason.FAILED


CallUpdate = Queued | Answered | QualitySample | MediaChanged | AgreementSent | CallOver
"""A change in a call's life, pushed to the controller on the event loop."""

CALL_UPDATES: dict[str, type[CallUpdate]] = {
    cls.kind: cls
    for cls in (Queued, Answered, QualitySample, MediaChanged, AgreementSent, CallOver)
}
"""Each call update's class by its `kind` (for logs and tests)."""


@dataclass(frozen=True, slots=True)
class CallerInfo:
    """What the adviser sees about the caller (personal data: kept for the call only)."""

    first_name: str | None = None
    commune: str | None = None
    ref: str | None = None
    language: str = "fr"


class Call(Protocol):
    """One call, from request to end. Every method is safe to call after the end."""

    async def cancel(self) -> None:
        """Withdraw the request while it is still ringing."""
        ...

    async def hang_up(self) -> None:
        """End an answered call."""
        ...

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute the kiosk's microphone."""
        ...

    def set_audio_only(self, audio_only: bool) -> None:
        """Stop (or restart) the video both ways, for a weak connection."""
        ...

    def remote_frame(self) -> VideoFrame | None:
        """The latest picture from the adviser, or None before the first."""
        ...

    def local_frame(self) -> VideoFrame | None:
        """The latest picture of the kiosk's own camera (self-view), or None."""
        ...


class CallService(Protocol):
    """Places calls (the simulated engine now; aiortc behind the same interface later)."""

    async def request(
        self, topic: str, caller: CallerInfo, on_update: Callable[[CallUpdate], None]
    ) -> Call:
        """Ask for an adviser on `topic`; updates arrive through `on_update`, on the loop."""
        ...

    def devices(self) -> dict[str, DeviceState]:
        """The camera's and the microphone's states, for health."""
        ...


# -- printer ---------------------------------------------------------------------


class PrinterError(KioskError):
    """The printer cannot print; `code` is a machine code such as `paper-out`, `offline`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class SlipLine:
    """One line of a slip: text, and how it is set."""

    text: str
    bold: bool = False
    large: bool = False
    center: bool = False


@dataclass(frozen=True, slots=True)
class Slip:
    """A printed slip as plain, already translated text; the printer module lays it out."""

    kind: str  # "appointment" | "contacts" | "test" | "request"
    title: str
    lines: list[SlipLine] = field(default_factory=list)
    qr: str | None = None
    """Printed with the printer's native QR command, never as an image
    (docs/architecture.md, "Pitfalls")."""
    footer: str = ""


class Printer(Protocol):
    """The thermal printer."""

    def state(self) -> DeviceState:
        """Its last known state (ok, paper-low, paper-out, offline, absent, error)."""
        ...

    async def print_slip(self, slip: Slip) -> None:
        """Print and cut; raises PrinterError. Keeps no copy of the slip afterwards."""
        ...


# -- speech ------------------------------------------------------------------------


class Speech(Protocol):
    """A text-to-speech engine (espeak-ng on the Pi), or none."""

    @property
    def available(self) -> bool:
        """True when an engine is installed and working."""
        ...

    def say(self, text: str, language: str) -> None:
        """Start reading `text` aloud, interrupting what is being read; returns at once."""
        ...

    def stop(self) -> None:
        """Stop reading."""
        ...


# -- outbox ------------------------------------------------------------------------


class EventSink(Protocol):
    """Where usage events go (the outbox the agent drains)."""

    def record(self, event: Event) -> None:
        """Store one usage event; must not raise (a full or broken outbox is logged)."""
        ...


class RequestStore(Protocol):
    """Contact requests waiting for the hub (made while offline), deleted once delivered."""

    def store(self, request: ContactRequest) -> None:
        """Keep a request until the hub accepts it."""
        ...

    def pending(self) -> list[ContactRequest]:
        """The requests still to send, oldest first."""
        ...

    def delete(self, request_id: str) -> None:
        """Forget a delivered request."""
        ...


class CatalogCache(Protocol):
    """The last catalog the hub sent, kept on disk (it holds no personal data)."""

    def load(self) -> Catalog | None:
        """The cached catalog, or None."""
        ...

    def save(self, catalog: Catalog) -> None:
        """Replace the cached catalog."""
        ...
