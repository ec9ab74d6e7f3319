"""Telling a cloned kiosk from a kiosk that restarts or whose link flaps."""

from __future__ import annotations

from hub.ingest.clones import CloneWatch


def test_two_instances_alternating_is_a_clone() -> None:
    watch = CloneWatch(window_s=120, returns=2)
    verdicts = [watch.birth("k-a", ("one", "two")[n % 2], float(n)) for n in range(6)]
    assert verdicts[:3] == [False, False, False] and verdicts[3] is True


def test_a_restarting_agent_or_a_flapping_link_is_not() -> None:
    watch = CloneWatch(window_s=120, returns=2)
    # The same instance reconnecting over and over (a bad link).
    assert not any(watch.birth("k-a", "one", float(n)) for n in range(20))
    # Restarts: a new instance each time, never back to an old one.
    assert not any(watch.birth("k-b", f"run-{n}", float(n)) for n in range(20))
    # Older agents send no instance at all.
    assert not any(watch.birth("k-c", None, float(n)) for n in range(20))


def test_old_births_leave_the_window() -> None:
    watch = CloneWatch(window_s=10, returns=2)
    for n, instance in enumerate(("one", "two", "one")):
        watch.birth("k-a", instance, n * 20.0)  # one switch every 20 s: outside 10 s
    assert not watch.birth("k-a", "two", 60.0)
