"""The controller's durations and switches (from KioskConfig.ui and .call)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ControllerSettings:
    """Durations and switches, built by the composition root from KioskConfig.ui/.call."""

    idle_s: float = 60
    idle_countdown_s: int = 20
    goodbye_s: float = 8
    catalog_refresh_s: float = 60
    ops_pin: str = "246810"
    ops_attempts: int = 3
    ops_lock_s: float = 300
    notice_s: float = 6
    request_retry_s: float = 30
    default_language: str = "fr"
    high_contrast: bool = False
    read_aloud: bool = False
    """Reading aloud on from the start of each session (where an engine exists)."""
    home_commune: str = ""
    """The commune the kiosk stands in: offered first on the commune screen."""
    reception: str = ""
    """Where the town hall's desk is and when it is open (the help veil shows it)."""
    tick_s: float = 1.0
    """One step of the idle countdown and of the waiting/call clocks (tests shorten it)."""
