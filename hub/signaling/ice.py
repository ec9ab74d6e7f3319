"""ICE servers for a call: STUN from config, TURN with credentials minted per call.

TURN credentials follow coturn's `use-auth-secret` REST scheme (coturn started
with `use-auth-secret` and `static-auth-secret=<[ice] turn_secret>`):

    username   = "<unix expiry>:<call_id>"
    credential = base64(HMAC-SHA1(secret, username))

coturn accepts them until the expiry; nothing is stored. The secret is never
logged nor put in any message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from hub.config import IceConfig
from hub.protocol.signaling import IceServer


def turn_credential(secret: str, name: str, expires_at: float) -> tuple[str, str]:
    """(username, credential) valid until `expires_at` (epoch seconds) for `name`."""
    username = f"{int(expires_at)}:{name}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def verify_turn_credential(
    secret: str, username: str, credential: str, now: float | None = None
) -> bool:
    """True when `credential` was minted with `secret` for `username` and has not expired.

    This is the check coturn makes; forged, altered or expired credentials fail.
    """
    if not secret:
        return False
    expiry, sep, _name = username.partition(":")
    if not sep or not expiry.isdigit():
        return False
    now = time.time() if now is None else now
    if int(expiry) <= now:
        return False
    expected = turn_credential(secret, _name, int(expiry))[1]
    return hmac.compare_digest(expected.encode(), credential.encode())


def turn_enabled(config: IceConfig) -> bool:
    """True when TURN urls and a secret are configured (urls without a secret are unusable)."""
    return bool(config.turn_urls and config.turn_secret)


def ice_servers(config: IceConfig, call_id: str, now: float | None = None) -> list[IceServer]:
    """The ICE servers for one call: STUN as configured, TURN with fresh credentials."""
    servers: list[IceServer] = []
    if config.stun_urls:
        servers.append(IceServer(urls=list(config.stun_urls)))
    if turn_enabled(config):
        now = time.time() if now is None else now
        username, credential = turn_credential(config.turn_secret, call_id, now + config.turn_ttl_s)
        servers.append(
            IceServer(urls=list(config.turn_urls), username=username, credential=credential)
        )
    return servers
