"""The one root of the kiosk's own exceptions (docs/architecture.md, "Rules").

Every error the kiosk raises on purpose — a bad kiosk.toml, a printer that cannot
print, a hub that refuses, an outbox that cannot write — derives from
`KioskError`, so the UI and the agent can tell a known fault from a bug. Errors
that are also bad values keep `ValueError` as a second base.
"""

from __future__ import annotations


class KioskError(Exception):
    """An error the kiosk raises on purpose (a device, the hub, the disk, the config)."""
