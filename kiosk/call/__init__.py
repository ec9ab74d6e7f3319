"""Calls to advisers: the interface the controller uses, and its engines (simulated for now).

`open_call_service(config)` builds the engine kiosk.toml's `[call]` names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import CallConfig
    from kiosk.controller.ports import CallService


def open_call_service(config: CallConfig) -> CallService:
    """The call engine for `[call]` (only "sim" until the aiortc engine lands)."""
    from kiosk.call.sim import SimCallService  # Pillow is loaded only when a call service is

    return SimCallService(
        answer_after_s=config.sim_answer_after_s,
        unanswered_topics=config.sim_unanswered_topics,
        ring_timeout_s=config.ring_timeout_s,
        call_s=config.sim_call_s,
    )
