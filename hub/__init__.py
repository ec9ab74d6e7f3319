"""Gaïa hub: kiosk API, MQTT ingest, ops dashboard, alerts and usage reports."""

__version__ = "0.1.0"
