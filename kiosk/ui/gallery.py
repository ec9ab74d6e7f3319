"""Every kiosk screen drawn from a fixed View: for `make screens` and the layout tests.

Each screen is drawn by the real Kivy app from a View such as the controller
publishes (the demo catalog from hub/demo_data.toml, a still picture for the
call video), so anyone can see the interface without running it, and
kiosk.ui.layout_check can check each one (scripts/screens.py, tests/kiosk/ui).
Kivy must be prepared first (kiosk.ui.kivy_env) and run under a display.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hub.protocol.kiosk_api import Catalog, PartnerInfo, TopicInfo
from kiosk.controller import communes as places
from kiosk.controller.ports import (
    Agreement,
    Appointment,
    CallQuality,
    VideoFrame,
)
from kiosk.controller.view import Notice, NoticeKind, Screen, View
from kiosk.ui.layout_check import Problem, check

ROOT = Path(__file__).resolve().parents[2]

CLOSED_TOPIC = "business"


def demo_catalog() -> Catalog:
    """The demo hub's catalog, as a kiosk in Laplume receives it."""
    data = tomllib.loads((ROOT / "hub" / "demo_data.toml").read_text(encoding="utf-8"))
    topics = []
    for topic in data["topics"]:
        partners = [
            PartnerInfo(
                id=p["id"],
                name=p["name"],
                phone=p["phone"],
                hours=p["hours"],
                open_now=topic["id"] != CLOSED_TOPIC,
            )
            for p in data["partners"]
            if p["topic"] == topic["id"]
        ]
        topics.append(
            TopicInfo(
                id=topic["id"],
                label_fr=topic["label_fr"],
                label_en=topic["label_en"],
                pictogram=topic["pictogram"],
                available_now=topic["id"] != CLOSED_TOPIC,
                partners=partners,
            )
        )
    communes = [c for t in data["territories"] for c in t["communes"]]
    return Catalog(
        generated_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        site="Mairie de Laplume",
        communes=communes,
        topics=topics,
    )


def scenes(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """Each screen's View fields (on top of the catalog and defaults)."""
    housing = catalog.topics[0]
    appointment = Agreement(
        next_step="Apportez un justificatif de domicile et votre dernier avis d'imposition.",
        appointment=Appointment(
            when=datetime(2026, 12, 1, 9, 0, tzinfo=UTC) + timedelta(hours=0),
            place="12 rue Montesquieu, 47000 Agen",
            partner="Maison de l'Habitat 47",
        ),
    )
    return {
        "01-attract": {},
        "03-identify": {"screen": Screen.IDENTIFY},
        "03b-card": {"screen": Screen.CARD},
        "04-code": {"screen": Screen.CODE, "entry": "1234", "entry_min": 6, "entry_max": 10},
        "05-pin": {
            "screen": Screen.PIN,
            "entry": "12",
            "masked": True,
            "entry_min": 4,
            "entry_max": 6,
        },
        "06-pin-wrong": {
            "screen": Screen.PIN,
            "masked": True,
            "notice": Notice(NoticeKind.WRONG_PIN, 2),
        },
        "07-locked": {"screen": Screen.IDENTIFY, "notice": Notice(NoticeKind.LOCKED, 15)},
        "08-first-name": {"screen": Screen.FIRST_NAME, "entry": "CAMILLE"},
        "09-commune": {
            "screen": Screen.COMMUNE,
            "first_name": "Camille",
            "commune_letters": places.letters(catalog.communes),
            "home_commune": "Laplume",
        },
        "09b-commune-letter": {
            "screen": Screen.COMMUNE,
            "first_name": "Camille",
            "commune_letters": places.letters(catalog.communes),
            "commune_letter": "L",
            "communes_shown": places.shown(catalog.communes, "L"),
        },
        "10-phone": {"screen": Screen.PHONE, "entry": "06 12", "first_name": "Camille"},
        "11-topics": {"screen": Screen.TOPICS, "first_name": "Camille"},
        "12-waiting": {
            "screen": Screen.WAITING,
            "topic": housing,
            "position": 2,
            "eta_s": 130,
            "waited_s": 35,
        },
        "13-no-answer": {
            "screen": Screen.NO_ANSWER,
            "topic": housing,
            "no_answer_reason": "missed",
        },
        "14-request-sent": {"screen": Screen.REQUEST_SENT, "request_kind": "callback"},
        "15-in-call": {
            "screen": Screen.IN_CALL,
            "topic": housing,
            "adviser_name": "Claire (démo)",
            "quality": CallQuality.GOOD,
            "call_seconds": 125,
        },
        "16-after-call": {"screen": Screen.AFTER_CALL, "agreement": appointment},
        "17-survey": {"screen": Screen.SURVEY},
        "18-goodbye": {"screen": Screen.GOODBYE},
        "19-offline": {"screen": Screen.OFFLINE, "online": False},
        "29-offline-back": {"screen": Screen.OFFLINE, "online": True},
        "20-offline-request": {
            "screen": Screen.REQUEST_SENT,
            "online": False,
            "request_kind": "callback",
            "request_offline": True,
        },
        "21-idle": {"screen": Screen.TOPICS, "idle_countdown": 12, "first_name": "Camille"},
        "22-printed": {
            "screen": Screen.AFTER_CALL,
            "agreement": appointment,
            "printed": True,
            "notice": Notice(NoticeKind.PRINTED),
        },
        "23-high-contrast": {
            "screen": Screen.TOPICS,
            "high_contrast": True,
            "first_name": "Camille",
        },
        "24-speech": {"screen": Screen.IDENTIFY, "speech_on": True},
        "28-help": {
            "screen": Screen.TOPICS,
            "first_name": "Camille",
            "help_shown": True,
            "reception": "L'accueil est au rez-de-chaussée, à gauche de l'entrée. "
            "Ouvert du lundi au vendredi, de 9 h à 12 h et de 14 h à 17 h.",
        },
        "27-confirm-finish": {
            "screen": Screen.PHONE,
            "entry": "06 12",
            "first_name": "Camille",
            "confirm_finish": True,
        },
        "26-sound-only": {
            "screen": Screen.IN_CALL,
            "topic": housing,
            "adviser_name": "Claire (démo)",
            "quality": CallQuality.POOR,
            "call_seconds": 250,
            "audio_only": True,
        },
        "25-ops": {
            "screen": Screen.OPS,
            "ops_info": {
                "site": "Mairie de Laplume",
                "online": "yes",
                "catalog-age": "2",
                "printer": "paper-low",
                "pending-requests": "0",
                "speech": "yes",
            },
        },
    }


class StillController:
    """Stands in for the controller: holds a View, accepts every action, does nothing."""

    def __init__(self, view: View, call: Any) -> None:
        self.view = view
        self.current_call = call

    def subscribe(self, listener: Callable[[View], None]) -> Callable[[], None]:
        """Nothing is ever published."""
        return lambda: None

    def touch(self) -> None:
        """Does nothing."""

    def still_here(self) -> None:
        """Does nothing."""

    def speak(self, text: str) -> None:
        """Does nothing."""

    def begin(self) -> None:
        """Does nothing."""

    def set_language(self, language: str) -> None:
        """Does nothing."""

    def toggle_contrast(self) -> None:
        """Does nothing."""

    def toggle_speech(self) -> None:
        """Does nothing."""

    def back(self) -> None:
        """Does nothing."""

    def ask_finish(self) -> None:
        """Does nothing."""

    def finish(self) -> None:
        """Does nothing."""

    def keep_going(self) -> None:
        """Does nothing."""

    def ask_help(self) -> None:
        """Does nothing."""

    def close_help(self) -> None:
        """Does nothing."""

    def choose_code(self) -> None:
        """Does nothing."""

    def choose_card(self) -> None:
        """Does nothing."""

    def choose_first_visit(self) -> None:
        """Does nothing."""

    def key(self, char: str) -> None:
        """Does nothing."""

    def erase(self) -> None:
        """Does nothing."""

    def submit(self) -> None:
        """Does nothing."""

    def choose_commune(self, name: str) -> None:
        """Does nothing."""

    def choose_commune_letter(self, letter: str) -> None:
        """Does nothing."""

    def choose_other_commune(self) -> None:
        """Does nothing."""

    def choose_topic(self, topic_id: str) -> None:
        """Does nothing."""

    def cancel_wait(self) -> None:
        """Does nothing."""

    def request_contact(self, kind: str) -> None:
        """Does nothing."""

    def toggle_mute(self) -> None:
        """Does nothing."""

    def toggle_audio_only(self) -> None:
        """Does nothing."""

    def hang_up(self) -> None:
        """Does nothing."""

    def print_slip(self) -> None:
        """Does nothing."""

    def survey(self, score: int) -> None:
        """Does nothing."""

    def skip_survey(self) -> None:
        """Does nothing."""

    def ops_long_press(self) -> None:
        """Does nothing."""

    def ops_action(self, name: str) -> None:
        """Does nothing."""


class StillCall:
    """The simulated engine's pictures, frozen."""

    def __init__(self) -> None:
        from PIL import Image, ImageDraw

        remote = Image.new("RGB", (640, 480), (52, 84, 122))
        draw = ImageDraw.Draw(remote)
        draw.rectangle((0, 330, 640, 480), fill=(70, 104, 140))
        draw.ellipse((250, 90, 390, 230), fill=(226, 186, 156))
        draw.rounded_rectangle((200, 240, 440, 480), 60, fill=(40, 70, 150))
        local = Image.new("RGB", (320, 240), (96, 96, 84))
        ImageDraw.Draw(local).ellipse((120, 50, 200, 130), fill=(200, 170, 140))
        self._remote = VideoFrame(640, 480, remote.tobytes(), 1)
        self._local = VideoFrame(320, 240, local.tobytes(), 1)

    def remote_frame(self) -> VideoFrame:
        """The adviser."""
        return self._remote

    def local_frame(self) -> VideoFrame:
        """The self-view."""
        return self._local


@dataclass(slots=True)
class Drawn:
    """One scene drawn: where its picture went and what the layout checker found."""

    name: str
    orientation: str
    language: str
    high_contrast: bool
    picture: Path | None = None
    problems: list[Problem] = field(default_factory=list)
    screen: Screen = Screen.ATTRACT
    online: bool = True
    gids: frozenset[str] = frozenset()
    """The ids of the widgets drawn (buttons among them)."""


async def render(
    orientation: str,
    language: str,
    *,
    out: Path | None = None,
    only: set[str] | frozenset[str] = frozenset(),
    high_contrast: bool = False,
) -> list[Drawn]:
    """Draw every scene in one orientation, language and theme, and check each one;
    with `out`, also save each as `{orientation}-{language}-{name}.png` there."""
    from kivy.core.window import Window

    from kiosk.ui.app import KioskApp
    from kiosk.ui.kivy_env import SIZES
    from kiosk.ui.theme import theme_for

    catalog = demo_catalog()
    call = StillCall()
    first = View(screen=Screen.ATTRACT, catalog=catalog, language=language, speech_available=True)
    controller = StillController(first, call)
    app = KioskApp(controller, lock=False)
    task = asyncio.create_task(app.async_run(async_lib="asyncio"))
    drawn = []
    try:
        await asyncio.sleep(0.5)
        Window.size = SIZES[orientation]
        await asyncio.sleep(0.3)
        for name, fields in scenes(catalog).items():
            if only and name.split("-", 1)[1] not in only and name not in only:
                continue
            fields = {"high_contrast": high_contrast, **fields}
            view = View(
                **{
                    "screen": Screen.ATTRACT,
                    "catalog": catalog,
                    "language": language,
                    "speech_available": True,
                    **fields,
                }
            )
            controller.view = view
            app.show(view)
            await asyncio.sleep(0.25)
            result = Drawn(
                name,
                orientation,
                language,
                view.high_contrast,
                screen=view.screen,
                online=view.online,
            )
            result.problems = check(app.root, theme_for(view.high_contrast))
            result.gids = frozenset(str(getattr(w, "gid", "")) for w in app.root.walk())
            if out is not None:
                path = out / f"{orientation}-{language}-{name}.png"
                Window.screenshot(name=str(path))
                # Kivy appends a counter to the name; move the file to the name we want.
                produced = sorted(out.glob(f"{path.stem}*.png"))[-1]
                produced.replace(path)
                result.picture = path
            drawn.append(result)
    finally:
        app.stop()
        await task
    return drawn
