"""Job seekers: personal codes with a PIN, checked for kiosks, with lockouts.

- A PIN is stored as an argon2 hash (the hasher of staff passwords).
- `pin_attempts` wrong PINs in a row lock the code for `lock_minutes`; even the
  right PIN is refused until then. A good PIN resets the count.
- Failed identifies (unknown codes and wrong PINs alike, so the lock itself
  tells nothing) count against the kiosk that sent them: after
  `kiosk_unknown_codes` of them within `kiosk_window_minutes`, every identify
  from that kiosk is answered `locked` for `kiosk_lock_minutes`, so nobody can
  enumerate codes from a kiosk. The audit log is that limiter's memory (shared
  by hub replicas), as for staff log-ins.
- No oracle for valid codes: an unknown code gets the same answers as a known
  one with a wrong PIN, at the same cost. It costs the same argon2 check,
  counts its own wrong attempts (in the audit log, by `code_tag`), answers
  "attempts left" from that count and locks for `lock_minutes` after
  `pin_attempts`, exactly like a real code.

Nothing here logs or audits a first name, a phone, a PIN or a whole code: the
audit log names a code by a short hash (`code_tag`).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from functools import cache

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from hub.accounts import AccountError, audit, hash_password, hash_token, verify_password
from hub.config import KioskApiConfig
from hub.protocol.kiosk_api import (
    FirstName,
    IdentifyOutcome,
    IdentifyResult,
    PersonalCode,
    Phone,
    Pin,
)
from hub.store import schema

UNKNOWN_ACTION = "identify.unknown"  # a failed identify, against its kiosk
KIOSK_LOCK_ACTION = "identify.kiosk-locked"
UNKNOWN_CODE_ACTION = "identify.unknown-code"
UNKNOWN_CODE_LOCK_ACTION = "identify.unknown-code-locked"


class SeekerError(AccountError):
    """A refused seeker operation (bad code, PIN, name or phone); fit for the user."""


def code_tag(code: str) -> str:
    """A short, stable hash naming a personal code in the audit log (never the code)."""
    return "code#" + hashlib.sha256(f"gaia-seeker:{code}".encode()).hexdigest()[:12]


@cache
def _dummy_hash() -> str:
    """A PIN hash to check unknown codes against, so both cases cost the same."""
    return hash_password(secrets.token_urlsafe(8))


def _check(adapter: TypeAdapter[str], value: str, what: str) -> str:
    try:
        return adapter.validate_python(value)
    except ValidationError:
        raise SeekerError(f"invalid {what}") from None


_CODE = TypeAdapter(PersonalCode)
_PIN = TypeAdapter(Pin)
_NAME = TypeAdapter(FirstName)
_PHONE = TypeAdapter(Phone)


def normalise_phone(phone: str) -> str:
    """A phone number as the kiosk API carries it: spaces, dots and dashes removed."""
    return "".join(c for c in phone if c not in " .-")


def add_seeker(
    conn: Connection,
    code: str,
    pin: str,
    first_name: str,
    phone: str | None = None,
    *,
    actor: str = "cli",
    now: float | None = None,
) -> None:
    """Register a job seeker (code 6-10 digits, PIN 4-6 digits); raises SeekerError."""
    now = time.time() if now is None else now
    code = _check(_CODE, code.strip(), "personal code: 6 to 10 digits")
    pin = _check(_PIN, pin.strip(), "PIN: 4 to 6 digits")
    first_name = _check(_NAME, first_name.strip(), "first name")
    phone = _check(_PHONE, normalise_phone(phone), "phone number") if phone else None
    exists = conn.execute(select(schema.seekers.c.code).where(schema.seekers.c.code == code))
    if exists.first():
        raise SeekerError("this personal code is taken already")
    conn.execute(
        insert(schema.seekers).values(
            code=code,
            pin_hash=hash_password(pin),
            first_name=first_name,
            phone=phone,
            failed_pins=0,
            created_at=now,
        )
    )
    audit(conn, actor, "seeker.add", code_tag(code))


def unlock_seeker(conn: Connection, code: str, *, actor: str = "cli") -> None:
    """Lift a code's lock and forget its wrong PINs; raises SeekerError when unknown."""
    result = conn.execute(
        update(schema.seekers)
        .where(schema.seekers.c.code == code.strip())
        .values(failed_pins=0, locked_until=None)
    )
    if result.rowcount == 0:
        raise SeekerError("no job seeker with this personal code")
    audit(conn, actor, "seeker.unlock", code_tag(code.strip()))


@dataclass(frozen=True)
class SeekerRef:
    """Who a seeker reference names, resolved for a contact request."""

    code: str
    first_name: str
    phone: str | None


def resolve_ref(conn: Connection, ref: str, kiosk_id: str, now: float) -> SeekerRef | None:
    """The seeker behind a reference the same kiosk received, while it is valid."""
    r, s = schema.seeker_refs.c, schema.seekers.c
    row = conn.execute(
        select(s.code, s.first_name, s.phone)
        .select_from(schema.seeker_refs.join(schema.seekers, s.code == r.code))
        .where(r.ref_hash == hash_token(ref), r.kiosk_id == kiosk_id, r.expires_at > now)
    ).first()
    return SeekerRef(row.code, row.first_name, row.phone) if row else None


def purge_refs(conn: Connection, now: float) -> int:
    """Delete expired seeker references; returns how many."""
    result = conn.execute(delete(schema.seeker_refs).where(schema.seeker_refs.c.expires_at <= now))
    return max(result.rowcount, 0)


def _kiosk_lock_left(conn: Connection, kiosk_id: str, cfg: KioskApiConfig, now: float) -> int:
    """Seconds left of this kiosk's identify lock, 0 when not locked."""
    a = schema.audit.c
    locked_at = conn.execute(
        select(func.max(a.ts)).where(
            a.action == KIOSK_LOCK_ACTION,
            a.target == kiosk_id,
            a.ts > now - cfg.kiosk_lock_minutes * 60,
        )
    ).scalar()
    if locked_at is None:
        return 0
    return max(int(locked_at + cfg.kiosk_lock_minutes * 60 - now) + 1, 1)


def _count_unknown(conn: Connection, kiosk_id: str, cfg: KioskApiConfig, now: float) -> int:
    """Failed identifies from this kiosk within the window, since its last lock."""
    a = schema.audit.c
    last_lock = (
        select(func.max(a.ts))
        .where(a.action == KIOSK_LOCK_ACTION, a.target == kiosk_id)
        .scalar_subquery()
    )
    return int(
        conn.execute(
            select(func.count()).where(
                a.action == UNKNOWN_ACTION,
                a.target == kiosk_id,
                a.ts > now - cfg.kiosk_window_minutes * 60,
                a.ts > func.coalesce(last_lock, 0.0),
            )
        ).scalar_one()
    )


def _locked(retry_after_s: float) -> IdentifyResult:
    return IdentifyResult(result=IdentifyOutcome.LOCKED, retry_after_s=max(int(retry_after_s), 1))


def _unknown_code(conn: Connection, tag: str, cfg: KioskApiConfig, now: float) -> tuple[int, float]:
    """An unknown code's (wrong attempts since its last lock, seconds left of that lock)."""
    a = schema.audit.c
    locked_at = conn.execute(
        select(func.max(a.ts)).where(a.action == UNKNOWN_CODE_LOCK_ACTION, a.target == tag)
    ).scalar()
    left = (locked_at + cfg.lock_minutes * 60 - now) if locked_at is not None else 0.0
    failed = conn.execute(
        select(func.count()).where(
            a.action == UNKNOWN_CODE_ACTION,
            a.target == tag,
            a.ts > (locked_at if locked_at is not None else 0.0),
        )
    ).scalar_one()
    return int(failed), max(left, 0.0)


def identify(
    engine: Engine,
    kiosk_id: str,
    code: str,
    pin: str,
    cfg: KioskApiConfig,
    now: float | None = None,
) -> IdentifyResult:
    """Check a personal code and PIN for `kiosk_id` (see the module docstring).

    The slow argon2 check runs outside any transaction; call from a worker thread.
    """
    now = time.time() if now is None else now
    s = schema.seekers.c
    tag = code_tag(code)
    with engine.connect() as conn:
        kiosk_lock = _kiosk_lock_left(conn, kiosk_id, cfg, now)
        row = conn.execute(select(s.pin_hash, s.locked_until).where(s.code == code)).first()
        unknown = _unknown_code(conn, tag, cfg, now) if row is None else (0, 0.0)
    if kiosk_lock:
        return _locked(kiosk_lock)
    code_lock = (row.locked_until or 0) - now if row is not None else unknown[1]
    if code_lock > 0:
        return _locked(code_lock + 1)
    if row is None:
        verify_password(_dummy_hash(), pin)
        return _wrong_unknown(engine, kiosk_id, tag, cfg, now)
    if verify_password(row.pin_hash, pin):
        return _good_pin(engine, kiosk_id, code, cfg, now)
    with engine.begin() as conn:
        if (kiosk_locked := _kiosk_failure(conn, kiosk_id, cfg, now)) is not None:
            return kiosk_locked
        conn.execute(
            update(schema.seekers).where(s.code == code).values(failed_pins=s.failed_pins + 1)
        )
        failed = int(conn.execute(select(s.failed_pins).where(s.code == code)).scalar_one())
        if failed < cfg.pin_attempts:
            return IdentifyResult(
                result=IdentifyOutcome.WRONG, attempts_left=cfg.pin_attempts - failed
            )
        until = now + cfg.lock_minutes * 60
        conn.execute(
            update(schema.seekers).where(s.code == code).values(failed_pins=0, locked_until=until)
        )
        audit(conn, f"kiosk:{kiosk_id}", "seeker.locked", tag, f"kiosk={kiosk_id}", ts=now)
    return _locked(cfg.lock_minutes * 60)


def _kiosk_failure(
    conn: Connection, kiosk_id: str, cfg: KioskApiConfig, now: float
) -> IdentifyResult | None:
    """Count a failed identify against the kiosk; its `locked` answer once past the limit."""
    actor = f"kiosk:{kiosk_id}"
    audit(conn, actor, UNKNOWN_ACTION, kiosk_id, ts=now)
    if _count_unknown(conn, kiosk_id, cfg, now) < cfg.kiosk_unknown_codes:
        return None
    audit(conn, actor, KIOSK_LOCK_ACTION, kiosk_id, ts=now)
    return _locked(cfg.kiosk_lock_minutes * 60)


def _wrong_unknown(
    engine: Engine, kiosk_id: str, tag: str, cfg: KioskApiConfig, now: float
) -> IdentifyResult:
    """An unknown code answered as a known one with a wrong PIN (see the module docstring)."""
    actor = f"kiosk:{kiosk_id}"
    with engine.begin() as conn:
        if (kiosk_locked := _kiosk_failure(conn, kiosk_id, cfg, now)) is not None:
            return kiosk_locked
        audit(conn, actor, UNKNOWN_CODE_ACTION, tag, ts=now)
        failed, _ = _unknown_code(conn, tag, cfg, now)
        if failed < cfg.pin_attempts:
            return IdentifyResult(
                result=IdentifyOutcome.WRONG, attempts_left=cfg.pin_attempts - failed
            )
        audit(conn, actor, UNKNOWN_CODE_LOCK_ACTION, tag, ts=now)
    return _locked(cfg.lock_minutes * 60)


def _good_pin(
    engine: Engine, kiosk_id: str, code: str, cfg: KioskApiConfig, now: float
) -> IdentifyResult:
    s = schema.seekers.c
    ref = secrets.token_urlsafe(24)
    with engine.begin() as conn:
        conn.execute(
            update(schema.seekers)
            .where(s.code == code)
            .values(failed_pins=0, locked_until=None, last_seen_at=now)
        )
        conn.execute(
            insert(schema.seeker_refs).values(
                ref_hash=hash_token(ref),
                code=code,
                kiosk_id=kiosk_id,
                expires_at=now + cfg.ref_hours * 3600,
            )
        )
        row = conn.execute(select(s.first_name, s.phone).where(s.code == code)).one()
    return IdentifyResult(
        result=IdentifyOutcome.OK, first_name=row.first_name, ref=ref, has_phone=bool(row.phone)
    )
