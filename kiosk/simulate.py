"""`gaia-kiosk simulate`: a fleet of simulated kiosks in one process (demo, tests, benchmarks).

Each simulated kiosk is a real `Agent` (its own MQTT connection, outbox file
and credentials from the hub's FLEET.json) given a `SimUi` and a `SimProbe`
instead of a screen and a board. A usage script appends plausible sessions to
the outbox as the UI would; a few kiosks get faults: printer paper low or
out, a hot CPU, a nearly full disk, or a flaky network that drops the
connection now and then (abruptly, so the broker publishes the will).

Sessions are compressed in wall time (a few seconds each) while their values
(waits, call lengths, session lengths) are realistic. Events carry a random
session id and never personal data.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import random
import resource
import signal
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.protocol import Channel, DeviceState, Event, EventType, encode, kiosk_topic, new_id, utcnow
from kiosk import __version__
from kiosk.agent.health import SystemSample, build_health
from kiosk.agent.service import Agent
from kiosk.config import AgentConfig, ConfigError, HubLink, KioskConfig, MqttLink
from kiosk.outbox import Outbox, OutboxStats
from kiosk.uilink import SimUi
from kiosk.waits import wait_event

log = logging.getLogger(__name__)

TOPICS = ("housing", "mobility", "microcredit", "employment", "business", "rights-health")
FAULTS = ("paper-low", "paper-out", "hot-cpu", "disk-full", "flaky-network")
DRAIN_GRACE_S = 3.0


@dataclass(frozen=True)
class FleetKiosk:
    """One kiosk of FLEET.json."""

    id: str
    token: str
    site: str = ""
    territory: str = ""


def load_fleet(path: Path, count: int | None = None) -> tuple[str, list[FleetKiosk]]:
    """(mqtt_url, kiosks) from FLEET.json, the first `count` kiosks; raises ConfigError."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        url = str(raw["mqtt_url"])
        kiosks = [
            FleetKiosk(
                str(k["id"]), str(k["token"]), str(k.get("site", "")), str(k.get("territory", ""))
            )
            for k in raw["kiosks"]
        ]
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a fleet file ({type(exc).__name__}: {exc})") from None
    if count is not None:
        if count < 1 or count > len(kiosks):
            raise ConfigError(f"{path}: --count {count} but the fleet has {len(kiosks)} kiosks")
        kiosks = kiosks[:count]
    return url, kiosks


@dataclass
class SimOptions:
    """How to simulate; the CLI sets the first ones, tests may set the rest."""

    fleet: Path
    count: int | None = None
    duration_s: float | None = None
    summary: Path | None = None
    health_interval_s: float = 30.0
    sessions_per_hour: float = 6.0
    state_dir: Path = Path("var/sim")
    seed: int | None = None
    keepalive: int = 30
    step_s: tuple[float, float] = (0.3, 1.5)  # wall time between two events of a session
    outage_every_s: tuple[float, float] = (60.0, 240.0)
    outage_length_s: tuple[float, float] = (15.0, 45.0)
    faults: dict[str, str] | None = None  # kiosk id -> fault; None: a few chosen at random
    backfill_days: int = 0  # history with past time stamps, for the demo's report and charts
    backfill_sessions_per_day: float = 5.0


class SimProbe:
    """Plausible readings of a Raspberry Pi; a hot CPU or a nearly full disk on demand."""

    def __init__(self, rng: random.Random, *, hot: bool = False, disk_full: bool = False) -> None:
        self.rng = rng
        self.hot = hot
        self.booted = time.time() - rng.uniform(3600, 20 * 86400)
        self.disk = rng.uniform(91, 97) if disk_full else rng.uniform(18, 45)
        self.iface = rng.choice(("eth0", "eth0", "wlan0"))

    def sample(self) -> SystemSample:
        """One reading, with a little noise."""
        r = self.rng
        return SystemSample(
            uptime_s=time.time() - self.booted,
            load1=r.uniform(0.1, 1.2),
            cpu_temp_c=r.uniform(81, 88) if self.hot else r.uniform(46, 62),
            mem_used_pct=r.uniform(32, 55),
            disk_used_pct=min(99.0, self.disk + r.uniform(0, 0.5)),
            net_iface=self.iface,
        )


Step = tuple[float, EventType, dict[str, Any]]


def session_plan(r: random.Random, printer_usable: bool, printer_state: str) -> list[Step]:
    """The events of one plausible visit, each with its offset in seconds from the start."""
    steps: list[Step] = []
    t = 0.0

    def add(after_s: float, type_: EventType, **fields: Any) -> None:
        nonlocal t
        t += after_s
        steps.append((round(t, 1), type_, fields))

    add(0, EventType.SESSION_STARTED)
    add(
        r.uniform(15, 40),
        EventType.IDENTIFIED,
        detail=r.choices(("code", "qr", "first-visit"), weights=(5, 3, 2))[0],
    )
    topic = r.choice(TOPICS)
    add(r.uniform(10, 40), EventType.TOPIC_CHOSEN, topic=topic)
    add(r.uniform(5, 20), EventType.CALL_REQUESTED, topic=topic)
    wait = round(min(900.0, r.lognormvariate(math.log(45), 0.8)), 1)
    if r.random() < 0.82:
        add(wait, EventType.CALL_ANSWERED, topic=topic, value=wait)
        call = round(r.uniform(180, 1500), 1)
        add(call, EventType.CALL_ENDED, topic=topic, value=call)
        if r.random() < 0.3:
            add(
                1,
                EventType.CALL_QUALITY,
                detail=r.choices(("good", "fair", "poor"), weights=(7, 2, 1))[0],
            )
        if r.random() < 0.1:
            add(5, EventType.CALLBACK_REQUESTED, topic=topic)
        if r.random() < 0.7:
            if printer_usable:
                add(10, EventType.SLIP_PRINTED, topic=topic)
            else:
                add(10, EventType.ERROR, detail=f"printer-{printer_state}")
    else:
        add(wait, EventType.CALL_MISSED, topic=topic, value=wait)
        if r.random() < 0.6:
            add(20, EventType.CALLBACK_REQUESTED, topic=topic)
    if r.random() < 0.6:
        add(15, EventType.SURVEY, value=r.choices((1, 2, 3), weights=(1, 3, 6))[0])
    reason = r.choices(("completed", "abandoned", "timeout"), weights=(8, 1, 1))[0]
    add(10, EventType.SESSION_ENDED, detail=reason, value=round(t + 10, 1))
    return steps


def _poisson(r: random.Random, mean: float) -> int:
    """A Poisson-distributed count (Knuth's method; fine for small means)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


@dataclass
class SimKiosk:
    """One simulated kiosk: agent, outbox, UI, usage script and its fault."""

    kiosk: FleetKiosk
    options: SimOptions
    mqtt_url: str
    rng: random.Random
    fault: str | None = None
    appended: int = 0
    acked: list[str] = field(default_factory=list)
    agent: Agent | None = None
    outbox: Outbox | None = None
    probe: SimProbe | None = None
    ui: SimUi = field(default_factory=SimUi)

    def build(self) -> None:
        """Create the outbox and the agent (in the running loop)."""
        state = self.options.state_dir / self.kiosk.id
        try:
            config = KioskConfig(
                kiosk_id=self.kiosk.id,
                profile="sim",
                state_dir=state,
                hub=HubLink(token=self.kiosk.token),
                mqtt=MqttLink(
                    url=self.mqtt_url, keepalive=self.options.keepalive, backoff_max_s=30
                ),
                agent=AgentConfig(
                    health_interval_s=self.options.health_interval_s, drain_interval_s=0.5
                ),
            )
        except ValidationError as exc:
            raise ConfigError(f"kiosk {self.kiosk.id!r}: {exc}") from None
        if self.fault in ("paper-low", "paper-out"):
            self.ui.fault("printer", self.fault)
        probe = SimProbe(self.rng, hot=self.fault == "hot-cpu", disk_full=self.fault == "disk-full")
        self.probe = probe
        self.outbox = Outbox(config.outbox_path, config.outbox.max_events, config.outbox.max_bytes)
        self.agent = Agent(
            config,
            outbox=self.outbox,
            ui=self.ui,
            probe=probe,
            on_events_acked=self.acked.extend,
            rng=self.rng,
            mqtt_io="asyncio",  # no network thread per kiosk, no select() limit
            log=logging.getLogger(f"kiosk.sim.{self.kiosk.id}"),
        )

    def emit(self, type_: EventType, session: str, **fields: Any) -> None:
        """Append one usage event to the outbox, as the UI would."""
        assert self.outbox is not None
        self.outbox.append(Event(type=type_, session=session, **fields))
        self.appended += 1

    async def _step(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.options.step_s))

    async def session(self) -> None:
        """One visit: identify, choose a topic, call an adviser, maybe a slip and a survey."""
        sid = new_id()
        plan = session_plan(self.rng, self.ui.printer_usable(), self.ui.devices["printer"])
        for i, (_offset, type_, fields) in enumerate(plan):
            if i:
                await self._step()
            self.emit(type_, sid, **fields)

    def backfill_events(self, days: int, now: datetime) -> int:
        """Past sessions on weekdays' opening hours over `days` days, with past time stamps."""
        assert self.outbox is not None
        r = self.rng
        count = 0
        for day in range(days, 0, -1):
            date = (now - timedelta(days=day)).replace(hour=8, minute=0, second=0, microsecond=0)
            if date.weekday() >= 5:  # town halls are closed at weekends
                continue
            for _ in range(_poisson(r, self.options.backfill_sessions_per_day)):
                start = date + timedelta(seconds=r.uniform(0, 8 * 3600))
                sid = new_id()
                for offset, type_, fields in session_plan(r, True, "ok"):
                    self.outbox.append(
                        Event(
                            type=type_, session=sid, ts=start + timedelta(seconds=offset), **fields
                        )
                    )
                    count += 1
        self.appended += count
        return count

    async def backfill_health(self, days: int, now: datetime, every_s: float = 900) -> None:
        """Past health reports (for the dashboard's 24 h / 7 d charts), once connected."""
        assert self.agent is not None
        while not self.agent.link.connected:
            await asyncio.sleep(0.5)
        topic = kiosk_topic(self.kiosk.id, Channel.HEALTH)
        steps = int(days * 86400 // every_s)
        for i in range(steps, 0, -1):
            ts = now - timedelta(seconds=i * every_s)
            assert self.probe is not None
            sample = self.probe.sample()
            health = build_health(
                sample,
                app_version=__version__,
                devices={
                    "printer": DeviceState.OK,
                    "camera": DeviceState.OK,
                    "microphone": DeviceState.OK,
                    "scanner": DeviceState.OK,
                    "panel": DeviceState.OK,
                },
                outbox=OutboxStats(0, 0),
                dropped_recent=0,
            ).model_copy(update={"ts": ts, "uptime_s": float(i * every_s % (9 * 86400))})
            while self.agent.link.publish(topic, encode(health), qos=1) is None:
                await asyncio.sleep(0.5)  # disconnected: wait and try again
            if i % 50 == 0:
                await asyncio.sleep(0.05)  # let paho's queue drain

    async def usage(self) -> None:
        """Sessions as a Poisson process of `sessions_per_hour`."""
        rate = self.options.sessions_per_hour / 3600
        if rate <= 0:
            return
        while True:
            await asyncio.sleep(self.rng.expovariate(rate))
            await self.session()

    async def flaky_network(self) -> None:
        """Go offline now and then, abruptly, and come back."""
        assert self.agent is not None
        while True:
            await asyncio.sleep(self.rng.uniform(*self.options.outage_every_s))
            seconds = self.rng.uniform(*self.options.outage_length_s)
            log.info("%s: network outage for %.0f s", self.kiosk.id, seconds)
            await self.agent.outage(seconds)

    def summary(self) -> dict[str, Any]:
        """This kiosk's part of the summary file."""
        assert self.agent is not None and self.outbox is not None
        acked = list(dict.fromkeys(self.acked))
        pending = self.outbox.event_ids()
        return {
            "site": self.kiosk.site,
            "territory": self.kiosk.territory,
            "fault": self.fault,
            "events_appended": self.appended,
            "events_acked": len(acked),
            "events_pending": len(pending),
            "health_sent": self.agent.health_sent,
            "outages": self.agent.outages,
            "acked": acked,
            "pending": pending,
        }


def assign_faults(ids: list[str], rng: random.Random) -> dict[str, str]:
    """A fault for about one kiosk in four (at least one), cycling through FAULTS."""
    count = min(len(ids), max(1, round(len(ids) / 4)))
    kinds = list(FAULTS)
    rng.shuffle(kinds)
    return {kid: kinds[i % len(kinds)] for i, kid in enumerate(rng.sample(ids, count))}


async def _drained(kiosks: list[SimKiosk], grace_s: float) -> None:
    """Give the agents up to `grace_s` to ship what the sessions appended."""
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if all(k.outbox is not None and k.outbox.stats().pending == 0 for k in kiosks):
            return
        await asyncio.sleep(0.1)


async def simulate(options: SimOptions, stop: asyncio.Event | None = None) -> dict[str, Any]:
    """Run the fleet until `duration_s` or `stop`; returns (and writes) the summary."""
    stop = stop or asyncio.Event()
    url, fleet = load_fleet(options.fleet, options.count)
    master = random.Random(options.seed)
    faults = (
        options.faults
        if options.faults is not None
        else assign_faults([k.id for k in fleet], master)
    )
    kiosks = [
        SimKiosk(k, options, url, random.Random(master.random()), faults.get(k.id)) for k in fleet
    ]
    started, t0 = utcnow(), time.monotonic()
    agent_stops = [asyncio.Event() for _ in kiosks]
    agents: list[asyncio.Task[None]] = []
    scripts: list[asyncio.Task[None]] = []
    for kiosk in kiosks:
        kiosk.build()  # every configuration is checked before anything connects
    if options.backfill_days:
        now = utcnow()
        appended = sum(kiosk.backfill_events(options.backfill_days, now) for kiosk in kiosks)
        log.info("history: %d events over %d days", appended, options.backfill_days)
    try:
        for kiosk, agent_stop in zip(kiosks, agent_stops, strict=True):
            assert kiosk.agent is not None
            agents.append(asyncio.create_task(kiosk.agent.run(agent_stop), name=kiosk.kiosk.id))
            scripts.append(asyncio.create_task(kiosk.usage()))
            if options.backfill_days:
                history = min(options.backfill_days, 7)
                scripts.append(asyncio.create_task(kiosk.backfill_health(history, started)))
            if kiosk.fault == "flaky-network":
                scripts.append(asyncio.create_task(kiosk.flaky_network()))
        log.info("simulating %d kiosks against %s (faults: %s)", len(kiosks), url, faults or "none")
        await wait_event(stop, options.duration_s)
        log.info("stopping the simulated fleet")
        for task in scripts:
            task.cancel()
        await asyncio.gather(*scripts, return_exceptions=True)
        await _drained(kiosks, DRAIN_GRACE_S)
    finally:
        for agent_stop in agent_stops:
            agent_stop.set()
        for kiosk, result in zip(
            kiosks, await asyncio.gather(*agents, return_exceptions=True), strict=False
        ):
            if isinstance(result, BaseException):
                log.error("agent of %s failed: %r", kiosk.kiosk.id, result)
    per_kiosk = {k.kiosk.id: k.summary() for k in kiosks}
    for kiosk in kiosks:
        if kiosk.outbox is not None:
            kiosk.outbox.close()
    summary = _summary(url, started, time.monotonic() - t0, per_kiosk)
    if options.summary is not None:
        _write_json(options.summary, summary)
    return summary


def _summary(
    url: str, started: datetime, duration: float, per_kiosk: dict[str, Any]
) -> dict[str, Any]:
    counts = ("events_appended", "events_acked", "events_pending", "health_sent", "outages")
    totals: dict[str, Any] = {"kiosks": len(per_kiosk)}
    totals |= {name: sum(k[name] for k in per_kiosk.values()) for name in counts}
    totals["acked"] = [i for k in per_kiosk.values() for i in k["acked"]]
    totals["pending"] = [i for k in per_kiosk.values() for i in k["pending"]]
    return {
        "mqtt_url": url,
        "started": started.isoformat(),
        "duration_s": round(duration, 2),
        "totals": totals,
        "kiosks": per_kiosk,
    }


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)


def raise_fd_limit(kiosks: int) -> None:
    """Lift the soft limit on open files to what `kiosks` need (a socket and SQLite's three)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 64 + 8 * kiosks
    if soft == resource.RLIM_INFINITY or soft >= want:
        return
    target = want if hard == resource.RLIM_INFINITY else min(hard, want)
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if target < want:
        log.warning("only %d open files allowed; %d kiosks may need %d", target, kiosks, want)


def run_simulation(options: SimOptions) -> int:
    """`gaia-kiosk simulate`: run until the duration or SIGINT / SIGTERM; returns 0."""

    async def main() -> None:
        loop, stop = asyncio.get_running_loop(), asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        summary = await simulate(options, stop)
        t = summary["totals"]
        log.info(
            "%d kiosks, %.0f s: %d events appended, %d receipted, %d pending, %d health reports",
            t["kiosks"], summary["duration_s"], t["events_appended"], t["events_acked"],
            t["events_pending"], t["health_sent"],
        )  # fmt: skip

    _, fleet = load_fleet(options.fleet, options.count)  # a bad fleet file fails first
    raise_fd_limit(len(fleet))
    asyncio.run(main())
    return 0
