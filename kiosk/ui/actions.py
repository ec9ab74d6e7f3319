"""What the touch interface may ask of the controller: a typed protocol.

Screens and the app hold a `KioskActions`, never `Any`, so mypy checks every
button's wiring against `kiosk.controller.Controller` (which satisfies this
protocol structurally) and against the gallery's stand-in. A new action is
added here and in the controller, or the type check fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.controller.ports import Call
from kiosk.controller.view import View


class KioskActions(Protocol):
    """The controller's actions and the little the UI reads from it."""

    @property
    def view(self) -> View:
        """The View to draw now."""
        ...

    @property
    def current_call(self) -> Call | None:
        """The call under way (its video frames), or None."""
        ...

    def subscribe(self, listener: Callable[[View], None]) -> Callable[[], None]:
        """Call `listener` with every new View; returns a function that unsubscribes."""
        ...

    def touch(self) -> None:
        """Any touch: restarts the idle timer."""
        ...

    def still_here(self) -> None:
        """The person answered "are you still there?"."""
        ...

    def speak(self, text: str) -> None:
        """Read a screen's text aloud when reading aloud is on."""
        ...

    # -- welcome and preferences --
    def begin(self) -> None:
        """Start a session."""
        ...

    def set_language(self, language: str) -> None:
        """Switch the language."""
        ...

    def toggle_contrast(self) -> None:
        """Switch the high-contrast theme."""
        ...

    def toggle_speech(self) -> None:
        """Turn reading aloud on or off."""
        ...

    # -- moving about --
    def back(self) -> None:
        """One step back."""
        ...

    def ask_finish(self) -> None:
        """The top bar's Finish (asks first where something would be lost)."""
        ...

    def finish(self) -> None:
        """End the session (the survey first after a call)."""
        ...

    def keep_going(self) -> None:
        """Do not finish after all."""
        ...

    def ask_help(self) -> None:
        """Show where to ask for help at the town hall."""
        ...

    def close_help(self) -> None:
        """Close the help veil."""
        ...

    # -- saying who you are --
    def choose_code(self) -> None:
        """Identify with a personal code."""
        ...

    def choose_card(self) -> None:
        """Identify with a card."""
        ...

    def choose_first_visit(self) -> None:
        """A first visit."""
        ...

    def key(self, char: str) -> None:
        """A key of the keypad or keyboard."""
        ...

    def erase(self) -> None:
        """Erase the last character."""
        ...

    def submit(self) -> None:
        """OK."""
        ...

    def choose_commune(self, name: str) -> None:
        """A commune of the list."""
        ...

    def choose_commune_letter(self, letter: str) -> None:
        """The communes under this initial."""
        ...

    def choose_other_commune(self) -> None:
        """A commune that is not in the list."""
        ...

    # -- topics and calls --
    def choose_topic(self, topic_id: str) -> None:
        """Ask for an adviser on this topic."""
        ...

    def cancel_wait(self) -> None:
        """Withdraw the call request."""
        ...

    def request_contact(self, kind: str) -> None:
        """Ask for a call-back or an appointment."""
        ...

    def toggle_mute(self) -> None:
        """Mute or unmute the microphone."""
        ...

    def toggle_audio_only(self) -> None:
        """Sound only, or the picture back."""
        ...

    def hang_up(self) -> None:
        """End the call."""
        ...

    def print_slip(self) -> None:
        """Print what this screen offers to print."""
        ...

    def survey(self, score: int) -> None:
        """Answer the survey (1..3)."""
        ...

    def skip_survey(self) -> None:
        """Do not answer the survey."""
        ...

    # -- the technician --
    def ops_long_press(self) -> None:
        """The long press in the corner."""
        ...

    def ops_action(self, name: str) -> None:
        """An action of the maintenance menu."""
        ...
