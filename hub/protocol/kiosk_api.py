"""Bodies of the kiosk API: HTTPS between a kiosk's UI process and the hub.

Every endpoint lives under `KIOSK_API_PREFIX` and is authenticated by the
kiosk's own token (`Authorization: Bearer gaia_k_...`, printed once by
`gaia-hub kiosk add`). No body names a kiosk: the token says which kiosk
speaks, so one kiosk cannot act as another (unknown fields are refused).

    GET  /kiosk/v1/catalog    -> Catalog
    POST /kiosk/v1/identify   IdentifyRequest -> IdentifyResult
    POST /kiosk/v1/requests   ContactRequest  -> ContactRequestAccepted (201, or 200 if a replay)

Errors are JSON `{"detail": "..."}`: 401 for a missing, unknown or revoked
kiosk token, 422 for an invalid body, 413 for a body over MAX_BODY_BYTES.

Personal data (a first name, a commune, a phone number) crosses this API only
over TLS and only in an identify result or a contact request the person asked
for; it never goes into telemetry.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.protocol.messages import Code, MessageId

KIOSK_API_PREFIX = "/kiosk/v1"
MAX_BODY_BYTES = 4 * 1024
"""No kiosk API request body comes near this; larger ones are refused unread (413)."""

PersonalCode = Annotated[str, Field(pattern=r"^[0-9]{6,10}$")]
"""A job seeker's personal code: 6 to 10 digits, typed on the keypad or read from a QR card."""

Pin = Annotated[str, Field(pattern=r"^[0-9]{4,6}$")]
"""A job seeker's PIN: 4 to 6 digits. The hub stores only its argon2 hash."""

FirstName = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f<>{}]+$")]
Commune = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f<>{}]+$")]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9]{9,15}$")]
"""Digits only (with an optional leading +): the kiosk strips spaces before sending."""

SeekerRef = Annotated[str, Field(min_length=16, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
"""An opaque, short-lived reference to an identified job seeker (valid a few hours)."""

QR_PREFIX = "GAIA1:"
"""A personal QR card encodes `GAIA1:<personal code>`; the PIN is still asked."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartnerInfo(_Body):
    """A partner organisation as the kiosk shows it (also on the offline contact sheet)."""

    id: Code
    name: Annotated[str, Field(max_length=160)]
    phone: Annotated[str, Field(max_length=40)]
    hours: Annotated[str, Field(max_length=160)]
    """Opening hours in plain French, as printed on the contact sheet."""
    open_now: bool


class TopicInfo(_Body):
    """One help topic: its labels, its pictogram name, its partners."""

    id: Code
    label_fr: Annotated[str, Field(max_length=120)]
    label_en: Annotated[str, Field(max_length=120)]
    pictogram: Annotated[str, Field(max_length=40)]
    available_now: bool
    """True when an adviser of a partner serving this kiosk's territory is signed in,
    available and not in a call."""
    open_now: bool = False
    """True when one of those partners is open now (by its hours), free adviser or not:
    "open, every adviser is busy" when `available_now` is false."""
    partners: list[PartnerInfo] = Field(default_factory=list, max_length=20)


class Catalog(_Body):
    """What the kiosk offers; the kiosk caches the last one for offline use."""

    v: Literal[1] = 1
    generated_at: AwareDatetime
    site: Annotated[str, Field(max_length=120)] = ""
    communes: list[Annotated[str, Field(max_length=80)]] = Field(
        default_factory=list, max_length=400
    )
    """Communes offered on the first-visit screen, the kiosk's own territory first."""
    topics: list[TopicInfo] = Field(default_factory=list, max_length=40)


class IdentifyMethod(StrEnum):
    """How the job seeker gave their personal code."""

    CODE = "code"  # typed on the keypad
    QR = "qr"  # read from their card by the scanner


class IdentifyRequest(_Body):
    """A personal code and its PIN, checked by the hub."""

    method: IdentifyMethod
    code: PersonalCode
    pin: Pin


class IdentifyOutcome(StrEnum):
    """The hub's answer to an identify request."""

    OK = "ok"
    WRONG = "wrong"  # unknown code or wrong PIN (the kiosk cannot tell which)
    LOCKED = "locked"  # too many wrong PINs: the code is locked for a while


class IdentifyResult(_Body):
    """The answer to IdentifyRequest (HTTP 200 whatever the outcome)."""

    result: IdentifyOutcome
    first_name: FirstName | None = None
    """Only when ok: to greet the person."""
    ref: SeekerRef | None = None
    """Only when ok: names the seeker in a contact request without resending their details."""
    has_phone: bool = False
    """Only when ok: the hub has a phone number to call them back."""
    attempts_left: Annotated[int, Field(ge=0)] | None = None
    """Only when wrong: PIN attempts left before the code locks (None for an unknown code)."""
    retry_after_s: Annotated[int, Field(ge=0)] | None = None
    """Only when locked: how long until the code can be tried again."""


class ContactKind(StrEnum):
    """What the job seeker asked for when no call took place."""

    CALLBACK = "callback"  # an adviser calls them back on their phone
    APPOINTMENT = "appointment"  # an adviser books an appointment with them


class ContactReason(StrEnum):
    """Why the request was made."""

    NO_ANSWER = "no-answer"  # nobody answered the call in time
    UNAVAILABLE = "unavailable"  # nobody was available for this topic
    OFFLINE = "offline"  # the kiosk could not reach the hub; sent later from its outbox
    LONG_WAIT = "long-wait"  # waiting in line, the person chose to be called back instead


class ContactRequest(_Body):
    """A call-back or appointment request; `id` makes a replay from the outbox harmless."""

    id: MessageId
    kind: ContactKind
    reason: ContactReason
    topic: Code | None = None
    created_at: AwareDatetime
    ref: SeekerRef | None = None
    """The identified seeker, or None for a first visit (then first name and commune)."""
    first_name: FirstName | None = None
    commune: Commune | None = None
    phone: Phone | None = None


class ContactRequestAccepted(_Body):
    """The hub stored the request (or already had it: `duplicate`)."""

    id: MessageId
    duplicate: bool = False


def qr_code_payload(code: str) -> str:
    """The text a personal QR card encodes."""
    return QR_PREFIX + code


def code_from_qr(text: str) -> str | None:
    """The personal code in a scanned QR text, or None when it is not a Gaïa card."""
    text = text.strip()
    if not text.startswith(QR_PREFIX):
        return None
    code = text[len(QR_PREFIX) :]
    return code if code.isascii() and code.isdigit() and 6 <= len(code) <= 10 else None


__all__ = [
    "KIOSK_API_PREFIX",
    "MAX_BODY_BYTES",
    "QR_PREFIX",
    "Catalog",
    "ContactKind",
    "ContactReason",
    "ContactRequest",
    "ContactRequestAccepted",
    "IdentifyMethod",
    "IdentifyOutcome",
    "IdentifyRequest",
    "IdentifyResult",
    "PartnerInfo",
    "TopicInfo",
    "code_from_qr",
    "qr_code_payload",
]
