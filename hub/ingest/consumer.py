"""The hub's MQTT client: subscribes, validates in paho's thread, writes in batches.

Messages are validated and collected in paho's own callback thread; a full
batch (or one whose oldest message has waited `max_delay_ms`) is handed whole
to a writer thread, so that paho reads the next batch while SQLite writes
this one. Batches, never single messages, cross threads (docs/architecture.md,
"Threads and loops"); the
hand-over queue is short, so a slow database slows the reading down rather
than filling memory. Acknowledgements are manual: a QoS 1 message is
acknowledged to the broker only after its batch is committed, so a hub that
dies mid-batch gets the message again from its persistent session.

Several hub replicas may share the stream with an MQTT shared subscription
(`[mqtt] share_group`); writes are idempotent, so redeliveries are harmless.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from sqlalchemy.exc import SQLAlchemyError

from hub.ingest.writer import BatchWriter, Inbound
from hub.logs import RateLimitedLog
from hub.metrics import Metrics
from hub.protocol import (
    Channel,
    ProtocolError,
    Receipt,
    decode,
    encode,
    kiosk_topic,
    parse_topic,
    subscription,
)
from hub.protocol.messages import MAX_RECEIPT_IDS
from hub.protocol.topics import KIOSK_TO_HUB
from hub.store.db import describe_db_error

log = logging.getLogger(__name__)


RETRY_MIN_S = 0.5
RETRY_MAX_S = 30.0


class IngestClient:
    """Connects to the broker, feeds a BatchWriter, publishes commands."""

    def __init__(
        self,
        url: str,
        writer: BatchWriter,
        metrics: Metrics,
        *,
        username: str,
        password: str,
        client_id: str = "gaia-hub",
        share_group: str = "",
        keepalive: int = 30,
        batch_size: int = 1000,
        max_delay_ms: int = 50,
        ca_file: str = "",
        on_batch: Callable[[list[Inbound]], None] | None = None,
    ) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("mqtt", "mqtts"):
            raise ValueError(f"MQTT URL must start with mqtt:// or mqtts://, not {url!r}")
        self.host = parsed.hostname or "127.0.0.1"
        self.port = parsed.port or (8883 if parsed.scheme == "mqtts" else 1883)
        self.writer = writer
        self.metrics = metrics
        self.share_group = share_group
        self.keepalive = keepalive
        self.batch_size = batch_size
        self.max_delay = max_delay_ms / 1000
        self.on_batch = on_batch
        self._pending: list[tuple[Inbound, int, int]] = []
        self._pending_since = 0.0
        self._list_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._batches: queue.Queue[list[tuple[Inbound, int, int]]] = queue.Queue(maxsize=4)
        self._stop = threading.Event()
        self._writer_thread: threading.Thread | None = None
        self._rejects = RateLimitedLog(log)
        self._store_log = RateLimitedLog(log, 30.0)
        self.failing_since: float | None = None
        """monotonic time of the first failed write since the last good one."""
        self.last_error = ""
        self.last_commit = time.monotonic()

        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            clean_session=False,
            manual_ack=True,
        )
        self.client.username_pw_set(username, password or None)
        if parsed.scheme == "mqtts":
            self.client.tls_set(ca_certs=ca_file or None, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.client.max_inflight_messages_set(100)
        self.client.max_queued_messages_set(100_000)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    # -- life cycle -------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (retrying until the broker answers) and start flushing."""
        self._stop.clear()
        self.client.connect_async(self.host, self.port, keepalive=self.keepalive)
        self.client.loop_start()
        self._writer_thread = threading.Thread(
            target=self._write_loop, name="ingest-writer", daemon=True
        )
        self._writer_thread.start()

    def stop(self) -> None:
        """Write what is pending, then disconnect (the session stays on the broker)."""
        self._stop.set()
        if self._writer_thread:
            self._writer_thread.join(timeout=30)
        self.flush()
        self.client.disconnect()
        self.client.loop_stop()

    @property
    def connected(self) -> bool:
        """True while connected to the broker."""
        return self.client.is_connected()

    def stuck_for(self) -> float:
        """Seconds the store has been refusing writes (0 while ingest works)."""
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since

    def lag_s(self) -> float:
        """Age of the oldest message received and not yet written (0 when none waits)."""
        with self._list_lock:
            pending = time.monotonic() - self._pending_since if self._pending else 0.0
        return max(pending, self.stuck_for())

    def publish(self, topic: str, payload: bytes) -> bool:
        """Publish with QoS 1; False when the broker cannot be reached now."""
        if not self.client.is_connected():
            return False
        info = self.client.publish(topic, payload, qos=1)
        return info.rc == mqtt.MQTT_ERR_SUCCESS

    # -- paho callbacks (paho's thread) -----------------------------------

    def _on_connect(
        self,
        client: mqtt.Client,
        _userdata: object,
        _flags: mqtt.ConnectFlags,
        reason: mqtt.ReasonCode,
        _props: object,
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the hub: %s", reason)
            return
        # Subscribed again on every connect (paho forgets them, docs/architecture.md, "Pitfalls").
        client.subscribe([(subscription(ch, self.share_group or None), 1) for ch in KIOSK_TO_HUB])
        self.metrics.mqtt_connected.set(1)
        log.info("connected to the broker at %s:%s", self.host, self.port)

    def _on_disconnect(
        self,
        _client: mqtt.Client,
        _userdata: object,
        _flags: mqtt.DisconnectFlags,
        reason: mqtt.ReasonCode,
        _props: object,
    ) -> None:
        self.metrics.mqtt_connected.set(0)
        if not self._stop.is_set():
            log.warning("lost the broker (%s); reconnecting", reason)

    def _on_message(self, client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        received = time.time()
        parsed = parse_topic(msg.topic)
        if parsed is None or parsed[1] not in KIOSK_TO_HUB:
            self._reject(msg, "topic", f"unexpected topic {msg.topic[:120]!r}")
            return
        kiosk_id, channel = parsed
        try:
            message = decode(channel, msg.payload)
        except ProtocolError as exc:
            self._reject(msg, exc.reason, f"{kiosk_id}/{channel.value}: {exc}"[:300])
            return
        item = Inbound(kiosk_id, channel, message, received, bool(msg.retain))
        with self._list_lock:
            if not self._pending:
                self._pending_since = time.monotonic()
            self._pending.append((item, msg.mid, msg.qos))
            full = len(self._pending) >= self.batch_size
        if full:
            self._hand_over()

    def _reject(self, msg: mqtt.MQTTMessage, reason: str, detail: str) -> None:
        self.metrics.rejected.labels(reason).inc()
        self._rejects.warning(reason, "rejected message (%s): %s", reason, detail)
        if msg.qos:
            self.client.ack(msg.mid, msg.qos)

    # -- batching ---------------------------------------------------------

    def _send_receipts(self, items: list[Inbound]) -> None:
        """Tell each kiosk which of its events are now committed (it may then forget them)."""
        by_kiosk: dict[str, list[str]] = {}
        for item in items:
            if item.channel is Channel.EVENTS:
                by_kiosk.setdefault(item.kiosk_id, []).append(item.message.id)
        for kiosk_id, ids in by_kiosk.items():
            for start in range(0, len(ids), MAX_RECEIPT_IDS):
                receipt = Receipt(events=ids[start : start + MAX_RECEIPT_IDS])
                self.client.publish(kiosk_topic(kiosk_id, Channel.RECEIPTS), encode(receipt), qos=1)

    def _take_pending(self) -> list[tuple[Inbound, int, int]]:
        with self._list_lock:
            batch, self._pending = self._pending, []
        return batch

    def _hand_over(self) -> None:
        """Give the pending batch to the writer thread (waits while it is behind)."""
        batch = self._take_pending()
        if batch:
            self._batches.put(batch)

    def _write_loop(self) -> None:
        """The writer thread: full batches as they come, and partial ones once due."""
        tick = max(self.max_delay / 4, 0.002)
        while True:
            try:
                batch = self._batches.get(timeout=tick)
            except queue.Empty:
                if self._stop.is_set():
                    return  # stop() writes what is left
                with self._list_lock:
                    due = bool(self._pending) and (
                        time.monotonic() - self._pending_since >= self.max_delay
                    )
                if not due:
                    continue
                batch = self._take_pending()
            self._write(batch)

    def flush(self) -> None:
        """Write everything received so far, now (in the calling thread)."""
        while True:
            try:
                self._write(self._batches.get_nowait())
            except queue.Empty:
                break
        self._write(self._take_pending())

    def _write(self, batch: list[tuple[Inbound, int, int]]) -> None:
        """Commit one batch, then acknowledge it to the broker and receipt its events."""
        if not batch:
            return
        with self._write_lock:
            items = [b[0] for b in batch]
            started = time.perf_counter()
            delay = RETRY_MIN_S
            while True:
                try:
                    result = self.writer.write(items)
                    break
                except SQLAlchemyError as exc:
                    # The database is unavailable: keep the batch (unacknowledged
                    # messages stay with the broker) and retry, backing off; on stop,
                    # give up at once (the broker hands them to the next run).
                    cause = describe_db_error(exc)
                    self.metrics.store_errors.inc()
                    if self.failing_since is None:
                        self.failing_since = time.monotonic()
                    self.last_error = cause
                    self._store_log.error(
                        "store", "cannot write an ingest batch to %s: %s; retrying in %.1f s",
                        self.writer.engine.url.render_as_string(hide_password=True), cause, delay,
                    )  # fmt: skip
                    if self._stop.wait(delay):
                        log.warning("stopping with %d message(s) unwritten", len(items))
                        return
                    delay = min(delay * 2, RETRY_MAX_S)
            self.failing_since = None
            self.last_commit = time.monotonic()
            self.metrics.batch_seconds.observe(time.perf_counter() - started)
            self.metrics.batch_size.observe(len(items))
            for channel, count in result.counts.items():
                self.metrics.ingested.labels(channel).inc(count)
            for _item, mid, qos in batch:
                if qos:
                    self.client.ack(mid, qos)
            self._send_receipts(items)
        if self.on_batch is not None:
            self.on_batch(items)
