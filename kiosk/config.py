"""kiosk.toml: one file read by both kiosk processes (UI and agent)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.protocol.messages import describe
from hub.protocol.topics import KIOSK_ID_PATTERN
from kiosk.errors import KioskError


class ConfigError(KioskError):
    """kiosk.toml cannot be read or is invalid; the message says where."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HubLink(_Section):
    url: str = "http://127.0.0.1:8080"
    # The kiosk's own secret, printed once by `gaia-hub kiosk add`. It is also
    # the kiosk's MQTT password (user name = kiosk id).
    token: str = ""


class MqttLink(_Section):
    url: str = "mqtt://127.0.0.1:18830"
    keepalive: Annotated[int, Field(ge=2, le=600)] = 30
    ca_file: str = ""
    backoff_min_s: Annotated[float, Field(gt=0)] = 1
    backoff_max_s: Annotated[float, Field(gt=0)] = 60


class AgentConfig(_Section):
    health_interval_s: Annotated[float, Field(gt=0)] = 30
    ui_socket: str = ""  # empty: state_dir/ui.sock
    ui_timeout_s: Annotated[float, Field(gt=0)] = 2
    publish_window: Annotated[int, Field(ge=1, le=1000)] = 100
    # A row whose PUBACK has not come this long after it was sent (while
    # connected) is published again; the hub drops the duplicate by event id.
    publish_timeout_s: Annotated[float, Field(gt=0)] = 60
    # How often the agent looks for rows the UI appended (the UI cannot wake it).
    drain_interval_s: Annotated[float, Field(gt=0)] = 1
    # An event is deleted only on the hub's receipt. Events the broker took but the
    # hub has not receipted after this long are sent again (the broker may have lost
    # them in a crash); the wait doubles while the hub stays silent, up to the max.
    receipt_timeout_s: Annotated[float, Field(gt=0)] = 30
    receipt_timeout_max_s: Annotated[float, Field(gt=0)] = 600
    # Health's outbox_dropped_recent counts the events dropped within this window, so
    # one lost (QoS 0) report or a slow alert check does not hide a drop.
    dropped_window_s: Annotated[float, Field(gt=0)] = 900
    # Longest a restart-ui / reboot shell command may run before it counts as failed.
    command_timeout_s: Annotated[float, Field(gt=0)] = 30
    restart_ui_command: str = "systemctl restart gaia-kiosk-ui"
    reboot_command: str = "systemctl reboot"


class OutboxConfig(_Section):
    path: str = ""  # empty: state_dir/outbox.db
    max_events: Annotated[int, Field(ge=10)] = 50_000
    max_bytes: Annotated[int, Field(ge=10_000)] = 20_000_000


class UiConfig(_Section):
    """The touch interface (`gaia-kiosk ui`)."""

    language: Literal["fr", "en"] = "fr"
    orientation: Literal["landscape", "portrait"] = "landscape"
    fullscreen: bool = True
    # After this long without a touch, "are you still there?" counts down, then
    # the session ends (not while waiting for or during a call).
    idle_s: Annotated[float, Field(gt=0)] = 60
    idle_countdown_s: Annotated[int, Field(ge=1, le=120)] = 20
    goodbye_s: Annotated[float, Field(gt=0)] = 8
    catalog_refresh_s: Annotated[float, Field(gt=0)] = 60
    # How long the hub may take to answer before the kiosk says it is unreachable.
    hub_timeout_s: Annotated[float, Field(gt=0)] = 8
    pin_attempts_shown: bool = True
    # The ops menu: a long press in the top-left corner, then this PIN.
    ops_pin: Annotated[str, Field(pattern=r"^[0-9]{4,10}$")] = "246810"
    ops_long_press_s: Annotated[float, Field(gt=0)] = 3
    # "auto": espeak-ng when installed; "off": never; or a path to espeak-ng.
    speech: str = "auto"
    # Each session starts reading aloud (where `speech` finds an engine): some users do
    # not read; anyone can turn it off with one touch on the welcome screen.
    read_aloud: bool = True
    high_contrast: bool = False
    # Shown by the help button ("ask at the town hall desk"): where the desk is and when
    # it is open, in the site's words, for instance "Accueil au rez-de-chaussée, du lundi
    # au vendredi de 9 h à 12 h".
    reception: Annotated[str, Field(max_length=300)] = ""
    # The commune the kiosk stands in, as the territory's list spells it: the commune
    # screen offers it first, so most first visits choose it with one touch.
    commune: Annotated[str, Field(max_length=80)] = ""


class DevicesConfig(_Section):
    """Device URLs (docs/architecture.md, "Devices"): `dummy` and simulated devices ship
    in the package."""

    # dummy | file:PATH | serial:/dev/ttyUSB0?baudrate=38400 | usb:0x04b8:0x0e15 |
    # network:10.0.0.5 | none
    printer: str = "dummy"
    printer_profile: str = "TM-T88V"


class CallConfig(_Section):
    """The call engine: `webrtc` (aiortc, through the hub) or `sim` (a pretend adviser)."""

    engine: Literal["sim", "webrtc"] = "sim"
    # webrtc: where the media comes from and goes to (kiosk.call.media).
    #   camera:     synthetic | v4l2:/dev/video0 | none
    #   microphone: synthetic | alsa:default | alsa:hw:1,0 | none (Pulse: alsa:pulse)
    #   speaker:    null (decoded, not played) | alsa:default
    camera: str = "synthetic"
    microphone: str = "synthetic"
    speaker: str = "null"
    video_width: Annotated[int, Field(ge=160, le=1920)] = 640
    video_height: Annotated[int, Field(ge=120, le=1080)] = 480
    # 15 fps at 640x480 is the realistic ceiling of software VP8 on a Pi
    # (docs/architecture.md, "Pitfalls").
    fps: Annotated[int, Field(ge=1, le=30)] = 15
    # VP8 bitrate cap, both ways (the kiosk's encoder, and b=AS in its offer for the adviser).
    max_video_kbps: Annotated[int, Field(ge=50, le=5000)] = 500
    quality_every_s: Annotated[float, Field(gt=0)] = 5
    # Media not connected this long after the offer counts as an ICE failure.
    connect_timeout_s: Annotated[float, Field(gt=0)] = 20
    # Media through the hub's TURN server only (checking a site's relay path).
    force_relay: bool = False
    # sim: the simulated adviser answers after this long, unless the topic is unavailable.
    sim_answer_after_s: Annotated[float, Field(ge=0)] = 6
    # Topics the simulated adviser never answers (to show the missed path).
    sim_unanswered_topics: list[str] = Field(default_factory=list)
    ring_timeout_s: Annotated[float, Field(gt=0)] = 45
    sim_call_s: Annotated[float, Field(gt=0)] = 600


class ClockConfig(_Section):
    # "auto": usage events stamped before the clock is synchronised (systemd-timesyncd's
    # flag, or the kernel's NTP state) also carry the boot clock, for the hub to time
    # them (kiosk.clock). "trust": the clock is known good (a machine with a real RTC).
    sync: Literal["auto", "trust"] = "auto"


class KioskConfig(_Section):
    """The whole kiosk configuration."""

    kiosk_id: Annotated[str, Field(pattern=KIOSK_ID_PATTERN)]
    profile: Literal["pi", "sim"] = "sim"
    state_dir: Path = Path("var/kiosk")
    hub: HubLink = Field(default_factory=HubLink)
    mqtt: MqttLink = Field(default_factory=MqttLink)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    outbox: OutboxConfig = Field(default_factory=OutboxConfig)
    ui: UiConfig = Field(default_factory=UiConfig)
    devices: DevicesConfig = Field(default_factory=DevicesConfig)
    call: CallConfig = Field(default_factory=CallConfig)
    clock: ClockConfig = Field(default_factory=ClockConfig)

    @property
    def outbox_path(self) -> Path:
        """Where the outbox database lives."""
        return Path(self.outbox.path) if self.outbox.path else self.state_dir / "outbox.db"

    @property
    def catalog_cache_path(self) -> Path:
        """The last catalog from the hub (no personal data)."""
        return self.state_dir / "catalog.json"

    @property
    def ui_socket_path(self) -> Path:
        """The UI process's local control socket."""
        return Path(self.agent.ui_socket) if self.agent.ui_socket else self.state_dir / "ui.sock"


def load_config(path: str | Path) -> KioskConfig:
    """Read and validate kiosk.toml."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.__class__.__name__}") from None
    try:
        return KioskConfig.model_validate(data)
    except ValidationError as exc:
        # One line naming each key and what it expects; never the value (a token?).
        raise ConfigError(f"{path}: {describe(exc)}") from None
