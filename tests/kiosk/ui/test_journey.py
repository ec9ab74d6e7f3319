"""The real Kivy app, driven by touches through whole sessions, against a real hub.

Under Xvfb, in both orientations and both languages: identify with a code and
PIN, pick a topic, wait, talk (synthetic video), hang up, print, answer the
survey, and leave — then prove nothing of the person is left in the UI.
"""

from __future__ import annotations

import gc
import json
import linecache
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

from kiosk.controller.view import NoticeKind, Screen
from tests.kiosk.ui.uihub import (
    SEEKER_CODE,
    SEEKER_NAME,
    SEEKER_PHONE,
    SEEKER_PIN,
    UiHub,
    kiosk_config,
)

pytestmark = pytest.mark.ui

WORDS = {
    "fr": {"hello": "Bonjour !", "topics": "De quelle aide avez-vous besoin ?"},
    "en": {"hello": "Hello!", "topics": "What do you need help with?"},
}


def outbox_events(config: Any) -> list[dict[str, Any]]:
    """The usage events the UI stored for the agent."""
    with sqlite3.connect(config.outbox_path) as db:
        return [json.loads(row[0]) for row in db.execute("SELECT payload FROM events ORDER BY seq")]


def outbox_bytes(config: Any) -> bytes:
    """Every byte of the outbox database files (WAL included)."""
    return b"".join(p.read_bytes() for p in Path(config.outbox_path).parent.glob("outbox.db*"))


def personal_strings_in_memory(needles: tuple[str, ...]) -> list[str]:
    """Containers in this process holding a string with one of the needles."""
    gc.unfreeze()  # the app freezes its long-lived heap: look at that too
    gc.collect()
    # Not the process's own copies of this test's source: module constants, cached lines.
    skip = {id(m.__dict__) for m in list(sys.modules.values()) if hasattr(m, "__dict__")}
    skip |= {id(entry) for entry in linecache.cache.values()}
    skip |= {id(entry[2]) for entry in linecache.cache.values() if len(entry) > 2}
    found = []
    for obj in gc.get_objects():
        if id(obj) in skip:
            continue
        try:
            values = obj.values() if isinstance(obj, dict) else obj
            if not isinstance(obj, (dict, list, tuple, set)):
                continue
            for value in values:
                if isinstance(value, str) and any(n in value for n in needles):
                    keys = list(obj)[:8] if isinstance(obj, dict) else []
                    found.append(f"{type(obj).__name__} {keys}: {value[:60]!r}")
        except Exception:  # noqa: S112 - objects mutating under us are skipped
            continue
    return found


@pytest.mark.parametrize(
    ("orientation", "language"),
    [("landscape", "fr"), ("portrait", "en"), ("portrait", "fr"), ("landscape", "en")],
)
async def test_whole_session_with_code_and_pin(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path, orientation: str, language: str
) -> None:
    config = kiosk_config(tmp_path, ui_hub)
    ui = await run_ui(config, orientation)
    await ui.on(Screen.ATTRACT)
    await ui.wait(lambda: ui.app.view.catalog is not None, what="the catalog from the hub")
    if language == "en":
        await ui.tap("lang-en")
    await ui.wait(lambda: WORDS[language]["hello"] in ui.texts(), what="the greeting")

    await ui.tap("start")
    await ui.on(Screen.IDENTIFY)
    await ui.tap("by-code")
    await ui.on(Screen.CODE)
    await ui.type(SEEKER_CODE)
    await ui.tap("key-ok")
    await ui.on(Screen.PIN)
    await ui.type(SEEKER_PIN)
    # the PIN never shows: only dots
    assert SEEKER_PIN not in " ".join(ui.texts())
    await ui.tap("key-ok")
    await ui.on(Screen.TOPICS)
    assert any(SEEKER_NAME in text for text in ui.texts())
    assert WORDS[language]["topics"] in ui.texts()

    await ui.tap("topic-housing")
    await ui.on(Screen.WAITING)
    await ui.on(Screen.IN_CALL)
    video = ui.find("remote-video")
    await ui.wait(lambda: video.frames_shown >= 3, what="remote video frames on screen")
    await ui.tap("mute")
    await ui.wait(lambda: ui.app.view.muted, what="muted")
    # a weak link: sound only, then the picture back
    await ui.tap("audio-only")
    await ui.wait(lambda: ui.find("sound-only") is not None, what="the sound-only panel")
    assert ui.find("remote-video") is None and ui.app.controller.current_call.audio_only
    await ui.tap("audio-only")
    await ui.wait(lambda: ui.find("remote-video") is not None, what="the picture back")
    await ui.tap("hang-up")
    await ui.on(Screen.AFTER_CALL)
    await ui.tap("print")
    await ui.wait(lambda: ui.app.view.printed, what="the slip printed")
    await ui.tap("next")
    await ui.on(Screen.SURVEY)
    await ui.tap("survey-3")
    await ui.on(Screen.GOODBYE)
    await ui.on(Screen.ATTRACT)

    # Usage events, in order, and nothing personal in them or in the outbox file.
    types = [e["type"] for e in outbox_events(config)]
    for expected in (
        "session.started",
        "identified",
        "topic.chosen",
        "call.requested",
        "call.answered",
        "call.ended",
        "slip.printed",
        "survey",
        "session.ended",
    ):
        assert expected in types, types
    assert types.index("session.started") < types.index("identified") < types.index("survey")
    raw = outbox_bytes(config)
    for secret in (SEEKER_NAME, SEEKER_CODE, SEEKER_PHONE):
        assert secret.encode() not in raw
    # The screen shows nothing of the person, and no object in the process holds it.
    assert not any(SEEKER_NAME in t for t in ui.texts())
    assert personal_strings_in_memory((SEEKER_NAME, SEEKER_PHONE)) == []
    # The next person starts in French with the default theme.
    assert ui.app.view.language == "fr"


async def test_first_visit_nobody_available_then_call_back_request(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    config = kiosk_config(tmp_path, ui_hub, commune="Laplume")
    ui = await run_ui(config, "landscape")
    await ui.on(Screen.ATTRACT)
    await ui.wait(lambda: ui.app.view.catalog is not None, what="the catalog")
    await ui.tap("start")  # 1 touch (the privacy rules are on the welcome screen)
    await ui.on(Screen.IDENTIFY)
    await ui.tap("first-visit")  # 2
    await ui.on(Screen.FIRST_NAME)
    await ui.type("ALIÉNOR")
    await ui.tap("key-ok")  # 3
    await ui.on(Screen.COMMUNE)
    assert ui.find("letter-L") is not None  # 43 communes: the others by their first letter
    await ui.tap("commune-home")  # 4: the kiosk's own commune, first
    await ui.on(Screen.TOPICS)  # no phone asked on a first visit
    await ui.tap("topic-business")  # never open in these tests
    await ui.on(Screen.NO_ANSWER)
    await ui.tap("callback")
    await ui.on(Screen.PHONE)
    await ui.type("061234")
    assert ui.find("key-ok").disabled  # far too short: OK stays off
    await ui.type("567")
    assert ui.find("key-ok").disabled  # 9 digits is not a French number: OK looks off...
    await ui.press("key-ok", 0.05)  # ... and touching it says why; nothing typed is lost
    await ui.wait(
        lambda: (
            ui.app.view.notice is not None and ui.app.view.notice.kind == NoticeKind.INVALID_PHONE
        ),
        what="invalid phone",
    )
    assert ui.app.view.entry == "061234567"
    await ui.type("8")
    await ui.tap("key-ok")
    await ui.on(Screen.REQUEST_SENT)
    assert not ui.app.view.request_offline
    requests = ui_hub.contact_requests()
    mine = [r for r in requests if r["first_name"] == "Aliénor"]
    assert len(mine) == 1
    assert mine[0]["phone"] == "0612345678"
    assert mine[0]["commune"] == "Laplume"
    assert mine[0]["kind"] == "callback" and mine[0]["reason"] == "unavailable"
    await ui.tap("finish")
    await ui.on(Screen.GOODBYE)
    await ui.on(Screen.ATTRACT)
    assert personal_strings_in_memory(("Aliénor", "ALIÉNOR", "0612345678")) == []


async def test_wrong_pins_are_counted_then_the_code_is_locked(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    ui_hub.cli("seeker", "add", "--code", "5550001", "--pin", "2468", "--first-name", "Lou")
    config = kiosk_config(tmp_path, ui_hub)
    ui = await run_ui(config, "portrait")
    await ui.on(Screen.ATTRACT)
    await ui.tap("start")
    await ui.tap("by-code")
    await ui.type("5550001")
    await ui.tap("key-ok")
    for attempt in range(4):
        await ui.on(Screen.PIN)
        await ui.type("1111")
        await ui.tap("key-ok")
        await ui.wait(lambda: ui.app.view.notice is not None, what="a notice")
        notice = ui.app.view.notice
        assert notice.kind == NoticeKind.WRONG_PIN
        assert notice.count == 4 - attempt
        assert ui.find("notice") is not None
    await ui.type("1111")
    await ui.tap("key-ok")
    await ui.on(Screen.IDENTIFY)
    await ui.wait(
        lambda: ui.app.view.notice is not None and ui.app.view.notice.kind == NoticeKind.LOCKED,
        what="locked",
    )
    assert ui.app.view.notice.count and ui.app.view.notice.count >= 1
    # Even the right PIN is refused while the code is locked.
    await ui.tap("by-code")
    await ui.type("5550001")
    await ui.tap("key-ok")
    await ui.type("2468")
    await ui.tap("key-ok")
    await ui.wait(
        lambda: ui.app.view.notice is not None and ui.app.view.notice.kind == NoticeKind.LOCKED,
        what="still locked",
    )
    ui_hub.cli("seeker", "unlock", "--code", "5550001")


async def test_offline_kiosk_shows_cached_contacts_prints_and_keeps_a_call_back(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    # First a kiosk that reached the hub once (so it has a catalog on disk)...
    online = kiosk_config(tmp_path, ui_hub)
    ui = await run_ui(online, "landscape")
    await ui.wait(lambda: ui.app.view.catalog is not None, what="the catalog")
    await ui.wait(lambda: online.catalog_cache_path.exists(), what="the cached catalog")
    await ui.close()
    # ...then the same kiosk with the hub unreachable.
    offline = kiosk_config(tmp_path, None)
    ui = await run_ui(offline, "landscape")
    await ui.wait(lambda: not ui.app.view.online, what="offline")
    await ui.tap("start")
    await ui.on(Screen.OFFLINE)
    assert "05 53 00 00 01" in " ".join(ui.texts())  # a partner's phone, from the cache
    await ui.tap("print")
    await ui.wait(
        lambda: ui.app.view.notice is not None and ui.app.view.notice.kind == NoticeKind.PRINTED,
        what="printed",
    )
    await ui.tap("callback")
    await ui.on(Screen.FIRST_NAME)
    await ui.type("NOÉ")
    await ui.tap("key-ok")
    await ui.on(Screen.COMMUNE)
    await ui.tap("letter-L")
    await ui.tap("commune-Layrac")
    await ui.on(Screen.PHONE)
    await ui.type("0699887766")
    await ui.tap("key-ok")
    await ui.on(Screen.REQUEST_SENT)
    assert ui.app.view.request_offline
    with sqlite3.connect(offline.outbox_path) as db:
        stored = db.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    assert stored == 1
    await ui.tap("finish")
    await ui.on(Screen.ATTRACT)


async def test_idle_countdown_then_the_session_ends_and_is_wiped(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    config = kiosk_config(tmp_path, ui_hub, idle_s=0.6, idle_countdown_s=2)
    ui = await run_ui(config, "landscape")
    await ui.tap("start")
    await ui.tap("first-visit")
    await ui.type("OCÉANE")
    await ui.wait(lambda: ui.find("countdown") is not None, what="are you still there?")
    await ui.tap("still-here")
    await ui.wait(lambda: ui.app.view.idle_countdown is None, what="countdown gone")
    assert ui.app.view.entry == "OCÉANE"  # answering keeps what was typed
    await ui.on(Screen.ATTRACT, timeout=10)
    types = [e["type"] for e in outbox_events(config)]
    assert types[-1] == "session.ended"
    assert outbox_events(config)[-1]["detail"] == "idle"
    assert personal_strings_in_memory(("OCÉANE",)) == []


async def test_lockdown_keys_and_close_requests_do_nothing(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    from kivy.core.window import Window

    config = kiosk_config(tmp_path, ui_hub)
    ui = await run_ui(config, "landscape")
    await ui.on(Screen.ATTRACT)
    assert Window.dispatch("on_request_close") is True
    assert Window.dispatch("on_keyboard", 27, 41, None, []) is True  # Escape
    assert Window.dispatch("on_keyboard", 285, 0, None, ["alt"]) is True  # Alt+F4
    assert Window.dispatch("on_keyboard", 113, 0, "q", ["ctrl"]) is True  # Ctrl+Q
    await ui.tap("start")
    await ui.on(Screen.IDENTIFY)  # still running, still answering touches


async def test_ops_menu_needs_a_long_corner_press_and_the_pin(
    ui_hub: UiHub, run_ui: Any, tmp_path: Path
) -> None:
    config = kiosk_config(tmp_path, ui_hub, ops_pin="97531")
    ui = await run_ui(config, "landscape")
    await ui.on(Screen.ATTRACT)
    await ui.press("", 0.05)  # a short tap in the corner does nothing
    assert ui.app.view.screen == Screen.ATTRACT
    await ui.press("", 0.6)
    await ui.on(Screen.OPS_PIN)
    await ui.type("97531")
    await ui.tap("key-ok")
    await ui.on(Screen.OPS)
    await ui.tap("ops-print-test")
    await ui.wait(lambda: ui.app.view.notice is not None, what="test print result")
    await ui.tap("ops-close")
    await ui.on(Screen.ATTRACT)
