"""When the UI process collects its garbage: at rest, not under the person's finger.

Kivy widgets hold reference cycles, so every screen thrown away is left to Python's
cyclic collector. A full collection walks the whole heap (Kivy, the fonts' textures,
the kept screen parts): 100-200 ms on this machine, and it used to land in the
middle of a screen change as a visible stall. Measured in `bench/ui.py`: with the
automatic collector alone, one screen change in about twenty took over 100 ms.

So the app:
- after start-up (and after building its reusable parts), collects once and
  freezes what survives: that long-lived heap is never walked again, so the
  automatic collections that still happen during a session are short;
- collects fully when a session ends, while the goodbye screen (which asks
  nothing) is shown, or on the attract screen when the session ended without
  one; each session's garbage is gone before the next person comes;
- then hands the freed C heap back to the system (glibc's `malloc_trim`). The
  session's textures, video frames and layout buffers are freed but stay in
  malloc's arenas otherwise: measured in `bench/ui.py`, the resident size grew
  by about 1 MiB a session for the first ten sessions (Python's own heap by
  under 50 KiB), which trimming returns.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import time
from collections.abc import Callable
from functools import cache

log = logging.getLogger(__name__)


def settle() -> float:
    """Collect, then freeze the survivors; returns the seconds it took."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    took = time.perf_counter() - started
    log.debug("heap settled in %.0f ms (%d objects frozen)", took * 1000, gc.get_freeze_count())
    return took


def collect_at_rest() -> float:
    """A full collection between sessions, then the freed C heap returned to the system;
    returns the seconds it took."""
    started = time.perf_counter()
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    return time.perf_counter() - started


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        trim: Callable[[int], int] | None = (
            getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
        )
    except OSError:
        return None
    return trim
