"""Waiting on an event with a time limit, without losing a cancellation.

On Python 3.11, ``asyncio.wait_for(event.wait(), t)`` swallows a cancellation that
arrives in the same loop turn as the event is set: a loop built on it then never
ends, and whoever awaits the cancelled task hangs (seen as a controller ``close()``
that never returned). ``asyncio.timeout`` tells the two apart, so every timed wait
on an event in the kiosk goes through here.
"""

from __future__ import annotations

import asyncio
import contextlib


async def wait_event(event: asyncio.Event, timeout: float | None) -> bool:
    """Wait until `event` is set or `timeout` seconds pass (None: no limit); True when set.

    A cancellation of the waiting task always propagates, even when the event is set
    at the same moment.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
    return event.is_set()
