"""Prometheus metrics of one hub process (served at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics


class Metrics:
    """The hub's counters, on a registry of its own (tests build several hubs)."""

    def __init__(self) -> None:
        disable_created_metrics()  # the *_created series only add noise here
        self.registry = CollectorRegistry()
        self.ingested = Counter(
            "gaia_ingest_messages_total",
            "MQTT messages validated and persisted, by channel",
            ["channel"],
            registry=self.registry,
        )
        self.rejected = Counter(
            "gaia_ingest_rejected_total",
            "MQTT messages refused, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "gaia_ingest_batch_seconds",
            "Time to write one ingest batch to the database",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "gaia_ingest_batch_messages",
            "Messages per ingest batch",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2500, 5000),
            registry=self.registry,
        )
        self.store_errors = Counter(
            "gaia_store_errors_total",
            "Failed database writes of ingest batches (retried)",
            registry=self.registry,
        )
        self.ingest_lag = Gauge(
            "gaia_ingest_lag_seconds",
            "Age of the oldest MQTT message received and not yet written",
            registry=self.registry,
        )
        self.http_refused = Counter(
            "gaia_http_refused_total",
            "Requests and connections refused by a limit, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.kiosks_online = Gauge(
            "gaia_kiosks_online", "Kiosks whose last status is online", registry=self.registry
        )
        self.kiosks_total = Gauge(
            "gaia_kiosks_registered", "Registered kiosks", registry=self.registry
        )
        self.alerts_open = Gauge(
            "gaia_alerts_open", "Open alerts, by kind", ["kind"], registry=self.registry
        )
        self.mqtt_connected = Gauge(
            "gaia_mqtt_connected",
            "1 while the hub is connected to the broker",
            registry=self.registry,
        )
        self.calls_active = Gauge(
            "gaia_calls_active", "Calls ringing or in progress", registry=self.registry
        )
        self.advisers_connected = Gauge(
            "gaia_advisers_connected", "Advisers with the console open", registry=self.registry
        )
        self.advisers_free = Gauge(
            "gaia_advisers_free",
            "Advisers available and not in a call",
            registry=self.registry,
        )
