"""What the screen shows: one immutable `View` the controller publishes on every change.

The UI draws a View and sends the controller actions; it holds no state of its
own about the person in front of it (so wiping the controller's session wipes
everything). Texts are not here: the UI translates `Screen`, `Notice` and
their parameters through gettext.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from hub.protocol.kiosk_api import Catalog, TopicInfo
from kiosk.controller.ports import Agreement, CallQuality


class Screen(StrEnum):
    """Every screen of the journey (docs/architecture.md, "Kiosk controller"), in order."""

    ATTRACT = "attract"  # welcome, the privacy rules, Start; language, contrast, speech
    IDENTIFY = "identify"  # three ways: code, card (QR), first visit
    CARD = "card"  # where to hold the card; waits for a scan
    CODE = "code"  # personal code on the keypad
    PIN = "pin"  # PIN on the keypad (also after a QR card)
    FIRST_NAME = "first-name"  # first visit 1/2: first name on the letter keyboard
    COMMUNE = "commune"  # first visit 2/2: commune from a list (the kiosk's own first)
    PHONE = "phone"  # before a call-back or appointment request, when no number is known
    TOPICS = "topics"  # choose a topic
    WAITING = "waiting"  # position, estimated wait, cancel
    NO_ANSWER = "no-answer"  # nobody answered / nobody available: call-back or appointment
    REQUEST_SENT = "request-sent"  # the call-back / appointment request is noted
    IN_CALL = "in-call"  # remote video, self-view, mute, hang up, quality
    AFTER_CALL = "after-call"  # what was agreed, print
    SURVEY = "survey"  # three smileys
    GOODBYE = "goodbye"  # then back to ATTRACT
    OFFLINE = "offline"  # the hub cannot be reached: cached contacts, print, call-back
    OPS_PIN = "ops-pin"  # ops staff's PIN (after a long press in a corner)
    OPS = "ops"  # ops menu


class NoticeKind(StrEnum):
    """A short message shown over or on the current screen."""

    WRONG_PIN = "wrong-pin"  # `count` = attempts left (None: unknown)
    LOCKED = "locked"  # `count` = minutes until it can be tried again
    HUB_DOWN = "hub-down"  # the hub stopped answering
    PRINTED = "printed"
    PRINTER_FAILED = "printer-failed"  # `text` = printer error code
    INVALID_PHONE = "invalid-phone"
    OPS_MESSAGE = "ops-message"  # `text` = message from ops staff (shown as is)
    OPS_PIN_WRONG = "ops-pin-wrong"
    CALL_FAILED = "call-failed"  # the call could not be connected
    BAD_CARD = "bad-card"  # a scanned QR code that is not a Gaïa card
    REQUEST_FAILED = "request-failed"  # a contact request could be neither sent nor kept
    ENTRY_SHORT = "entry-short"  # OK touched too early: `count` = digits still to type
    NAME_MISSING = "name-missing"  # OK touched with no first name typed


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice with its parameters."""

    kind: NoticeKind
    count: int | None = None
    text: str = ""


@dataclass(frozen=True, slots=True)
class View:
    """Everything the UI needs to draw the current screen."""

    screen: Screen
    language: str = "fr"
    high_contrast: bool = False
    speech_on: bool = False
    speech_available: bool = False
    online: bool = True
    catalog: Catalog | None = None
    notice: Notice | None = None
    busy: bool = False
    """A hub request is under way: the UI shows a spinner and ignores taps."""
    help_shown: bool = False
    """The help veil: ask at the town hall's desk (`reception` says where and when)."""
    reception: str = ""
    confirm_finish: bool = False
    """Finish was touched: ask before ending the session (what was typed is erased)."""
    # -- the person (wiped at the end of the session) --
    first_name: str | None = None
    commune: str | None = None
    commune_letters: tuple[str, ...] = ()
    """COMMUNE: the initials to choose from first (a long list), else empty."""
    communes_shown: tuple[str, ...] = ()
    """COMMUNE: the communes listed now (all of a short list, or those under a letter)."""
    commune_letter: str | None = None
    home_commune: str | None = None
    """COMMUNE: the kiosk's own commune, offered first (most people live there)."""
    entry: str = ""
    """What is being typed on the current keypad or keyboard (code, first name, phone)."""
    masked: bool = False
    """True on PIN screens: show `entry` as dots."""
    entry_min: int = 0
    """The fewest characters the entry needs (the rule of kiosk.controller.entry, shown)."""
    entry_max: int = 0
    entry_ready: bool = False
    """The entry can be submitted (kiosk.controller.entry.ready): OK looks active."""
    topic: TopicInfo | None = None
    # -- waiting and calling --
    position: int | None = None
    eta_s: float | None = None
    waited_s: float = 0.0
    no_answer_reason: str | None = None  # "missed" | "unavailable" | "failed"
    request_kind: str | None = None  # "callback" | "appointment" on NO_ANSWER/REQUEST_SENT
    request_offline: bool = False  # the request waits in the outbox
    adviser_name: str | None = None
    muted: bool = False
    audio_only: bool = False
    """The call carries sound only (asked here or by the adviser)."""
    quality: CallQuality | None = None
    call_seconds: float = 0.0
    agreement: Agreement | None = None
    printed: bool = False
    # -- idle and ops --
    idle_countdown: int | None = None
    """Seconds left on the "are you still there?" countdown, or None."""
    ops_info: dict[str, str] = field(default_factory=dict)
