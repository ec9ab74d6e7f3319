"""A fake ESC/POS network printer on loopback (raw TCP, like port 9100)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

PAPER_QUERY = b"\x10\x04\x04"  # DLE EOT 4: transmit paper sensor status


@dataclass
class FakeNetworkPrinter:
    """Answers the paper query with `status` (None: stays silent); keeps what it received."""

    port: int = 0
    status: int | None = 0x12  # paper adequate
    received: bytearray = field(default_factory=bytearray)
    connections: int = 0
    hold: threading.Event | None = None
    """When set by a test, the printer waits for it before answering the paper query."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def data(self) -> bytes:
        with self.lock:
            return bytes(self.received)


def serve(server: socket.socket, printer: FakeNetworkPrinter, stop: threading.Event) -> None:
    server.settimeout(0.1)
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        printer.connections += 1
        with conn:
            conn.settimeout(5)
            pending = b""
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                with printer.lock:
                    printer.received += chunk
                pending = (pending + chunk)[-8:]
                if PAPER_QUERY in pending:
                    pending = b""
                    if printer.hold is not None:
                        printer.hold.wait(10)
                    if printer.status is not None:
                        conn.sendall(bytes([printer.status]))
