"""Call benchmark: ring time, first frames, kiosk CPU and memory, beside a bare aiortc call.

Three processes, as in the field: the hub (`python -m hub serve`, demo catalog),
the kiosk (a child process running the kiosk's real call engine, `[call] engine
= "webrtc"` with synthetic 640×480 camera and tone, pulling the remote and
self-view pictures at 30 Hz as the in-call screen does) and this process, which
plays the adviser (its signaling socket, logged in through /login, and an aiortc
peer sending the same synthetic media at the same frame rate).

Anchors, measured in the same run:

- ring: a bare signaling round trip on the adviser's socket (a message the hub
  answers at once), beside kiosk request → adviser's `call.ringing`;
- first frame: a bare aiortc call (a child with one RTCPeerConnection and the
  same tracks, the offer and answer passed over pipes), from its createOffer to
  the first decoded frame on each side, beside adviser accept → first decoded
  frame on the kiosk and on the adviser;
- CPU: the same bare aiortc call, kiosk side, CPU seconds per call second at 15
  and 30 fps, beside the kiosk engine's (the bare call gets the same 500 kbps
  VP8 cap, so the ratio is the engine's own cost, not the codec settings);
- memory: the kiosk process's RSS over a long call (default 10 minutes), its
  slope after a warm-up minute, beside the bare call's RSS.

Goals (issue 5): ring p95 < 150 ms, first frame < 500 ms after accept, kiosk
CPU ≤ 1.3× the bare call, no memory growth.

    .venv/bin/python -m bench.call [--quick] [--long-seconds 600] [--json docs/bench-call.json]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench import percentile

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "housing"
PASSWORD = "bench-adviser-password"
DISPLAY_HZ = 30
RSS_EVERY_S = 5.0
PHASES = ("ring", "first_frame", "browser", "cpu", "memory")


def _emit(record: dict[str, Any]) -> None:
    """One JSON line on stdout: the child's report to the parent."""
    print(json.dumps(record), flush=True)


def _cpu_s() -> float:
    times = psutil.Process().cpu_times()
    return float(times.user + times.system)


# -- the kiosk child: the real engine -----------------------------------------------------


async def _display(call: Any, seconds: float, warmup_s: float) -> dict[str, Any]:
    """Pull both pictures at the display rate for `seconds`; CPU and RSS after `warmup_s`."""
    process = psutil.Process()
    started = time.monotonic()
    cpu0 = main0 = wall0 = None
    rss: list[tuple[float, int]] = []
    next_rss = started
    shown = 0
    last_pts = None
    while (now := time.monotonic()) - started < seconds and call.state == "answered":
        if cpu0 is None and now - started >= warmup_s:
            cpu0, main0, wall0 = _cpu_s(), time.thread_time(), now
        picture = call.remote_frame()
        call.local_frame()
        if picture is not None and picture.pts != last_pts:
            shown, last_pts = shown + 1, picture.pts
        if now >= next_rss:
            rss.append((now - started, process.memory_info().rss))
            next_rss += RSS_EVERY_S
        await asyncio.sleep(1 / DISPLAY_HZ)
    assert cpu0 is not None and main0 is not None and wall0 is not None, "ended in the warm-up"
    return {
        "cpu_per_s": (_cpu_s() - cpu0) / (time.monotonic() - wall0),
        # the event loop's thread; the codecs run in aiortc's worker threads
        "loop_cpu_per_s": (time.thread_time() - main0) / (time.monotonic() - wall0),
        "rss": rss,
        "shown": shown,
        "decoded": call.frames_decoded,
        "state": call.state,
    }


async def _kiosk_child(args: argparse.Namespace) -> None:
    from kiosk.call import open_call_service
    from kiosk.config import CallConfig, HubLink
    from kiosk.controller.ports import CallerInfo, CallUpdate

    config = CallConfig(engine="webrtc", fps=args.fps, video_width=640, video_height=480)
    service: Any = open_call_service(config, HubLink(url=args.hub, token=args.token))
    service.media.prepare()  # the synthetic pictures are drawn once per process
    caller = CallerInfo(first_name=None, commune="Laplume")
    for _ in range(args.calls):
        kinds: list[str] = []

        def on_update(update: CallUpdate, kinds: list[str] = kinds) -> None:
            kinds.append(update.kind)

        async def reached(kind: str, kinds: list[str] = kinds) -> None:
            deadline = time.monotonic() + 30
            while kind not in kinds:
                assert time.monotonic() < deadline, f"no {kind!r}: {kinds}"
                await asyncio.sleep(0.002)

        requested, requested_wall = time.monotonic(), time.time()
        call = await service.request(TOPIC, caller, on_update)
        if args.mode == "ring":
            await reached("queued")
            await asyncio.sleep(0.05)
            await call.cancel()
            await reached("ended")
            _emit({"call": call.id, "requested": requested})
            continue
        await reached("answered")
        while call.first_frame_at is None:
            assert call.state == "answered", f"ended before a frame: {call.end_reason}"
            await asyncio.sleep(0.002)
        first_frame_wall = time.time() - (time.monotonic() - call.first_frame_at)
        report = await _display(call, args.seconds, args.warmup)
        await call.hang_up()
        await reached("ended")
        _emit(
            {
                "call": call.id,
                "requested": requested,
                "accepted": call.accepted_at,
                "first_frame": call.first_frame_at,
                "requested_wall": requested_wall,
                "first_frame_wall": first_frame_wall,
                **report,
            }
        )
    await service.aclose()
    _emit({"done": True, "rss_after": psutil.Process().memory_info().rss})


# -- the bare child: one RTCPeerConnection, same media ------------------------------------


class _BareCall:
    """One plain RTCPeerConnection with the kiosk's tracks; counts the frames it decodes."""

    state = "answered"

    def __init__(self) -> None:
        from aiortc import RTCPeerConnection

        self.pc = RTCPeerConnection()
        self.frames_decoded = 0
        self.first_frame: float | None = None
        self.pulls: list[asyncio.Task[None]] = []
        self.pc.on("track", lambda t: self.pulls.append(asyncio.ensure_future(self._pull(t))))

    async def _pull(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                if track.kind == "video":
                    self.frames_decoded += 1
                    if self.first_frame is None:
                        self.first_frame = time.monotonic()

    def remote_frame(self) -> None:
        """Nothing to draw: the bare call only decodes."""

    def local_frame(self) -> None:
        """No self-view either."""


async def _bare_child(args: argparse.Namespace) -> None:
    from aiortc import RTCSessionDescription

    from kiosk.call.media import MediaDevices, SyntheticCamera, SyntheticMicrophone, tone
    from kiosk.call.webrtc import cap_vp8_bitrate

    cap_vp8_bitrate(500)
    devices = MediaDevices(fps=args.fps)
    devices.prepare()
    pictures = devices._pictures
    assert pictures is not None
    samples = tone()
    for _ in range(args.calls):
        call = _BareCall()
        camera, microphone = SyntheticCamera(pictures, args.fps), SyntheticMicrophone(samples)
        started = time.monotonic()
        call.pc.addTrack(microphone)
        call.pc.addTrack(camera)
        await call.pc.setLocalDescription(await call.pc.createOffer())
        _emit({"offer": call.pc.localDescription.sdp})
        line = await asyncio.to_thread(sys.stdin.readline)
        answer = RTCSessionDescription(json.loads(line)["answer"], "answer")
        await call.pc.setRemoteDescription(answer)
        while call.first_frame is None:
            await asyncio.sleep(0.002)
        report = await _display(call, args.seconds, args.warmup)
        for task in call.pulls:
            task.cancel()
        await call.pc.close()
        camera.stop()
        microphone.stop()
        _emit({"started": started, "first_frame": call.first_frame, **report})
    _emit({"done": True, "rss_after": psutil.Process().memory_info().rss})


def child_main(args: argparse.Namespace) -> None:
    """Run a child's part and report on stdout (logs go to stderr)."""
    coro = _bare_child(args) if args.child == "bare" else _kiosk_child(args)
    asyncio.run(coro)


# -- the parent: the adviser ------------------------------------------------------------


class FarPeer:
    """The adviser's (or the bare call's far) aiortc peer: answers, sends, counts."""

    def __init__(self, fps: int, ice: list[Any] | None = None) -> None:
        from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection

        servers = [
            RTCIceServer(urls=s.urls, username=s.username, credential=s.credential)
            for s in ice or []
        ]
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        self.fps = fps
        self.first_frame: float | None = None
        self._pulls: list[asyncio.Task[None]] = []
        self.pc.on("track", lambda t: self._pulls.append(asyncio.ensure_future(self._pull(t))))

    async def answer(self, sdp: str, pictures: list[Any]) -> str:
        """The answer to `sdp`, with a synthetic camera at `fps` and the tone."""
        from aiortc import RTCSessionDescription

        from kiosk.call.media import SyntheticCamera, SyntheticMicrophone, tone

        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "offer"))
        self.pc.addTrack(SyntheticMicrophone(tone()))
        self.pc.addTrack(SyntheticCamera(pictures, self.fps))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return str(self.pc.localDescription.sdp)

    async def _pull(self, track: Any) -> None:
        from aiortc.mediastreams import MediaStreamError

        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                if track.kind == "video" and self.first_frame is None:
                    self.first_frame = time.monotonic()

    async def close(self) -> None:
        """Stop counting and close the connection."""
        for task in self._pulls:
            task.cancel()
        await self.pc.close()


@dataclass
class Adviser:
    """The adviser's signaling socket: rings recorded, calls accepted in `answering` mode."""

    hub_url: str
    pictures: list[Any]
    fps: int = 15
    answering: bool = False
    ws: Any = None
    rang: dict[str, float] = field(default_factory=dict)
    accepted: dict[str, float] = field(default_factory=dict)
    peers: dict[str, FarPeer] = field(default_factory=dict)
    first_frames: dict[str, float] = field(default_factory=dict)
    _pong: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task[None] | None = None

    async def connect(self, email: str) -> None:
        """Log in through /login, open the socket, become available."""
        from websockets.asyncio.client import connect
        from websockets.typing import Origin

        from hub.protocol.signaling import (
            ADVISER_WS_PATH,
            HUB_TO_ADVISER,
            AdviserHello,
            SetAvailability,
            dump,
            parse,
        )

        async with httpx.AsyncClient() as client:
            response = await client.post(
                f"{self.hub_url}/login",
                data={"email": email, "password": PASSWORD, "next": "/console"},
                headers={"Origin": self.hub_url},
            )
        cookie = response.cookies.get("gaia_session")
        assert response.status_code == 303 and cookie, response.text
        self.ws = await connect(
            self.hub_url.replace("http://", "ws://") + ADVISER_WS_PATH,
            origin=Origin(self.hub_url),
            additional_headers={"Cookie": f"gaia_session={cookie}"},
        )
        assert isinstance(parse(HUB_TO_ADVISER, await self.ws.recv()), AdviserHello)
        await self.ws.send(dump(SetAvailability(available=True)))
        self._reader = asyncio.create_task(self._read())
        await self.round_trip()

    async def set_available(self, available: bool) -> None:
        """Switch availability (off while the browser answers instead)."""
        from hub.protocol.signaling import SetAvailability, dump

        await self.ws.send(dump(SetAvailability(available=available)))
        await self.round_trip()

    async def round_trip(self) -> float:
        """One bare signaling round trip (a message the hub refuses at once), in seconds."""
        from hub.protocol.signaling import CallAccept, dump

        self._pong.clear()
        started = time.monotonic()
        await self.ws.send(dump(CallAccept(call_id="bench-anchor-0000")))
        await asyncio.wait_for(self._pong.wait(), 10)
        return time.monotonic() - started

    async def _read(self) -> None:
        from hub.protocol.signaling import (
            HUB_TO_ADVISER,
            CallAccept,
            CallAssigned,
            CallEnded,
            CallRinging,
            CallWithdrawn,
            ErrorMessage,
            SdpAnswer,
            SdpOffer,
            dump,
            parse,
        )

        ice: dict[str, list[Any]] = {}
        async for text in self.ws:
            message = parse(HUB_TO_ADVISER, text)
            now = time.monotonic()
            if isinstance(message, ErrorMessage) and message.call_id == "bench-anchor-0000":
                self._pong.set()
            elif isinstance(message, CallRinging):
                self.rang[message.call_id] = now
                if self.answering:
                    self.accepted[message.call_id] = time.monotonic()
                    await self.ws.send(dump(CallAccept(call_id=message.call_id)))
            elif isinstance(message, CallAssigned):
                ice[message.call_id] = list(message.ice_servers)
            elif isinstance(message, SdpOffer):
                peer = FarPeer(self.fps, ice.get(message.call_id))
                self.peers[message.call_id] = peer
                sdp = await peer.answer(message.sdp, self.pictures)
                await self.ws.send(dump(SdpAnswer(call_id=message.call_id, sdp=sdp)))
            elif isinstance(message, CallEnded | CallWithdrawn):
                found = self.peers.pop(message.call_id, None)
                if found is not None:
                    if found.first_frame is not None:
                        self.first_frames[message.call_id] = found.first_frame
                    await found.close()

    async def close(self) -> None:
        """Close the socket and any peer left."""
        if self._reader is not None:
            self._reader.cancel()
        for peer in self.peers.values():
            await peer.close()
        await self.ws.close()


async def _child(
    *argv: str,
    bare_peer: tuple[int, list[Any]] | None = None,
    on_record: Callable[[dict], Awaitable[None]] | None = None,
) -> list[dict]:
    """Run a child (`--child ...`) to its end; its JSON lines. `bare_peer`: answer its offers."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.call",
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        limit=1 << 20,
    )
    assert process.stdout is not None and process.stdin is not None
    records: list[dict] = []
    peers: list[FarPeer] = []
    while line := await process.stdout.readline():
        record = json.loads(line)
        if "offer" in record:
            assert bare_peer is not None
            peer = FarPeer(bare_peer[0])
            peers.append(peer)
            answer = await peer.answer(record["offer"], bare_peer[1])
            process.stdin.write((json.dumps({"answer": answer}) + "\n").encode())
            await process.stdin.drain()
            continue
        if "first_frame" in record and peers:
            record["far_first_frame"] = peers[-1].first_frame
            await peers[-1].close()
        records.append(record)
        if on_record is not None:
            await on_record(record)
    assert await process.wait() == 0, f"child {argv} failed"
    return records


def _ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(values, 0.5) * 1000, 1),
        "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        "max_ms": round(max(values) * 1000, 1),
        "n": len(values),
    }


def _slope_mb_per_10min(rss: list[tuple[float, int]], after_s: float) -> float:
    points = [(t, r) for t, r in rss if t >= after_s]
    if len(points) < 3:
        return float("nan")
    slope, _ = statistics.linear_regression([t for t, _ in points], [r for _, r in points])
    return slope * 600 / 2**20


# In the console page: when each call rang, was accepted, and showed its first frame
# (requestVideoFrameCallback on the remote <video>; epoch milliseconds, sub-ms precise).
INSTRUMENT = """() => {
  const now = () => performance.timeOrigin + performance.now();
  const b = (window.__bench = { rang: {}, accepted: {}, frame: {} });
  new MutationObserver(() => {
    for (const li of document.querySelectorAll("li.ringing")) {
      if (!(li.dataset.call in b.rang)) b.rang[li.dataset.call] = now();
    }
  }).observe(document.body, { childList: true, subtree: true });
  const video = document.querySelector("[data-field=remote-video]");
  document.addEventListener("click", (event) => {
    const li = event.target.closest("li.ringing");
    if (!li || !event.target.closest("button.accept")) return;
    const id = li.dataset.call;
    b.accepted[id] = now();
    const shown = () => { if (!(id in b.frame)) b.frame[id] = now(); };
    video.requestVideoFrameCallback(shown);
  }, true);
}"""


async def browser_phase(hub_url: str, kiosk: list[str], calls: int) -> dict[str, Any]:
    """The adviser in headless Chromium (the real console): ring, accept, first frames."""
    from tests.hub.signaling.console import chromium, open_console

    async with chromium() as browser:
        page = await open_console(browser, hub_url, "nadia@bench.test", password=PASSWORD)
        await page.evaluate(INSTRUMENT)

        async def answer() -> None:
            while True:
                button = page.locator("li.ringing button.accept:not([disabled])").first
                await button.wait_for(timeout=60_000)
                await button.click()
                back = page.locator("[data-action=back-to-queue]")  # the call's summary
                await back.wait_for(state="visible", timeout=60_000)
                await back.click()

        answering = asyncio.create_task(answer())
        try:
            records = await _child(
                "--child", "kiosk", "--calls", str(calls), "--seconds", "3", "--warmup", "1", *kiosk
            )
        finally:
            answering.cancel()
        marks = await page.evaluate("() => window.__bench")
    done = [r for r in records if "call" in r]
    ms = 1000.0
    return {
        "ring_kiosk_to_console": _ms(
            [(marks["rang"][r["call"]] - r["requested_wall"] * ms) / ms for r in done]
        ),
        "kiosk_after_accept": _ms(
            [(r["first_frame_wall"] * ms - marks["accepted"][r["call"]]) / ms for r in done]
        ),
        "console_after_accept": _ms(
            [(marks["frame"][r["call"]] - marks["accepted"][r["call"]]) / ms for r in done]
        ),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """All the measurements; returns the results."""
    from kiosk.call.media import synthetic_pictures
    from tests.kiosk.ui.uihub import running_hub

    pictures = synthetic_pictures(640, 480, 30)
    results: dict[str, Any] = {"when": time.strftime("%Y-%m-%d"), "quick": args.quick}
    with tempfile.TemporaryDirectory() as tmp, running_hub(Path(tmp) / "hub") as hub:
        for email, name in (("claire@bench.test", "Claire"), ("nadia@bench.test", "Nadia")):
            hub.cli("adviser", "add", "--email", email, "--password", PASSWORD, "--name", name,
                    "--partner", "habitat-47", "--topics", TOPIC)  # fmt: skip
        adviser = Adviser(hub.url, pictures)
        await adviser.connect("claire@bench.test")
        kiosk = ["--hub", hub.url, "--token", hub.token]

        if "ring" in args.phases:
            # Ring: kiosk request -> the adviser's call.ringing; anchor: a bare round trip.
            anchor = [await adviser.round_trip() for _ in range(args.rings)]
            records = await _child(
                "--child", "kiosk", "--mode", "ring", "--calls", str(args.rings + 1), *kiosk
            )
            rings = [adviser.rang[r["call"]] - r["requested"] for r in records if "call" in r][1:]
            results["ring"] = {"kiosk_to_adviser": _ms(rings), "anchor_round_trip": _ms(anchor)}
            print("ring", results["ring"], flush=True)

        adviser.answering = True  # from here on, the aiortc adviser accepts every call
        if "first_frame" in args.phases:
            # First frames: adviser accept -> first decoded frame, each side; bare call beside.
            short = ["--calls", str(args.first_frame_calls), "--seconds", "3", "--warmup", "1"]
            records = await _child("--child", "kiosk", "--mode", "calls", *short, *kiosk)
            await asyncio.sleep(0.5)
            at_kiosk = [
                r["first_frame"] - adviser.accepted[r["call"]] for r in records if "call" in r
            ]
            at_adviser = [
                adviser.first_frames[r["call"]] - adviser.accepted[r["call"]]
                for r in records
                if "call" in r
            ]
            bare = await _child("--child", "bare", *short, bare_peer=(15, pictures))
            bare_kiosk = [r["first_frame"] - r["started"] for r in bare if "started" in r]
            bare_far = [r["far_first_frame"] - r["started"] for r in bare if "started" in r]
            results["first_frame"] = {
                "kiosk_after_accept": _ms(at_kiosk),
                "adviser_after_accept": _ms(at_adviser),
                "bare_offerer_after_offer": _ms(bare_kiosk),
                "bare_answerer_after_offer": _ms(bare_far),
            }
            print("first_frame", results["first_frame"], flush=True)

        if "browser" in args.phases:
            # The same with the real console in Chromium answering (the aiortc adviser away).
            await adviser.set_available(False)
            results["browser"] = await browser_phase(hub.url, kiosk, args.first_frame_calls)
            print("browser", results["browser"], flush=True)
            await adviser.set_available(True)

        if "cpu" in args.phases:
            # CPU per call second at 15 and 30 fps, interleaved with the bare call.
            results["cpu"] = {}
            window = ["--seconds", str(args.cpu_seconds), "--warmup", "10"]
            for fps in (15, 30):
                adviser.fps = fps
                rate = ["--fps", str(fps), *window]
                engine, plain = [], []
                for _ in range(args.rounds):
                    plain += await _child("--child", "bare", *rate, bare_peer=(fps, pictures))
                    engine += await _child("--child", "kiosk", *rate, *kiosk)
                engine, plain = (
                    [r for r in engine if "cpu_per_s" in r],
                    [r for r in plain if "cpu_per_s" in r],
                )

                def median(records: list[dict], key: str) -> float:
                    return round(statistics.median(r[key] for r in records), 3)

                results["cpu"][f"{fps}fps"] = {
                    "kiosk_cpu_s_per_s": median(engine, "cpu_per_s"),
                    "bare_cpu_s_per_s": median(plain, "cpu_per_s"),
                    "ratio": round(median(engine, "cpu_per_s") / median(plain, "cpu_per_s"), 2),
                    "kiosk_loop_thread_cpu_s_per_s": median(engine, "loop_cpu_per_s"),
                    "bare_loop_thread_cpu_s_per_s": median(plain, "loop_cpu_per_s"),
                    "kiosk_pictures_shown_per_s": round(
                        statistics.median(r["shown"] for r in engine) / args.cpu_seconds, 1
                    ),
                    "runs": {
                        "kiosk": [round(r["cpu_per_s"], 3) for r in engine],
                        "bare": [round(r["cpu_per_s"], 3) for r in plain],
                    },
                }
                print(f"cpu {fps} fps", results["cpu"][f"{fps}fps"], flush=True)

        if "memory" in args.phases:
            # Memory over a long call at the kiosk's default 15 fps, the bare call beside it at
            # the same time (RSS only: the CPU figures above are measured one call at a time).
            adviser.fps = 15
            long_s = args.long_seconds
            length = ["--fps", "15", "--seconds", str(long_s), "--warmup", "10"]
            k, b = await asyncio.gather(
                _child("--child", "kiosk", *length, *kiosk),
                _child("--child", "bare", *length, bare_peer=(15, pictures)),
            )
            after = min(60.0, long_s / 3)

            def memory(records: list[dict]) -> dict[str, float]:
                rss = records[0]["rss"]
                steady = [r for t, r in rss if t >= after]
                return {
                    "rss_mb_at_warmup_end": round(steady[0] / 2**20, 1),
                    "rss_mb_max": round(max(steady) / 2**20, 1),
                    "rss_mb_at_end": round(steady[-1] / 2**20, 1),
                    "slope_mb_per_10min": round(_slope_mb_per_10min(rss, after), 2),
                    "rss_mb_after_hang_up": round(records[-1]["rss_after"] / 2**20, 1),
                }

            results["memory"] = {
                "call_s": long_s,
                "warmup_s": after,
                "kiosk": memory(k),
                "bare": memory(b),
                "kiosk_samples": [(round(t), round(r / 2**20, 1)) for t, r in k[0]["rss"]],
                "bare_samples": [(round(t), round(r / 2**20, 1)) for t, r in b[0]["rss"]],
            }
            print("memory", {k: results["memory"][k] for k in ("kiosk", "bare")}, flush=True)
        await adviser.close()
    return results


def main() -> None:
    """Parse the arguments; run the benchmark, or one child's part of it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument("--long-seconds", type=int, default=600, help="the memory call's length")
    parser.add_argument("--rounds", type=int, default=2, help="CPU runs per frame rate and side")
    parser.add_argument("--json", type=Path, help="write the results there (updated in place)")
    parser.add_argument(
        "--phases",
        default=",".join(PHASES),
        help=f"comma-separated, among {','.join(PHASES)} (default: all)",
    )
    # the children's options
    parser.add_argument("--child", choices=["kiosk", "bare"])
    parser.add_argument("--mode", choices=["ring", "calls"], default="calls")
    parser.add_argument("--hub", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--calls", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    args = parser.parse_args()
    if args.child:
        child_main(args)
        return
    args.phases = [p for p in args.phases.split(",") if p]
    if unknown := set(args.phases) - set(PHASES):
        parser.error(f"unknown phase(s): {', '.join(sorted(unknown))}")
    args.rings = 10 if args.quick else 100
    args.first_frame_calls = 3 if args.quick else 20
    args.cpu_seconds = 20 if args.quick else 60
    if args.quick:
        args.long_seconds, args.rounds = min(args.long_seconds, 60), 1
    results = asyncio.run(run(args))
    if args.json:
        earlier = json.loads(args.json.read_text()) if args.json.exists() else {}
        args.json.write_text(json.dumps({**earlier, **results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
