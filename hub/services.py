"""What a request handler may use: the one object the composition root builds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from hub.commands import CommandSender
from hub.config import HubConfig
from hub.kiosk_limits import Budget, KioskLimits
from hub.login_guard import LoginGuard
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
    login_guard: LoginGuard = field(default_factory=LoginGuard)
    """Limits in front of the staff log-in's password hash (hub.login_guard)."""
    kiosk_limits: KioskLimits | None = None
    """Per-kiosk volume limits (hub.kiosk_limits); built from the config when None."""

    def __post_init__(self) -> None:
        if self.kiosk_limits is None:
            self.kiosk_limits = KioskLimits.from_config(self.config)

    def spend(self, kiosk_id: str, budget: Budget) -> int:
        """Spend from a kiosk's budget: 0 when allowed, else the seconds to wait."""
        assert self.kiosk_limits is not None
        return self.kiosk_limits.spend(kiosk_id, budget)
