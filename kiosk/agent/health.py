"""Health reports: what the board says about itself, plus the UI's device states.

`SystemProbe` reads the real machine (psutil, /sys, /proc); the fleet
simulator gives the agent its own probe with the same `sample()` method.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psutil

from hub.protocol import DeviceState, Health
from kiosk.clock import boot_id, uptime_s
from kiosk.outbox import OutboxStats
from kiosk.uilink import DEVICES

# Sensor names, most telling first: Raspberry Pi, Intel, AMD, other ARM boards.
_SENSORS = ("cpu_thermal", "coretemp", "k10temp", "soc_thermal", "cpu-thermal", "acpitz")
_THERMAL = Path("/sys/class/thermal")
_ROUTES = Path("/proc/net/route")


@dataclass(frozen=True, slots=True)
class SystemSample:
    """One reading of the machine."""

    uptime_s: float
    load1: float
    cpu_temp_c: float | None
    mem_used_pct: float
    disk_used_pct: float
    net_iface: str | None
    boot: str | None = None  # this boot's id (kiosk.clock); None on a simulated board


class Probe(Protocol):
    """Something that reads the machine (real or simulated)."""

    def sample(self) -> SystemSample:
        """Read the machine now (may block briefly: call it in a thread)."""
        ...


def cpu_temperature() -> float | None:
    """The CPU temperature in °C, or None when the board has no sensor for it."""
    read = getattr(psutil, "sensors_temperatures", None)
    sensors = {}
    if read is not None:
        with contextlib.suppress(OSError, RuntimeError):
            sensors = read()
    for name in (*_SENSORS, *sensors):
        for entry in sensors.get(name, []):
            if entry.current is not None:
                return float(entry.current)
    for zone in sorted(_THERMAL.glob("thermal_zone*/temp")):
        with contextlib.suppress(OSError, ValueError):
            return int(zone.read_text().strip()) / 1000
    return None


def main_interface() -> str | None:
    """The network interface of the default route, else the first one up that is not loopback."""
    with contextlib.suppress(OSError):
        for line in _ROUTES.read_text().splitlines()[1:]:
            fields = line.split()
            if len(fields) > 1 and fields[1] == "00000000":
                return fields[0]
    with contextlib.suppress(OSError):
        for name, stats in psutil.net_if_stats().items():
            if stats.isup and name != "lo":
                return name
    return None


def _existing(path: Path) -> Path:
    """`path` or its nearest existing parent (the state dir may not exist yet)."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


class SystemProbe:
    """Reads this machine; disk usage is that of the filesystem holding `disk_path`."""

    def __init__(self, disk_path: Path) -> None:
        self.disk_path = disk_path

    def sample(self) -> SystemSample:
        """Read the machine now."""
        return SystemSample(
            uptime_s=uptime_s(),
            load1=os.getloadavg()[0],
            cpu_temp_c=cpu_temperature(),
            mem_used_pct=psutil.virtual_memory().percent,
            disk_used_pct=psutil.disk_usage(str(_existing(self.disk_path))).percent,
            net_iface=main_interface(),
            boot=boot_id(),
        )


def _pct(value: float) -> float:
    return round(min(100.0, max(0.0, value)), 1)


def build_health(
    sample: SystemSample,
    *,
    app_version: str,
    devices: Mapping[str, DeviceState] | None,
    outbox: OutboxStats,
    dropped_recent: int,
) -> Health:
    """The Health message; `devices` None means the UI did not answer (ui = down)."""
    temp = sample.cpu_temp_c
    if temp is not None and not -50 <= temp <= 150:
        temp = None  # a broken sensor, not a reading
    return Health(
        uptime_s=round(max(0.0, sample.uptime_s), 1),
        boot=sample.boot,
        load1=round(max(0.0, sample.load1), 2),
        cpu_temp_c=None if temp is None else round(temp, 1),
        mem_used_pct=_pct(sample.mem_used_pct),
        disk_used_pct=_pct(sample.disk_used_pct),
        app_version=app_version[:32],
        net_iface=sample.net_iface[:32] if sample.net_iface else None,
        ui="down" if devices is None else "up",
        devices={n: str(s) for n, s in (devices or {}).items() if n in DEVICES},
        outbox_pending=max(0, outbox.pending),
        outbox_dropped_total=max(0, outbox.dropped_total),
        outbox_dropped_recent=max(0, dropped_recent),
        outbox_failed_total=max(0, outbox.failed_total),
    )
