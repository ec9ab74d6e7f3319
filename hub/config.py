"""hub.toml: every setting has an embedded default, so an empty file runs a demo hub."""

from __future__ import annotations

import ipaddress
import tomllib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.errors import HubError
from hub.protocol.messages import describe


class ConfigError(HubError):
    """hub.toml cannot be read or is invalid; the message says where."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class HttpConfig(_Section):
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8080
    # Origins allowed on state-changing requests and WebSockets, besides the
    # request's own host. Example: ["https://hub.gaia.example"].
    allowed_origins: list[str] = Field(default_factory=list)
    # Set when served over HTTPS (directly or behind a proxy): cookies get `Secure`.
    secure_cookies: bool = False
    session_hours: Annotated[float, Field(gt=0)] = 12
    # Limits against slow and greedy clients (hub.http_limits).
    max_connections: Annotated[int, Field(ge=10, le=100_000)] = 2000
    max_connections_per_ip: Annotated[int, Field(ge=1, le=100_000)] = 64
    header_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10
    body_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 30
    keepalive_timeout_s: Annotated[float, Field(gt=0, le=3600)] = 15
    max_body_bytes: Annotated[int, Field(ge=1024, le=64 * 1024 * 1024)] = 256 * 1024
    # Reverse proxies (addresses or networks, e.g. ["127.0.0.1", "10.0.0.0/24"]) whose
    # X-Forwarded-For names the real client: rate limits then apply to that address.
    trusted_proxies: list[str] = Field(default_factory=list, max_length=64)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {item!r}") from None
        return value


class DbConfig(_Section):
    # Empty: a SQLite file under state_dir; else a SQLAlchemy URL.
    url: Annotated[str, Field(pattern=r"^$|^[a-z][a-z0-9+]*://")] = ""


class MqttConfig(_Section):
    # Absent or empty: the hub starts and supervises a private Mosquitto on loopback.
    url: Annotated[str, Field(pattern=r"^$|^mqtts?://[^/\s]+$")] = ""
    # The hub's broker identity (also its client id: the broker binds the two). It
    # starts with "gaia-", which no kiosk id may (hub.broker.HUB_PREFIX); extra ingest
    # workers use "<username>-w1", "-w2"...; hub replicas each need their own.
    username: Annotated[str, Field(pattern=r"^gaia-[a-z0-9-]{1,40}$")] = "gaia-hub"
    password: str = ""
    client_id: str = "gaia-hub"
    # Several replicas set the same group to split the stream (MQTT shared subscription).
    share_group: str = ""
    keepalive: Annotated[int, Field(ge=5, le=600)] = 30
    ca_file: str = ""


class BrokerConfig(_Section):
    """The managed broker, used when [mqtt] url is empty."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 18830  # 0: any free port
    executable: str = "mosquitto"


class IngestConfig(_Section):
    # Processes sharing the MQTT stream (shared subscription); 2 on a 2-core host
    # roughly doubles the persisted rate. 1: ingest in the hub process only.
    workers: Annotated[int, Field(ge=1, le=16)] = 1
    batch_size: Annotated[int, Field(ge=1, le=20000)] = 1000
    max_delay_ms: Annotated[int, Field(ge=1, le=5000)] = 20
    # /healthz answers 503 once the store has refused every write for this long.
    stuck_after_s: Annotated[float, Field(gt=0, le=3600)] = 30


class AlertsConfig(_Section):
    offline_after_s: Annotated[float, Field(gt=0)] = 120
    disk_used_pct: Annotated[float, Field(gt=0, le=100)] = 90
    cpu_temp_c: float = 80
    # A kiosk clock off by more than this (either way) raises a "clock" alert; its
    # reports are still used, timed by the hub (hub.ingest.clock).
    clock_skew_s: Annotated[float, Field(gt=0)] = 120
    evaluate_every_s: Annotated[float, Field(gt=0)] = 5
    webhook_url: str = ""
    webhook_timeout_s: Annotated[float, Field(gt=0)] = 5


class RetentionConfig(_Section):
    health_days: Annotated[float, Field(gt=0)] = 8
    events_days: Annotated[float, Field(gt=0)] = 800
    # Contact requests hold personal data: handled ones go after this many days,
    # every request (handled or not) after `requests_days`.
    handled_requests_days: Annotated[float, Field(gt=0)] = 7
    requests_days: Annotated[float, Field(gt=0)] = 60
    # Call records (no personal data) feed the usage report: kept like usage events.
    calls_days: Annotated[float, Field(gt=0)] = 800


class KioskApiConfig(_Section):
    """The kiosk API (hub.api.kiosk): job seekers' PIN checks and their limits."""

    # Wrong PINs in a row before a personal code locks, and for how long.
    pin_attempts: Annotated[int, Field(ge=1, le=100)] = 5
    lock_minutes: Annotated[float, Field(gt=0)] = 15
    # How long a seeker reference (identify -> contact request) stays valid.
    ref_hours: Annotated[float, Field(gt=0)] = 4
    # Unknown codes from one kiosk within the window before that kiosk's identify
    # answers are `locked` for `kiosk_lock_minutes` (nobody enumerates codes).
    kiosk_unknown_codes: Annotated[int, Field(ge=1, le=10_000)] = 20
    kiosk_window_minutes: Annotated[float, Field(gt=0)] = 10
    kiosk_lock_minutes: Annotated[float, Field(gt=0)] = 15
    # Per kiosk (hub.kiosk_limits): API calls, and contact requests among them, per
    # minute; past them the answer is 429 and the kiosk tries again later.
    api_per_minute: Annotated[int, Field(ge=1, le=100_000)] = 60
    requests_per_minute: Annotated[int, Field(ge=1, le=10_000)] = 10


class CommandsConfig(_Section):
    default_ttl_s: Annotated[int, Field(ge=5, le=7 * 86400)] = 600


class CallsConfig(_Section):
    """Kiosk calls (hub.signaling): how long a call rings and how many may wait."""

    # Seconds a call rings before it is missed (the kiosk then offers a call-back).
    ring_timeout_s: Annotated[float, Field(gt=0, le=600)] = 45
    # Seconds a call waits in line when every adviser serving it is busy (a topic may
    # set its own: gaia-hub topic add --max-wait); then it is missed.
    queue_wait_s: Annotated[float, Field(gt=0, le=7200)] = 600
    # Calls waiting at once in one line (a topic in a territory); one more is
    # answered `unavailable`.
    max_waiting_per_topic: Annotated[int, Field(ge=1, le=1000)] = 20
    # Quality samples kept per call for the record's summary (one every 5 s per side).
    max_quality_samples: Annotated[int, Field(ge=1, le=100_000)] = 2000
    # Call requests per kiosk per minute (hub.kiosk_limits); more get "rate-limited".
    requests_per_minute: Annotated[int, Field(ge=1, le=10_000)] = 10


class IceConfig(_Section):
    """ICE servers handed to both sides of a call; TURN credentials are minted per call.

    TURN uses coturn's `use-auth-secret` scheme with `static-auth-secret` = turn_secret.
    The secret comes from this file only and is never logged.
    """

    stun_urls: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=8
    )
    turn_urls: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=8
    )
    turn_secret: str = Field(default="", repr=False)
    turn_ttl_s: Annotated[int, Field(ge=60, le=7 * 86400)] = 3600


class HubConfig(_Section):
    """The whole hub configuration."""

    state_dir: Path = Path("var/hub")
    http: HttpConfig = Field(default_factory=HttpConfig)
    db: DbConfig = Field(default_factory=DbConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    broker: BrokerConfig = Field(default_factory=BrokerConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    commands: CommandsConfig = Field(default_factory=CommandsConfig)
    kiosk_api: KioskApiConfig = Field(default_factory=KioskApiConfig)
    calls: CallsConfig = Field(default_factory=CallsConfig)
    ice: IceConfig = Field(default_factory=IceConfig)

    @property
    def db_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the state directory."""
        return self.db.url or f"sqlite:///{self.state_dir / 'hub.db'}"

    @property
    def managed_broker(self) -> bool:
        """True when the hub runs its own Mosquitto."""
        return not self.mqtt.url


def load_config(path: str | Path | None) -> HubConfig:
    """Read hub.toml; None or a missing default file gives the embedded defaults."""
    if path is None:
        return HubConfig()
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
        return HubConfig.model_validate(data)
    except ValidationError as exc:
        # One line naming each key and what it expects; never the value (a token?).
        raise ConfigError(f"{path}: {describe(exc)}") from None
