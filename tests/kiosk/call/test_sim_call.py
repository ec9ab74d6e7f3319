"""The simulated call engine: queue, answer, video, quality, agreement, every way to end."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from hub.protocol import DeviceState
from kiosk.call import open_call_service
from kiosk.call.sim import ADVISER_NAME, SimCall, SimCallService
from kiosk.config import CallConfig
from kiosk.controller.ports import CallEndReason, CallerInfo, CallQuality, CallUpdate

CALLER = CallerInfo(first_name="Zoé", commune="Nérac")


class Updates:
    """Collects a call's updates; `wait(kind)` waits (with a timeout) for one of a kind."""

    def __init__(self) -> None:
        self.items: list[CallUpdate] = []
        self._changed = asyncio.Event()

    def __call__(self, update: CallUpdate) -> None:
        self.items.append(update)
        self._changed.set()

    def kinds(self) -> list[str]:
        return [u.kind for u in self.items]

    def of(self, kind: str) -> list[CallUpdate]:
        return [u for u in self.items if u.kind == kind]

    async def wait(self, kind: str, timeout: float = 10) -> CallUpdate:
        async def found() -> CallUpdate:
            while True:
                if matches := self.of(kind):
                    return matches[0]
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(found(), timeout)


async def wait_until(predicate: Callable[[], object], timeout: float = 10) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def service(**options: object) -> SimCallService:
    defaults: dict[str, object] = {
        "answer_after_s": 0.1,
        "ring_timeout_s": 5,
        "call_s": 30,
        "quality_every_s": 0.1,
        "agreement_after_s": 0.2,
        "seed": 1,
    }
    defaults.update(options)
    return SimCallService(**defaults)  # type: ignore[arg-type]


async def test_queued_then_answered_by_claire() -> None:
    updates = Updates()
    call = await service(answer_after_s=0.2).request("housing", CALLER, updates)
    answered = await updates.wait("answered")
    assert answered.adviser_name == ADVISER_NAME == "Claire (démo)"
    queued = updates.of("queued")
    assert [u.position for u in queued] == [2, 1]
    assert queued[0].eta_s is not None and queued[1].eta_s is not None
    assert queued[0].eta_s > queued[1].eta_s > 0
    assert updates.kinds()[:3] == ["queued", "queued", "answered"]
    await call.hang_up()


async def test_video_while_answered_only() -> None:
    updates = Updates()
    call = await service(fps=50).request("housing", CALLER, updates)
    assert call.remote_frame() is None and call.local_frame() is None  # still ringing
    await updates.wait("answered")
    remote, local = call.remote_frame(), call.local_frame()
    assert remote is not None and local is not None
    assert (remote.width, remote.height, len(remote.pixels)) == (640, 480, 640 * 480 * 3)
    assert (local.width, local.height, len(local.pixels)) == (320, 240, 320 * 240 * 3)
    assert remote.pixels[:300] != local.pixels[:300]  # not the same picture
    # The picture is live: new frames with increasing pts and changing content.
    await wait_until(lambda: (f := call.remote_frame()) is not None and f.pts > remote.pts + 3)
    later = call.remote_frame()
    assert later is not None and later.pixels != remote.pixels
    await call.hang_up()
    assert call.remote_frame() is None and call.local_frame() is None


async def test_quality_and_agreement_arrive_during_the_call() -> None:
    updates = Updates()
    call = await service(quality_every_s=0.05, agreement_after_s=0.3).request(
        "housing", CALLER, updates
    )
    agreement = (await updates.wait("agreement")).agreement
    assert agreement is not None and agreement.next_step
    appointment = agreement.appointment
    assert appointment is not None
    assert appointment.when.hour == 10 and appointment.when.minute == 0
    assert appointment.when.date() == (datetime.now().astimezone() + timedelta(days=7)).date()
    assert appointment.partner == "Maison de l'Habitat 47"
    assert "Agen" in appointment.place
    await wait_until(lambda: len(updates.of("quality")) >= 4)
    assert {u.quality for u in updates.of("quality")} <= {CallQuality.GOOD, CallQuality.FAIR}
    assert len(updates.of("agreement")) == 1
    await call.hang_up()


async def test_quality_is_mostly_good_sometimes_fair() -> None:
    sim = service(seed=7)
    draws = [sim.quality() for _ in range(200)]
    assert draws.count(CallQuality.GOOD) > 120
    assert draws.count(CallQuality.FAIR) > 10


async def test_unanswered_topic_is_missed_after_the_ring_timeout() -> None:
    updates = Updates()
    call = await service(unanswered_topics=["rights"], ring_timeout_s=0.3).request(
        "rights", CALLER, updates
    )
    ended = await updates.wait("ended")
    assert ended.reason is CallEndReason.MISSED
    assert "answered" not in updates.kinds()
    assert isinstance(call, SimCall) and call.state == "ended"


async def test_answer_later_than_the_ring_timeout_is_missed() -> None:
    updates = Updates()
    await service(answer_after_s=5, ring_timeout_s=0.2).request("housing", CALLER, updates)
    assert (await updates.wait("ended")).reason is CallEndReason.MISSED


async def test_adviser_hangs_up_after_call_s() -> None:
    updates = Updates()
    await service(call_s=0.3, agreement_after_s=10).request("housing", CALLER, updates)
    ended = await updates.wait("ended")
    assert ended.reason is CallEndReason.REMOTE_HUNG_UP
    assert "agreement" not in updates.kinds()  # the call ended before it was due


async def test_cancel_while_ringing() -> None:
    updates = Updates()
    call = await service(answer_after_s=5).request("housing", CALLER, updates)
    await updates.wait("queued")
    await call.cancel()
    assert [u.reason for u in updates.of("ended")] == [CallEndReason.CANCELLED]
    assert "answered" not in updates.kinds()


async def test_hang_up_while_answered() -> None:
    updates = Updates()
    call = await service().request("housing", CALLER, updates)
    await updates.wait("answered")
    await call.hang_up()
    assert [u.reason for u in updates.of("ended")] == [CallEndReason.HUNG_UP]


async def test_every_method_is_safe_after_the_end_and_ended_comes_once() -> None:
    updates = Updates()
    call = await service().request("housing", CALLER, updates)
    await updates.wait("answered")
    await call.hang_up()
    await call.hang_up()
    await call.cancel()
    call.set_muted(True)
    assert call.remote_frame() is None and call.local_frame() is None
    assert len(updates.of("ended")) == 1 and updates.kinds()[-1] == "ended"
    # Nothing is left running that could send another update.
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_mute_is_remembered() -> None:
    updates = Updates()
    call = await service().request("housing", CALLER, updates)
    assert isinstance(call, SimCall)
    call.set_muted(True)
    assert call.muted
    call.set_muted(False)
    assert not call.muted
    await call.cancel()


async def test_a_failing_update_handler_does_not_stop_the_call() -> None:
    seen: list[str] = []

    def handler(update: CallUpdate) -> None:
        seen.append(update.kind)
        if update.kind == "queued":
            raise RuntimeError("controller bug")

    call = await service().request("housing", CALLER, handler)
    await wait_until(lambda: "answered" in seen)
    await call.hang_up()
    assert seen[-1] == "ended"


async def test_no_task_remains_after_50_calls() -> None:
    sim = service(answer_after_s=0.02, call_s=0.1, quality_every_s=0.02, agreement_after_s=0.05)
    sim.unanswered_topics = frozenset({"rights"})
    sim.ring_timeout_s = 0.05
    for n in range(50):
        updates = Updates()
        topic = "rights" if n % 5 == 4 else "housing"
        call = await sim.request(topic, CALLER, updates)
        match n % 5:
            case 0:
                await call.cancel()  # at once
            case 1:
                await updates.wait("answered")
                await call.hang_up()
            case 2:
                await updates.wait("queued")
                await call.hang_up()  # while ringing: a cancel
            case 3 | 4:
                await updates.wait("ended")  # remote hang-up, or missed
        assert len(updates.of("ended")) == 1
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_concurrent_calls_share_one_rendering() -> None:
    sim = service()
    first, second = Updates(), Updates()
    calls = [await sim.request("housing", CALLER, u) for u in (first, second)]
    await first.wait("answered")
    await second.wait("answered")
    a, b = calls[0].remote_frame(), calls[1].remote_frame()
    assert a is not None and b is not None
    for call in calls:
        await call.hang_up()


def test_devices_are_fine() -> None:
    assert service().devices() == {"camera": DeviceState.OK, "microphone": DeviceState.OK}


@pytest.mark.parametrize("topic", ["housing", "mobility"])
async def test_built_from_the_call_config(topic: str) -> None:
    config = CallConfig(
        sim_answer_after_s=0, sim_unanswered_topics=["mobility"], ring_timeout_s=0.1
    )
    updates = Updates()
    call = await open_call_service(config).request(topic, CALLER, updates)
    if topic == "mobility":
        assert (await updates.wait("ended")).reason is CallEndReason.MISSED
    else:
        await updates.wait("answered")
        await call.hang_up()
