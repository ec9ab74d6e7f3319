"""The MQTT link in both I/O modes (paho's thread; the event loop) against a real broker."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.protocol import Channel, decode
from kiosk.agent.backoff import Backoff
from kiosk.agent.link import BrokerLink
from tests.kiosk.helpers import KioskSetup, LoopThread, Subscriber
from tests.support import TestBroker, wait_for

pytestmark = pytest.mark.integration


class Running:
    """A BrokerLink running in a background loop, recording what it is told."""

    def __init__(self, loop: LoopThread, kiosk: KioskSetup, io: Any) -> None:
        self.loop = loop
        self.messages: list[bytes] = []
        self.acked: list[int] = []
        self.link = BrokerLink(
            kiosk_id=kiosk.id,
            password=kiosk.token,
            url=kiosk.broker.url,
            keepalive=5,
            backoff=Backoff(0.1, 0.3, rng=random.Random(1)),
            io=io,
        )
        self.link.on_message = lambda _t, payload: self.messages.append(payload)
        self.link.on_acked = self.acked.extend
        self.task = loop.start(self.link.run())

    def publish_confirmed(self, topic: str, payload: bytes) -> bool:
        async def call() -> bool:
            return await self.link.publish_confirmed(topic, payload, timeout=3)

        return self.loop.run(call())

    def call(self, fn: Callable[[], Any]) -> None:
        async def call() -> None:
            fn()

        self.loop.run(call())

    def close(self) -> None:
        self.loop.run(self.link.close())
        self.task.result(5)


@pytest.fixture(params=["thread", "asyncio"])
def running(
    request: pytest.FixtureRequest, make_kiosk: Callable[..., KioskSetup], loop_thread: LoopThread
) -> Iterator[Running]:
    run = Running(loop_thread, make_kiosk(f"kiosk-link-{request.param}"), request.param)
    yield run
    if not run.task.done():
        run.close()


def states(sub: Subscriber) -> list[str]:
    return [decode(Channel.STATUS, p).state for p in sub.payloads("/status")]


def test_connect_publish_receive_close(
    running: Running, subscriber: Callable[..., Subscriber], broker: TestBroker
) -> None:
    link = running.link
    sub = subscriber(f"gaia/v1/kiosks/{link.kiosk_id}/#")
    wait_for(lambda: link.connected, 10)
    wait_for(lambda: states(sub) == ["online"], 5)
    assert running.publish_confirmed(f"gaia/v1/kiosks/{link.kiosk_id}/events", b"e1")
    wait_for(lambda: b"e1" in sub.payloads("/events"), 5)
    sub.client.publish(link.commands_topic, b"c1", qos=1)
    wait_for(lambda: running.messages == [b"c1"], 5)
    running.close()
    wait_for(lambda: states(sub) == ["online", "offline"], 5)
    time.sleep(0.3)
    assert states(sub) == ["online", "offline"]  # the clean DISCONNECT: no will after it


def test_broker_crash_reconnects_and_subscribes_again(
    running: Running, subscriber: Callable[..., Subscriber], broker: TestBroker
) -> None:
    link = running.link
    wait_for(lambda: link.connected, 10)
    broker.kill()  # before any autosave: the broker forgets the session and its subscription
    wait_for(lambda: not link.connected, 5)
    broker.start()
    wait_for(lambda: link.connects == 2, 10)
    sub = subscriber(f"gaia/v1/kiosks/{link.kiosk_id}/status")
    wait_for(lambda: states(sub) == ["online"], 5)  # a new birth, retained
    sub.client.publish(link.commands_topic, b"after restart", qos=1)
    wait_for(lambda: running.messages == [b"after restart"], 5)
    assert running.publish_confirmed(f"gaia/v1/kiosks/{link.kiosk_id}/acks", b"a")


def test_drop_lets_the_broker_publish_the_will_then_resume(
    running: Running, subscriber: Callable[..., Subscriber]
) -> None:
    link = running.link
    sub = subscriber(f"gaia/v1/kiosks/{link.kiosk_id}/status")
    wait_for(lambda: states(sub) == ["online"], 10)
    running.call(link.drop)
    wait_for(lambda: states(sub) == ["online", "offline"], 5)
    time.sleep(0.5)
    assert not link.connected and link.connects == 1  # stays away until resumed
    running.call(link.resume)
    wait_for(lambda: states(sub) == ["online", "offline", "online"], 5)


def test_publish_while_disconnected_goes_out_after_reconnect(
    running: Running, subscriber: Callable[..., Subscriber], broker: TestBroker
) -> None:
    link = running.link
    sub = subscriber(f"gaia/v1/kiosks/{link.kiosk_id}/events")
    wait_for(lambda: link.connected, 10)
    assert broker.broker.process is not None
    broker.broker.process.send_signal(signal.SIGUSR1)  # save the subscriber's session
    time.sleep(0.3)
    broker.kill()
    wait_for(lambda: not link.connected, 5)

    async def publish() -> int | None:
        return link.publish(f"gaia/v1/kiosks/{link.kiosk_id}/events", b"queued", qos=1)

    mid = running.loop.run(publish())
    assert mid is not None
    broker.start()
    wait_for(lambda: mid in running.acked, 10)
    wait_for(lambda: b"queued" in sub.payloads(), 5)
