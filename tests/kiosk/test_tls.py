"""mqtt:// and mqtts:// URLs; the agent over TLS with its own CA file."""

from __future__ import annotations

import getpass
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from hub.broker import free_port
from hub.protocol import Channel, decode
from kiosk.agent.link import parse_mqtt_url
from kiosk.config import ConfigError
from tests.kiosk.helpers import AgentProcess, KioskSetup
from tests.support import TESTER_PASSWORD, TestBroker, next_tester, wait_for


def test_parse_mqtt_url() -> None:
    assert parse_mqtt_url("mqtt://hub.example") == ("hub.example", 1883, False)
    assert parse_mqtt_url("mqtts://hub.example") == ("hub.example", 8883, True)
    assert parse_mqtt_url("mqtts://10.0.0.5:18883") == ("10.0.0.5", 18883, True)
    for bad in ("http://hub.example", "mqtt://", "hub.example:1883", "mqtt://h:99999"):
        with pytest.raises(ConfigError):
            parse_mqtt_url(bad)


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


@pytest.fixture
def tls_broker(
    broker: TestBroker, tmp_path: Path, make_kiosk: Callable[..., KioskSetup]
) -> Iterator[tuple[int, Path, KioskSetup]]:
    """A second Mosquitto with a TLS listener, same users and ACL, and a kiosk it knows;
    yields (port, CA file, kiosk)."""
    kiosk = make_kiosk("kiosk-tls")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    port = free_port()
    conf = tmp_path / "tls.conf"
    files = broker.broker.directory
    conf.write_text(
        f"listener {port} 127.0.0.1\ncertfile {cert}\nkeyfile {key}\n"
        f"user {getpass.getuser()}\nallow_anonymous false\n"
        f"password_file {files / 'passwd'}\nacl_file {files / 'acl'}\n"
    )
    process = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: listening(port), 5)
        yield port, cert, kiosk
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(5)


@pytest.mark.integration
def test_agent_over_tls(
    tls_broker: tuple[int, Path, KioskSetup],
    spawn_agent: Callable[[Path], AgentProcess],
) -> None:
    port, ca, kiosk = tls_broker
    text = kiosk.config.read_text()
    text = text.replace("mqtt://127.0.0.1:", "mqtts://127.0.0.1:").replace(
        f":{kiosk.broker.port}", f":{port}"
    )
    kiosk.config.write_text(text.replace("[mqtt]\n", f'[mqtt]\nca_file = "{ca}"\n'))
    user = next_tester()
    tester = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=user)
    tester.username_pw_set(user, TESTER_PASSWORD)
    tester.tls_set(ca_certs=str(ca), cert_reqs=ssl.CERT_REQUIRED)
    got: list[bytes] = []
    tester.on_message = lambda _c, _u, m: got.append(m.payload)
    tester.connect("127.0.0.1", port)
    tester.subscribe(kiosk.topic("status"), qos=1)
    tester.loop_start()
    agent = spawn_agent(kiosk.config)
    wait_for(lambda: got and decode(Channel.STATUS, got[-1]).state == "online", 10)
    tester.loop_stop()
    tester.disconnect()

    # Without the CA file the broker's certificate is not trusted: no connection.
    agent.signal(signal.SIGTERM)
    assert agent.wait(10) == 0
    kiosk.config.write_text(text)
    start = len(agent.log())  # both write the same log file
    untrusting = spawn_agent(kiosk.config)
    wait_for(lambda: "CERTIFICATE_VERIFY_FAILED" in untrusting.log()[start:], 10)
    time.sleep(0.5)
    assert "connected to" not in untrusting.log()[start:]
