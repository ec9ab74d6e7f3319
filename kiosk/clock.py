"""The kiosk's clocks: is the wall clock synchronised yet, and the boot clock beside it.

A Raspberry Pi has no real-time clock: until NTP answers, its wall clock says
1970 or the time of its last shutdown, then it jumps. A usage event stamped
before that jump cannot be corrected by the skew the hub measures later (the
skew changed with the jump). So an event stamped while the clock is not yet
synchronised also carries the time on the boot clock (CLOCK_BOOTTIME, which
NTP never steps) and the boot's id; the hub knows where that boot sits on its
own clock from the health reports, which carry both too (docs/architecture.md,
"Time").

Synchronised means: systemd-timesyncd's flag file exists, or the kernel's NTP
state is not "unsynchronised" (chrony, ntpd and timesyncd all clear it).
`[clock] sync = "trust"` skips the check, for a machine whose clock is known good.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time
import uuid
from functools import cache
from pathlib import Path
from typing import Literal

from hub.protocol import BootTime, Event

TIMESYNCD_FLAG = Path("/run/systemd/timesync/synchronized")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
_TIME_ERROR = 5  # adjtimex(2): the clock is not synchronised
_ADJ_STATUS_READ = 0  # modes = 0: read only


class _Timex(ctypes.Structure):
    # struct timex from <sys/timex.h> (64-bit and 32-bit glibc alike: longs).
    _fields_ = [
        ("modes", ctypes.c_uint),
        ("offset", ctypes.c_long),
        ("freq", ctypes.c_long),
        ("maxerror", ctypes.c_long),
        ("esterror", ctypes.c_long),
        ("status", ctypes.c_int),
        ("constant", ctypes.c_long),
        ("precision", ctypes.c_long),
        ("tolerance", ctypes.c_long),
        ("time_sec", ctypes.c_long),
        ("time_usec", ctypes.c_long),
        ("tick", ctypes.c_long),
        ("ppsfreq", ctypes.c_long),
        ("jitter", ctypes.c_long),
        ("shift", ctypes.c_int),
        ("stabil", ctypes.c_long),
        ("jitcnt", ctypes.c_long),
        ("calcnt", ctypes.c_long),
        ("errcnt", ctypes.c_long),
        ("stbcnt", ctypes.c_long),
        ("tai", ctypes.c_int),
        ("_padding", ctypes.c_int * 24),  # room to spare: the kernel writes its own size
    ]


def kernel_synced() -> bool | None:
    """The kernel's NTP state: True synchronised, False not, None unknown (no adjtimex)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        adjtimex = ctypes.CDLL(name, use_errno=True).adjtimex
    except (OSError, AttributeError):
        return None
    buf = _Timex(modes=_ADJ_STATUS_READ)
    state = adjtimex(ctypes.byref(buf))
    if state < 0:
        return None
    return bool(state != _TIME_ERROR)


@cache
def boot_id() -> str:
    """This boot's random id (the kernel's), or a random one fixed for this process."""
    try:
        return uuid.UUID(BOOT_ID.read_text().strip()).hex
    except (OSError, ValueError):
        return uuid.uuid4().hex


def uptime_s() -> float:
    """Seconds since boot, suspend included, on a clock NTP never steps."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def boot_time() -> BootTime:
    """Now, on the boot clock."""
    return BootTime(boot=boot_id(), uptime_s=round(uptime_s(), 3))


class ClockSync:
    """Whether the wall clock can be believed yet; once it can, it stays believed."""

    def __init__(self, mode: Literal["auto", "trust"] = "auto", flag: Path = TIMESYNCD_FLAG):
        self.mode = mode
        self.flag = flag
        self._synced = mode == "trust"

    def synced(self) -> bool:
        """True once the clock was seen synchronised (cheap: checked at most once per call)."""
        if not self._synced:
            self._synced = self.flag.exists() or kernel_synced() is True
        return self._synced

    def stamp(self, event: Event) -> Event:
        """`event`, marked with the boot clock when the wall clock is not synchronised yet."""
        if self.synced() or event.unsynced is not None:
            return event
        return event.model_copy(update={"unsynced": boot_time()})
