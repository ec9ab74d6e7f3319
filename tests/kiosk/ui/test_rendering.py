"""What makes screen changes quick, and what must never make them slow or wrong:
reusable parts hold nothing personal, a catalog refresh does not rebuild the call
screen, notices only redraw the top bar, and the heap is collected at rest."""

from __future__ import annotations

import gc
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kiosk.controller.view import Notice, NoticeKind, Screen, View
from tests.kiosk.controller.fakes import make_catalog
from tests.kiosk.ui.uihub import SEEKER_CODE, SEEKER_PIN, UiHub, kiosk_config

pytestmark = pytest.mark.ui


def test_parts_are_built_once_detached_and_the_oldest_dropped(kivy_ready: None) -> None:
    from kivy.uix.boxlayout import BoxLayout
    from kivy.uix.label import Label

    from kiosk.ui.parts import PartCache

    parts = PartCache(limit=2)
    made: list[Label] = []

    def make(text: str) -> Label:
        made.append(Label(text=text))
        return made[-1]

    first = parts.get(("a",), lambda: make("a"))
    old_screen = BoxLayout()
    old_screen.add_widget(first)
    again = parts.get(("a",), lambda: make("a"))
    assert again is first and again.parent is None and len(made) == 1
    old_screen.add_widget(again)
    parts.detach_all()  # a thrown-away screen is not kept alive by its parts
    assert again.parent is None and old_screen.children == []
    parts.get(("b",), lambda: make("b"))
    parts.get(("a",), lambda: make("a"))  # "a" is now the most recent
    parts.get(("c",), lambda: make("c"))  # drops "b"
    assert len(parts) == 2 and parts.built == 3
    parts.get(("b",), lambda: make("b"))
    assert parts.built == 4


def test_a_catalog_refresh_rebuilds_only_the_screens_that_show_it(kivy_ready: None) -> None:
    from kiosk.ui.app import _bar_structure
    from kiosk.ui.app import _structure as structure_of
    from kiosk.ui.screens import CatalogKey

    key = CatalogKey()

    def _structure(view: View) -> tuple[object, ...]:
        return structure_of(view, key)

    catalog = make_catalog()
    later = catalog.model_copy(update={"generated_at": catalog.generated_at + timedelta(1)})
    changed = catalog.model_copy(
        update={
            "topics": [
                t.model_copy(update={"available_now": not t.available_now}) for t in catalog.topics
            ]
        }
    )
    for screen in (Screen.TOPICS, Screen.IN_CALL, Screen.COMMUNE, Screen.WAITING):
        assert _structure(View(screen, catalog=catalog)) == _structure(View(screen, catalog=later))
    assert _structure(View(Screen.TOPICS, catalog=catalog)) != _structure(
        View(Screen.TOPICS, catalog=changed)
    )
    assert _structure(View(Screen.IN_CALL, catalog=catalog)) == _structure(
        View(Screen.IN_CALL, catalog=changed)
    )
    # a notice redraws the top bar, not the screen under it (and the digits typed)
    notice = Notice(NoticeKind.WRONG_PIN, count=2)
    assert _structure(View(Screen.PIN, entry="12")) == _structure(
        View(Screen.PIN, entry="12", notice=notice)
    )
    assert _bar_structure(View(Screen.PIN)) != _bar_structure(View(Screen.PIN, notice=notice))


async def test_parts_are_reused_and_the_call_screen_survives_catalog_refreshes(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    config = kiosk_config(tmp_path, ui_hub)  # the catalog is refreshed every 0.5 s
    ui = await run_ui(config, "landscape")
    app = ui.app
    await ui.on(Screen.ATTRACT)
    await ui.wait(lambda: app.view.catalog is not None, what="the catalog")
    # at rest: the keypad, the keyboard and the grids are built ahead, the heap frozen
    await ui.wait(lambda: len(app.parts) >= 4, what="parts built on the attract screen")
    assert gc.get_freeze_count() > 0
    built = app.parts.built

    await ui.tap("start")
    await ui.tap("by-code")
    await ui.on(Screen.CODE)
    pad = ui.find("key-ok").parent
    assert ui.find("key-ok").disabled
    await ui.type(SEEKER_CODE)
    await ui.wait(lambda: not ui.find("key-ok").disabled, what="OK turns on")
    assert ui.find("key-ok").parent is pad  # turned on in place, not rebuilt
    await ui.tap("key-ok")
    await ui.on(Screen.PIN)
    assert ui.find("key-ok").parent is pad  # the same keypad, reused
    await ui.type(SEEKER_PIN)
    await ui.tap("key-ok")
    await ui.on(Screen.TOPICS)
    assert app.parts.built == built  # nothing was built again

    await ui.tap("topic-housing")
    await ui.on(Screen.IN_CALL)
    await ui.wait(lambda: app.view.adviser_name is not None, what="the adviser answered")
    video = ui.find("remote-video")
    await ui.wait(lambda: video.frames_shown >= 3, what="remote video frames")
    renders = app.renders
    refreshed = app.view.catalog
    await ui.wait(lambda: app.view.catalog is not refreshed, what="a catalog refresh")
    await ui.wait(lambda: video.frames_shown >= 10, what="more frames")
    assert app.renders == renders and ui.find("remote-video") is video
    await ui.tap("hang-up")
    await ui.on(Screen.AFTER_CALL)
    await ui.tap("next")
    await ui.on(Screen.SURVEY)
    await ui.tap("survey-2")
    await ui.on(Screen.GOODBYE)
    await ui.wait(lambda: app.last_rest_collect_s > 0, what="the collection at goodbye")
