"""Fixtures: a started controller on fakes, closed after the test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from kiosk.controller import Screen
from tests.kiosk.controller.fakes import Account, Harness, build, type_text, wait_for

CODE = "73519042"
PIN = "2468"


@pytest.fixture
async def make() -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    """make(**build options) -> a started Harness; every one is closed after the test."""
    made: list[Harness] = []

    async def start(**options: Any) -> Harness:
        harness = build(**options)
        made.append(harness)
        await harness.controller.start()
        return harness

    yield start
    for harness in made:
        await harness.controller.close()


@pytest.fixture
async def kiosk(make: Callable[..., Awaitable[Harness]]) -> Harness:
    """A started controller whose hub knows one job seeker (CODE, PIN, "Odette")."""
    harness = await make()
    harness.hub.accounts[CODE] = Account(pin=PIN, first_name="Odette")
    return harness


async def identify(harness: Harness, code: str = CODE, pin: str = PIN) -> None:
    """ATTRACT -> TOPICS with a personal code and PIN."""
    c = harness.controller
    c.begin()
    c.accept_privacy()
    c.choose_code()
    type_text(c, code)
    c.submit()
    type_text(c, pin)
    c.submit()
    await wait_for(lambda: harness.view.screen is Screen.TOPICS)
