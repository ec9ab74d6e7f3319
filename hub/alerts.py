"""Alerts: derived from each kiosk's current state, opened and closed in the database,
and sent to a webhook.

The evaluator compares the alerts the fleet's state calls for with the open
ones and applies the difference. A unique index on open alerts (kiosk, kind)
makes this safe with several hub replicas: only the replica whose insert
succeeds notifies the webhook.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hub.config import AlertsConfig
from hub.metrics import Metrics
from hub.reports.periods import local_tz
from hub.store import schema

log = logging.getLogger(__name__)

KINDS = (
    "offline", "printer", "disk", "temperature", "ui-down", "outbox-dropping", "clock", "clone",
)  # fmt: skip
CLONE_ALERT_S = 600.0
"""A suspected clone stays alerted this long after its last sign."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """An alert the current state calls for."""

    kiosk_id: str
    kind: str
    detail: str


PRINTER_DETAIL = {
    "paper-low": "papier bientôt épuisé",
    "paper-out": "plus de papier",
    "offline": "imprimante débranchée ou éteinte",
    "error": "imprimante en erreur",
}


def wanted_alerts(rows: list[Any], cfg: AlertsConfig, now: float) -> dict[tuple[str, str], Wanted]:
    """The alerts that kiosks' current rows call for, keyed by (kiosk id, kind).

    Details are short French sentences for ops staff (and the webhook).
    """
    out: dict[tuple[str, str], Wanted] = {}

    def want(kid: str, kind: str, detail: str) -> None:
        out[(kid, kind)] = Wanted(kid, kind, detail)

    for r in rows:
        if not r.registered:
            continue
        if r.clone_seen_at is not None and now - r.clone_seen_at < CLONE_ALERT_S:
            want(
                r.id,
                "clone",
                "deux appareils utilisent les identifiants de cette borne (carte SD copiée ?) : "
                "renouvelez-les (gaia-hub kiosk rotate)",
            )
        if not r.online:
            if r.status_since is not None and now - r.status_since > cfg.offline_after_s:
                since = datetime.fromtimestamp(r.status_since, local_tz())
                want(r.id, "offline", f"hors ligne depuis le {since:%d/%m à %H:%M}")
            continue  # the rest describes a running kiosk
        if r.printer in PRINTER_DETAIL:
            want(r.id, "printer", PRINTER_DETAIL[r.printer])
        if r.disk_used_pct is not None and r.disk_used_pct > cfg.disk_used_pct:
            want(r.id, "disk", f"disque rempli à {r.disk_used_pct:.0f} %")
        if r.cpu_temp_c is not None and r.cpu_temp_c > cfg.cpu_temp_c:
            want(r.id, "temperature", f"processeur à {r.cpu_temp_c:.0f} °C")
        if r.ui == "down":
            want(r.id, "ui-down", "l'écran de la borne ne fonctionne pas")
        if r.clock_skew_s is not None and abs(r.clock_skew_s) > cfg.clock_skew_s:
            want(r.id, "clock", f"horloge {_skew_words(r.clock_skew_s)} (l'heure du hub fait foi)")
        if r.outbox_dropped_recent:
            want(
                r.id,
                "outbox-dropping",
                f"{r.outbox_dropped_recent} événements d'usage perdus (file d'envoi pleine)",
            )
    return out


def _skew_words(skew_s: float) -> str:
    """ "en avance de 3 h 05 min", "en retard de 365 jours" (skew = kiosk minus hub)."""
    way = "en avance" if skew_s > 0 else "en retard"
    s = abs(skew_s)
    if s >= 2 * 86400:
        amount = f"{s / 86400:.0f} jours"
    elif s >= 3600:
        amount = f"{int(s // 3600)} h {int(s % 3600 // 60):02d} min"
    elif s >= 60:
        amount = f"{s / 60:.0f} min"
    else:
        amount = f"{s:.0f} s"
    return f"{way} de {amount}"


class AlertEvaluator:
    """Applies wanted alerts to the database and notifies the webhook."""

    def __init__(self, engine: Engine, cfg: AlertsConfig, metrics: Metrics) -> None:
        self.engine = engine
        self.cfg = cfg
        self.metrics = metrics
        self.notifications: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10_000)

    def evaluate(
        self, now: float | None = None
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """One pass; returns (opened, closed) alerts as dicts."""
        now = now or time.time()
        k, a = schema.kiosks.c, schema.alerts.c
        with self.engine.connect() as conn:
            rows = list(
                conn.execute(
                    select(
                        k.id,
                        k.site,
                        k.territory,
                        k.registered,
                        k.online,
                        k.status_since,
                        k.printer,
                        k.disk_used_pct,
                        k.cpu_temp_c,
                        k.ui,
                        k.outbox_dropped_recent,
                        k.clock_skew_s,
                        k.clone_seen_at,
                    )
                )
            )
            open_rows = list(conn.execute(select(schema.alerts).where(a.closed_at.is_(None))))
        kiosks = {r.id: r for r in rows}
        wanted = wanted_alerts(rows, self.cfg, now)
        current = {(r.kiosk_id, r.kind): r for r in open_rows}
        opened: list[dict[str, Any]] = []
        closed: list[dict[str, Any]] = []
        for key, w in wanted.items():
            if key in current:
                continue
            try:
                with self.engine.begin() as conn:
                    result = conn.execute(
                        insert(schema.alerts).values(
                            kiosk_id=w.kiosk_id, kind=w.kind, detail=w.detail, opened_at=now
                        )
                    )
                    alert_id = result.inserted_primary_key[0]  # type: ignore[index]
            except IntegrityError:
                continue  # another replica opened it first
            opened.append(_alert_dict(alert_id, w.kiosk_id, w.kind, w.detail, now, None, kiosks))
        for key, r in current.items():
            if key in wanted:
                continue
            with self.engine.begin() as conn:
                done = conn.execute(
                    update(schema.alerts)
                    .where(a.id == r.id, a.closed_at.is_(None))
                    .values(closed_at=now)
                ).rowcount
            if done:
                closed.append(
                    _alert_dict(r.id, r.kiosk_id, r.kind, r.detail, r.opened_at, now, kiosks)
                )
        self._update_gauges()
        for alert in opened:
            self._notify("alert.opened", alert)
        for alert in closed:
            self._notify("alert.closed", alert)
        return opened, closed

    def _update_gauges(self) -> None:
        k, a = schema.kiosks.c, schema.alerts.c
        with self.engine.connect() as conn:
            online = conn.execute(
                select(func.count()).select_from(schema.kiosks).where(k.online.is_(True))
            ).scalar_one()
            registered = conn.execute(
                select(func.count()).select_from(schema.kiosks).where(k.registered.is_(True))
            ).scalar_one()
            by_kind: dict[str, int] = dict(
                conn.execute(
                    select(a.kind, func.count()).where(a.closed_at.is_(None)).group_by(a.kind)
                ).all()
            )
        self.metrics.kiosks_online.set(online)
        self.metrics.kiosks_total.set(registered)
        for kind in KINDS:
            self.metrics.alerts_open.labels(kind).set(by_kind.get(kind, 0))

    def _notify(self, event: str, alert: dict[str, Any]) -> None:
        if not self.cfg.webhook_url:
            return
        try:
            self.notifications.put_nowait({"event": event, "alert": alert})
        except asyncio.QueueFull:
            log.error("alert webhook queue full; dropping %s for %s", event, alert["kiosk_id"])

    async def run(self) -> None:
        """Evaluate every `evaluate_every_s` until cancelled."""
        while True:
            try:
                await asyncio.to_thread(self.evaluate)
            except Exception:
                log.exception("alert evaluation failed")
            await asyncio.sleep(self.cfg.evaluate_every_s)

    async def deliver(self) -> None:
        """Send queued notifications to the webhook, retrying with backoff, until cancelled."""
        async with httpx.AsyncClient(timeout=self.cfg.webhook_timeout_s) as client:
            while True:
                body = await self.notifications.get()
                for attempt in range(5):
                    try:
                        response = await client.post(self.cfg.webhook_url, json=body)
                        if response.status_code < 500:
                            if response.status_code >= 400:
                                log.error("alert webhook refused: HTTP %s", response.status_code)
                            break
                    except httpx.HTTPError as exc:
                        log.warning("alert webhook unreachable (%s)", exc.__class__.__name__)
                    await asyncio.sleep(min(30, 2**attempt))


def _alert_dict(
    alert_id: Any,
    kiosk_id: str,
    kind: str,
    detail: str,
    opened_at: float,
    closed_at: float | None,
    kiosks: dict[str, Any],
) -> dict[str, Any]:
    kiosk = kiosks.get(kiosk_id)
    return {
        "id": alert_id,
        "kiosk_id": kiosk_id,
        "site": kiosk.site if kiosk else "",
        "territory": kiosk.territory if kiosk else "",
        "kind": kind,
        "detail": detail,
        "opened_at": opened_at,
        "closed_at": closed_at,
    }
