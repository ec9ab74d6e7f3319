"""The agent of one kiosk: health reports, outbox shipping and remote commands over MQTT.

`Agent` wires a `BrokerLink`, a `Drainer` and a `CommandRunner` around an
outbox, a UI port and a machine probe, and owns their tasks. The `gaia-kiosk
agent` process builds one from kiosk.toml (kiosk.agent.runner); the fleet
simulator builds hundreds in one event loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from hub.protocol import (
    Ack,
    Channel,
    DeviceState,
    Health,
    ProtocolError,
    Receipt,
    decode,
    encode,
    kiosk_topic,
)
from kiosk import __version__
from kiosk.agent.backoff import Backoff
from kiosk.agent.commands import CommandRunner
from kiosk.agent.drain import Drainer
from kiosk.agent.health import Probe, SystemProbe, build_health
from kiosk.agent.link import BrokerLink
from kiosk.agent.ratelimit import RateLimitedLog
from kiosk.config import ConfigError, KioskConfig, load_config
from kiosk.outbox import Outbox
from kiosk.uilink import UiLinkClient, UiPort, UiRequestFailed, UiUnavailable
from kiosk.waits import wait_event

COMMAND_QUEUE = 100
ACK_TIMEOUT_S = 2.0

# Health goes out with QoS 0: it is periodic and superseded by the next report,
# so a lost one costs little (outbox_dropped_recent covers a window, not one report),
# and paho must not queue stale reports through an outage. The agent publishes it only
# while connected, and once right after each connect.
HEALTH_QOS = 0
FIRST_HEALTH_WAIT_S = 5.0
"""How long events wait for the first health report after a connect (see _hub_knows_this_boot)."""


class Agent:
    """One kiosk's agent; `await run(stop)` until `stop` is set, then leaves cleanly."""

    def __init__(
        self,
        config: KioskConfig,
        *,
        outbox: Outbox,
        ui: UiPort,
        probe: Probe | None = None,
        config_path: Path | None = None,
        on_events_acked: Callable[[list[str]], None] | None = None,
        rng: random.Random | None = None,
        mqtt_io: Literal["thread", "asyncio"] = "thread",
        log: logging.Logger | None = None,
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.outbox = outbox
        self.ui = ui
        self.probe = probe or SystemProbe(config.state_dir)
        self.log = log or logging.getLogger("kiosk.agent")
        self.warn = RateLimitedLog(self.log)
        kiosk_id = config.kiosk_id
        self.health_topic = kiosk_topic(kiosk_id, Channel.HEALTH)
        self.acks_topic = kiosk_topic(kiosk_id, Channel.ACKS)
        self.link = BrokerLink(
            kiosk_id=kiosk_id,
            password=config.hub.token,
            url=config.mqtt.url,
            keepalive=config.mqtt.keepalive,
            backoff=Backoff(config.mqtt.backoff_min_s, config.mqtt.backoff_max_s, rng=rng),
            ca_file=config.mqtt.ca_file,
            app_version=__version__,
            # Room above the events window for health, acks and the status messages.
            max_inflight=config.agent.publish_window + 20,
            io=mqtt_io,
            log=self.log,
        )
        self.drainer = Drainer(
            outbox,
            self.link,
            kiosk_topic(kiosk_id, Channel.EVENTS),
            window=config.agent.publish_window,
            interval_s=config.agent.drain_interval_s,
            republish_after_s=config.agent.publish_timeout_s,
            receipt_timeout_s=config.agent.receipt_timeout_s,
            receipt_timeout_max_s=config.agent.receipt_timeout_max_s,
            on_acked=on_events_acked,
            ready=self._hub_knows_this_boot,
            log=self.log,
        )
        self.commands = CommandRunner(
            profile=config.profile,
            settings=lambda: self.config.agent,
            outbox=outbox,
            ui=ui,
            reload=self.reload_config,
            send_ack=self._send_ack,
            log=self.log,
        )
        self.link.on_connected = self._connected
        self.link.on_message = self._message
        self.link.on_acked = self.drainer.acknowledged
        self.health_sent = 0
        self.outages = 0
        self.last_health: Health | None = None
        self._command_queue: asyncio.Queue[bytes] = asyncio.Queue(COMMAND_QUEUE)
        self._health_now = asyncio.Event()
        self._drops: deque[tuple[float, int]] = deque()  # (when, how many) taken from the outbox
        self._health_out = False  # since the last connect
        self._connected_at = 0.0

    # --- callbacks from the link (in the event loop) ---------------------------------

    def _connected(self, _session_present: bool) -> None:
        self._health_out = False
        self._connected_at = time.monotonic()
        self.drainer.connected()
        self._health_now.set()

    def _hub_knows_this_boot(self) -> bool:
        """Events go out after this connection's first health report, which tells the
        hub this boot's id and uptime: it times the events stamped before NTP answered
        by them (kiosk.clock). At most `FIRST_HEALTH_WAIT_S` late if health fails."""
        return self._health_out or time.monotonic() - self._connected_at > FIRST_HEALTH_WAIT_S

    def _message(self, topic: str, payload: bytes) -> None:
        if topic == self.link.receipts_topic:
            self._receipt(payload)
            return
        if topic != self.link.commands_topic:
            return
        try:
            self._command_queue.put_nowait(payload)
        except asyncio.QueueFull:
            self.warn.error("queue", "command queue full; a command was not taken")

    def _receipt(self, payload: bytes) -> None:
        try:
            receipt: Receipt = decode(Channel.RECEIPTS, payload)
        except ProtocolError as exc:
            self.warn.warning("receipt", "invalid receipt ignored (%s)", exc.reason)
            return
        self.drainer.received(receipt.events)

    async def _send_ack(self, ack: Ack) -> None:
        await self.link.publish_confirmed(self.acks_topic, encode(ack), timeout=ACK_TIMEOUT_S)

    # --- health --------------------------------------------------------------------

    async def collect_health(self) -> Health:
        """Read the machine, the UI and the outbox into a Health message."""
        sample = await asyncio.to_thread(self.probe.sample)
        devices: dict[str, DeviceState] | None
        try:
            devices = await self.ui.status()
        except UiUnavailable:
            devices = None
        except UiRequestFailed:
            devices = {}  # the UI answers but cannot tell: up, devices unknown
        return build_health(
            sample,
            app_version=__version__,
            devices=devices,
            outbox=self.outbox.stats(),
            dropped_recent=self._dropped_recent(),
        )

    def _dropped_recent(self) -> int:
        """Events dropped within `dropped_window_s` (the outbox counts since its last call)."""
        now = time.monotonic()
        dropped = self.outbox.take_dropped_recent()
        if dropped:
            self._drops.append((now, dropped))
        while self._drops and now - self._drops[0][0] > self.config.agent.dropped_window_s:
            self._drops.popleft()
        return sum(n for _, n in self._drops)

    async def _health_loop(self) -> None:
        while True:
            await wait_event(self._health_now, self.config.agent.health_interval_s)
            self._health_now.clear()
            if not self.link.connected:
                continue
            try:
                health = await self.collect_health()
            except Exception as exc:  # psutil, SQLite, a sensor: report later, never die of it
                self.warn.error("health", "cannot collect health: %r", exc)
                continue
            if self.link.publish(self.health_topic, encode(health), qos=HEALTH_QOS) is not None:
                self.health_sent += 1
                self.last_health = health
                if not self._health_out:
                    self._health_out = True
                    self.drainer.wake()

    # --- commands ------------------------------------------------------------------

    async def _command_loop(self) -> None:
        while True:
            payload = await self._command_queue.get()
            try:
                await self.commands.handle(payload)
            except Exception:  # a bug in one command must not stop the agent
                self.log.exception("command handling failed")

    def reload_config(self) -> str:
        """Re-read kiosk.toml and apply the agent section; raises ConfigError."""
        if self.config_path is None:
            raise ConfigError("no configuration file to reload")
        new = load_config(self.config_path)
        if new.kiosk_id != self.config.kiosk_id:
            raise ConfigError("kiosk_id changed: the agent must be restarted")
        later = [
            n
            for n in ("profile", "state_dir", "hub", "mqtt", "outbox")
            if getattr(new, n) != getattr(self.config, n)
        ]
        self.config = self.config.model_copy(update={"agent": new.agent})
        settings = new.agent
        self.drainer.window = settings.publish_window
        self.drainer.interval_s = settings.drain_interval_s
        self.drainer.republish_after_s = settings.publish_timeout_s
        self.drainer.receipt_timeout_s = settings.receipt_timeout_s
        self.drainer.receipt_timeout_max_s = settings.receipt_timeout_max_s
        if isinstance(self.ui, UiLinkClient):
            self.ui.path = new.ui_socket_path
            self.ui.timeout = settings.ui_timeout_s
        self._health_now.set()  # report at once, then at the new interval
        note = f"health_interval_s={settings.health_interval_s:g}"
        if later:
            note += "; on restart: " + ", ".join(later)
        self.log.info("configuration reloaded (%s)", note)
        return note

    # --- lifetime ------------------------------------------------------------------

    async def outage(self, seconds: float) -> None:
        """Lose the connection abruptly for `seconds` (the broker sends the will); simulator."""
        self.outages += 1
        self.link.drop()
        try:
            await asyncio.sleep(seconds)
        finally:
            self.link.resume()

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: then publish `offline`, disconnect and return.

        A task that dies of a bug stops the agent too (the exception is raised
        after the clean shutdown, so systemd restarts it).
        """
        link: asyncio.Task[Any] = asyncio.create_task(self.link.run(), name="mqtt-link")
        workers: list[asyncio.Task[Any]] = [
            asyncio.create_task(self.drainer.run(), name="outbox-drain"),
            asyncio.create_task(self._health_loop(), name="health"),
            asyncio.create_task(self._command_loop(), name="commands"),
        ]
        stopper: asyncio.Task[Any] = asyncio.create_task(stop.wait(), name="stop")
        done, _ = await asyncio.wait([stopper, link, *workers], return_when=asyncio.FIRST_COMPLETED)
        failures = [t.exception() for t in done if t is not stopper and not t.cancelled()]
        failure = next((exc for exc in failures if exc is not None), None)
        try:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            await self.link.close()
        finally:
            link.cancel()
            stopper.cancel()
            await asyncio.gather(link, stopper, return_exceptions=True)
        if failure is not None:
            raise failure
