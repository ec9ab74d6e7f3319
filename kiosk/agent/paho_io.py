"""Drive a paho client's socket from the asyncio loop instead of paho's network thread.

paho's own loop (`loop_start`) waits with `select.select`, which cannot watch
a file descriptor numbered 1024 or more: a process holding a few hundred
clients (the fleet simulator: a socket, a wake-up socket pair and an SQLite
outbox per kiosk) goes past that, and paho's thread then stops without a
word. This driver uses paho's external-loop hooks (as in paho's
`examples/loop_asyncio.py`): the event loop (epoll) watches the socket and
calls `loop_read` / `loop_write`, and a small task calls `loop_misc` for
keepalive pings. No thread per client, no descriptor limit.

The agent process keeps paho's thread (one client, a handful of descriptors);
`BrokerLink(io="asyncio")` selects this driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

import paho.mqtt.client as mqtt

MISC_INTERVAL_S = 1.0


class AsyncioDriver:
    """Attaches to `client` and serves its socket from `loop`.

    paho may call the hooks from the thread that runs `connect()` (a worker
    thread, so a slow TCP connect does not block the loop): they hop into the
    loop with `call_soon_threadsafe`, except `close`, which must act before
    paho closes the descriptor and runs synchronously when already in the loop.
    """

    def __init__(self, client: mqtt.Client, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop
        self._loop_thread = threading.get_ident()
        self._misc: asyncio.Task[None] | None = None
        client.on_socket_open = self._open
        client.on_socket_close = self._close
        client.on_socket_register_write = self._want_write
        client.on_socket_unregister_write = self._no_write

    def _in_loop(self, callback: Any, *args: Any) -> None:
        if threading.get_ident() == self._loop_thread:
            callback(*args)
        else:
            with contextlib.suppress(RuntimeError):  # loop closed: exiting
                self.loop.call_soon_threadsafe(callback, *args)

    def _read(self) -> None:
        self.client.loop_read()

    def _write(self) -> None:
        self.client.loop_write()

    def _open(self, _c: mqtt.Client, _u: Any, sock: Any) -> None:
        self._in_loop(self._start, sock.fileno())

    def _start(self, fd: int) -> None:
        self.loop.add_reader(fd, self._read)
        if self._misc is None or self._misc.done():
            self._misc = self.loop.create_task(self._misc_loop())

    def _close(self, _c: mqtt.Client, _u: Any, sock: Any) -> None:
        self._in_loop(self._stop, sock.fileno())

    def _stop(self, fd: int) -> None:
        self.loop.remove_reader(fd)
        self.loop.remove_writer(fd)
        if self._misc is not None:
            self._misc.cancel()
            self._misc = None

    def _want_write(self, _c: mqtt.Client, _u: Any, sock: Any) -> None:
        self._in_loop(self._add_writer, sock.fileno())

    def _add_writer(self, fd: int) -> None:
        # The socket may have closed between the hook and now: only watch the current one.
        current = self.client.socket()
        if current is not None and current.fileno() == fd:
            self.loop.add_writer(fd, self._write)

    def _no_write(self, _c: mqtt.Client, _u: Any, sock: Any) -> None:
        self._in_loop(self.loop.remove_writer, sock.fileno())

    async def _misc_loop(self) -> None:
        """Keepalive pings and timeouts, which paho's thread would otherwise handle."""
        while self.client.loop_misc() == mqtt.MQTT_ERR_SUCCESS:
            await asyncio.sleep(MISC_INTERVAL_S)
