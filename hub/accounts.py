"""Accounts and credentials: staff users, API tokens and kiosk registrations.

Secrets are shown once and stored hashed: passwords with argon2, random
tokens (256 bits, so a fast hash is enough) with SHA-256 for O(1) look-up.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, func, insert, select, update

from hub.broker import HUB_PREFIX, mosquitto_hash
from hub.errors import HubError
from hub.protocol.topics import valid_kiosk_id
from hub.store import schema


class Role(StrEnum):
    """Staff roles; admin can do everything ops can."""

    ADVISER = "adviser"
    OPS = "ops"
    ADMIN = "admin"


class AccountError(HubError, ValueError):
    """A refused account operation; the message is fit for the user."""


_hasher = PasswordHasher()
MIN_PASSWORD = 10


def hash_token(token: str) -> str:
    """SHA-256 hex of a random token (tokens are high-entropy, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(prefix: str) -> str:
    """A fresh secret token, prefixed so a leaked one is recognisable (gaia_k_, gaia_t_)."""
    return f"{prefix}{secrets.token_urlsafe(32)}"


def hash_password(password: str) -> str:
    """argon2id hash of a password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; never raises on a bad hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def audit(
    conn: Connection,
    actor: str,
    action: str,
    target: str = "",
    detail: str = "",
    *,
    ts: float | None = None,
) -> None:
    """Append to the audit log (remote commands and account changes); `ts` defaults to now."""
    conn.execute(
        insert(schema.audit).values(
            ts=time.time() if ts is None else ts,
            actor=actor,
            action=action,
            target=target,
            detail=detail[:400],
        )
    )


def add_user(conn: Connection, email: str, password: str, role: Role, actor: str = "cli") -> int:
    """Create a staff account; returns its id."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 200:
        raise AccountError(f"not an e-mail address: {email!r}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password too short: at least {MIN_PASSWORD} characters")
    if conn.execute(select(schema.users.c.id).where(schema.users.c.email == email)).first():
        raise AccountError(f"a user {email} exists already")
    result = conn.execute(
        insert(schema.users).values(
            email=email, password_hash=hash_password(password), role=role, created_at=time.time()
        )
    )
    audit(conn, actor, "user.add", email, f"role={role}")
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def add_api_token(conn: Connection, name: str, role: Role, actor: str = "cli") -> str:
    """Create a bearer token for scripts; returns the token (shown once)."""
    token = new_token("gaia_t_")
    conn.execute(
        insert(schema.api_tokens).values(
            name=name, role=role, token_hash=hash_token(token), created_at=time.time()
        )
    )
    audit(conn, actor, "token.add", name, f"role={role}")
    return token


@dataclass(frozen=True)
class ApiToken:
    """One API token as `gaia-hub token list` shows it (never the token itself)."""

    id: int
    name: str
    role: str
    created_at: float
    revoked: bool


def list_api_tokens(conn: Connection) -> list[ApiToken]:
    """Every API token, oldest first."""
    t = schema.api_tokens.c
    rows = conn.execute(select(t.id, t.name, t.role, t.created_at, t.revoked).order_by(t.id))
    return [ApiToken(r.id, r.name, r.role, r.created_at, bool(r.revoked)) for r in rows]


def revoke_api_token(conn: Connection, which: str, actor: str = "cli") -> ApiToken:
    """Revoke a token by its id or its name (a name two tokens share needs the id); it
    stops working at once (every request looks its token up)."""
    tokens = list_api_tokens(conn)
    found = [x for x in tokens if str(x.id) == which.strip()] or [
        x for x in tokens if x.name == which.strip() and not x.revoked
    ]
    if not found:
        raise AccountError(f"no API token {which!r} (gaia-hub token list)")
    if len(found) > 1:
        ids = ", ".join(str(x.id) for x in found)
        raise AccountError(f"several tokens are called {which!r}: give one id ({ids})")
    token = found[0]
    t = schema.api_tokens.c
    conn.execute(update(schema.api_tokens).where(t.id == token.id).values(revoked=True))
    audit(conn, actor, "token.revoke", token.name, f"id={token.id}")
    return ApiToken(token.id, token.name, token.role, token.created_at, True)


@dataclass(frozen=True)
class KioskRegistration:
    """What `gaia-hub kiosk add` hands to the person enrolling a kiosk."""

    kiosk_id: str
    token: str


def register_kiosk(
    conn: Connection, kiosk_id: str, site: str, territory: str, actor: str = "cli"
) -> KioskRegistration:
    """Register a kiosk (or re-key one seen as unregistered); returns its token once.

    The token is the kiosk's bearer token on the hub API and its MQTT password.
    """
    if not valid_kiosk_id(kiosk_id):
        raise AccountError(
            f"invalid kiosk id {kiosk_id!r}: lower-case letters, digits and dashes, 2-63 characters"
        )
    if kiosk_id.startswith(HUB_PREFIX):
        # The broker takes the user name as client id: a kiosk named like one of the
        # hub's identities would open (and knock off) the hub's own session.
        raise AccountError(f"invalid kiosk id {kiosk_id!r}: {HUB_PREFIX}… is reserved for the hub")
    from hub.territories import canonical

    token = new_token("gaia_k_")
    territory = canonical(conn, territory)
    values = {
        "site": " ".join(site.split()),
        "territory": territory,
        "registered": True,
        "token_hash": hash_token(token),
        "mqtt_hash": mosquitto_hash(token),
        "registered_at": time.time(),
    }
    row = conn.execute(
        select(schema.kiosks.c.registered).where(schema.kiosks.c.id == kiosk_id)
    ).first()
    if row is not None and row.registered:
        raise AccountError(f"kiosk {kiosk_id} is registered already (revoke it first)")
    if row is None:
        conn.execute(insert(schema.kiosks).values(id=kiosk_id, **values))
    else:
        conn.execute(update(schema.kiosks).where(schema.kiosks.c.id == kiosk_id).values(**values))
    bump_credentials(conn)
    audit(conn, actor, "kiosk.add", kiosk_id, f"site={site} territory={territory}")
    return KioskRegistration(kiosk_id, token)


def revoke_kiosk(conn: Connection, kiosk_id: str, actor: str = "cli") -> None:
    """Withdraw a kiosk's credentials; it can no longer connect or call the API."""
    result = conn.execute(
        update(schema.kiosks)
        .where(schema.kiosks.c.id == kiosk_id, schema.kiosks.c.registered.is_(True))
        .values(registered=False, token_hash=None, mqtt_hash=None)
    )
    if result.rowcount == 0:
        raise AccountError(f"no registered kiosk {kiosk_id}")
    bump_credentials(conn)
    audit(conn, actor, "kiosk.revoke", kiosk_id)


def rotate_kiosk(conn: Connection, kiosk_id: str, actor: str = "cli") -> KioskRegistration:
    """Give a registered kiosk a new token (its MQTT password too); the old one stops
    working everywhere at once (a cloned SD card, a leaked token). Returns it once."""
    token = new_token("gaia_k_")
    result = conn.execute(
        update(schema.kiosks)
        .where(schema.kiosks.c.id == kiosk_id, schema.kiosks.c.registered.is_(True))
        .values(token_hash=hash_token(token), mqtt_hash=mosquitto_hash(token), clone_seen_at=None)
    )
    if result.rowcount == 0:
        raise AccountError(f"no registered kiosk {kiosk_id}")
    bump_credentials(conn)
    audit(conn, actor, "kiosk.rotate", kiosk_id)
    return KioskRegistration(kiosk_id, token)


def bump_credentials(conn: Connection) -> None:
    """Mark kiosk credentials as changed, so the managed broker reloads them."""
    key = schema.meta.c.key
    current = conn.execute(select(schema.meta.c.value).where(key == "credentials_version")).scalar()
    if current is None:
        conn.execute(insert(schema.meta).values(key="credentials_version", value="1"))
    else:
        conn.execute(
            update(schema.meta)
            .where(key == "credentials_version")
            .values(value=str(int(current) + 1))
        )


def credentials_version(conn: Connection) -> str:
    """The current credentials version (see bump_credentials)."""
    value = conn.execute(
        select(schema.meta.c.value).where(schema.meta.c.key == "credentials_version")
    ).scalar()
    return value or "0"


def kiosk_mqtt_users(conn: Connection) -> dict[str, str]:
    """Registered kiosks' MQTT users: kiosk id -> mosquitto hash."""
    rows = conn.execute(
        select(schema.kiosks.c.id, schema.kiosks.c.mqtt_hash).where(
            schema.kiosks.c.registered.is_(True), schema.kiosks.c.mqtt_hash.is_not(None)
        )
    )
    return {r.id: r.mqtt_hash for r in rows}


def kiosk_for_token(conn: Connection, token: str) -> str | None:
    """The registered kiosk id a kiosk token belongs to, or None."""
    return conn.execute(
        select(schema.kiosks.c.id).where(
            schema.kiosks.c.token_hash == hash_token(token), schema.kiosks.c.registered.is_(True)
        )
    ).scalar()


def count_users(conn: Connection) -> int:
    """How many staff accounts exist."""
    return int(conn.execute(select(func.count()).select_from(schema.users)).scalar_one())
