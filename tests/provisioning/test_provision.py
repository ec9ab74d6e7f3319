"""gaia-provision writes working broker files and kiosk configurations."""

from __future__ import annotations

import io
import stat
import time
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest

from hub.accounts import register_kiosk
from hub.broker import ManagedBroker
from hub.store import connect, migrate
from kiosk.config import load_config as load_kiosk_config
from provisioning.cli import main


def test_kiosk_config_is_valid_and_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "kiosk.toml"
    monkeypatch.setattr("sys.stdin", io.StringIO("gaia_k_secret-token\n"))
    code = main(
        [
            "kiosk-config",
            "k-laplume",
            "--hub-url",
            "https://hub.example",
            "--mqtt-url",
            "mqtts://hub.example:8883",
            "--out",
            str(out),
            "--reception",
            'Accueil au rez-de-chaussée, "porte B",\n de 9 h à 12 h',
            "--commune",
            "Laplume",
        ]
    )
    assert code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    config = load_kiosk_config(out)
    assert config.kiosk_id == "k-laplume"
    assert config.hub.token == "gaia_k_secret-token"
    assert config.profile == "pi"
    assert config.call.engine == "webrtc" and config.call.camera == "v4l2:/dev/video0"
    assert config.call.microphone == config.call.speaker == "alsa:default"
    # the help button's text, quotes and line breaks made safe for TOML
    assert config.ui.reception == 'Accueil au rez-de-chaussée, "porte B", de 9 h à 12 h'
    assert config.ui.read_aloud  # reading aloud on where an engine is
    assert config.ui.commune == "Laplume"  # offered first on the commune screen


def test_kiosk_config_refuses_plaintext_mqtt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("gaia_k_x\n"))
    code = main(
        [
            "kiosk-config",
            "k-laplume",
            "--hub-url",
            "https://h",
            "--mqtt-url",
            "mqtt://10.0.0.1:1883",
            "--out",
            str(tmp_path / "k.toml"),
        ]
    )
    assert code == 2
    assert not (tmp_path / "k.toml").exists()


@pytest.mark.integration
def test_broker_files_let_the_kiosk_in_and_no_one_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "hub.db"
    (tmp_path / "hub.toml").write_text(f'[db]\nurl = "sqlite:///{db}"\n')
    engine = connect(f"sqlite:///{db}")
    migrate(engine)
    with engine.begin() as conn:
        token = register_kiosk(conn, "k-laplume", "Mairie de Laplume", "Agenais").token
    monkeypatch.setattr("sys.stdin", io.StringIO("hub-password-long\n"))
    out = tmp_path / "broker"
    assert main(["broker-files", "--config", str(tmp_path / "hub.toml"), "--out", str(out)]) == 0
    assert "k-laplume:$7$" in (out / "passwd").read_text()

    # A Mosquitto using exactly these files (the managed broker writes the same format).
    users = dict(line.split(":", 1) for line in (out / "passwd").read_text().splitlines())
    broker = ManagedBroker(tmp_path / "run", persistence=False)
    broker.configure(users, hub_users=["gaia-hub"])
    broker.start()
    try:
        results = {}
        for user, password in [
            ("k-laplume", token),
            ("k-laplume", "wrong"),
            ("gaia-hub", "hub-password-long"),
        ]:
            client = mqtt.Client(
                mqtt.CallbackAPIVersion.VERSION2, client_id=f"{user}-{password[:3]}"
            )
            client.username_pw_set(user, password)
            client.on_connect = lambda c, u, f, rc, p, key=(user, password): results.__setitem__(
                key, rc.is_failure
            )
            client.connect("127.0.0.1", broker.port)
            client.loop_start()
            time.sleep(0.4)
            client.loop_stop()
        assert results == {
            ("k-laplume", token): False,
            ("k-laplume", "wrong"): True,
            ("gaia-hub", "hub-password-long"): False,
        }
    finally:
        broker.stop()


@pytest.mark.integration
def test_broker_files_mosquitto_conf_binds_client_ids_and_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mosquitto on the mosquitto.conf broker-files writes: a kiosk's credentials cannot
    open the hub's session, and oversized packets are dropped."""
    import getpass
    import socket
    import subprocess

    from hub.broker import free_port

    db = tmp_path / "hub.db"
    (tmp_path / "hub.toml").write_text(f'[db]\nurl = "sqlite:///{db}"\n[ingest]\nworkers = 2\n')
    engine = connect(f"sqlite:///{db}")
    migrate(engine)
    with engine.begin() as conn:
        token = register_kiosk(conn, "k-laplume", "Mairie de Laplume", "Agenais").token
    monkeypatch.setattr("sys.stdin", io.StringIO("hub-password-long\n"))
    out, port = tmp_path / "broker", free_port()
    args = [
        "--config",
        str(tmp_path / "hub.toml"),
        "--out",
        str(out),
        "--listen",
        f"127.0.0.1:{port}",
    ]
    assert main(["broker-files", *args]) == 0
    generated = (out / "mosquitto.conf").read_text()
    assert f"listener {port} 127.0.0.1\nuse_username_as_clientid true" in generated
    assert "max_packet_size 17408" in generated
    assert "gaia-hub-w1:$7$" in (out / "passwd").read_text()  # the second ingest worker
    conf = tmp_path / "run.conf"  # as root here: keep this user to read the 0600 files
    conf.write_text(f"user {getpass.getuser()}\n{generated}")
    broker = subprocess.Popen(["mosquitto", "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        drops: list[str] = []

        def client(user: str, password: str, client_id: str) -> mqtt.Client:
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
            c.username_pw_set(user, password)
            c.on_disconnect = lambda *_a, who=user: drops.append(who)
            c.connect("127.0.0.1", port)
            c.loop_start()
            time.sleep(0.3)
            return c

        hub = client("gaia-hub", "hub-password-long", "gaia-hub")
        evil = client("k-laplume", token, "gaia-hub")  # the hub's id, a kiosk's credentials
        time.sleep(0.5)
        assert hub.is_connected() and not drops
        evil.publish("gaia/v1/kiosks/k-laplume/events", b"x" * 20_000, qos=1)
        time.sleep(0.5)
        assert hub.is_connected()
        assert drops == ["k-laplume"]  # only the oversized publisher was dropped
        for c in (hub, evil):
            c.loop_stop()
    finally:
        broker.terminate()
        broker.wait(10)
