"""Fixtures for the kiosk tests (helpers live in tests.kiosk.helpers)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.helpers import AgentProcess, KioskSetup, LoopThread, Subscriber
from tests.support import TestBroker


@pytest.fixture
def make_kiosk(broker: TestBroker, tmp_path: Path) -> Callable[..., KioskSetup]:
    """make_kiosk(id, **write_config options) -> KioskSetup."""

    def make(kiosk_id: str = "kiosk-test", **options: Any) -> KioskSetup:
        return KioskSetup(broker, tmp_path / kiosk_id, kiosk_id, **options)

    return make


@pytest.fixture
def spawn_agent() -> Iterator[Callable[[Path], AgentProcess]]:
    """spawn_agent(config) -> AgentProcess; every one is killed after the test."""
    started: list[AgentProcess] = []

    def spawn(config: Path) -> AgentProcess:
        started.append(AgentProcess(config))
        return started[-1]

    yield spawn
    for agent in started:
        agent.close()


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    """A background event loop, stopped after the test."""
    runner = LoopThread()
    yield runner
    runner.close()


@pytest.fixture
def subscriber(broker: TestBroker) -> Iterator[Callable[..., Subscriber]]:
    """subscriber(topic, receipts=True) -> Subscriber; disconnected after the test."""
    made: list[Subscriber] = []

    def make(topic: str, *, receipts: bool = True) -> Subscriber:
        made.append(Subscriber(broker.port, topic, receipts=receipts))
        return made[-1]

    yield make
    for sub in made:
        sub.close()
