"""Small fakes of the controller's ports, and a harness that builds a started Controller."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.protocol import DeviceState, Event
from hub.protocol.kiosk_api import (
    Catalog,
    ContactRequest,
    IdentifyOutcome,
    IdentifyRequest,
    IdentifyResult,
    PartnerInfo,
    TopicInfo,
)
from kiosk.controller import Controller, ControllerSettings, View
from kiosk.controller.ports import (
    CALL_UPDATES,
    CallerInfo,
    CallUpdate,
    HubRejected,
    HubThrottled,
    HubUnreachable,
    PrinterError,
    Slip,
    VideoFrame,
)

REF = "ref_0123456789abcdef"


def make_catalog(
    site: str = "Mairie de Laplume", communes: tuple[str, ...] = ("Laplume", "Agen")
) -> Catalog:
    """Two topics: housing (an adviser is available) and mobility (nobody now)."""
    return Catalog(
        generated_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
        site=site,
        communes=list(communes),
        topics=[
            TopicInfo(
                id="housing",
                label_fr="Logement",
                label_en="Housing",
                pictogram="house",
                available_now=True,
                partners=[
                    PartnerInfo(
                        id="adil",
                        name="ADIL 47",
                        phone="05 53 00 00 01",
                        hours="lundi-vendredi 9 h-12 h",
                        open_now=True,
                    )
                ],
            ),
            TopicInfo(
                id="mobility",
                label_fr="Mobilité",
                label_en="Mobility",
                pictogram="car",
                available_now=False,
                partners=[
                    PartnerInfo(
                        id="wimoov",
                        name="Wimoov",
                        phone="05 53 00 00 02",
                        hours="mardi 14 h-17 h",
                        open_now=False,
                    )
                ],
            ),
        ],
    )


@dataclass
class Account:
    """A job seeker the fake hub knows."""

    pin: str
    first_name: str
    has_phone: bool = True
    failures: int = 0


class FakeHub:
    """The hub's kiosk API: accounts with PIN attempts and lockout, reachable or not."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog_value = catalog or make_catalog()
        self.reachable = True
        self.reject_status: int | None = None
        self.throttle_s: int | None = None  # answer 429 "retry in N s" to everything
        self.accounts: dict[str, Account] = {}
        self.max_attempts = 3
        self.sent: list[ContactRequest] = []
        self.identify_calls = 0
        self.send_attempts = 0
        self.catalog_calls = 0
        self.gate: asyncio.Event | None = None

    async def catalog(self) -> Catalog:
        self.catalog_calls += 1
        if not self.reachable:
            raise HubUnreachable("down")
        self._throttled()
        return self.catalog_value

    def _throttled(self) -> None:
        if self.throttle_s is not None:
            raise HubThrottled(self.throttle_s, "too many requests from this kiosk")

    async def identify(self, request: IdentifyRequest) -> IdentifyResult:
        self.identify_calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if not self.reachable:
            raise HubUnreachable("down")
        self._throttled()
        account = self.accounts.get(request.code)
        if account is None:
            return IdentifyResult(result=IdentifyOutcome.WRONG)
        if account.failures >= self.max_attempts:
            return IdentifyResult(result=IdentifyOutcome.LOCKED, retry_after_s=601)
        if request.pin != account.pin:
            account.failures += 1
            if account.failures >= self.max_attempts:
                return IdentifyResult(result=IdentifyOutcome.LOCKED, retry_after_s=900)
            left = self.max_attempts - account.failures
            return IdentifyResult(result=IdentifyOutcome.WRONG, attempts_left=left)
        account.failures = 0
        return IdentifyResult(
            result=IdentifyOutcome.OK,
            first_name=account.first_name,
            ref=REF,
            has_phone=account.has_phone,
        )

    async def send_request(self, request: ContactRequest) -> None:
        self.send_attempts += 1
        if not self.reachable:
            raise HubUnreachable("down")
        self._throttled()
        if self.reject_status is not None:
            raise HubRejected(self.reject_status, "invalid")
        self.sent.append(request)


class FakeCall:
    """One call: the test pushes updates; records what the controller asked of it."""

    def __init__(self, topic: str, on_update: Callable[[CallUpdate], None]) -> None:
        self.topic = topic
        self._on_update = on_update
        self.cancelled = False
        self.hung_up = False
        self.muted = False
        self.audio_only = False

    def push(self, kind: str, **values: Any) -> None:
        """Send the controller one update, as the call service would on the loop."""
        self._on_update(CALL_UPDATES[kind](**values))

    async def cancel(self) -> None:
        self.cancelled = True

    async def hang_up(self) -> None:
        self.hung_up = True

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

    def set_audio_only(self, audio_only: bool) -> None:
        self.audio_only = audio_only

    def remote_frame(self) -> VideoFrame | None:
        return None

    def local_frame(self) -> VideoFrame | None:
        return None


class FakeCalls:
    """The call service: every request makes a FakeCall (or fails when `fail` is set)."""

    def __init__(self) -> None:
        self.calls: list[FakeCall] = []
        self.callers: list[CallerInfo] = []
        self.fail = False

    async def request(
        self, topic: str, caller: CallerInfo, on_update: Callable[[CallUpdate], None]
    ) -> FakeCall:
        if self.fail:
            raise ConnectionError("no route")
        self.callers.append(caller)
        call = FakeCall(topic, on_update)
        self.calls.append(call)
        return call

    def devices(self) -> dict[str, DeviceState]:
        return {"camera": DeviceState.OK, "microphone": DeviceState.OK}

    @property
    def last(self) -> FakeCall:
        return self.calls[-1]


class FakePrinter:
    """Keeps the slips it printed; fails with `fail_code` when set."""

    def __init__(self) -> None:
        self.slips: list[Slip] = []
        self.fail_code: str | None = None

    def state(self) -> DeviceState:
        return DeviceState.PAPER_OUT if self.fail_code == "paper-out" else DeviceState.OK

    async def print_slip(self, slip: Slip) -> None:
        if self.fail_code is not None:
            raise PrinterError(self.fail_code)
        self.slips.append(slip)


class FakeSpeech:
    """Records what it was asked to say."""

    def __init__(self, available: bool = True) -> None:
        self._available = available
        self.said: list[tuple[str, str]] = []
        self.stops = 0

    @property
    def available(self) -> bool:
        return self._available

    def say(self, text: str, language: str) -> None:
        self.said.append((text, language))

    def stop(self) -> None:
        self.stops += 1


class FakeEvents:
    """The outbox's event sink."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, event: Event) -> None:
        self.events.append(event)

    def types(self) -> list[str]:
        return [e.type.value for e in self.events]

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.type.value == kind]


class FakeRequests:
    """The request store (in memory)."""

    def __init__(self) -> None:
        self.stored: dict[str, ContactRequest] = {}

    def store(self, request: ContactRequest) -> None:
        self.stored[request.id] = request

    def pending(self) -> list[ContactRequest]:
        return list(self.stored.values())

    def delete(self, request_id: str) -> None:
        self.stored.pop(request_id, None)


class FakeCache:
    """The catalog cache (in memory)."""

    def __init__(self, catalog: Catalog | None = None) -> None:
        self.catalog = catalog
        self.saves = 0

    def load(self) -> Catalog | None:
        return self.catalog

    def save(self, catalog: Catalog) -> None:
        self.saves += 1
        self.catalog = catalog


FAST = {
    "idle_s": 30.0,
    "idle_countdown_s": 3,
    "goodbye_s": 0.05,
    "catalog_refresh_s": 30.0,
    "notice_s": 30.0,
    "request_retry_s": 30.0,
    "ops_lock_s": 30.0,
    "tick_s": 0.01,
}
"""Test settings: the timers that matter in a test are shortened there."""


@dataclass
class Harness:
    """A controller on fakes, with the Views it published."""

    controller: Controller
    hub: FakeHub
    calls: FakeCalls
    printer: FakePrinter
    speech: FakeSpeech
    events: FakeEvents
    requests: FakeRequests
    cache: FakeCache
    views: list[View] = field(default_factory=list)

    @property
    def view(self) -> View:
        return self.controller.view

    def ports(self) -> list[object]:
        """The port objects (their own tests check what they keep)."""
        return [
            self.hub,
            self.calls,
            self.printer,
            self.speech,
            self.events,
            self.requests,
            self.cache,
            *self.calls.calls,
        ]


def build(
    *,
    hub: FakeHub | None = None,
    cache: FakeCache | None = None,
    speech: bool = True,
    **settings: Any,
) -> Harness:
    """A controller on fresh fakes (not started)."""
    harness_hub = hub or FakeHub()
    calls, printer, voice = FakeCalls(), FakePrinter(), FakeSpeech(speech)
    events, requests, catalog_cache = FakeEvents(), FakeRequests(), cache or FakeCache()
    controller = Controller(
        hub=harness_hub,
        calls=calls,
        printer=printer,
        speech=voice,
        events=events,
        requests=requests,
        catalog_cache=catalog_cache,
        settings=ControllerSettings(**{**FAST, **settings}),
        site="Laplume",
    )
    harness = Harness(
        controller, harness_hub, calls, printer, voice, events, requests, catalog_cache
    )
    controller.subscribe(harness.views.append)
    return harness


async def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    """Let the loop run until `condition()` holds; fail after `timeout` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.002)


def type_text(controller: Controller, text: str) -> None:
    """Press one key per character."""
    for char in text:
        controller.key(char)
