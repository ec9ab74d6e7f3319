"""Fixtures for the signaling tests: a real hub on a loopback port, kiosks and advisers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from hub.config import CallsConfig, HubConfig, IceConfig
from tests.hub.signaling.support import HubServer
from tests.hub.signaling.turn import coturn

__all__ = ["coturn"]  # a real coturn on loopback, for test_turn.py


@pytest.fixture
def make_hub(config: HubConfig) -> Iterator[Callable[..., HubServer]]:
    """Start a hub with the demo catalog; `ice` is its [ice], keywords go to [calls]."""
    started: list[HubServer] = []

    def make(ice: IceConfig | None = None, **calls: float) -> HubServer:
        update = {"calls": CallsConfig(**calls), "ice": ice or IceConfig()}
        hub = HubServer(config.model_copy(update=update))
        hub.start()
        started.append(hub)
        return hub

    yield make
    for hub in started:
        hub.stop()


@dataclass
class Scene:
    """A hub with one kiosk and three advisers (two for housing, one for mobility)."""

    hub: HubServer
    kiosk_token: str
    claire: int  # housing + employment
    paul: int  # housing
    nadia: int  # mobility + business


def _scene(hub: HubServer) -> Scene:
    token = hub.add_kiosk("k-laplume")
    claire = hub.add_adviser(
        "claire@habitat.test", "Claire", "habitat-47", ["housing", "employment"]
    )
    paul = hub.add_adviser("paul@habitat.test", "Paul", "habitat-47", ["housing"])
    nadia = hub.add_adviser("nadia@mobilite.test", "Nadia", "mobilite-47", ["mobility", "business"])
    return Scene(hub, token, claire, paul, nadia)


@pytest.fixture
def scene(make_hub: Callable[..., HubServer]) -> Scene:
    """The usual cast, on a hub whose calls ring for 30 s."""
    return _scene(make_hub(ring_timeout_s=30))


@pytest.fixture
def quick_scene(make_hub: Callable[..., HubServer]) -> Scene:
    """The usual cast, on a hub whose calls ring for half a second only."""
    return _scene(make_hub(ring_timeout_s=0.5))
