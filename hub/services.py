"""What a request handler may use: the one object the composition root builds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from hub.commands import CommandSender
from hub.config import HubConfig
from hub.metrics import Metrics


@dataclass
class Services:
    """Shared state of one hub process, stored on `app.state.services`."""

    config: HubConfig
    engine: Engine
    metrics: Metrics
    commands: CommandSender
    state_dir: Path = field(default_factory=lambda: Path("var/hub"))
    clock: Callable[[], float] = time.time
    """The time (epoch seconds) the kiosk API goes by; tests replace it."""
