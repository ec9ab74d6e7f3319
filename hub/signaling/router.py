"""The call router: who rings, who wins, who hears what (hub.protocol.signaling).

A plain state machine driven from the event loop: it never awaits and does no
I/O. Sockets hand it parsed messages; it answers through `Endpoint.send` (which
only queues) and hands every change of a call's record to `on_record`. Ring
timeouts are scheduled through `call_later`, so tests can drive time by hand.

Rules (see the protocol's docstring):

- A call rings every *available* adviser for its topic (connected, availability
  on, not in a call) at once; the kiosk gets CallQueued (its position in the
  topic's line, how many ring). Nobody available -> CallEnded(unavailable).
- The first CallAccept wins (CallAssigned + CallAccepted, each with ICE servers);
  the others get CallWithdrawn(taken); a later accept gets ErrorMessage
  "not-ringing". The winner stops ringing for any other call (CallWithdrawn
  "taken") until their call ends, when they ring again for calls still waiting.
- No accept within the ring timeout -> CallEnded(missed) and CallWithdrawn(missed).
- SDP, media mode and quality go only between the two parties of a call; a
  message about any other call gets ErrorMessage "unknown-call".
- CallEnded goes to both parties, whoever ends the call (hang-up, cancel, a
  dropped socket), with the adviser's agreement when they gave one.
- An adviser's socket starts switched off (AdviserHello available=False); the
  console sends SetAvailability when the person is ready.
- One socket per kiosk and per adviser: a newer one replaces the older (closed
  with CLOSE_REPLACED; the older one's calls end as if it had dropped).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Literal, Protocol

from hub.protocol.signaling import (
    CLOSE_REPLACED,
    AdviserHello,
    Agreement,
    CallAccept,
    CallAccepted,
    CallAssigned,
    CallCancel,
    CallEnded,
    Caller,
    CallHangUp,
    CallOutcome,
    CallQualityReport,
    CallQueued,
    CallRequest,
    CallRinging,
    CallWithdrawn,
    EndReason,
    ErrorMessage,
    IceServer,
    MediaMode,
    QualitySample,
    SdpAnswer,
    SdpOffer,
    SetAvailability,
    _Msg,
)
from hub.signaling.advisers import AdviserProfile
from hub.signaling.records import CallRecord, summarise

log = logging.getLogger(__name__)

RECENT_CALL_IDS = 10_000
"""Ended call ids remembered, so a replayed CallRequest does not start a call again."""


class Endpoint(Protocol):
    """One open socket, as the router sees it: both methods only queue, never block."""

    def send(self, message: _Msg) -> None:
        """Queue a message for this socket."""

    def close(self, code: int, reason: str) -> None:
        """Queue a close frame; nothing is sent after it."""


class Cancellable(Protocol):
    """What `call_later` returns (asyncio.TimerHandle fits)."""

    def cancel(self) -> None:
        """Forget the scheduled callback."""


Scheduler = Callable[[float, Callable[[], None]], Cancellable]


def _loop_call_later(delay: float, callback: Callable[[], None]) -> Cancellable:
    return asyncio.get_running_loop().call_later(delay, callback)


class Phase(Enum):
    """Where a call stands."""

    RINGING = "ringing"
    ASSIGNED = "assigned"  # accepted: the parties exchange SDP, then media


@dataclass
class _Kiosk:
    kiosk_id: str
    site: str
    endpoint: Endpoint
    territory: str | None = None
    call_id: str | None = None


@dataclass
class _Adviser:
    profile: AdviserProfile
    endpoint: Endpoint
    available: bool
    call_id: str | None = None
    ringing: set[str] = field(default_factory=set)

    @property
    def free(self) -> bool:
        return self.available and self.call_id is None


@dataclass
class _Call:
    request: CallRequest
    kiosk_id: str
    site: str
    topic_label: str
    requested_at: float
    territory: str | None = None
    phase: Phase = Phase.RINGING
    ringing: set[int] = field(default_factory=set)
    adviser_id: int | None = None
    rang_at: float | None = None
    answered_at: float | None = None
    audio_only: bool = False
    samples: list[QualitySample] = field(default_factory=list)
    timer: Cancellable | None = None

    @property
    def id(self) -> str:
        return self.request.call_id

    @property
    def topic(self) -> str:
        return self.request.topic


@dataclass(frozen=True)
class RouterSettings:
    """The router's knobs (from [calls])."""

    ring_timeout_s: float = 45
    """How long a call rings the free advisers before it is missed."""
    queue_wait_s: float = 600
    """How long a call waits in line when every adviser is busy (a topic may set its own)."""
    max_waiting_per_topic: int = 20
    max_quality_samples: int = 2000
    handle_times_kept: int = 20
    """Recent handle times kept per queue (topic, territory) for the wait estimate."""


class CallRouter:
    """Every kiosk's and adviser's socket and every call in progress, for one hub process."""

    def __init__(
        self,
        *,
        settings: RouterSettings | None = None,
        ice: Callable[[str], list[IceServer]] = lambda _call_id: [],
        on_record: Callable[[CallRecord], None] = lambda _record: None,
        clock: Callable[[], float] = time.time,
        call_later: Scheduler = _loop_call_later,
    ) -> None:
        self.settings = settings or RouterSettings()
        self._ice = ice
        self._on_record = on_record
        self._clock = clock
        self._call_later = call_later
        self._kiosks: dict[str, _Kiosk] = {}
        self._advisers: dict[int, _Adviser] = {}
        self._calls: dict[str, _Call] = {}
        self._ended: OrderedDict[str, str] = OrderedDict()  # call id -> kiosk id
        self._handle_times: dict[tuple[str, str | None], deque[float]] = {}

    # -- inspection (metrics, tests) -------------------------------------------------

    def active_calls(self) -> int:
        """Calls ringing or in progress."""
        return len(self._calls)

    def connected_advisers(self) -> int:
        """Advisers with an open socket."""
        return len(self._advisers)

    def free_pairs(self) -> frozenset[tuple[str, str]]:
        """(partner id, topic id) pairs with an adviser signed in, available and not in a
        call: what the catalog calls "available now". Safe to call from a worker thread
        (it reads one copy of the advisers, made at once)."""
        advisers = list(self._advisers.values())
        return frozenset(
            (a.profile.partner_id, topic) for a in advisers if a.free for topic in a.profile.topics
        )

    def free_advisers(self, topic: str | None = None) -> int:
        """Advisers available and not in a call (for `topic` only, when given)."""
        return sum(
            1
            for a in self._advisers.values()
            if a.free and (topic is None or topic in a.profile.topics)
        )

    # -- kiosks ------------------------------------------------------------------------

    def connect_kiosk(
        self, kiosk_id: str, site: str, endpoint: Endpoint, territory: str | None = None
    ) -> None:
        """A kiosk's socket opened; an older socket of the same kiosk is replaced. Its calls
        ring only advisers whose partner serves `territory` (a territory id)."""
        old = self._kiosks.get(kiosk_id)
        if old is not None:
            self._kiosk_gone(old)
            old.endpoint.close(CLOSE_REPLACED, "replaced by a newer connection of this kiosk")
        self._kiosks[kiosk_id] = _Kiosk(kiosk_id, site, endpoint, territory)

    def kiosk_ids(self) -> list[str]:
        """The kiosks with an open socket."""
        return list(self._kiosks)

    def cut_off_kiosk(self, kiosk_id: str, code: int, reason: str) -> bool:
        """Close a kiosk's socket (its credentials were revoked); its call ends."""
        kiosk = self._kiosks.pop(kiosk_id, None)
        if kiosk is None:
            return False
        self._kiosk_gone(kiosk)
        kiosk.endpoint.close(code, reason)
        return True

    def disconnect_kiosk(self, kiosk_id: str, endpoint: Endpoint) -> None:
        """A kiosk's socket closed: its call ends (kiosk-left). Stale sockets are ignored."""
        kiosk = self._kiosks.get(kiosk_id)
        if kiosk is None or kiosk.endpoint is not endpoint:
            return
        self._kiosk_gone(kiosk)
        del self._kiosks[kiosk_id]

    def _kiosk_gone(self, kiosk: _Kiosk) -> None:
        call = self._calls.get(kiosk.call_id or "")
        if call is not None:
            self._end(call, EndReason.KIOSK_LEFT, notify_kiosk=False)

    def kiosk_message(
        self,
        kiosk_id: str,
        message: _Msg,
        topic_label: str | None = None,
        wait_limit_s: float | None = None,
    ) -> None:
        """A message from a kiosk's socket (parsed with KIOSK_TO_HUB).

        `topic_label` is the requested topic's label for a CallRequest (None when
        the topic is unknown: the call is then unavailable); `wait_limit_s` the
        topic's own limit in line (None: `queue_wait_s`).
        """
        kiosk = self._kiosks.get(kiosk_id)
        if kiosk is None:
            return
        if isinstance(message, CallRequest):
            self._request(kiosk, message, topic_label, wait_limit_s)
            return
        call_id: str = getattr(message, "call_id", "")
        call = self._calls.get(call_id)
        if call is None or call.kiosk_id != kiosk_id:
            kiosk.endpoint.send(_error("unknown-call", "no such call of this kiosk", call_id))
            return
        if isinstance(message, CallCancel) or (
            isinstance(message, CallHangUp) and call.phase is Phase.RINGING
        ):
            self._end(call, EndReason.CANCELLED)
        elif isinstance(message, CallHangUp):
            failed = message.reason == "failed"
            self._end(call, EndReason.FAILED if failed else EndReason.KIOSK_HUNG_UP)
        elif call.phase is not Phase.ASSIGNED or call.adviser_id is None:
            kiosk.endpoint.send(_error("not-connected", "no adviser has accepted yet", call_id))
        elif isinstance(message, SdpOffer | MediaMode):
            if isinstance(message, MediaMode):
                call.audio_only = message.audio_only
            self._advisers[call.adviser_id].endpoint.send(message)
        elif isinstance(message, CallQualityReport):
            self._sample(call, message.sample)

    def _request(
        self,
        kiosk: _Kiosk,
        message: CallRequest,
        topic_label: str | None,
        wait_limit_s: float | None = None,
    ) -> None:
        """Ring the free advisers serving the call; with every one of them busy, the call
        waits in line (its queue: the topic in the kiosk's territory); with nobody signed
        in for it, it is unavailable at once."""
        existing = self._calls.get(message.call_id)
        if existing is not None and existing.kiosk_id == kiosk.kiosk_id:
            if existing.phase is Phase.RINGING:  # a replay: say again where it stands
                kiosk.endpoint.send(self._queued(existing))
            return
        if existing is not None or message.call_id in self._ended:
            kiosk.endpoint.send(
                _error("call-id-used", "this call id was used already", message.call_id)
            )
            return
        if kiosk.call_id is not None:
            kiosk.endpoint.send(_error("busy", "this kiosk has a call already", message.call_id))
            return
        now = self._clock()
        call = _Call(
            request=message,
            kiosk_id=kiosk.kiosk_id,
            site=kiosk.site,
            topic_label=topic_label or message.topic,
            requested_at=now,
            territory=kiosk.territory,
            audio_only=message.audio_only,
        )
        working = [
            a
            for a in self._advisers.values()
            if (a.available or a.call_id is not None) and _serves(a, call)
        ]
        free = [a for a in working if a.free]
        waiting = sum(1 for c in self._calls.values() if _same_queue(c, call))
        if topic_label is None or not working or waiting >= self.settings.max_waiting_per_topic:
            self._record(call, outcome=CallOutcome.UNAVAILABLE, reason=EndReason.UNAVAILABLE)
            self._remember_ended(call)
            kiosk.endpoint.send(CallEnded(call_id=call.id, reason=EndReason.UNAVAILABLE))
            return
        self._calls[call.id] = call
        kiosk.call_id = call.id
        for adviser in free:
            self._ring(call, adviser, update_kiosk=False)
        if free:
            limit = self.settings.ring_timeout_s
        else:  # everyone busy: in line until one is free, up to the topic's limit
            limit = wait_limit_s if wait_limit_s is not None else self.settings.queue_wait_s
        call.timer = self._call_later(limit, lambda: self._timeout(call.id))
        kiosk.endpoint.send(self._queued(call))
        self._record(call)

    def _line(self, call: _Call) -> list[_Call]:
        """The calls waiting in `call`'s queue, first come first."""
        return sorted(
            (c for c in self._calls.values() if _same_queue(c, call)),
            key=lambda c: (c.requested_at, c.id),
        )

    def _queued(self, call: _Call) -> CallQueued:
        line = self._line(call)
        position = next((i for i, c in enumerate(line, 1) if c is call), len(line) or 1)
        return CallQueued(
            call_id=call.id,
            position=position,
            eta_s=self._estimate(call, position),
            ringing=len(call.ringing),
        )

    def _estimate(self, call: _Call, position: int) -> float | None:
        """Seconds until an adviser answers, from the queue's recent handle times
        (docs/operations.md, "The queue"); None without any history yet."""
        times = self._handle_times.get((call.topic, call.territory))
        if not times:
            return None
        if call.ringing:
            return 0.0
        advisers = sum(
            1
            for a in self._advisers.values()
            if (a.available or a.call_id is not None) and _serves(a, call)
        )
        mean = sum(times) / len(times)
        return round(position * mean / max(1, advisers), 1)

    def _tell_queue(self, like: _Call) -> None:
        """Send every call still waiting in `like`'s queue its new place and estimate."""
        for waiting in self._line(like):
            kiosk = self._kiosks.get(waiting.kiosk_id)
            if kiosk is not None:
                kiosk.endpoint.send(self._queued(waiting))

    def _timeout(self, call_id: str) -> None:
        call = self._calls.get(call_id)
        if call is not None and call.phase is Phase.RINGING:
            call.timer = None
            self._end(call, EndReason.MISSED)

    # -- advisers ----------------------------------------------------------------------

    def connect_adviser(self, profile: AdviserProfile, endpoint: Endpoint) -> None:
        """An adviser's socket opened, switched off: AdviserHello(available=False)."""
        old = self._advisers.get(profile.user_id)
        if old is not None:
            self._adviser_gone(old)
            old.endpoint.close(CLOSE_REPLACED, "replaced by a newer console of this adviser")
        # Every console starts switched off and says when it is ready (a reloaded
        # page must not ring before it shows the switch on).
        available = False
        adviser = _Adviser(profile, endpoint, available)
        self._advisers[profile.user_id] = adviser
        endpoint.send(
            AdviserHello(
                name=profile.name,
                partner=profile.partner_name[:160],
                topics=list(profile.topics)[:40],
                available=available,
            )
        )

    def disconnect_adviser(self, user_id: int, endpoint: Endpoint) -> None:
        """An adviser's socket closed: their call ends (adviser-left), their rings stop."""
        adviser = self._advisers.get(user_id)
        if adviser is None or adviser.endpoint is not endpoint:
            return
        self._adviser_gone(adviser)
        del self._advisers[user_id]

    def _adviser_gone(self, adviser: _Adviser) -> None:
        self._stop_ringing(adviser, withdraw=None)
        call = self._calls.get(adviser.call_id or "")
        if call is not None:
            self._end(call, EndReason.ADVISER_LEFT, notify_adviser=False)

    def adviser_message(self, user_id: int, message: _Msg) -> None:
        """A message from an adviser's socket (parsed with ADVISER_TO_HUB)."""
        adviser = self._advisers.get(user_id)
        if adviser is None:
            return
        if isinstance(message, SetAvailability):
            self._set_available(adviser, message.available)
            return
        call_id: str = getattr(message, "call_id", "")
        call = self._calls.get(call_id)
        if isinstance(message, CallAccept):
            self._accept(adviser, call, call_id)
            return
        if isinstance(message, CallHangUp) and call is not None and call_id in adviser.ringing:
            self._unring(call, adviser)  # declining a ringing call: stop ringing this adviser
            return
        if call is None or call.adviser_id != user_id:
            adviser.endpoint.send(_error("unknown-call", "not your call", call_id))
            return
        kiosk = self._kiosks[call.kiosk_id]
        if isinstance(message, CallHangUp):
            self._end(call, EndReason.ADVISER_HUNG_UP, agreement=message.agreement)
        elif isinstance(message, SdpAnswer | MediaMode):
            if isinstance(message, MediaMode):
                call.audio_only = message.audio_only
            kiosk.endpoint.send(message)
        elif isinstance(message, CallQualityReport):
            self._sample(call, message.sample)

    def _set_available(self, adviser: _Adviser, available: bool) -> None:
        if adviser.available == available:
            return
        adviser.available = available
        if available:
            self._ring_waiting(adviser)
        else:
            # The console switched itself off: its rings are withdrawn.
            self._stop_ringing(adviser, withdraw="unavailable")

    def _accept(self, adviser: _Adviser, call: _Call | None, call_id: str) -> None:
        if call is None or call.phase is not Phase.RINGING or call_id not in adviser.ringing:
            adviser.endpoint.send(
                _error("not-ringing", "this call is not ringing for you", call_id)
            )
            return
        now = self._clock()
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None
        call.phase = Phase.ASSIGNED
        call.adviser_id = adviser.profile.user_id
        call.answered_at = now
        adviser.call_id = call.id
        others = [
            other
            for uid in call.ringing
            if uid != adviser.profile.user_id and (other := self._advisers.get(uid)) is not None
        ]
        call.ringing.clear()
        adviser.ringing.discard(call.id)
        for other in others:
            other.ringing.discard(call.id)
            other.endpoint.send(CallWithdrawn(call_id=call.id, reason="taken"))
        self._stop_ringing(adviser, withdraw="taken")  # one call at a time
        self._tell_queue(call)  # everyone behind moves up
        servers = self._ice(call.id)
        adviser.endpoint.send(CallAssigned(call_id=call.id, ice_servers=servers))
        self._kiosks[call.kiosk_id].endpoint.send(
            CallAccepted(call_id=call.id, adviser_name=adviser.profile.name, ice_servers=servers)
        )
        self._record(call)

    # -- ringing -----------------------------------------------------------------------

    def _ring(self, call: _Call, adviser: _Adviser, *, update_kiosk: bool = True) -> None:
        caller = call.request.caller
        adviser.endpoint.send(
            CallRinging(
                call_id=call.id,
                topic=call.topic,
                topic_label=call.topic_label[:120],
                site=call.site,
                # What the caller gave, nothing more (the seeker reference stays here).
                caller=Caller(
                    first_name=caller.first_name, commune=caller.commune, language=caller.language
                ),
                requested_at=datetime.fromtimestamp(call.requested_at, UTC),
                audio_only=call.request.audio_only,
            )
        )
        call.ringing.add(adviser.profile.user_id)
        adviser.ringing.add(call.id)
        if call.rang_at is None:
            call.rang_at = self._clock()
            if update_kiosk:
                self._record(call)
        if update_kiosk:
            self._kiosks[call.kiosk_id].endpoint.send(self._queued(call))

    def _ring_waiting(self, adviser: _Adviser) -> None:
        """Ring a newly free adviser for every call waiting on their topics, oldest first."""
        if not adviser.free:
            return
        waiting = sorted(
            (
                c
                for c in self._calls.values()
                if c.phase is Phase.RINGING and _serves(adviser, c) and c.id not in adviser.ringing
            ),
            key=lambda c: (c.requested_at, c.id),
        )
        for call in waiting:
            self._ring(call, adviser)

    def _unring(self, call: _Call, adviser: _Adviser) -> None:
        call.ringing.discard(adviser.profile.user_id)
        adviser.ringing.discard(call.id)
        kiosk = self._kiosks.get(call.kiosk_id)
        if kiosk is not None:
            kiosk.endpoint.send(self._queued(call))

    def _stop_ringing(self, adviser: _Adviser, *, withdraw: str | None) -> None:
        for call_id in sorted(adviser.ringing):
            call = self._calls.get(call_id)
            if withdraw in ("taken", "unavailable"):
                reason: Literal["taken", "unavailable"] = (
                    "taken" if withdraw == "taken" else "unavailable"
                )
                adviser.endpoint.send(CallWithdrawn(call_id=call_id, reason=reason))
            if call is not None:
                self._unring(call, adviser)
        adviser.ringing.clear()

    # -- quality and endings -----------------------------------------------------------

    def _sample(self, call: _Call, sample: QualitySample) -> None:
        if len(call.samples) < self.settings.max_quality_samples:
            call.samples.append(sample)

    def _end(
        self,
        call: _Call,
        reason: EndReason,
        *,
        agreement: Agreement | None = None,
        notify_kiosk: bool = True,
        notify_adviser: bool = True,
    ) -> None:
        """End a call: tell whoever should know, free both parties, write the record."""
        if call.timer is not None:
            call.timer.cancel()
            call.timer = None
        self._calls.pop(call.id, None)
        self._remember_ended(call)
        kiosk = self._kiosks.get(call.kiosk_id)
        if kiosk is not None and kiosk.call_id == call.id:
            kiosk.call_id = None
        withdraw = {
            EndReason.MISSED: "missed",
            EndReason.CANCELLED: "cancelled",
            EndReason.KIOSK_LEFT: "kiosk-left",
        }.get(reason, "cancelled")
        for uid in sorted(call.ringing):
            ringer = self._advisers.get(uid)
            if ringer is not None:
                ringer.ringing.discard(call.id)
                ringer.endpoint.send(CallWithdrawn(call_id=call.id, reason=withdraw))
        call.ringing.clear()
        ended = CallEnded(call_id=call.id, reason=reason, agreement=agreement)
        adviser = self._advisers.get(call.adviser_id) if call.adviser_id is not None else None
        if adviser is not None and adviser.call_id == call.id:
            adviser.call_id = None
            if notify_adviser:
                adviser.endpoint.send(ended)
        if kiosk is not None and notify_kiosk:
            kiosk.endpoint.send(ended)
        self._record(call, outcome=_outcome(call, reason), reason=reason)
        if call.answered_at is not None:
            times = self._handle_times.setdefault(
                (call.topic, call.territory), deque(maxlen=self.settings.handle_times_kept)
            )
            times.append(max(0.0, self._clock() - call.answered_at))
        elif call.phase is Phase.RINGING:
            self._tell_queue(call)  # a call gone from the line: those behind move up
        if adviser is not None and notify_adviser:
            self._ring_waiting(adviser)  # free again: ring for calls still waiting

    def _remember_ended(self, call: _Call) -> None:
        self._ended[call.id] = call.kiosk_id
        while len(self._ended) > RECENT_CALL_IDS:
            self._ended.popitem(last=False)

    def _record(
        self, call: _Call, *, outcome: CallOutcome | None = None, reason: EndReason | None = None
    ) -> None:
        record = CallRecord(
            id=call.id,
            kiosk_id=call.kiosk_id,
            topic=call.topic,
            requested_at=call.requested_at,
            adviser_id=call.adviser_id,
            rang_at=call.rang_at,
            answered_at=call.answered_at,
            ended_at=self._clock() if outcome is not None else None,
            outcome=outcome,
            end_reason=reason.value if reason is not None else None,
            audio_only=call.audio_only,
            quality=summarise(call.samples),
        )
        try:
            self._on_record(replace(record))
        except Exception:
            log.exception("call record %s not handed over", call.id)

    def shutdown(self) -> None:
        """End every call (the hub is stopping): both sides hear `failed`."""
        for call in list(self._calls.values()):
            self._end(call, EndReason.FAILED, notify_adviser=True)


def _same_queue(other: _Call, call: _Call) -> bool:
    """Both calls wait in one line: the same topic, the same territory, not answered."""
    return (
        other.phase is Phase.RINGING
        and other.topic == call.topic
        and other.territory == call.territory
    )


def _serves(adviser: _Adviser, call: _Call) -> bool:
    """True when the adviser handles the call's topic for the kiosk's territory."""
    profile = adviser.profile
    if call.topic not in profile.topics:
        return False
    return not profile.territories or call.territory in profile.territories


def _outcome(call: _Call, reason: EndReason) -> CallOutcome:
    if reason is EndReason.FAILED:
        return CallOutcome.FAILED
    if call.answered_at is not None and reason is not EndReason.CANCELLED:
        return CallOutcome.ANSWERED
    return {
        EndReason.MISSED: CallOutcome.MISSED,
        EndReason.UNAVAILABLE: CallOutcome.UNAVAILABLE,
    }.get(reason, CallOutcome.CANCELLED)


def _error(code: str, detail: str, call_id: str | None) -> ErrorMessage:
    valid = call_id if call_id and 8 <= len(call_id) <= 64 else None
    return ErrorMessage(code=code, detail=detail, call_id=valid)
