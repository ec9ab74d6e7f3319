"""The one root of the hub's own exceptions (docs/architecture.md, "Rules").

Every error the hub raises on purpose derives from `HubError`, so a caller can
tell the hub's refusals from a bug; those that are also bad values keep
`ValueError` as a second base. The wire contract's errors (`hub.protocol`)
derive from `hub.protocol.messages.ProtocolError`, shared with the kiosk.
"""

from __future__ import annotations


class HubError(Exception):
    """An error the hub raises on purpose (a refusal, a bad setting, a damaged store)."""
