"""Rate-limited logging: one line per interval per key, with the count of the others."""

from __future__ import annotations

import logging

import pytest

from kiosk.agent.ratelimit import RateLimitedLog


def test_repeats_are_suppressed_then_counted(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    log = RateLimitedLog(logging.getLogger("test.ratelimit"), 60, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING):
        assert log.warning("net", "broker down: %s", "refused")
        for _ in range(5):
            now[0] += 5
            assert not log.warning("net", "broker down: %s", "refused")
        assert log.warning("disk", "disk full")  # another key is not held back
        now[0] = 61
        assert log.warning("net", "broker down: %s", "refused")
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "broker down: refused",
        "disk full",
        "broker down: refused (5 similar suppressed)",
    ]


def test_reset_starts_a_new_episode(caplog: pytest.LogCaptureFixture) -> None:
    log = RateLimitedLog(logging.getLogger("test.ratelimit"), 60, clock=lambda: 0.0)
    with caplog.at_level(logging.WARNING):
        log.warning("net", "down")
        log.reset("net")
        log.warning("net", "down")
    assert len(caplog.records) == 2
