"""The kiosk controller: the job seeker's journey as a plain-Python state machine.

The UI (kiosk.ui) draws the controller's `View` and calls its actions; the
controller talks to the world only through the ports in `kiosk.controller.ports`.
"""

from kiosk.controller.machine import Controller, ControllerSettings
from kiosk.controller.view import Notice, NoticeKind, Screen, View

__all__ = ["Controller", "ControllerSettings", "Notice", "NoticeKind", "Screen", "View"]
