"""Cloned kiosks: two devices running under one kiosk's credentials (a copied SD card).

The broker binds a session to the user name, so the two knock each other off
and reconnect, each announcing itself with a birth. Each agent run stamps its
births with a random `instance`: a kiosk whose births come from two or more
instances, alternating, within `WINDOW_S` is a clone. (One agent restarting gets
a new instance too, but never goes back to the old one.) The suspicion is kept
on the kiosk's row (`clone_seen_at`), which the alerts turn into a "clone"
alert naming the kiosk; ops then rotate its credentials (`gaia-hub kiosk
rotate`) and re-provision the genuine one.
"""

from __future__ import annotations

from collections import deque

WINDOW_S = 120.0
RETURNS = 2
"""Births going back to an instance seen before in the window, before a kiosk is a
suspected clone (A, B, A, B: two returns)."""


class CloneWatch:
    """Births per kiosk (a bounded recent history), in one ingest process."""

    def __init__(self, window_s: float = WINDOW_S, returns: int = RETURNS) -> None:
        self.window_s = window_s
        self.returns = returns
        self._births: dict[str, deque[tuple[float, str]]] = {}

    def birth(self, kiosk_id: str, instance: str | None, at: float) -> bool:
        """Record a birth; True when this kiosk now looks cloned."""
        if instance is None:
            return False  # an older agent: nothing to tell instances apart by
        history = self._births.setdefault(kiosk_id, deque(maxlen=32))
        history.append((at, instance))
        while history and history[0][0] < at - self.window_s:
            history.popleft()
        # Going back to an instance seen before is what one restarting agent never does.
        returns, seen, previous = 0, set(), None
        for _, current in history:
            if current != previous and current in seen:
                returns += 1
            seen.add(current)
            previous = current
        return returns >= self.returns
