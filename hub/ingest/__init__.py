"""MQTT ingest: subscribe to every kiosk's topics, validate, write in batches."""

from hub.ingest.consumer import IngestClient
from hub.ingest.writer import BatchWriter, Inbound

__all__ = ["BatchWriter", "Inbound", "IngestClient"]
