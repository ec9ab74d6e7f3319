"""The call router on its own: no sockets, a hand-driven clock and timer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hub.protocol.signaling import (
    CLOSE_REPLACED,
    CallAccept,
    CallAccepted,
    CallAssigned,
    CallEnded,
    CallHangUp,
    CallOutcome,
    CallQueued,
    CallRequest,
    CallRinging,
    CallWithdrawn,
    EndReason,
    ErrorMessage,
    SdpOffer,
    SetAvailability,
    _Msg,
)
from hub.signaling.advisers import AdviserProfile
from hub.signaling.records import CallRecord
from hub.signaling.router import CallRouter, RouterSettings


@dataclass
class Sock:
    """An endpoint that keeps what it is sent."""

    sent: list[_Msg] = field(default_factory=list)
    closed: tuple[int, str] | None = None

    def send(self, message: _Msg) -> None:
        self.sent.append(message)

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)

    def of(self, kind: type[Any]) -> list[Any]:
        return [m for m in self.sent if isinstance(m, kind)]


@dataclass
class Timer:
    delay: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class World:
    """A router with a settable clock, captured timers and records."""

    def __init__(self, **settings: Any) -> None:
        self.now = 1_000.0
        self.timers: list[Timer] = []
        self.records: list[CallRecord] = []
        self.router = CallRouter(
            settings=RouterSettings(**settings),
            on_record=self.records.append,
            clock=lambda: self.now,
            call_later=self._later,
        )

    def _later(self, delay: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(delay, callback)
        self.timers.append(timer)
        return timer

    def fire_timers(self) -> None:
        for timer in list(self.timers):
            if not timer.cancelled:
                timer.callback()

    def kiosk(self, kiosk_id: str = "k-one") -> Sock:
        sock = Sock()
        self.router.connect_kiosk(kiosk_id, "Mairie", sock)
        return sock

    def adviser(self, user_id: int, topics: tuple[str, ...], available: bool = True) -> Sock:
        sock = Sock()
        profile = AdviserProfile(user_id, f"A{user_id}", "p", "Partner", topics)
        self.router.connect_adviser(profile, sock)
        if available:
            self.router.adviser_message(user_id, SetAvailability(available=True))
        return sock

    def request(self, call_id: str, topic: str = "housing", kiosk_id: str = "k-one") -> None:
        self.router.kiosk_message(
            kiosk_id, CallRequest(call_id=call_id, topic=topic), topic_label="Logement"
        )


def test_ring_timeout_misses_the_call_and_records_it() -> None:
    world = World(ring_timeout_s=45)
    kiosk = world.kiosk()
    a1 = world.adviser(1, ("housing",))
    world.request("call-00000001")
    assert world.timers[0].delay == 45
    world.now += 45
    world.fire_timers()
    assert kiosk.of(CallEnded)[0].reason == EndReason.MISSED
    assert a1.of(CallWithdrawn)[0].reason == "missed"
    final = world.records[-1]
    assert (final.outcome, final.requested_at, final.rang_at, final.ended_at) == (
        CallOutcome.MISSED,
        1_000.0,
        1_000.0,
        1_045.0,
    )
    assert world.router.active_calls() == 0


def test_accepting_one_call_withdraws_the_advisers_other_rings_until_free_again() -> None:
    world = World()
    k1, k2 = world.kiosk("k-one"), world.kiosk("k-two")
    a1 = world.adviser(1, ("housing",))
    world.request("call-00000001", kiosk_id="k-one")
    world.request("call-00000002", kiosk_id="k-two")
    assert [m.call_id for m in a1.of(CallRinging)] == ["call-00000001", "call-00000002"]
    assert k2.of(CallQueued)[-1].position == 2
    world.router.adviser_message(1, CallAccept(call_id="call-00000001"))
    assert a1.of(CallAssigned)[0].call_id == "call-00000001"
    assert k1.of(CallAccepted)[0].adviser_name == "A1"
    assert [(m.call_id, m.reason) for m in a1.of(CallWithdrawn)] == [("call-00000002", "taken")]
    assert k2.of(CallQueued)[-1] == CallQueued(call_id="call-00000002", position=1, ringing=0)
    # Busy: a new adviser-side message for the other call is refused.
    world.router.adviser_message(1, CallAccept(call_id="call-00000002"))
    assert a1.of(ErrorMessage)[-1].code == "not-ringing"
    # Hanging up frees the adviser: the waiting call rings again.
    world.router.adviser_message(1, CallHangUp(call_id="call-00000001"))
    assert a1.of(CallRinging)[-1].call_id == "call-00000002"
    assert k2.of(CallQueued)[-1].ringing == 1


def test_no_offer_relayed_before_an_adviser_accepts() -> None:
    world = World()
    kiosk = world.kiosk()
    world.adviser(1, ("housing",))
    world.request("call-00000001")
    world.router.kiosk_message("k-one", SdpOffer(call_id="call-00000001", sdp="v=0"))
    assert kiosk.of(ErrorMessage)[-1].code == "not-connected"


def test_a_full_line_is_unavailable() -> None:
    world = World(max_waiting_per_topic=1)
    k1, k2 = world.kiosk("k-one"), world.kiosk("k-two")
    world.adviser(1, ("housing",))
    world.request("call-00000001", kiosk_id="k-one")
    world.request("call-00000002", kiosk_id="k-two")
    assert k1.of(CallQueued)
    assert k2.of(CallEnded)[0].reason == EndReason.UNAVAILABLE
    assert world.records[-1].outcome == CallOutcome.UNAVAILABLE


def test_a_replaced_socket_is_closed_and_stale_disconnects_are_ignored() -> None:
    world = World()
    old = world.kiosk()
    a1 = world.adviser(1, ("housing",))
    world.request("call-00000001")
    new = world.kiosk()
    assert old.closed is not None and old.closed[0] == CLOSE_REPLACED
    assert a1.of(CallWithdrawn)[-1].reason == "kiosk-left"
    world.router.disconnect_kiosk("k-one", old)  # the old socket's own close arrives later
    world.request("call-00000002")
    assert new.of(CallQueued)[-1].call_id == "call-00000002"


def test_a_new_console_starts_switched_off() -> None:
    world = World()
    kiosk = world.kiosk()
    first = world.adviser(1, ("housing",), available=True)
    world.router.disconnect_adviser(1, first)
    world.request("call-00000001")
    second = world.adviser(1, ("housing",), available=False)
    assert getattr(second.sent[0], "available") is False  # noqa: B009
    assert not second.of(CallRinging)
    assert kiosk.of(CallEnded)[0].reason == EndReason.UNAVAILABLE


def test_shutdown_ends_calls_as_failed() -> None:
    world = World()
    kiosk = world.kiosk()
    a1 = world.adviser(1, ("housing",))
    world.request("call-00000001")
    world.router.adviser_message(1, CallAccept(call_id="call-00000001"))
    world.router.shutdown()
    assert kiosk.of(CallEnded)[-1].reason == EndReason.FAILED
    assert a1.of(CallEnded)[-1].reason == EndReason.FAILED
    assert world.records[-1].outcome == CallOutcome.FAILED


def test_switching_off_withdraws_the_rings_and_a_failed_hang_up_is_a_failed_call() -> None:
    world = World()
    kiosk = world.kiosk()
    a1 = world.adviser(1, ("housing",))
    a2 = world.adviser(2, ("housing",))
    world.request("call-00000001")
    world.router.adviser_message(2, SetAvailability(available=False))
    assert [(m.call_id, m.reason) for m in a2.of(CallWithdrawn)] == [
        ("call-00000001", "unavailable")
    ]
    assert kiosk.of(CallQueued)[-1].ringing == 1
    world.router.adviser_message(1, CallAccept(call_id="call-00000001"))
    # media never came up, even after one renegotiation: the kiosk gives up
    world.router.kiosk_message("k-one", CallHangUp(call_id="call-00000001", reason="failed"))
    assert a1.of(CallEnded)[-1].reason == EndReason.FAILED
    assert world.records[-1].outcome == CallOutcome.FAILED


def test_a_call_rings_only_the_advisers_of_partners_serving_the_kiosks_territory() -> None:
    world = World()
    agenais, fumelois = Sock(), Sock()
    world.router.connect_kiosk("k-laplume", "Mairie de Laplume", agenais, "agenais")
    world.router.connect_kiosk("k-fumel", "Mairie de Fumel", fumelois, "fumelois")
    here, there = Sock(), Sock()
    for user_id, sock, partner, territories in (
        (1, here, "habitat-47", ("agenais",)),
        (2, there, "habitat-fumel", ("fumelois",)),
    ):
        profile = AdviserProfile(
            user_id, f"A{user_id}", partner, partner, ("housing",), territories
        )
        world.router.connect_adviser(profile, sock)
        world.router.adviser_message(user_id, SetAvailability(available=True))
    assert world.router.free_pairs() == {("habitat-47", "housing"), ("habitat-fumel", "housing")}
    world.request("call-00000001", kiosk_id="k-laplume")
    assert [m.call_id for m in here.of(CallRinging)] == ["call-00000001"]
    assert there.of(CallRinging) == []  # another territory's adviser never hears it
    world.router.adviser_message(1, CallAccept(call_id="call-00000001"))
    assert world.router.free_pairs() == {("habitat-fumel", "housing")}  # in a call: not free
    # the Agenais adviser is busy: a second Agenais call waits for them, Fumel's never rings
    other = Sock()
    world.router.connect_kiosk("k-agen", "Mairie d'Agen", other, "agenais")
    world.request("call-00000002", kiosk_id="k-agen")
    assert other.of(CallQueued)[-1].position == 1 and other.of(CallEnded) == []
    assert there.of(CallRinging) == []
    # a Fumel call rings Fumel's adviser at once (another line)
    world.request("call-00000003", kiosk_id="k-fumel")
    assert [m.call_id for m in there.of(CallRinging)] == ["call-00000003"]
    # the Agenais adviser hangs up: free again, they ring for the Agenais call waiting
    world.router.adviser_message(1, CallHangUp(call_id="call-00000001"))
    assert [m.call_id for m in here.of(CallRinging)] == ["call-00000001", "call-00000002"]


def test_with_every_adviser_busy_calls_wait_in_line_and_move_up() -> None:
    world = World(ring_timeout_s=45, queue_wait_s=900)
    kiosks = {k: world.kiosk(k) for k in ("k-1", "k-2", "k-3", "k-4")}
    a1 = world.adviser(1, ("housing",))
    world.request("call-00000001", kiosk_id="k-1")
    world.router.adviser_message(1, CallAccept(call_id="call-00000001"))
    world.now += 300  # a five-minute call: the line's first handle time
    world.router.adviser_message(1, CallHangUp(call_id="call-00000001"))
    world.request("call-00000002", kiosk_id="k-2")
    world.router.adviser_message(1, CallAccept(call_id="call-00000002"))
    world.request("call-00000003", kiosk_id="k-3")  # the adviser is busy: in line
    world.request("call-00000004", kiosk_id="k-4")
    third, fourth = kiosks["k-3"].of(CallQueued)[-1], kiosks["k-4"].of(CallQueued)[-1]
    assert (third.position, third.ringing, third.eta_s) == (1, 0, 300.0)
    assert (fourth.position, fourth.eta_s) == (2, 600.0)  # two calls of ~5 min ahead
    assert world.timers[-1].delay == 900  # in line: the queue's limit, not 45 s of ringing
    # the third gives up: the fourth moves up at once
    world.router.kiosk_message("k-3", CallHangUp(call_id="call-00000003"))
    assert kiosks["k-4"].of(CallQueued)[-1].position == 1
    # the adviser hangs up: the fourth rings them
    world.now += 100
    world.router.adviser_message(1, CallHangUp(call_id="call-00000002"))
    assert a1.of(CallRinging)[-1].call_id == "call-00000004"
    assert kiosks["k-4"].of(CallQueued)[-1].ringing == 1


def test_with_nobody_signed_in_or_everyone_on_a_break_the_call_is_unavailable_at_once() -> None:
    world = World()
    kiosk = world.kiosk()
    world.request("call-00000001")
    assert kiosk.of(CallEnded)[-1].reason == EndReason.UNAVAILABLE
    world.adviser(1, ("housing",), available=False)  # signed in, switched off: on a break
    world.request("call-00000002")
    assert kiosk.of(CallEnded)[-1].reason == EndReason.UNAVAILABLE
    world.adviser(2, ("mobility",))  # free, another topic
    world.request("call-00000003")
    assert kiosk.of(CallEnded)[-1].reason == EndReason.UNAVAILABLE
    assert world.router.active_calls() == 0


def test_a_topic_may_set_its_own_wait_limit_and_a_long_wait_ends_as_missed() -> None:
    world = World(queue_wait_s=900)
    kiosk = world.kiosk()
    world.adviser(1, ("housing",))
    world.router.kiosk_message("k-one", CallRequest(call_id="call-00000001", topic="housing"),
                               topic_label="Logement")  # fmt: skip
    world.router.adviser_message(1, CallAccept(call_id="call-00000001"))
    other = world.kiosk("k-two")
    world.router.kiosk_message("k-two", CallRequest(call_id="call-00000002", topic="housing"),
                               topic_label="Logement", wait_limit_s=120)  # fmt: skip
    assert world.timers[-1].delay == 120
    world.now += 120
    world.timers[-1].callback()
    assert other.of(CallEnded)[-1].reason == EndReason.MISSED
    assert kiosk.of(CallEnded) == []
