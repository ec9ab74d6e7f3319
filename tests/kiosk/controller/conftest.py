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


def to_pin(harness: Harness, code: str = CODE) -> None:
    """ATTRACT -> PIN: the personal code typed and submitted."""
    c = harness.controller
    c.begin()
    c.choose_code()
    type_text(c, code)
    c.submit()


async def identify(harness: Harness, code: str = CODE, pin: str = PIN) -> None:
    """ATTRACT -> TOPICS with a personal code and PIN."""
    to_pin(harness, code)
    c = harness.controller
    type_text(c, pin)
    c.submit()
    await wait_for(lambda: harness.view.screen is Screen.TOPICS)


def start_first_visit(harness: Harness, name: str = "Léa", commune: str | None = "Agen") -> None:
    """ATTRACT -> first visit: the first name typed and submitted, then the commune chosen
    (when given: the controller is then on TOPICS)."""
    c = harness.controller
    c.begin()
    c.choose_first_visit()
    type_text(c, name)
    c.submit()
    if commune is not None:
        c.choose_commune(commune)


def first_visit(harness: Harness, name: str = "Léa", commune: str = "Agen") -> None:
    """ATTRACT -> TOPICS as a first visitor (first name and commune: no phone asked)."""
    start_first_visit(harness, name, commune)
    assert harness.view.screen is Screen.TOPICS


async def call_placed(harness: Harness, topic: str = "housing") -> None:
    """From TOPICS: choose a topic and wait until the call service has the call."""
    harness.controller.choose_topic(topic)
    await wait_for(lambda: bool(harness.calls.calls))
