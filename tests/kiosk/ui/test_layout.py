"""Every kiosk screen passes the layout checker (kiosk.ui.layout_check), in both
orientations, both languages and both themes; and the checker finds what it must."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.ui


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
@pytest.mark.parametrize("language", ["fr", "en"])
async def test_every_screen_passes_the_layout_checker(
    kivy_ready: None, orientation: str, language: str
) -> None:
    from kiosk.ui.gallery import demo_catalog, render, scenes

    drawn = await render(orientation, language)
    drawn += await render(orientation, language, high_contrast=True)
    assert len(drawn) == 2 * len(scenes(demo_catalog()))
    problems = [
        f"{d.name} ({'high contrast' if d.high_contrast else 'normal'}): {p}"
        for d in drawn
        for p in d.problems
    ]
    assert not problems, "\n".join(problems)
    if language == "fr" and orientation == "landscape":
        _back_buttons_follow_the_table(drawn)


def _back_buttons_follow_the_table(drawn: list[Any]) -> None:
    """A screen draws a way back exactly when the controller's BACK table has an arm for
    it (the ops PIN's Back is the ops menu's own), so no button is dead and no step is
    a dead end."""
    from kiosk.controller.machine import BACK
    from kiosk.controller.view import Screen

    for d in drawn:
        if d.screen in (Screen.OPS_PIN, Screen.OPS):
            continue
        has_back = bool({"back", "other-topic", "cancel"} & d.gids)
        # OFFLINE's arm acts once the hub is back (it tries again): drawn only then.
        expected = d.screen in BACK and (d.screen is not Screen.OFFLINE or d.online)
        assert has_back == expected, f"{d.name}: Back drawn {has_back}"


# -- the checker itself, on small hand-made screens ----------------------------------------


def _screen(*widgets: Any) -> Any:
    from kivy.uix.widget import Widget

    root = Widget(size=(1280, 800))
    for widget in widgets:
        root.add_widget(widget)
    for widget in root.walk():
        if hasattr(widget, "texture_update"):
            widget.texture_update()
    return root


def _problems(root: Any) -> list[str]:
    from kiosk.ui.layout_check import check
    from kiosk.ui.theme import NORMAL

    return [p.kind for p in check(root, NORMAL, window=(1280, 800))]


def _target(gid: str, pos: tuple[int, int], size: tuple[int, int], action: Any = print) -> Any:
    from kiosk.ui.theme import NORMAL
    from kiosk.ui.widgets import button

    target = button(gid, "", action, NORMAL, size_hint=(None, None), pos=pos, size=size)
    target.size_hint_min = (None, None)
    target.size = size
    return target


def test_overlapping_touch_targets_are_found(kivy_ready: None) -> None:
    # The name keyboard's Valider 6 px into the accent row above it.
    def above() -> Any:
        return _target("key-Ô", (1000, 200), (110, 95))

    assert _problems(_screen(above(), _target("key-ok", (900, 100), (300, 106)))) == ["overlap"]
    assert _problems(_screen(above(), _target("key-ok", (900, 100), (300, 100)))) == []


def test_a_target_under_15_mm_is_found(kivy_ready: None) -> None:
    assert _problems(_screen(_target("tiny", (10, 10), (80, 200)))) == ["small-target"]
    assert _problems(_screen(_target("big", (10, 10), (90, 200)))) == []


def test_text_out_of_its_box_over_a_target_or_off_screen_is_found(kivy_ready: None) -> None:
    from kivy.uix.label import Label

    from kiosk.ui.theme import NORMAL

    def label(text: str, **kwargs: Any) -> Label:
        return Label(text=text, color=NORMAL.text, font_size=48, size_hint=(None, None), **kwargs)

    # The portrait phone screen's title, pushed up over the top bar's Terminer.
    title = label("Votre numéro", pos=(700, 700), size=(600, 60))
    finish = _target("top-finish", (1000, 690), (260, 100))
    assert "text-over" in _problems(_screen(title, finish))
    assert _problems(_screen(label("Votre numéro", pos=(400, 300), size=(100, 60)))) == ["overflow"]
    assert "clipped" in _problems(_screen(label("Votre numéro", pos=(1200, 300), size=(600, 60))))


def test_a_word_cut_by_wrapping_is_found(kivy_ready: None) -> None:
    from kivy.uix.label import Label

    from kiosk.ui.theme import NORMAL

    word = Label(text="Valider", font_size=34, color=NORMAL.text, size_hint=(None, None))
    word.size = (70, 120)
    word.text_size = (70, None)
    assert "word-break" in _problems(_screen(word))


def test_small_text_low_contrast_and_a_disabled_look_are_found(kivy_ready: None) -> None:
    from kivy.uix.label import Label

    from kiosk.ui.theme import NORMAL
    from kiosk.ui.widgets import Tappable, box

    small = Label(text="Mairie", font_size=26, color=NORMAL.text, size_hint=(None, None))
    small.size = (300, 60)
    assert _problems(_screen(small)) == ["small-text"]
    card = box(bg=NORMAL.secondary, size_hint=(None, None), size=(600, 100))
    card.add_widget(Label(text="Un conseiller est libre", font_size=30, color=(0.12, 0.49, 0.2, 1)))
    card.do_layout()
    assert _problems(_screen(card)) == ["contrast"]  # the old green: 4.3:1
    # A disabled button painted like the main one (the old Valider) ...
    grey = Tappable("key-ok", None, NORMAL.primary, size_hint=(None, None), size=(300, 120))
    assert _problems(_screen(grey)) == ["disabled-look"]
    # ... and one drawn as the theme's disabled outline.
    outlined = _target("key-ok", (10, 10), (300, 120), action=None)
    assert _problems(_screen(outlined)) == []


def test_touching_a_disabled_button_says_why(kivy_ready: None) -> None:
    from kivy.tests.common import UnitTestTouch

    from kiosk.ui.theme import NORMAL
    from kiosk.ui.widgets import button

    asked: list[str] = []
    ok = button("key-ok", "OK", None, NORMAL, why=lambda: asked.append("why"))
    ok.pos, ok.size = (0, 0), (200, 120)
    touch = UnitTestTouch(50, 50)
    assert ok.on_touch_down(touch)
    assert asked == ["why"]
    ok.set_action(lambda: asked.append("ok"))
    assert ok.gaia_bg == NORMAL.primary  # active again: painted as the main button
