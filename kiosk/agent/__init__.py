"""The kiosk agent: health, outbox shipping and remote commands over MQTT.

See docs/architecture.md, "Processes".

Nothing here connects or starts a thread at import time; `run_agent` is the
composition root of `gaia-kiosk agent`, `Agent` the piece the fleet
simulator runs by the hundred.
"""

from kiosk.agent.backoff import Backoff
from kiosk.agent.health import Probe, SystemProbe, SystemSample, build_health
from kiosk.agent.link import BrokerLink, parse_mqtt_url
from kiosk.agent.runner import run_agent, serve
from kiosk.agent.service import Agent

__all__ = [
    "Agent",
    "Backoff",
    "BrokerLink",
    "Probe",
    "SystemProbe",
    "SystemSample",
    "build_health",
    "parse_mqtt_url",
    "run_agent",
    "serve",
]
