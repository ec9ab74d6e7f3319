"""Printers from their URLs: dummy, none, file, network (fake printer on loopback), serial, usb."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import tty
from pathlib import Path

import pytest

from hub.broker import free_port
from hub.protocol import DeviceState
from kiosk.controller.ports import PrinterError, Slip, SlipLine
from kiosk.printing import EscposPrinter, PrinterUrlError, SimPrinter, open_printer, render_slip
from tests.kiosk.printing.fakes import PAPER_QUERY, FakeNetworkPrinter


async def received(printer: FakeNetworkPrinter, expected: bytes, timeout: float = 10) -> None:
    """Wait until the fake printer has received exactly `expected` (its thread reads late)."""

    async def poll() -> None:
        while printer.data() != expected:
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"printer got {printer.data()!r}") from None


SLIP = Slip(
    kind="appointment",
    title="Votre rendez-vous",
    lines=[SlipLine("Mardi 17 mars à 10 h", bold=True), SlipLine("Avec : Zoé Martin")],
    qr="https://gaia.example.org/rdv/7K3Q",
    footer="Gaïa",
)


async def test_dummy_lays_out_and_keeps_nothing(caplog: pytest.LogCaptureFixture) -> None:
    printer = open_printer("dummy", "TM-T88V")
    assert isinstance(printer, SimPrinter)
    assert printer.state() is DeviceState.OK
    with caplog.at_level(logging.DEBUG):
        await printer.print_slip(SLIP)
    assert printer.last_output_size == len(render_slip(SLIP, "TM-T88V", "CP858"))
    assert printer.slips_printed == 1
    assert printer.dummy.output == b""  # the slip's bytes are gone
    assert "Zoé" not in caplog.text


async def test_sim_printer_paper_out_refuses_then_recovers() -> None:
    printer = open_printer("dummy", "TM-T88V")
    assert isinstance(printer, SimPrinter)
    printer.set_state(DeviceState.PAPER_OUT)
    assert printer.state() is DeviceState.PAPER_OUT
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "paper-out"
    assert printer.slips_printed == 0
    printer.set_state(DeviceState.PAPER_LOW)  # still prints
    await printer.print_slip(SLIP)
    printer.set_state(DeviceState.OK)
    await printer.print_slip(SLIP)
    assert printer.slips_printed == 2


async def test_dummy_with_a_code_page_option() -> None:
    printer = open_printer("dummy?codepage=CP1252", "TM-T88V")
    assert isinstance(printer, SimPrinter)
    await printer.print_slip(SLIP)
    assert printer.last_output_size == len(render_slip(SLIP, "TM-T88V", "CP1252"))


async def test_none_is_absent_and_refuses() -> None:
    printer = open_printer("none", "TM-T88V")
    assert printer.state() is DeviceState.ABSENT
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "absent"


async def test_file_appends_raw_slips(tmp_path: Path) -> None:
    path = tmp_path / "slips.bin"
    printer = open_printer(f"file:{path}", "TM-T88V")
    await printer.print_slip(SLIP)
    await printer.print_slip(SLIP)
    expected = render_slip(SLIP, "TM-T88V", "CP858")
    assert path.read_bytes() == expected * 2
    assert printer.state() is DeviceState.OK


async def test_file_in_a_missing_directory_is_offline(tmp_path: Path) -> None:
    printer = open_printer(f"file:{tmp_path}/no/such/dir/slips.bin", "TM-T88V")
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "offline"
    assert printer.state() is DeviceState.OFFLINE


async def test_network_printer_gets_the_slip_after_a_paper_query(
    network_printer: FakeNetworkPrinter,
) -> None:
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}", "TM-T88V")
    await printer.print_slip(SLIP)
    await received(network_printer, PAPER_QUERY + render_slip(SLIP, "TM-T88V", "CP858"))
    assert printer.state() is DeviceState.OK


async def test_network_printer_paper_low_prints_and_says_so(
    network_printer: FakeNetworkPrinter,
) -> None:
    network_printer.status = 0x1E  # near-end sensor
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}", "TM-T88V")
    await printer.print_slip(SLIP)
    assert printer.state() is DeviceState.PAPER_LOW
    await received(network_printer, PAPER_QUERY + render_slip(SLIP, "TM-T88V", "CP858"))


async def test_network_printer_paper_out_prints_nothing(
    network_printer: FakeNetworkPrinter,
) -> None:
    network_printer.status = 0x72  # paper end
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}", "TM-T88V")
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "paper-out"
    assert printer.state() is DeviceState.PAPER_OUT
    await received(network_printer, PAPER_QUERY)
    # Paper put back: the next slip prints.
    network_printer.status = 0x12
    await printer.print_slip(SLIP)
    assert printer.state() is DeviceState.OK


async def test_network_printer_without_status_answers_still_prints(
    network_printer: FakeNetworkPrinter,
) -> None:
    network_printer.status = None  # firmware that ignores the query
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}?timeout=0.3", "TM-T88V")
    await printer.print_slip(SLIP)
    await received(network_printer, PAPER_QUERY + render_slip(SLIP, "TM-T88V", "CP858"))


async def test_network_printer_not_listening_is_offline() -> None:
    printer = open_printer(f"network:127.0.0.1:{free_port()}?timeout=1", "TM-T88V")
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "offline"
    assert printer.state() is DeviceState.OFFLINE


async def test_refresh_reads_paper_without_printing(network_printer: FakeNetworkPrinter) -> None:
    network_printer.status = 0x1E
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}", "TM-T88V")
    assert isinstance(printer, EscposPrinter)
    assert printer.state() is DeviceState.UNKNOWN
    assert await printer.refresh() is DeviceState.PAPER_LOW
    await received(network_printer, PAPER_QUERY)


async def test_printing_does_not_block_the_event_loop(
    network_printer: FakeNetworkPrinter,
) -> None:
    # The printer answers only once this coroutine has run on the loop again: if
    # printing blocked the loop, the release would never come and the print would time out.
    hold = threading.Event()
    network_printer.hold = hold
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}", "TM-T88V")
    job = asyncio.create_task(printer.print_slip(SLIP))
    while not network_printer.data():
        await asyncio.sleep(0.01)
    hold.set()
    await asyncio.wait_for(job, timeout=10)
    assert printer.state() is DeviceState.OK


async def test_concurrent_slips_are_printed_whole_one_after_the_other(
    network_printer: FakeNetworkPrinter,
) -> None:
    printer = open_printer(f"network:127.0.0.1:{network_printer.port}", "TM-T88V")
    await asyncio.gather(*(printer.print_slip(SLIP) for _ in range(3)))
    one = PAPER_QUERY + render_slip(SLIP, "TM-T88V", "CP858")
    await received(network_printer, one * 3)


async def test_serial_printer_on_a_pseudo_terminal() -> None:
    # A pty stands in for /dev/ttyUSB0: pyserial opens it like a real serial port.
    master, slave = os.openpty()
    tty.setraw(master)
    got = bytearray()

    def printer_side() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                return
            got.extend(chunk)
            if PAPER_QUERY in chunk:
                os.write(master, b"\x1e")  # paper near end

    threading.Thread(target=printer_side, daemon=True).start()
    try:
        printer = open_printer(f"serial:{os.ttyname(slave)}?baudrate=38400&timeout=1", "TM-T88V")
        await printer.print_slip(SLIP)
        assert printer.state() is DeviceState.PAPER_LOW
        expected = PAPER_QUERY + render_slip(SLIP, "TM-T88V", "CP858")

        async def all_received() -> None:
            while bytes(got) != expected:
                await asyncio.sleep(0.01)

        await asyncio.wait_for(all_received(), 10)
    finally:
        os.close(slave)
        os.close(master)


async def test_serial_device_missing_is_offline() -> None:
    printer = open_printer("serial:/dev/ttyGAIA-none?baudrate=38400", "TM-T88V")
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "offline"
    assert printer.state() is DeviceState.OFFLINE


async def test_an_unplugged_usb_printer_is_offline_not_a_crash() -> None:
    """pyusb and libusb are there (as on the Pi); no printer is on the bus here."""
    printer = open_printer("usb:0x04b8:0x0e15", "TM-T88V")
    with pytest.raises(PrinterError) as caught:
        await printer.print_slip(SLIP)
    assert caught.value.code == "offline"
    assert printer.state() is DeviceState.OFFLINE


@pytest.mark.parametrize(
    "url",
    [
        "laser:/dev/lp0",
        "usb:04b8",
        "usb:zz:0e15",
        "network:",
        "network:10.0.0.5:printer",
        "serial:/dev/ttyUSB0?baudrate=fast",
        "file:",
        "dummy?codepage=CP999",
    ],
)
def test_bad_urls_are_refused_at_start(url: str) -> None:
    with pytest.raises(PrinterUrlError):
        open_printer(url, "TM-T88V")


def test_unknown_profile_is_refused_at_start() -> None:
    with pytest.raises(PrinterUrlError):
        open_printer("dummy", "No-Such-Printer")
