"""The controller's transition tables (`BACK`, `SUBMIT`), run without Kivy.

Each row reaches a screen the way a person would, presses Back (or OK), and
says where that must lead and what the entry then holds. A test also checks
that the tables and the screen rules stay one: every screen of a session with
a way back is in `BACK`, and the screen changes in one place only.
"""

from __future__ import annotations

import ast
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from kiosk.controller import Screen
from kiosk.controller import entry as keys
from kiosk.controller.machine import BACK, SUBMIT
from tests.kiosk.controller.conftest import (
    CODE,
    PIN,
    call_placed,
    first_visit,
    identify,
    to_pin,
)
from tests.kiosk.controller.fakes import (
    Account,
    FakeHub,
    Harness,
    make_catalog,
    type_text,
    wait_for,
)

Make = Callable[..., Awaitable[Harness]]
Reach = Callable[[Harness], Awaitable[None]]
LONG_LIST = ("Agen", "Laplume", *(f"{letter}ville" for letter in "BCDEFGHIJKMNOP"))
"""More communes than one page holds: the commune screen shows letters first."""


async def _identify(h: Harness) -> None:
    h.controller.begin()


async def _card(h: Harness) -> None:
    await _identify(h)
    h.controller.choose_card()


async def _code(h: Harness) -> None:
    await _identify(h)
    h.controller.choose_code()
    type_text(h.controller, "735")


async def _pin(h: Harness) -> None:
    to_pin(h)
    type_text(h.controller, "24")


async def _first_name(h: Harness) -> None:
    await _identify(h)
    h.controller.choose_first_visit()
    type_text(h.controller, "Léa")


async def _commune(h: Harness) -> None:
    await _first_name(h)
    h.controller.submit()


async def _commune_letter(h: Harness) -> None:
    await _commune(h)
    h.controller.choose_commune_letter(h.view.commune_letters[0])


async def _topics(h: Harness) -> None:
    await identify(h)


async def _waiting(h: Harness) -> None:
    await identify(h)
    await call_placed(h)


async def _no_answer(h: Harness) -> None:
    await identify(h)
    await call_placed(h)
    h.calls.last.push("ended", reason="missed")
    await wait_for(lambda: h.view.screen is Screen.NO_ANSWER)


async def _callback_phone(h: Harness) -> None:
    first_visit(h)  # no phone asked on a first visit: a call-back must ask for it
    await call_placed(h)
    h.calls.last.push("ended", reason="missed")
    await wait_for(lambda: h.view.screen is Screen.NO_ANSWER)
    h.controller.request_contact("callback")


BACK_ROWS: list[tuple[str, Reach, Screen, str]] = [
    ("identify: the session ends", _identify, Screen.ATTRACT, ""),
    ("card", _card, Screen.IDENTIFY, ""),
    ("code", _code, Screen.IDENTIFY, ""),
    ("pin: the code comes back to be corrected", _pin, Screen.CODE, CODE),
    ("first name", _first_name, Screen.IDENTIFY, ""),
    ("commune: the first name comes back", _commune, Screen.FIRST_NAME, "Léa"),
    ("commune under a letter: back to the letters", _commune_letter, Screen.COMMUNE, ""),
    ("topics: the identity is forgotten", _topics, Screen.IDENTIFY, ""),
    ("waiting: the call is withdrawn", _waiting, Screen.TOPICS, ""),
    ("no answer", _no_answer, Screen.TOPICS, ""),
    ("phone for a call-back: back to the offer", _callback_phone, Screen.NO_ANSWER, ""),
]


@pytest.mark.parametrize(
    ("reach", "after", "entry"),
    [row[1:] for row in BACK_ROWS],
    ids=[row[0] for row in BACK_ROWS],
)
async def test_back_leads_where_the_table_says(
    make: Make, reach: Reach, after: Screen, entry: str
) -> None:
    h = await make(hub=FakeHub(make_catalog(communes=LONG_LIST)))
    h.hub.accounts[CODE] = Account(pin=PIN, first_name="Odette")
    await reach(h)
    before = h.view.screen
    assert before in BACK
    h.controller.back()
    assert (h.view.screen, h.view.entry) == (after, entry)
    if after is Screen.TOPICS and before is Screen.WAITING:
        await wait_for(lambda: h.calls.last.cancelled)
    if before is Screen.TOPICS:
        assert h.view.first_name is None


async def test_back_does_nothing_where_there_is_no_way_back(make: Make) -> None:
    h = await make()
    h.controller.begin()
    h.controller.back()  # IDENTIFY → ATTRACT: the session ends
    assert h.view.screen is Screen.ATTRACT and h.events.types()[-1] == "session.ended"
    h.controller.back()  # no session: nothing
    assert h.view.screen is Screen.ATTRACT
    assert set(BACK) <= set(Screen) - {Screen.ATTRACT, Screen.GOODBYE, Screen.IN_CALL}
    assert Screen.AFTER_CALL not in BACK and Screen.SURVEY not in BACK


async def test_submit_refuses_an_entry_that_is_not_ready_and_says_why(make: Make) -> None:
    h = await make()
    await _code(h)
    h.controller.submit()
    assert h.view.screen is Screen.CODE and h.view.notice is not None
    assert h.view.notice.count == keys.CODE_MIN - 3
    assert set(SUBMIT) == {
        Screen.CODE,
        Screen.PIN,
        Screen.FIRST_NAME,
        Screen.PHONE,
        Screen.AFTER_CALL,
    }


def test_the_screen_changes_in_one_place() -> None:
    """Only `Core.show` (and `Core.__init__`) assign the screen: no other arm can forget
    to close a veil or skip the tables."""
    package = Path(__file__).parents[3] / "kiosk" / "controller"
    writers = []
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                for inner in ast.walk(node):
                    targets = (
                        inner.targets
                        if isinstance(inner, ast.Assign)
                        else [inner.target]
                        if isinstance(inner, ast.AnnAssign | ast.AugAssign)
                        else []
                    )
                    for target in targets:
                        if isinstance(target, ast.Attribute) and target.attr in (
                            "_screen",
                            "screen",
                        ):
                            writers.append(f"{path.name}:{node.name}")
    assert sorted(writers) == ["core.py:__init__", "core.py:show"]
