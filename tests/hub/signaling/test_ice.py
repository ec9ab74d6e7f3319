"""ICE servers and TURN credentials in coturn's use-auth-secret scheme."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hub.config import IceConfig
from hub.signaling.ice import ice_servers, turn_credential, verify_turn_credential

SECRET = "turn-shared-secret"


def test_turn_credentials_follow_coturns_rest_scheme() -> None:
    username, credential = turn_credential(SECRET, "call-000001", 1_800_000_000)
    assert username == "1800000000:call-000001"
    expected = hmac.new(SECRET.encode(), username.encode(), hashlib.sha1).digest()
    assert base64.b64decode(credential) == expected


def test_minted_credentials_verify_until_they_expire() -> None:
    config = IceConfig(
        stun_urls=["stun:stun.example:3478"],
        turn_urls=["turn:turn.example:3478?transport=udp", "turns:turn.example:5349"],
        turn_secret=SECRET,
        turn_ttl_s=600,
    )
    stun, turn = ice_servers(config, "call-000001", now=1_000_000)
    assert stun.urls == ["stun:stun.example:3478"] and stun.username is None
    assert turn.urls == config.turn_urls
    assert turn.username == "1000600:call-000001" and turn.credential
    assert verify_turn_credential(SECRET, turn.username, turn.credential, now=1_000_599)
    assert not verify_turn_credential(SECRET, turn.username, turn.credential, now=1_000_600)


def test_forged_or_altered_credentials_fail() -> None:
    username, credential = turn_credential(SECRET, "call-000001", 2_000_000)
    assert not verify_turn_credential("another-secret", username, credential, now=1_000_000)
    assert not verify_turn_credential(SECRET, "2999999:call-000001", credential, now=1_000_000)
    assert not verify_turn_credential(SECRET, username, "AAAA" + credential[4:], now=1_000_000)
    assert not verify_turn_credential(SECRET, "call-000001", credential, now=1_000_000)
    assert not verify_turn_credential("", username, credential, now=1_000_000)


def test_no_turn_without_a_secret_and_the_secret_is_never_shown() -> None:
    assert ice_servers(IceConfig(turn_urls=["turn:turn.example:3478"]), "call-000001") == []
    assert ice_servers(IceConfig(), "call-000001") == []
    config = IceConfig(turn_urls=["turn:t.example"], turn_secret=SECRET)
    assert SECRET not in repr(config)
    assert SECRET not in str(ice_servers(config, "call-000001"))
