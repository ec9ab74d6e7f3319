"""The one place a job seeker's personal data lives while they use the kiosk.

Everything the controller knows about the person in front of it — what they
typed, who the hub says they are, their topic, their call — is a field of one
`Session`. The controller builds each `View` from it and keeps nothing personal
anywhere else (no logs, no events, no caches), so ending a session is wiping
this object and dropping it (docs/architecture.md, "Privacy": "nothing of theirs left behind").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from hub.protocol.kiosk_api import TopicInfo
from kiosk.controller.ports import Agreement, Call, CallQuality
from kiosk.controller.view import Screen


class CallPhase(StrEnum):
    """Where the session's call stands."""

    NONE = ""  # no call asked yet
    WAITING = "waiting"  # asked, ringing or queued
    IN_CALL = "in-call"  # answered
    OVER = "over"  # hung up, missed, cancelled or failed


@dataclass(slots=True, eq=False)
class Session:
    """One person's visit, from `begin()` to its end; `id` is random, never theirs."""

    id: str
    started: float
    """monotonic time of the start, for the session's length."""
    # -- what they typed and who they are --
    entry: str = ""
    code: str | None = None
    method: str | None = None  # "code" | "qr" | "first-visit"
    first_name: str | None = None
    commune: str | None = None
    commune_letter: str | None = None  # the initial touched on a long commune list
    phone: str | None = None
    ref: str | None = None
    has_phone: bool = False
    identified: bool = False
    busy: bool = False
    # -- a first-visit or contact flow: where it goes next --
    contact_kind: str | None = None  # "callback" | "appointment" while collecting details
    contact_origin: Screen | None = None  # NO_ANSWER or OFFLINE: where "back" returns
    contact_reason: str | None = None  # "no-answer" | "unavailable" | "offline"
    request_kind: str | None = None
    request_offline: bool = False
    # -- topic and call --
    topic: TopicInfo | None = None
    attempt: int = 0
    """Counts call requests, so updates of an abandoned call are ignored."""
    call: Call | None = None
    call_phase: CallPhase = CallPhase.NONE
    wait_started: float = 0.0
    waited_s: float = 0.0
    position: int | None = None
    eta_s: float | None = None
    no_answer_reason: str | None = None
    adviser_name: str | None = None
    muted: bool = False
    audio_only: bool = False
    quality: CallQuality | None = None
    call_started: float = 0.0
    call_seconds: float = 0.0
    agreement: Agreement | None = None
    printed: bool = False

    def wipe(self) -> None:
        """Reset every field but the id and start time, dropping every personal datum."""
        blank = Session(self.id, self.started)
        for item in fields(self):
            setattr(self, item.name, getattr(blank, item.name))

    def has_identity(self) -> bool:
        """True when the hub knows the person (`ref`) or they gave a first name."""
        return self.ref is not None or self.first_name is not None

    def can_be_called_back(self) -> bool:
        """True when an adviser has a number to call: the hub's or one typed here."""
        return self.phone is not None or (self.ref is not None and self.has_phone)
