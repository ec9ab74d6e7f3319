"""A simulated call engine: a pretend adviser answers, with synthetic video (the demo's calls).

`SimCallService` implements the controller's `CallService` port. A request goes
"queued" (position 2, then 1, with an estimated wait), then "answered" by
"Claire (démo)" after `answer_after_s`, or "ended" / MISSED after `ring_timeout_s`
for a topic in `unanswered_topics` (or when the answer would come too late).
While answered: pre-rendered remote (640×480) and self-view (320×240) pictures
cycle at `fps`, a "quality" update comes every few seconds, an "agreement" (next
step and an appointment a week later at 10:00) some seconds after the answer, and
the adviser hangs up after `call_s`.

Each call runs one task, created on request and cancelled (and awaited) when the
call ends for any reason; every method is safe after the end. Updates are
delivered on the event loop by calling `on_update` directly; exactly one "ended"
update closes every call. Nothing of the caller is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta

from hub.protocol import DeviceState
from kiosk.call.frames import LOCAL_SIZE, REMOTE_SIZE, local_frames, remote_frames
from kiosk.controller.ports import (
    Agreement,
    AgreementSent,
    Answered,
    Appointment,
    CallEndReason,
    CallerInfo,
    CallOver,
    CallQuality,
    CallUpdate,
    QualitySample,
    Queued,
    VideoFrame,
)

log = logging.getLogger(__name__)

ADVISER_NAME = "Claire (démo)"
NEXT_STEP = (
    "Claire vous aide à monter votre dossier. "
    "Apportez une pièce d'identité et votre dernier avis d'imposition."
)
PLACE = "Maison de l'Habitat 47, 12 rue Lamennais, 47000 Agen"
PARTNER = "Maison de l'Habitat 47"

_Frames = tuple[list[bytes], list[bytes]]


class SimCallService:
    """Places simulated calls; see the module docstring for the timeline."""

    def __init__(
        self,
        answer_after_s: float = 6,
        unanswered_topics: Collection[str] = (),
        ring_timeout_s: float = 45,
        call_s: float = 600,
        fps: int = 15,
        *,
        quality_every_s: float = 5,
        agreement_after_s: float = 8,
        remote_frame_count: int = 24,
        seed: int | None = None,
    ) -> None:
        self.answer_after_s = answer_after_s
        self.unanswered_topics = frozenset(unanswered_topics)
        self.ring_timeout_s = ring_timeout_s
        self.call_s = call_s
        self.fps = fps
        self.quality_every_s = quality_every_s
        self.agreement_after_s = agreement_after_s
        self.remote_frame_count = remote_frame_count
        self.random = random.Random(seed)
        self._frames: _Frames | None = None
        self._rendering: asyncio.Future[_Frames] | None = None

    async def request(
        self, topic: str, caller: CallerInfo, on_update: Callable[[CallUpdate], None]
    ) -> SimCall:
        """Ask for the pretend adviser on `topic` (the caller's details are not kept)."""
        if self._frames is None and self._rendering is None:
            # Drawn once, in a thread, while the first caller waits.
            self._rendering = asyncio.ensure_future(asyncio.to_thread(self._render))
        call = SimCall(self, topic, on_update, answers=topic not in self.unanswered_topics)
        call._start()
        return call

    def devices(self) -> dict[str, DeviceState]:
        """The simulated camera and microphone are always fine."""
        return {"camera": DeviceState.OK, "microphone": DeviceState.OK}

    def _render(self) -> _Frames:
        return remote_frames(ADVISER_NAME, self.remote_frame_count), local_frames()

    async def frames(self) -> _Frames:
        """The pictures, waiting for the first rendering when needed."""
        if self._frames is None:
            if self._rendering is None:
                self._rendering = asyncio.ensure_future(asyncio.to_thread(self._render))
            # shield: a call cancelled while waiting must not cancel the shared rendering.
            self._frames = await asyncio.shield(self._rendering)
        return self._frames

    def quality(self) -> CallQuality:
        """Mostly good, sometimes fair."""
        return CallQuality.FAIR if self.random.random() < 0.2 else CallQuality.GOOD


class SimCall:
    """One simulated call; `state` is "ringing", "answered" or "ended"."""

    def __init__(
        self,
        service: SimCallService,
        topic: str,
        on_update: Callable[[CallUpdate], None],
        *,
        answers: bool,
    ) -> None:
        self._service = service
        self.topic = topic
        self._on_update = on_update
        self._answers = answers
        self.state = "ringing"
        self.end_reason: CallEndReason | None = None
        self.muted = False
        self.audio_only = False
        self._task: asyncio.Task[None] | None = None
        self._frames: _Frames | None = None
        self._answered_at = 0.0
        self._remote: VideoFrame | None = None
        self._local: VideoFrame | None = None

    # -- the Call port -------------------------------------------------------------

    async def cancel(self) -> None:
        """Withdraw the request (CANCELLED); on an answered call, the same as hang_up()."""
        await self._end(CallEndReason.CANCELLED if self.state == "ringing" else None)

    async def hang_up(self) -> None:
        """End the call (HUNG_UP); while still ringing, the same as cancel()."""
        await self._end(CallEndReason.HUNG_UP if self.state == "answered" else None)

    def set_muted(self, muted: bool) -> None:
        """Mute or unmute (nothing is captured in the simulation)."""
        self.muted = muted

    def set_audio_only(self, audio_only: bool) -> None:
        """Sound only: no picture either way until switched back."""
        self.audio_only = audio_only

    def remote_frame(self) -> VideoFrame | None:
        """The adviser's current picture while answered (and not sound only), else None."""
        if self.audio_only:
            return None
        index = self._frame_index()
        if index is None or self._frames is None:
            return None
        if self._remote is None or self._remote.pts != index + 1:
            pictures = self._frames[0]
            rgb = pictures[index % len(pictures)]
            self._remote = VideoFrame(*REMOTE_SIZE, pixels=rgb, pts=index + 1)
        return self._remote

    def local_frame(self) -> VideoFrame | None:
        """The self-view's current picture while answered (and not sound only), else None."""
        if self.audio_only:
            return None
        index = self._frame_index()
        if index is None or self._frames is None:
            return None
        if self._local is None or self._local.pts != index + 1:
            pictures = self._frames[1]
            self._local = VideoFrame(
                *LOCAL_SIZE, pixels=pictures[index % len(pictures)], pts=index + 1
            )
        return self._local

    # -- the timeline --------------------------------------------------------------

    def _start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"sim-call-{self.topic}")

    async def _run(self) -> None:
        service = self._service
        answer_after = service.answer_after_s
        answers = self._answers and answer_after < service.ring_timeout_s
        wait = answer_after if answers else service.ring_timeout_s
        self._emit(Queued(position=2, eta_s=wait))
        await asyncio.sleep(wait / 2)
        self._emit(Queued(position=1, eta_s=wait / 2))
        await asyncio.sleep(wait / 2)
        if not answers:
            self._finish(CallEndReason.MISSED)
            return
        self._frames = await service.frames()
        self.state = "answered"
        self._answered_at = time.monotonic()
        self._emit(Answered(adviser_name=ADVISER_NAME))
        self._emit(QualitySample(quality=CallQuality.GOOD))
        await self._in_call()

    async def _in_call(self) -> None:
        """Quality every few seconds, the agreement once, then the adviser hangs up."""
        service = self._service
        end = service.call_s
        agreement_at = service.agreement_after_s if service.agreement_after_s < end else None
        next_quality = service.quality_every_s
        while True:
            due = min(next_quality, end, agreement_at if agreement_at is not None else end)
            await asyncio.sleep(max(0.0, due - (time.monotonic() - self._answered_at)))
            if due >= end:
                self._finish(CallEndReason.REMOTE_HUNG_UP)
                return
            if agreement_at is not None and due >= agreement_at:
                self._emit(AgreementSent(agreement=_agreement()))
                agreement_at = None
            if due >= next_quality:
                self._emit(QualitySample(quality=service.quality()))
                next_quality += service.quality_every_s

    # -- ending --------------------------------------------------------------------

    async def _end(self, reason: CallEndReason | None) -> None:
        """End from outside (the kiosk's side): stop the task, then say "ended" once."""
        if self.state == "ended":
            return
        if reason is None:
            reason = CallEndReason.HUNG_UP if self.state == "answered" else CallEndReason.CANCELLED
        task = self._task
        self._mark_ended(reason)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._emit(CallOver(reason=reason), final=True)

    def _finish(self, reason: CallEndReason) -> None:
        """End from inside the timeline (missed, remote hang-up)."""
        self._mark_ended(reason)
        self._emit(CallOver(reason=reason), final=True)

    def _mark_ended(self, reason: CallEndReason) -> None:
        self.state = "ended"
        self.end_reason = reason
        self._frames = self._remote = self._local = None

    def _emit(self, update: CallUpdate, *, final: bool = False) -> None:
        if self.state == "ended" and not final:
            return
        try:
            self._on_update(update)
        except Exception:  # the controller's bug must not kill the call's timeline
            log.exception("call update handler failed on %r", update.kind)

    def _frame_index(self) -> int | None:
        if self.state != "answered":
            return None
        return int((time.monotonic() - self._answered_at) * self._service.fps)


def _agreement() -> Agreement:
    """What the pretend adviser agrees: a next step and an appointment in a week at 10:00."""
    when = (datetime.now().astimezone() + timedelta(days=7)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    return Agreement(
        next_step=NEXT_STEP,
        appointment=Appointment(when=when, place=PLACE, partner=PARTNER, with_whom="Claire"),
    )
