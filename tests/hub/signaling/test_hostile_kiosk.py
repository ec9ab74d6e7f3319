"""A kiosk's genuine token in a loop: call floods, and revocation of open sockets."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from hub.protocol.signaling import CLOSE_UNAUTHENTICATED, CallEnded, CallRequest, ErrorMessage
from hub.store import schema
from tests.hub.signaling.support import HubServer, kiosk_client

ROOT = Path(__file__).resolve().parents[3]


def _calls(hub: HubServer) -> int:
    with hub.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(schema.calls)).scalar_one())


async def test_a_kiosk_flooding_call_requests_is_refused_past_its_budget(
    make_hub: Callable[..., HubServer],
) -> None:
    hub = make_hub(requests_per_minute=5)
    token = hub.add_kiosk("k-flood")
    kiosk = await kiosk_client(hub, token)
    answers = []
    for _ in range(200):
        await kiosk.send(CallRequest(call_id=uuid.uuid4().hex, topic="housing"))
        answers.append(await kiosk.recv())
    ended = [a for a in answers if isinstance(a, CallEnded)]  # nobody available: unavailable
    limited = [a for a in answers if isinstance(a, ErrorMessage) and a.code == "rate-limited"]
    assert len(ended) == 5 and len(limited) == 195
    assert "retry in" in limited[0].detail
    await asyncio.sleep(0.3)
    assert _calls(hub) == 5, "a refused call request left a call record"
    # Another kiosk still calls.
    other = await kiosk_client(hub, hub.add_kiosk("k-other"))
    await other.send(CallRequest(call_id=uuid.uuid4().hex, topic="housing"))
    assert isinstance(await other.recv(), CallEnded)
    metrics = hub.app.state.services.metrics
    assert (
        metrics.registry.get_sample_value("gaia_http_refused_total", {"reason": "kiosk-calls"})
        == 195
    )
    await kiosk.close()
    await other.close()


async def test_revoking_a_kiosk_closes_its_open_socket(
    make_hub: Callable[..., HubServer], tmp_path: Path
) -> None:
    hub = make_hub()
    token = hub.add_kiosk("k-stolen")
    kiosk = await kiosk_client(hub, token)
    await kiosk.send(CallRequest(call_id=uuid.uuid4().hex, topic="housing"))
    assert isinstance(await kiosk.recv(), CallEnded)  # the socket works
    # `gaia-hub kiosk revoke`, from another process, as ops would run it.
    config = tmp_path / "revoke.toml"
    config.write_text(f'[db]\nurl = "{hub.engine.url.render_as_string(hide_password=False)}"\n')
    subprocess.run(
        [sys.executable, "-m", "hub", "kiosk", "revoke", "k-stolen", "--config", str(config)],
        check=True,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
    )
    code, reason = await kiosk.closed(timeout=10)
    assert code == CLOSE_UNAUTHENTICATED and "revoked" in reason
    # And it cannot come back.
    again = await kiosk_client(hub, token)
    assert (await again.closed())[0] == CLOSE_UNAUTHENTICATED
