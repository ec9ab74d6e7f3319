"""Fixtures for whole-system tests: a hub process on the test's broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import AgentProcess, HubProcess
from tests.support import TestBroker


@pytest.fixture
def hub(tmp_path: Path, broker: TestBroker) -> Iterator[HubProcess]:
    handle = HubProcess(tmp_path / "hub", broker)
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def agents(tmp_path: Path) -> Iterator[list[AgentProcess]]:
    """Agents a test starts; all stopped at the end."""
    started: list[AgentProcess] = []
    yield started
    for agent in started:
        agent.stop()
