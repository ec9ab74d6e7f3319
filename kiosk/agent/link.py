"""The kiosk's MQTT connection, driven from asyncio.

See docs/architecture.md, "Contracts" and "Threads and loops".

paho-mqtt runs its network loop in its own thread (`loop_start`); every
callback crosses into the event loop with `call_soon_threadsafe`, and PUBACKs
cross in batches. (`io="asyncio"` serves the socket from the event loop
instead, for processes holding hundreds of clients: see kiosk.agent.paho_io.)
The connection cycle is ours, not paho's: paho's reconnect has no jitter, so
paho is told not to reconnect and `run()` connects again after a `Backoff` delay.

Identity: client id and user name = kiosk id, password = the kiosk's token,
MQTT 3.1.1 with a persistent session (`clean_session=False`), so the broker
keeps the commands subscription and queues commands while the kiosk is away.
Presence: a retained `online` status on every connect, a retained `offline`
one as last will and on a clean shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt

from hub.protocol import Channel, Status, encode, kiosk_topic, new_id
from kiosk.agent.backoff import Backoff
from kiosk.agent.paho_io import AsyncioDriver
from kiosk.agent.ratelimit import RateLimitedLog
from kiosk.config import ConfigError
from kiosk.waits import wait_event

_DEFAULT_PORTS = {"mqtt": 1883, "mqtts": 8883}


def parse_mqtt_url(url: str) -> tuple[str, int, bool]:
    """(host, port, tls) of an mqtt:// or mqtts:// URL; raises ConfigError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigError(f"mqtt.url {url!r}: expected mqtt://host[:port] or mqtts://host[:port]")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError as exc:
        raise ConfigError(f"mqtt.url {url!r}: {exc}") from None
    return parts.hostname, port, parts.scheme == "mqtts"


class BrokerLink:
    """One kiosk's connection to the broker; `run()` keeps it up until `close()`.

    Callbacks run in the event loop: `on_connected(session_present)` after
    each successful connect, `on_message(topic, payload)` per message, `on_acked(mids)` with
    the message ids whose PUBACK arrived (batched).
    """

    def __init__(
        self,
        *,
        kiosk_id: str,
        password: str,
        url: str,
        keepalive: int,
        backoff: Backoff,
        ca_file: str = "",
        app_version: str | None = None,
        max_inflight: int = 100,
        io: Literal["thread", "asyncio"] = "thread",
        log: logging.Logger | None = None,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.url = url
        self.host, self.port, tls = parse_mqtt_url(url)
        self.keepalive = keepalive
        self.backoff = backoff
        self.io = io
        self.app_version = app_version
        self.status_topic = kiosk_topic(kiosk_id, Channel.STATUS)
        self.commands_topic = kiosk_topic(kiosk_id, Channel.COMMANDS)
        self.receipts_topic = kiosk_topic(kiosk_id, Channel.RECEIPTS)
        self.log = log or logging.getLogger(__name__)
        self.warn = RateLimitedLog(self.log)
        self.on_connected: Callable[[bool], None] | None = None
        self.on_message: Callable[[str, bytes], None] | None = None
        self.on_acked: Callable[[list[int]], None] | None = None
        self.connected = False
        self.connects = 0
        self.instance = new_id()  # this run of the agent (the hub spots clones by it)

        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=kiosk_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            reconnect_on_failure=False,  # run() owns reconnects (with jitter)
        )
        client.username_pw_set(kiosk_id, password)
        if tls:
            client.tls_set(ca_certs=ca_file or None)
        client.max_inflight_messages_set(max_inflight)
        client.on_connect = self._paho_connect
        client.on_disconnect = self._paho_disconnect
        client.on_message = self._paho_message
        client.on_publish = self._paho_publish
        self._client = client

        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self._closed = asyncio.Event()
        self._allowed = asyncio.Event()  # cleared during a simulated outage
        self._allowed.set()
        self._ended: asyncio.Event | None = None
        self._acked: list[int] = []
        self._acked_lock = threading.Lock()
        self._waiters: dict[int, asyncio.Future[None]] = {}

    # --- paho's thread -------------------------------------------------------------

    def _to_loop(self, callback: Callable[..., None], *args: Any) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed: we are exiting
                loop.call_soon_threadsafe(callback, *args)

    def _paho_connect(self, client: mqtt.Client, _u: Any, flags: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self._to_loop(self._refused, str(reason))
            return
        # Subscribe again on every connect (paho forgets subscriptions: docs/architecture.md,
        # "Pitfalls"),
        # then the birth message; both from paho's thread, before anything else is sent.
        client.subscribe([(self.commands_topic, 1), (self.receipts_topic, 1)])
        birth = Status(state="online", app_version=self.app_version, instance=self.instance)
        client.publish(self.status_topic, encode(birth), qos=1, retain=True)
        self._to_loop(self._connected_in_loop, bool(flags.session_present))

    def _paho_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._to_loop(self._disconnected_in_loop, str(reason))

    def _paho_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self._to_loop(self._message_in_loop, message.topic, bytes(message.payload))

    def _paho_publish(self, _c: mqtt.Client, _u: Any, mid: int, _r: Any, _p: Any) -> None:
        # PUBACKs cross in batches: one loop wake-up for however many arrived meanwhile.
        with self._acked_lock:
            self._acked.append(mid)
            first = len(self._acked) == 1
        if first:
            self._to_loop(self._acked_in_loop)

    # --- the event loop ------------------------------------------------------------

    def _refused(self, reason: str) -> None:
        self.warn.warning("refused", "broker %s refused the connection: %s", self.url, reason)

    def _connected_in_loop(self, session_present: bool) -> None:
        self.connected = True
        self.connects += 1
        self.backoff.reset()
        self.warn.reset("connect")
        self.log.info("connected to %s (session present: %s)", self.url, session_present)
        if self.on_connected:
            self.on_connected(session_present)

    def _disconnected_in_loop(self, reason: str) -> None:
        was_connected, self.connected = self.connected, False
        if was_connected and not self._closing:
            self.warn.warning("lost", "connection to %s lost: %s", self.url, reason)
        if self._ended is not None:
            self._ended.set()

    def _message_in_loop(self, topic: str, payload: bytes) -> None:
        if self.on_message:
            self.on_message(topic, payload)

    def _acked_in_loop(self) -> None:
        with self._acked_lock:
            mids, self._acked = self._acked, []
        for mid in mids:
            waiter = self._waiters.pop(mid, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
        if self.on_acked:
            self.on_acked(mids)

    # --- public API ----------------------------------------------------------------

    def publish(self, topic: str, payload: bytes, qos: int = 1, retain: bool = False) -> int | None:
        """Hand a message to paho; its mid, or None when paho refused it.

        QoS 1 messages published while disconnected wait in paho and go out
        after the next connect.
        """
        info = self._client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc not in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
            self.warn.warning("publish", "publish refused by paho: %s", mqtt.error_string(info.rc))
            return None
        return info.mid

    async def publish_confirmed(
        self, topic: str, payload: bytes, *, retain: bool = False, timeout: float = 3.0
    ) -> bool:
        """Publish with QoS 1 and wait for the PUBACK; False on timeout."""
        mid = self.publish(topic, payload, qos=1, retain=retain)
        if mid is None:
            return False
        waiter = asyncio.get_running_loop().create_future()
        self._waiters[mid] = waiter
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            return False
        finally:
            self._waiters.pop(mid, None)
        return True

    async def run(self) -> None:
        """Connect, stay connected, reconnect after a jittered backoff; until `close()`."""
        self._loop = asyncio.get_running_loop()
        if self.io == "asyncio":
            AsyncioDriver(self._client, self._loop)
        while not self._closing:
            await self._allowed.wait()
            if self._closing:
                break
            self._ended = asyncio.Event()
            # A fresh will each time, so its id and timestamp are those of this session.
            will = encode(
                Status(state="offline", app_version=self.app_version, instance=self.instance)
            )
            self._client.will_set(self.status_topic, will, qos=1, retain=True)
            try:
                await asyncio.to_thread(self._client.connect, self.host, self.port, self.keepalive)
            except (OSError, ValueError) as exc:
                self.warn.warning("connect", "cannot reach broker %s: %s", self.url, exc)
            else:
                if self._closing:  # close() ran while we were connecting
                    self._client.disconnect()
                    break
                if self.io == "thread":
                    self._client.loop_start()
                await self._ended.wait()
                if self.io == "thread":
                    await asyncio.to_thread(self._client.loop_stop)
            if not self._closing and self._allowed.is_set():
                await wait_event(self._closed, self.backoff.next())
        self.connected = False

    async def close(self, timeout: float = 3.0) -> None:
        """Publish the retained `offline` status, disconnect cleanly and stop `run()`."""
        self._closing = True
        self._closed.set()
        self._allowed.set()
        if self.connected:
            offline = encode(
                Status(state="offline", app_version=self.app_version, instance=self.instance)
            )
            if not await self.publish_confirmed(
                self.status_topic, offline, retain=True, timeout=timeout
            ):
                self.log.warning("offline status not acknowledged before disconnecting")
        self._client.disconnect()
        if self.io == "thread":
            await asyncio.to_thread(self._client.loop_stop)
        elif self._ended is not None and not self._ended.is_set():
            await wait_event(self._ended, timeout)  # the DISCONNECT goes out from the loop
        self.connected = False
        if self._ended is not None:
            self._ended.set()

    def drop(self) -> None:
        """Cut the connection without DISCONNECT, as a power cut would; stay away until `resume()`.

        The broker then publishes the will (`offline`). For the fleet simulator.
        """
        self._allowed.clear()
        sock = self._client.socket()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def resume(self) -> None:
        """Allow connecting again after `drop()`."""
        self._allowed.set()
