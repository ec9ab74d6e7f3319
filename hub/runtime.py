"""The hub's background services: managed broker, ingest, alerts, housekeeping.

Started and stopped by the ASGI app's lifespan (hub.app).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from pathlib import Path

from sqlalchemy import Engine, bindparam, delete, select

from hub.accounts import credentials_version, kiosk_mqtt_users
from hub.alerts import AlertEvaluator
from hub.broker import ManagedBroker, hub_identities, mosquitto_hash
from hub.config import RetentionConfig
from hub.contact_requests import purge_requests
from hub.files import private_dir, private_file
from hub.ingest import BatchWriter, IngestClient
from hub.ingest.workers import IngestWorkers
from hub.seekers import purge_refs
from hub.services import Services
from hub.store import schema

log = logging.getLogger(__name__)


def hub_broker_password(state_dir: Path) -> str:
    """The hub's own password on the managed broker, created once, kept 0600."""
    path = state_dir / "broker" / "hub.secret"
    private_dir(path.parent)
    if path.exists():
        private_file(path)
        return path.read_text().strip()
    password = secrets.token_urlsafe(24)
    path.touch(mode=0o600)
    path.write_text(password)
    return password


def purge_old(engine: Engine, retention: RetentionConfig, now: float | None = None) -> None:
    """Delete what is past its retention: health samples, events, call records, contact
    requests, expired web sessions and expired seeker references."""
    now = now or time.time()
    with engine.begin() as conn:
        # Per kiosk, along the (kiosk_id, ts) key, rather than a full scan.
        kiosk_ids = conn.execute(select(schema.kiosks.c.id)).scalars().all()
        if kiosk_ids:
            conn.execute(
                delete(schema.health).where(
                    schema.health.c.kiosk_id == bindparam("kid"),
                    schema.health.c.ts < now - retention.health_days * 86400,
                ),
                [{"kid": kid} for kid in kiosk_ids],
            )
        # By arrival (the hub's clock), never by the kiosk's stamp (hub.ingest.clock).
        conn.execute(
            delete(schema.events).where(
                schema.events.c.received_at < now - retention.events_days * 86400
            )
        )
        conn.execute(
            delete(schema.calls).where(
                schema.calls.c.requested_at < now - retention.calls_days * 86400
            )
        )
        conn.execute(delete(schema.web_sessions).where(schema.web_sessions.c.expires_at < now))
        purge_requests(conn, retention, now)
        purge_refs(conn, now)


class Runtime:
    """Owns every background task of one hub process and cancels them on stop."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.config = services.config
        self.broker: ManagedBroker | None = None
        self.ingest: IngestClient | None = None
        self.workers: IngestWorkers | None = None
        self.alerts = AlertEvaluator(services.engine, self.config.alerts, services.metrics)
        self._tasks: list[asyncio.Task[None]] = []
        self._credentials = ""

    async def start(self) -> None:
        """Start the broker (when managed), ingest and the periodic loops."""
        cfg = self.config
        if cfg.managed_broker:
            password = hub_broker_password(cfg.state_dir)
            self.broker = ManagedBroker(
                cfg.state_dir / "broker",
                host=cfg.broker.host,
                port=cfg.broker.port,
                executable=cfg.broker.executable,
            )
            self._configure_broker(password)
            await asyncio.to_thread(self.broker.start)
            url, username = self.broker.url, cfg.mqtt.username
            log.info("managed Mosquitto listening at %s", url)
        else:
            url, username, password = cfg.mqtt.url, cfg.mqtt.username, cfg.mqtt.password
        # Several ingest processes split the stream through a shared subscription.
        share_group = cfg.mqtt.share_group or ("gaia-hub" if cfg.ingest.workers > 1 else "")
        self.ingest = IngestClient(
            url,
            BatchWriter(self.services.engine),
            self.services.metrics,
            username=username,
            password=password,
            client_id=cfg.mqtt.client_id,
            share_group=share_group,
            keepalive=cfg.mqtt.keepalive,
            batch_size=cfg.ingest.batch_size,
            max_delay_ms=cfg.ingest.max_delay_ms,
            ca_file=cfg.mqtt.ca_file,
        )
        self.ingest.start()
        self.services.commands.publish = self.ingest.publish
        if cfg.ingest.workers > 1:
            self.workers = IngestWorkers(
                {
                    "url": url,
                    "username": username,
                    "password": password,
                    "db_url": cfg.db_url,
                    "client_id": cfg.mqtt.client_id,
                    "share_group": share_group,
                    "keepalive": cfg.mqtt.keepalive,
                    "batch_size": cfg.ingest.batch_size,
                    "max_delay_ms": cfg.ingest.max_delay_ms,
                    "ca_file": cfg.mqtt.ca_file,
                },
                cfg.ingest.workers,
                self.services.metrics,
            )
            self.workers.start()
            self._spawn(self.workers.relay(), "ingest-workers")
        self._spawn(self.alerts.run(), "alerts")
        self._spawn(self.alerts.deliver(), "alert-webhook")
        self._spawn(self._housekeeping(), "housekeeping")
        if self.broker is not None:
            self._spawn(self._supervise_broker(password), "broker-supervisor")

    def _spawn(self, coro: object, name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))  # type: ignore[arg-type]

    def _configure_broker(self, hub_password: str) -> None:
        assert self.broker is not None
        with self.services.engine.connect() as conn:
            users = kiosk_mqtt_users(conn)
            self._credentials = credentials_version(conn)
        hubs = hub_identities(self.config.mqtt.username, self.config.ingest.workers)
        hub_hash = mosquitto_hash(hub_password)
        users.update(dict.fromkeys(hubs, hub_hash))
        self.broker.configure(users, hub_users=hubs)

    async def _supervise_broker(self, hub_password: str) -> None:
        """Restart a dead broker; reload users when kiosks are added or revoked."""
        assert self.broker is not None
        while True:
            await asyncio.sleep(2)
            try:
                with self.services.engine.connect() as conn:
                    version = credentials_version(conn)
                if version != self._credentials:
                    self._configure_broker(hub_password)
                    self.broker.reload()
                    log.info("kiosk credentials changed; broker reloaded")
                if await asyncio.to_thread(self.broker.ensure_running):
                    log.warning("managed broker restarted")
            except Exception:
                log.exception("broker supervision failed")

    async def _housekeeping(self) -> None:
        """Purge what is past its retention (see purge_old), hourly."""
        while True:
            try:
                await asyncio.to_thread(purge_old, self.services.engine, self.config.retention)
            except Exception:
                log.exception("housekeeping failed")
            await asyncio.sleep(3600)

    async def stop(self) -> None:
        """Cancel the loops, flush ingest, stop the managed broker."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        if self.workers is not None:
            await asyncio.to_thread(self.workers.stop)
        if self.ingest is not None:
            await asyncio.to_thread(self.ingest.stop)
            self.services.commands.publish = None
        if self.broker is not None:
            await asyncio.to_thread(self.broker.stop)
