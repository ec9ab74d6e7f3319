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
