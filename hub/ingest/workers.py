"""Extra ingest processes, splitting the MQTT stream with a shared subscription.

One Python process tops out near 6,000 persisted messages per second on a
2-core Raspberry-class host (paho's packet handling holds the GIL); with
`[ingest] workers = N`, the hub starts N - 1 more processes, each an
`IngestClient` in the same MQTT shared-subscription group, all writing to the
same database (batches and idempotent writes make that safe). The main
process stays worker 0 and publishes commands and receipts as before.

Each worker sends its counters to the main process once a second, which adds
them to its own `/metrics` (ingested and rejected messages; the batch
histograms describe worker 0 only).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import time
from multiprocessing.connection import Connection
from typing import Any

from hub.metrics import Metrics

log = logging.getLogger(__name__)


def counter_totals(metrics: Metrics) -> dict[str, dict[str, float]]:
    """Current totals of the ingested and rejected counters, by label."""
    totals: dict[str, dict[str, float]] = {"ingested": {}, "rejected": {}}
    for name, key, label in (
        ("gaia_ingest_messages", "ingested", "channel"),
        ("gaia_ingest_rejected", "rejected", "reason"),
    ):
        for family in metrics.registry.collect():
            if family.name != name:
                continue
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    totals[key][sample.labels[label]] = sample.value
    return totals


def _worker_main(
    settings: dict[str, Any], index: int, pipe: Connection, level: int
) -> None:  # pragma: no cover - runs in a child process (covered by the workers test)
    """A worker process: ingest until the parent says stop (or goes away)."""
    logging.basicConfig(
        level=level, format=f"%(asctime)s %(levelname)s ingest-{index}: %(message)s"
    )
    from hub.broker import hub_identities
    from hub.ingest.consumer import IngestClient
    from hub.ingest.writer import BatchWriter
    from hub.store import connect

    metrics = Metrics()
    engine = connect(settings["db_url"])
    client = IngestClient(
        settings["url"],
        BatchWriter(engine),
        metrics,
        # Its own broker identity: the broker takes the user name as client id.
        username=hub_identities(settings["username"], index + 1)[index],
        password=settings["password"],
        client_id=f"{settings['client_id']}-w{index}",
        share_group=settings["share_group"],
        keepalive=settings["keepalive"],
        batch_size=settings["batch_size"],
        max_delay_ms=settings["max_delay_ms"],
        ca_file=settings["ca_file"],
    )
    client.start()
    try:
        while True:
            if pipe.poll(1.0):
                pipe.recv()  # "stop"
                break
            pipe.send(counter_totals(metrics))
    except (EOFError, BrokenPipeError, OSError):
        pass  # the parent went away
    finally:
        client.stop()
        with contextlib.suppress(OSError):
            pipe.send(counter_totals(metrics))
        engine.dispose()


class IngestWorkers:
    """Starts, relays the counters of, and stops the extra ingest processes."""

    def __init__(self, settings: dict[str, Any], count: int, metrics: Metrics) -> None:
        self.settings = settings
        self.count = count
        self.metrics = metrics
        self._procs: list[tuple[Any, Connection]] = []
        self._seen: dict[int, dict[str, dict[str, float]]] = {}

    def start(self) -> None:
        """Spawn the workers (fresh interpreters: nothing inherited from this process)."""
        ctx = mp.get_context("spawn")
        for index in range(1, self.count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(
                target=_worker_main,
                args=(self.settings, index, child, logging.getLogger().level),
                name=f"gaia-ingest-{index}",
                daemon=True,
            )
            proc.start()
            child.close()
            self._procs.append((proc, parent))
        log.info("%d extra ingest workers started", len(self._procs))

    def _absorb(self, index: int, totals: dict[str, dict[str, float]]) -> None:
        before = self._seen.get(index, {"ingested": {}, "rejected": {}})
        for channel, value in totals["ingested"].items():
            delta = value - before["ingested"].get(channel, 0.0)
            if delta > 0:
                self.metrics.ingested.labels(channel).inc(delta)
        for reason, value in totals["rejected"].items():
            delta = value - before["rejected"].get(reason, 0.0)
            if delta > 0:
                self.metrics.rejected.labels(reason).inc(delta)
        self._seen[index] = totals

    def poll(self) -> None:
        """Take in whatever counters the workers sent."""
        for index, (_proc, pipe) in enumerate(self._procs, start=1):
            with contextlib.suppress(EOFError, OSError):
                while pipe.poll():
                    self._absorb(index, pipe.recv())

    async def relay(self) -> None:
        """Poll the workers' counters every second; restart a worker that died."""
        while True:
            self.poll()
            for i, (proc, pipe) in enumerate(self._procs):
                if not proc.is_alive():
                    log.error(
                        "ingest worker %s died (exit %s); restarting", proc.name, proc.exitcode
                    )
                    pipe.close()
                    self._restart(i)
            await asyncio.sleep(1)

    def _restart(self, slot: int) -> None:
        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        index = slot + 1
        self._seen.pop(index, None)  # a new process counts from zero
        proc = ctx.Process(
            target=_worker_main,
            args=(self.settings, index, child, logging.getLogger().level),
            name=f"gaia-ingest-{index}",
            daemon=True,
        )
        proc.start()
        child.close()
        self._procs[slot] = (proc, parent)

    def stop(self, timeout: float = 15) -> None:
        """Ask each worker to write what it holds and stop; then collect its last counters."""
        for _proc, pipe in self._procs:
            with contextlib.suppress(OSError):
                pipe.send("stop")
        deadline = time.monotonic() + timeout
        for proc, _pipe in self._procs:
            proc.join(max(0.1, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
        self.poll()
        self._procs.clear()
