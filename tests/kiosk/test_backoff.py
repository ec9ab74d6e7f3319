"""Reconnect delays: capped, growing, jittered, reset after a success."""

from __future__ import annotations

import random

import pytest

from kiosk.agent.backoff import Backoff


def test_grows_then_is_capped() -> None:
    backoff = Backoff(0.5, 8, rng=random.Random(1))
    delays = [backoff.next() for _ in range(12)]
    assert all(0 < d <= 8 for d in delays)
    assert delays[0] <= 0.5
    assert delays[:5] == sorted(delays[:5])  # doubling ceilings: each step longer
    assert all(d > 4 for d in delays[5:])  # capped: (8/2, 8]


def test_jittered() -> None:
    backoff = Backoff(1, 60, rng=random.Random(2))
    firsts = []
    for _ in range(20):
        firsts.append(backoff.next())
        backoff.reset()
    assert len(set(firsts)) == 20
    assert all(0.5 <= d <= 1 for d in firsts)


def test_two_clients_do_not_retry_in_lockstep() -> None:
    a, b = Backoff(1, 60, rng=random.Random(3)), Backoff(1, 60, rng=random.Random(4))
    assert [a.next() for _ in range(5)] != [b.next() for _ in range(5)]


def test_reset_starts_again_from_the_minimum() -> None:
    backoff = Backoff(1, 60, rng=random.Random(5))
    for _ in range(6):
        backoff.next()
    assert backoff.ceiling() == 60
    backoff.reset()
    assert backoff.attempts == 0
    assert backoff.next() <= 1


def test_long_outages_do_not_overflow() -> None:
    backoff = Backoff(1, 30, rng=random.Random(6))
    backoff.attempts = 10_000
    assert 15 <= backoff.next() <= 30


def test_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        Backoff(0, 10)
    with pytest.raises(ValueError):
        Backoff(1, 10, jitter=2)
