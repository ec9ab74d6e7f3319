"""Who may open the signaling sockets, and what happens to bad frames."""

from __future__ import annotations

import json

from starlette.websockets import WebSocket

from hub.accounts import Role, add_api_token, revoke_kiosk
from hub.auth import create_session
from hub.protocol.signaling import (
    CLOSE_FORBIDDEN,
    CLOSE_PROTOCOL,
    CLOSE_UNAUTHENTICATED,
    MAX_MESSAGE_BYTES,
    AdviserHello,
    CallQueued,
    CallRequest,
    CallRinging,
)
from hub.signaling.sockets import ws_origin_allowed
from tests.hub.signaling.conftest import Scene
from tests.hub.signaling.support import adviser_client, kiosk_client
from tests.hub.signaling.test_calls import online


async def test_adviser_socket_without_a_session_is_refused(scene: Scene) -> None:
    for cookie in (None, "not-a-session"):
        client = await adviser_client(scene.hub, cookie)
        code, reason = await client.closed()
        assert code == CLOSE_UNAUTHENTICATED and reason


async def test_adviser_socket_from_a_foreign_origin_is_refused(scene: Scene) -> None:
    cookie = scene.hub.login("claire@habitat.test")
    for origin in ("https://evil.example", None, "null"):
        client = await adviser_client(scene.hub, cookie, origin=origin)
        code, reason = await client.closed()
        assert code == CLOSE_FORBIDDEN and "origin" in reason


async def test_a_user_without_adviser_profile_is_refused(scene: Scene) -> None:
    from hub.accounts import add_user

    with scene.hub.engine.begin() as conn:
        user_id = add_user(conn, "ops@gaia.test", "ops-password-2026", Role.OPS)
        token, _csrf = create_session(conn, user_id, hours=1)
    client = await adviser_client(scene.hub, token)
    code, reason = await client.closed()
    assert code == CLOSE_FORBIDDEN and "profile" in reason


async def test_kiosk_token_and_adviser_session_do_not_cross(scene: Scene) -> None:
    # A kiosk token on the adviser socket (as a bearer header or as the cookie) is refused.
    as_header = await adviser_client(
        scene.hub, None, headers={"Authorization": f"Bearer {scene.kiosk_token}"}
    )
    assert (await as_header.closed())[0] == CLOSE_UNAUTHENTICATED
    as_cookie = await adviser_client(scene.hub, scene.kiosk_token)
    assert (await as_cookie.closed())[0] == CLOSE_UNAUTHENTICATED
    # A console session or an API token on the kiosk socket is refused.
    cookie = scene.hub.login("claire@habitat.test")
    with_cookie = await kiosk_client(scene.hub, None, headers={"Cookie": f"gaia_session={cookie}"})
    assert (await with_cookie.closed())[0] == CLOSE_UNAUTHENTICATED
    with_session_token = await kiosk_client(scene.hub, cookie)
    assert (await with_session_token.closed())[0] == CLOSE_UNAUTHENTICATED
    with scene.hub.engine.begin() as conn:
        api_token = add_api_token(conn, "script", Role.ADMIN)
    with_api_token = await kiosk_client(scene.hub, api_token)
    code, reason = await with_api_token.closed()
    assert code == CLOSE_UNAUTHENTICATED and "kiosk token" in reason


async def test_revoked_or_unknown_kiosk_token_is_refused(scene: Scene) -> None:
    with scene.hub.engine.begin() as conn:
        revoke_kiosk(conn, "k-laplume")
    for token in (scene.kiosk_token, "gaia_k_unknown", None):
        client = await kiosk_client(scene.hub, token)
        code, reason = await client.closed()
        assert code == CLOSE_UNAUTHENTICATED and reason


async def test_bad_frames_close_only_their_own_socket(scene: Scene) -> None:
    claire = await online(scene, "claire@habitat.test")
    kiosk = await kiosk_client(scene.hub, scene.kiosk_token)
    other_token = scene.hub.add_kiosk("k-layrac")
    good = CallRequest(call_id="call-fine-01", topic="housing")
    bad_frames: list[tuple[str | bytes, str]] = [
        ("{not json", "invalid message"),
        (json.dumps({"type": "call.nonsense", "v": 1}), "invalid message"),
        (json.dumps({"type": "adviser.availability", "v": 1, "available": True}), "invalid"),
        ("x" * (MAX_MESSAGE_BYTES + 1), f"over {MAX_MESSAGE_BYTES} bytes"),
        (b"\x00\x01binary", "text frames only"),
    ]
    for frame, expected in bad_frames:
        victim = await kiosk_client(scene.hub, other_token)
        await victim.send_raw(frame)
        code, reason = await victim.closed()
        assert code == CLOSE_PROTOCOL and expected in reason, (frame[:40], reason)
    # An adviser sending a kiosk's message is closed too.
    nadia = await online(scene, "nadia@mobilite.test")
    await nadia.send(good)
    code, reason = await nadia.closed()
    assert code == CLOSE_PROTOCOL and reason
    # Meanwhile the others were served and still are.
    await kiosk.send(good)
    assert (await kiosk.expect(CallQueued)).ringing == 1
    assert (await claire.expect(CallRinging)).call_id == "call-fine-01"


async def test_a_newer_console_replaces_the_older_one(scene: Scene) -> None:
    first = await online(scene, "claire@habitat.test")
    second_cookie = scene.hub.login("claire@habitat.test")
    second = await adviser_client(scene.hub, second_cookie)
    code, _reason = await first.closed()
    assert code == 4409
    hello = await second.expect(AdviserHello)
    assert (hello.name, hello.partner, hello.topics, hello.available) == (
        "Claire",
        "Maison de l'Habitat 47 (démo)",
        ["employment", "housing"],
        False,  # every console starts switched off
    )


def _handshake(origin: str | None, host: str = "hub.local:8080") -> WebSocket:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    scope = {"type": "websocket", "path": "/ws/adviser/v1", "headers": headers, "scheme": "ws"}
    return WebSocket(scope, receive=None, send=None)  # type: ignore[arg-type]


def test_origin_rule_same_host_any_scheme_or_configured() -> None:
    allowed = ["https://console.gaia.example/"]
    assert ws_origin_allowed(_handshake("http://hub.local:8080"), allowed)
    assert ws_origin_allowed(_handshake("https://HUB.local:8080"), allowed)  # behind TLS proxy
    assert ws_origin_allowed(_handshake("https://console.gaia.example"), allowed)
    for origin in (None, "null", "", "https://hub.local.evil:8080", "http://hub.local:9999"):
        assert not ws_origin_allowed(_handshake(origin), allowed), origin
