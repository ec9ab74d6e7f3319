"""Lockdown: the person at the kiosk cannot leave the app, by keyboard or gesture.

Kivy is configured before the window opens (see `kiosk.ui.kivy_env`): full
screen and borderless, no exit on Escape, no multitouch emulation, one input
provider, no inspector or console args. Here the open window refuses to close
and swallows keys that could leave or reveal anything (Escape, F-keys, Alt and
Ctrl combinations). The session itself runs without a window manager (see the
systemd unit), so there is no desktop behind the app.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

ESCAPE = 27
F_KEYS = range(282, 294)
BLOCKED_MODIFIERS = frozenset({"alt", "ctrl", "meta", "super", "alt-gr"})


def key_blocked(key: int, modifiers: list[str] | tuple[str, ...]) -> bool:
    """True for a key (or chord) that must do nothing on a kiosk."""
    return key == ESCAPE or key in F_KEYS or bool(BLOCKED_MODIFIERS & set(modifiers))


def lock_window(window: Any) -> None:
    """Refuse every close request and swallow the dangerous keys."""

    def _refuse_close(*_: Any, **__: Any) -> bool:
        log.info("close request refused (kiosk lockdown)")
        return True

    def _filter_key(
        _window: Any, key: int, _scancode: int, _codepoint: Any, modifiers: list[str]
    ) -> bool:
        return key_blocked(key, modifiers)

    window.bind(on_request_close=_refuse_close, on_keyboard=_filter_key)
