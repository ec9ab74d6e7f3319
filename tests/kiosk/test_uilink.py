"""The UI link: JSON lines over a private Unix socket; UiUnavailable when the UI is not there."""

from __future__ import annotations

import asyncio
import stat
from pathlib import Path

import pytest

from hub.protocol import DeviceState
from kiosk.uilink import (
    DEVICES,
    SimUi,
    UiLinkClient,
    UiLinkServer,
    UiRequestFailed,
    UiUnavailable,
)


@pytest.fixture
def sock(tmp_path: Path) -> Path:
    return tmp_path / "run" / "ui.sock"


async def test_status_print_and_message_round_trip(sock: Path) -> None:
    ui = SimUi({"printer": "paper-low"})
    async with UiLinkServer(sock, ui):
        client = UiLinkClient(sock, timeout=1)
        states = await client.status()
        assert set(states) == set(DEVICES)
        assert states["printer"] is DeviceState.PAPER_LOW
        assert states["camera"] is DeviceState.OK
        await client.print_test()
        await client.show_message("Fermé jeudi après-midi")
    assert ui.print_tests == 1
    assert ui.messages == ["Fermé jeudi après-midi"]


async def test_socket_is_private_and_removed_on_close(sock: Path) -> None:
    server = UiLinkServer(sock, SimUi())
    await server.start()
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    await server.close()
    assert not sock.exists()


async def test_stale_socket_file_is_replaced(sock: Path) -> None:
    first = UiLinkServer(sock, SimUi())
    await first.start()
    first._server.close()  # type: ignore[union-attr] # a crash leaves the file behind
    async with UiLinkServer(sock, SimUi()):
        assert (await UiLinkClient(sock).status())["printer"] is DeviceState.OK


async def test_missing_socket_is_unavailable(sock: Path) -> None:
    with pytest.raises(UiUnavailable):
        await UiLinkClient(sock, timeout=0.5).status()


async def test_refused_is_unavailable(sock: Path) -> None:
    sock.parent.mkdir(parents=True)
    sock.write_text("")  # a file, not a listening socket
    with pytest.raises(UiUnavailable):
        await UiLinkClient(sock, timeout=0.5).print_test()


async def test_slow_ui_times_out_as_unavailable(sock: Path) -> None:
    class Stuck(SimUi):
        async def status(self) -> dict[str, DeviceState]:
            await asyncio.sleep(5)
            return {}

    async with UiLinkServer(sock, Stuck()):
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(UiUnavailable):
            await UiLinkClient(sock, timeout=0.3).status()
        assert loop.time() - started < 1.5


async def test_device_failure_is_reported_not_unavailable(sock: Path) -> None:
    ui = SimUi()
    ui.fault("printer", DeviceState.PAPER_OUT)
    async with UiLinkServer(sock, ui):
        with pytest.raises(UiRequestFailed) as failed:
            await UiLinkClient(sock).print_test()
    assert failed.value.code == "printer-paper-out"
    assert ui.print_tests == 0


async def test_simulated_ui_down(sock: Path) -> None:
    ui = SimUi()
    ui.up = False
    with pytest.raises(UiUnavailable):
        await ui.status()
    async with UiLinkServer(sock, ui):
        with pytest.raises(UiUnavailable):
            await UiLinkClient(sock).status()


async def test_garbage_request_gets_an_error_line(sock: Path) -> None:
    async with UiLinkServer(sock, SimUi()):
        reader, writer = await asyncio.open_unix_connection(sock)
        writer.write(b"not json\n")
        await writer.drain()
        assert b'"bad-request"' in await reader.readline()
        writer.write(b'{"op": "status"}\n')
        await writer.drain()
        assert b'"ok": true' in await reader.readline()
        writer.close()


def test_sim_faults() -> None:
    ui = SimUi()
    ui.fault("printer", "offline")
    assert not ui.printer_usable()
    ui.clear_faults()
    assert ui.printer_usable()
    with pytest.raises(ValueError):
        ui.fault("toaster", "ok")
