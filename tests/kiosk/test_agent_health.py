"""Health reports: the machine, the outbox, and the UI's devices (or `ui: down`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hub.protocol import Channel, DeviceState, Health, decode
from kiosk import __version__
from kiosk.agent.health import SystemProbe, build_health, cpu_temperature, main_interface
from kiosk.outbox import OutboxStats
from kiosk.uilink import SimUi, UiLinkServer
from tests.kiosk.helpers import AgentProcess, KioskSetup, LoopThread, Subscriber
from tests.support import wait_for


def test_system_probe_reads_this_machine(tmp_path: Path) -> None:
    sample = SystemProbe(tmp_path / "not-yet" / "state").sample()
    assert sample.uptime_s > 0
    assert 0 < sample.mem_used_pct < 100
    assert 0 < sample.disk_used_pct <= 100
    assert sample.net_iface == main_interface()
    assert sample.cpu_temp_c == cpu_temperature()  # None on a board without a sensor


def test_build_health_clamps_and_marks_the_ui_down() -> None:
    sample = SystemProbe(Path(".")).sample()
    broken = type(sample)(-1, 0.5, 400.0, 101.0, 50.0, "eth0")
    health = build_health(
        broken,
        app_version="1.2",
        devices=None,
        outbox=OutboxStats(pending=3, dropped_total=2),
        dropped_recent=1,
    )
    assert health.ui == "down" and health.devices.printer is DeviceState.UNKNOWN
    assert health.cpu_temp_c is None and health.mem_used_pct == 100 and health.uptime_s == 0
    assert (health.outbox_pending, health.outbox_dropped_total, health.outbox_dropped_recent) == (
        3,
        2,
        1,
    )


@pytest.mark.integration
def test_health_follows_the_ui_going_up_and_down(
    make_kiosk: Callable[..., KioskSetup],
    spawn_agent: Callable[[Path], AgentProcess],
    subscriber: Callable[..., Subscriber],
    loop_thread: LoopThread,
) -> None:
    kiosk = make_kiosk("kiosk-health")
    sub = subscriber(kiosk.topic("health"))
    spawn_agent(kiosk.config)

    def latest() -> Health | None:
        payloads = sub.payloads()
        return decode(Channel.HEALTH, payloads[-1]) if payloads else None

    down = wait_for(latest, 10)
    assert down.ui == "down"
    assert set(down.devices.model_dump().values()) == {DeviceState.UNKNOWN}
    assert down.app_version == __version__
    assert down.uptime_s > 0 and 0 < down.mem_used_pct < 100 and 0 < down.disk_used_pct <= 100
    assert (down.outbox_pending, down.outbox_dropped_total) == (0, 0)

    ui = SimUi({"printer": "paper-low", "scanner": "absent"})
    server = UiLinkServer(kiosk.state / "ui.sock", ui)
    loop_thread.run(server.start())
    up = wait_for(lambda: (h := latest()) and h.ui == "up" and h, 5)
    assert up.devices.printer is DeviceState.PAPER_LOW
    assert up.devices.scanner is DeviceState.ABSENT
    assert up.devices.camera is DeviceState.OK

    ui.fault("printer", "paper-out")
    wait_for(lambda: (h := latest()) and h.devices.printer is DeviceState.PAPER_OUT, 5)
    loop_thread.run(server.close())
    wait_for(lambda: (h := latest()) and h.ui == "down", 5)


def test_cpu_temperature_from_psutil_then_sysfs_else_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from collections import namedtuple

    import kiosk.agent.health as health

    Temp = namedtuple("Temp", "label current high critical")
    monkeypatch.setattr(health.psutil, "sensors_temperatures", lambda: {
        "nvme": [Temp("", 38.0, None, None)], "cpu_thermal": [Temp("", 51.2, None, None)]
    }, raising=False)  # fmt: skip
    assert health.cpu_temperature() == 51.2  # the CPU sensor, not the first one
    monkeypatch.setattr(health.psutil, "sensors_temperatures", dict, raising=False)
    monkeypatch.setattr(health, "_THERMAL", tmp_path)
    assert health.cpu_temperature() is None
    (tmp_path / "thermal_zone0").mkdir()
    (tmp_path / "thermal_zone0" / "temp").write_text("48500\n")
    assert health.cpu_temperature() == 48.5


def test_main_interface_is_the_default_routes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import kiosk.agent.health as health

    routes = tmp_path / "route"
    routes.write_text(
        "Iface\tDestination\tGateway\tFlags\n"
        "wlan0\t0000A8C0\t00000000\t0001\n"
        "wlan0\t00000000\t0100A8C0\t0003\n"
    )
    monkeypatch.setattr(health, "_ROUTES", routes)
    assert health.main_interface() == "wlan0"
