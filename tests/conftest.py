"""Fixtures: a real Mosquitto on a free port for integration tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import TestBroker


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[TestBroker]:
    """A running Mosquitto of its own (persistence on), stopped after the test."""
    if shutil.which("mosquitto") is None:
        pytest.fail("mosquitto is not installed: run `make test`, which installs it")
    handle = TestBroker(tmp_path / "broker")
    handle.start()
    try:
        yield handle
    finally:
        handle.stop()
