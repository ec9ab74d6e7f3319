"""A timed wait on an event never loses the cancellation of the task that waits."""

from __future__ import annotations

import asyncio

import pytest

from kiosk.waits import wait_event


async def test_returns_true_when_set_and_false_after_the_timeout() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    asyncio.get_running_loop().call_later(0.01, event.set)
    assert await wait_event(event, 5) is True


@pytest.mark.parametrize("turns", [0, 1, 2, 3])
async def test_a_cancel_in_the_same_turn_as_the_event_ends_the_loop(turns: int) -> None:
    """The loop shape of the drain, the health timer and the controller's request flusher.
    With asyncio.wait_for on Python 3.11 this task swallowed the cancel and ran forever."""
    event = asyncio.Event()

    async def loop() -> None:
        while True:
            await wait_event(event, 10)
            event.clear()

    task = asyncio.create_task(loop())
    for _ in range(3):
        await asyncio.sleep(0)
    event.set()
    for _ in range(turns):
        await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=2)
    assert task in done and task.cancelled()
