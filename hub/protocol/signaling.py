"""Call signaling: the WebSocket messages between kiosks, the hub and advisers.

Two sockets, one JSON text message per frame, each message a model below with
its `type` and the schema version `v`:

    /ws/kiosk/v1     a kiosk's UI process; authenticated by the kiosk's own hub
                     token (`Authorization: Bearer gaia_k_...` on the handshake).
                     No message names a kiosk: the token says which one speaks.
    /ws/adviser/v1   an adviser's console; authenticated by the console's session
                     cookie, and only from the hub's own Origin.

A call, as the two sides see it:

    kiosk                         hub                           advisers (all free ones
                                                                 for the topic)
    CallRequest ───────────────►  CallQueued ──► kiosk          CallRinging ──► each
                                  (no answer in ring_timeout_s:
                                   CallEnded(missed) to the kiosk, CallWithdrawn to advisers)
                                                          ◄──── CallAccept (first one wins)
    CallAccepted ◄──────────────  (ice servers, TURN credentials  CallAssigned ──► winner
                                   minted for this call)          CallWithdrawn ──► others
    SdpOffer ──────────────────►  relayed ───────────────────────► SdpOffer
    SdpAnswer ◄─────────────────  relayed ◄─────────────────────── SdpAnswer
    (media flows directly, or through TURN: never through the hub)
    MediaMode / CallQualityReport / CallHangUp  either way          likewise
    CallEnded ◄─────────────────  when either side hangs up, cancels or drops ──► CallEnded

The kiosk makes the offer, once an adviser has accepted. There is no trickle ICE:
each side sends its description once gathering is complete. aiortc cannot
restart ICE: on ICE failure the kiosk sends one new `SdpOffer` (`renegotiate`
true) and, if that fails too, hangs up with reason `failed`.

Anything that does not parse as one of the messages of its socket, or that is
larger than MAX_MESSAGE_BYTES, closes the socket with code CLOSE_PROTOCOL (1008)
and a reason; the hub keeps serving every other socket.

Only the standard library and pydantic are imported here (the kiosk uses it).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from hub.protocol.kiosk_api import Commune, FirstName, SeekerRef
from hub.protocol.messages import Code, ProtocolError

SIGNALING_VERSION = 1
KIOSK_WS_PATH = "/ws/kiosk/v1"
ADVISER_WS_PATH = "/ws/adviser/v1"

MAX_MESSAGE_BYTES = 64 * 1024
"""A full SDP with every candidate stays under 10 KiB; anything larger is refused."""

CLOSE_PROTOCOL = 1008
"""WebSocket close code for a malformed, oversized or out-of-place message."""
CLOSE_UNAUTHENTICATED = 4401
"""Close code when the token or session is missing, unknown or revoked."""
CLOSE_FORBIDDEN = 4403
"""Close code for a wrong Origin or a role that may not use this socket."""
CLOSE_REPLACED = 4409
"""Close code when the same kiosk or adviser opened a newer socket."""

CallId = Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Sdp = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_BYTES)]
Language = Literal["fr", "en"]
AdviserName = Annotated[str, Field(min_length=1, max_length=80)]


class _Part(BaseModel):
    """A part of a message."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _Msg(_Part):
    """A whole message: its `type` and the schema version."""

    v: Literal[1] = 1


class EndReason(StrEnum):
    """Why a call ended (the kiosk maps these onto its own CallEndReason)."""

    MISSED = "missed"  # nobody accepted within the ring timeout
    UNAVAILABLE = "unavailable"  # no adviser was free for the topic when asked
    CANCELLED = "cancelled"  # the kiosk cancelled while it rang
    KIOSK_HUNG_UP = "kiosk-hung-up"
    ADVISER_HUNG_UP = "adviser-hung-up"
    KIOSK_LEFT = "kiosk-left"  # the kiosk's socket dropped
    ADVISER_LEFT = "adviser-left"  # the adviser's socket dropped (tab closed)
    FAILED = "failed"  # media could not be set up, even after one renegotiation


class CallOutcome(StrEnum):
    """How a call ended, as the call record keeps it."""

    ANSWERED = "answered"
    MISSED = "missed"
    UNAVAILABLE = "unavailable"
    CANCELLED = "cancelled"
    FAILED = "failed"


class IceServer(_Part):
    """One entry of RTCConfiguration.iceServers (TURN credentials are per call)."""

    urls: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=8)
    username: Annotated[str, Field(max_length=200)] | None = None
    credential: Annotated[str, Field(max_length=200)] | None = None


class Caller(_Part):
    """What the adviser is shown about the caller: nothing when not identified."""

    first_name: FirstName | None = None
    commune: Commune | None = None
    ref: SeekerRef | None = None
    """The identified seeker's short-lived reference (lets the hub look up more)."""
    language: Language = "fr"


class QualitySample(_Part):
    """Live quality from either side's getStats (`inbound`: what this side receives)."""

    rtt_ms: Annotated[float, Field(ge=0, le=60_000)] | None = None
    loss_pct: Annotated[float, Field(ge=0, le=100)] | None = None
    bitrate_kbps: Annotated[float, Field(ge=0, le=100_000)] | None = None
    frames_decoded: Annotated[int, Field(ge=0)] | None = None
    fps: Annotated[float, Field(ge=0, le=240)] | None = None


class Agreement(_Part):
    """The next step the adviser wrote after the call (printed on the kiosk's slip)."""

    next_step: Annotated[str, Field(max_length=500)] = ""
    appointment_at: AwareDatetime | None = None
    appointment_place: Annotated[str, Field(max_length=160)] = ""
    partner: Annotated[str, Field(max_length=160)] = ""


# -- kiosk -> hub ----------------------------------------------------------------------


class CallRequest(_Msg):
    """Ask for an adviser on `topic`; `call_id` is chosen by the kiosk (idempotent)."""

    type: Literal["call.request"] = "call.request"
    call_id: CallId
    topic: Code
    caller: Caller = Caller()
    audio_only: bool = False


class CallCancel(_Msg):
    """The kiosk gives up while it rings."""

    type: Literal["call.cancel"] = "call.cancel"
    call_id: CallId


# -- both ways (kiosk <-> hub <-> adviser) --------------------------------------------


class SdpOffer(_Msg):
    """The kiosk's offer, relayed to the adviser who accepted."""

    type: Literal["sdp.offer"] = "sdp.offer"
    call_id: CallId
    sdp: Sdp
    renegotiate: bool = False


class SdpAnswer(_Msg):
    """The adviser's answer, relayed to the kiosk."""

    type: Literal["sdp.answer"] = "sdp.answer"
    call_id: CallId
    sdp: Sdp


class CallHangUp(_Msg):
    """Either side ends the call; the adviser may attach what was agreed. The kiosk
    says `failed` when media could not be set up, even after one renegotiation."""

    type: Literal["call.hangup"] = "call.hangup"
    call_id: CallId
    agreement: Agreement | None = None
    reason: Literal["hung-up", "failed"] = "hung-up"


class MediaMode(_Msg):
    """Switch to audio only (a weak link) or back; relayed to the other side."""

    type: Literal["call.media"] = "call.media"
    call_id: CallId
    audio_only: bool


class CallQualityReport(_Msg):
    """A side's quality sample, every 5 s during the call; summarised in the record."""

    type: Literal["call.quality"] = "call.quality"
    call_id: CallId
    sample: QualitySample


# -- hub -> kiosk ----------------------------------------------------------------------


class CallQueued(_Msg):
    """The request is ringing `ringing` advisers; position in this topic's line."""

    type: Literal["call.queued"] = "call.queued"
    call_id: CallId
    position: Annotated[int, Field(ge=1)]
    eta_s: Annotated[float, Field(ge=0)] | None = None
    ringing: Annotated[int, Field(ge=0)]


class CallAccepted(_Msg):
    """An adviser accepted: make the offer with these ICE servers."""

    type: Literal["call.accepted"] = "call.accepted"
    call_id: CallId
    adviser_name: AdviserName
    ice_servers: list[IceServer] = Field(default_factory=list, max_length=8)


class CallEnded(_Msg):
    """The call is over, for the reason given (sent to both sides)."""

    type: Literal["call.ended"] = "call.ended"
    call_id: CallId
    reason: EndReason
    agreement: Agreement | None = None


class ErrorMessage(_Msg):
    """A refused message that does not close the socket (e.g. an unknown call id)."""

    type: Literal["error"] = "error"
    code: Annotated[str, Field(max_length=40)]
    detail: Annotated[str, Field(max_length=200)] = ""
    call_id: CallId | None = None


# -- adviser -> hub --------------------------------------------------------------------


class SetAvailability(_Msg):
    """The console's availability switch."""

    type: Literal["adviser.availability"] = "adviser.availability"
    available: bool


class CallAccept(_Msg):
    """Take a ringing call (the first accept wins; later ones get CallWithdrawn)."""

    type: Literal["call.accept"] = "call.accept"
    call_id: CallId


# -- hub -> adviser --------------------------------------------------------------------


class AdviserHello(_Msg):
    """Sent once the adviser's socket is open: who they are and what they handle."""

    type: Literal["adviser.hello"] = "adviser.hello"
    name: AdviserName
    partner: Annotated[str, Field(max_length=160)]
    topics: list[Code] = Field(max_length=40)
    available: bool


class CallRinging(_Msg):
    """A call for one of the adviser's topics: ring until accepted or withdrawn."""

    type: Literal["call.ringing"] = "call.ringing"
    call_id: CallId
    topic: Code
    topic_label: Annotated[str, Field(max_length=120)]
    site: Annotated[str, Field(max_length=120)]
    """The kiosk's place (e.g. "Mairie de Laplume")."""
    caller: Caller
    requested_at: AwareDatetime
    audio_only: bool = False


class CallWithdrawn(_Msg):
    """Stop ringing: another adviser took it, the kiosk cancelled, it timed out, or
    this adviser switched to unavailable."""

    type: Literal["call.withdrawn"] = "call.withdrawn"
    call_id: CallId
    reason: Literal["taken", "cancelled", "missed", "kiosk-left", "unavailable"]


class CallAssigned(_Msg):
    """The call is yours: wait for the kiosk's offer (ICE servers for this call)."""

    type: Literal["call.assigned"] = "call.assigned"
    call_id: CallId
    ice_servers: list[IceServer] = Field(default_factory=list, max_length=8)


KioskToHub = Annotated[
    CallRequest | CallCancel | SdpOffer | CallHangUp | MediaMode | CallQualityReport,
    Field(discriminator="type"),
]
HubToKiosk = Annotated[
    CallQueued | CallAccepted | SdpAnswer | MediaMode | CallEnded | ErrorMessage,
    Field(discriminator="type"),
]
AdviserToHub = Annotated[
    SetAvailability | CallAccept | SdpAnswer | CallHangUp | MediaMode | CallQualityReport,
    Field(discriminator="type"),
]
HubToAdviser = Annotated[
    AdviserHello
    | CallRinging
    | CallWithdrawn
    | CallAssigned
    | SdpOffer
    | MediaMode
    | CallEnded
    | ErrorMessage,
    Field(discriminator="type"),
]

KIOSK_TO_HUB: TypeAdapter[KioskToHub] = TypeAdapter(KioskToHub)
HUB_TO_KIOSK: TypeAdapter[HubToKiosk] = TypeAdapter(HubToKiosk)
ADVISER_TO_HUB: TypeAdapter[AdviserToHub] = TypeAdapter(AdviserToHub)
HUB_TO_ADVISER: TypeAdapter[HubToAdviser] = TypeAdapter(HubToAdviser)


_T = TypeVar("_T")


class SignalingError(ProtocolError):
    """A message that is too large or is not one of its socket's messages."""


def parse(adapter: TypeAdapter[_T], text: str | bytes) -> _T:
    """Validate one received frame against a socket's messages; SignalingError if not."""
    raw = text.encode() if isinstance(text, str) else text
    if len(raw) > MAX_MESSAGE_BYTES:
        raise SignalingError(f"message over {MAX_MESSAGE_BYTES} bytes")
    try:
        return adapter.validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(p) for p in errors[0].get("loc", ())) if errors else ""
        raise SignalingError(f"invalid message{f' at {where}' if where else ''}") from None


def dump(message: _Msg) -> str:
    """One message as the JSON text frame to send."""
    return message.model_dump_json(exclude_none=True)
