"""The drain rules with a stand-in link (no broker): window, PUBACK, receipt, timeouts."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

from hub.protocol import Event, EventType
from kiosk.agent.drain import Drainer
from kiosk.agent.link import BrokerLink
from kiosk.outbox import Outbox


class StandInLink:
    """Records publications and hands out message ids, as BrokerLink.publish does."""

    def __init__(self) -> None:
        self.connected = True
        self.sent: list[tuple[int, bytes]] = []

    def publish(self, _topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int:
        self.sent.append((len(self.sent) + 1, payload))
        return len(self.sent)


def make(tmp_path: Path, n: int, **options: Any) -> tuple[Drainer, StandInLink, Outbox]:
    outbox = Outbox(tmp_path / "o.db")
    for _ in range(n):
        outbox.append(Event(type=EventType.SURVEY, value=1))
    link = StandInLink()
    settings = {"window": 3, "interval_s": 1, "republish_after_s": 60} | options
    drainer = Drainer(outbox, cast(BrokerLink, link), "t", **settings)
    return drainer, link, outbox


def test_window_puback_then_delete_on_receipt(tmp_path: Path) -> None:
    drainer, link, outbox = make(tmp_path, 5)
    ids = outbox.event_ids()
    assert drainer.pump() == 3
    assert drainer.pump() == 0  # window full, nothing sent twice
    drainer.acknowledged([2, 999])  # ours and someone else's
    assert drainer.in_flight == 2 and drainer.unconfirmed == 1
    assert outbox.stats().pending == 5  # the broker's PUBACK is not enough to forget
    assert drainer.pump() == 1
    drainer.acknowledged([1, 3, 4])
    assert drainer.pump() == 1
    drainer.acknowledged([5])
    assert drainer.pump() == 0  # all with the broker: none goes twice
    assert len(link.sent) == 5
    drainer.received(ids[:2])
    assert outbox.event_ids() == ids[2:] and drainer.acked == 2
    drainer.received([*ids[2:], "not-ours-0001"])
    assert outbox.stats().pending == 0 and drainer.unconfirmed == 0


def test_nothing_goes_out_while_disconnected(tmp_path: Path) -> None:
    drainer, link, _ = make(tmp_path, 2)
    link.connected = False
    assert drainer.pump() == 0 and link.sent == []


def test_republish_after_puback_timeout_and_ignore_the_late_puback(tmp_path: Path) -> None:
    drainer, link, outbox = make(tmp_path, 1, republish_after_s=0.05)
    assert drainer.pump() == 1
    time.sleep(0.1)
    assert drainer.pump() == 1  # the same row, new message id
    assert link.sent[0][1] == link.sent[1][1] and drainer.republished == 1
    drainer.acknowledged([1])  # late PUBACK of the first copy: not tracked any more
    assert drainer.unconfirmed == 0
    drainer.acknowledged([2])
    assert drainer.unconfirmed == 1
    drainer.received(outbox.event_ids())
    assert outbox.stats().pending == 0


def test_reconnect_restarts_the_puback_clock(tmp_path: Path) -> None:
    drainer, _, _ = make(tmp_path, 1, republish_after_s=0.5)
    drainer.pump()
    time.sleep(0.35)
    drainer.connected()
    time.sleep(0.25)
    assert drainer.pump() == 0  # 0.6 s since sent, but only 0.25 s since the reconnect


def test_no_receipt_means_a_new_pass_with_a_growing_wait(tmp_path: Path) -> None:
    """The broker took the events but the hub never got them (a crash): send them again."""
    drainer, link, outbox = make(tmp_path, 2, receipt_timeout_s=0.1, receipt_timeout_max_s=0.25)
    drainer.pump()
    drainer.acknowledged([1, 2])
    assert drainer.pump() == 0
    time.sleep(0.12)
    assert drainer.pump() == 2  # a new pass, oldest first
    assert [p for _, p in link.sent[2:]] == [p for _, p in link.sent[:2]]
    drainer.acknowledged([3, 4])
    time.sleep(0.12)
    assert drainer.pump() == 0  # the wait doubled to 0.2 s
    time.sleep(0.1)
    assert drainer.pump() == 2
    drainer.acknowledged([5, 6])
    drainer.received(outbox.event_ids())  # a receipt resets the wait
    assert outbox.stats().pending == 0 and drainer.passes == 2


def test_receipted_ids_are_reported(tmp_path: Path) -> None:
    drainer, _, outbox = make(tmp_path, 2)
    ids = outbox.event_ids()
    got: list[str] = []
    drainer.on_acked = got.extend
    drainer.pump()
    drainer.acknowledged([1, 2])
    assert got == []
    drainer.received(ids)
    assert got == ids


def test_nothing_goes_out_before_the_agent_says_ready(tmp_path: Path) -> None:
    """The agent holds events until the hub has this boot's health (kiosk.clock)."""
    ready = False
    drainer, link, _ = make(tmp_path, 2, ready=lambda: ready)
    assert drainer.pump() == 0 and link.sent == []
    ready = True
    assert drainer.pump() == 2
