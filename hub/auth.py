"""Staff authentication for the dashboard and the JSON API.

Two ways in:

- A browser logs in with e-mail and password and gets a server-side session: a
  random token in an HttpOnly, SameSite=Strict cookie, stored hashed in
  `web_sessions` (so every hub replica can check it), with its own CSRF token.
- Scripts send `Authorization: Bearer gaia_t_...` (table `api_tokens`). They are
  exempt from CSRF checks: a browser never adds that header by itself.

Every state-changing request made with the cookie must carry the session's CSRF
token (form field `csrf_token` or header `X-CSRF-Token`) and, when the browser
says where it comes from, an Origin/Referer of the hub itself or one of
`http.allowed_origins`.

Failed log-ins go to the audit log, which is also the rate limiter's memory:
shared by all replicas, nothing else to store. Passwords and tokens are never
logged.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, and_, delete, func, insert, select

from hub.accounts import Role, audit, hash_password, hash_token, verify_password
from hub.config import HttpConfig
from hub.errors import HubError
from hub.store import schema

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_WINDOW_S = 15 * 60
LOGIN_MAX_FAILURES = 5
ROLE_RANK = {Role.ADVISER: 0, Role.OPS: 1, Role.ADMIN: 2}


class AuthError(HubError):
    """A request refused by authentication or authorisation."""


class NotAuthenticated(AuthError):
    """No valid session or token: 401 for the API, a redirect to /login for pages."""


class Forbidden(AuthError):
    """Authenticated, but the role does not allow this (403)."""

    def __init__(self, principal: Principal) -> None:
        super().__init__(f"role {principal.role} not allowed")
        self.principal = principal


class CsrfRejected(AuthError):
    """A state-changing request without the session's CSRF token or from a foreign origin."""


class LoginFailed(AuthError):
    """Wrong e-mail or password (or a disabled account: the answer is the same)."""


class LoginThrottled(AuthError):
    """Too many failed log-ins for this e-mail from this address."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed log-ins; retry in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class Principal:
    """Who makes a request: a staff user (through a session) or an API token."""

    actor: str  # the user's e-mail, or "token:<name>"
    role: Role
    via: Literal["session", "token"]
    user_id: int | None = None
    csrf: str | None = None

    def allows(self, role: Role) -> bool:
        """True when this principal's role is `role` or above."""
        return ROLE_RANK[self.role] >= ROLE_RANK[role]


def cookie_name(http: HttpConfig) -> str:
    """The session cookie's name; `__Host-` prefixed (Secure, host-only) over HTTPS."""
    return "__Host-gaia_session" if http.secure_cookies else "gaia_session"


def _role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


@cache
def _dummy_hash() -> str:
    """A hash to verify against for unknown e-mails, so both cases cost the same."""
    return hash_password(secrets.token_urlsafe(16))


def login_failures(conn: Connection, email: str, ip: str, now: float | None = None) -> list[float]:
    """Times of the recent failed log-ins for `email` from `ip` since its last success."""
    now = time.time() if now is None else now
    a = schema.audit.c
    last_ok = (
        select(func.max(a.ts))
        .where(a.action == "login", a.target == email, a.detail == f"ip={ip}")
        .scalar_subquery()
    )
    rows = conn.execute(
        select(a.ts).where(
            a.action == "login.failed",
            a.target == email,
            a.detail == f"ip={ip}",
            a.ts >= now - LOGIN_WINDOW_S,
            a.ts > func.coalesce(last_ok, 0.0),
        )
    )
    return [r.ts for r in rows]


def normalise_email(email: str) -> str:
    """The form of an e-mail address accounts and limits are keyed on."""
    return email.strip().lower()[:200]


def login(
    engine: Engine,
    email: str,
    password: str,
    ip: str,
    *,
    session_hours: float,
    in_flight: int = 0,
) -> tuple[str, Principal]:
    """Check a password and open a session; returns (cookie token, principal).

    Raises LoginThrottled after LOGIN_MAX_FAILURES failures within LOGIN_WINDOW_S
    for this e-mail and address, counting the `in_flight` other attempts still
    being checked (the password is then not even checked), and LoginFailed for
    a wrong e-mail or password or a disabled account. Every outcome is audited.
    The slow password check runs outside any transaction. Call it through
    hub.login_guard, which bounds how many run and how often.
    """
    now = time.time()
    email = normalise_email(email)
    actor = email or "-"
    u = schema.users.c
    with engine.connect() as conn:
        failures = login_failures(conn, email, ip, now)
        row = conn.execute(
            select(u.id, u.password_hash, u.role, u.disabled).where(u.email == email)
        ).first()
    if len(failures) + in_flight >= LOGIN_MAX_FAILURES:
        with engine.begin() as conn:
            audit(conn, actor, "login.throttled", email, f"ip={ip}")
        oldest = min(failures) if failures else now
        raise LoginThrottled(max(int(oldest + LOGIN_WINDOW_S - now) + 1, 1))
    valid = verify_password(row.password_hash if row else _dummy_hash(), password)
    role = _role(row.role) if row else None
    if row is None or not valid or row.disabled or role is None:
        with engine.begin() as conn:
            audit(conn, actor, "login.failed", email, f"ip={ip}")
        raise LoginFailed("wrong e-mail or password")
    with engine.begin() as conn:
        conn.execute(delete(schema.web_sessions).where(schema.web_sessions.c.expires_at < now))
        token, csrf = create_session(conn, row.id, hours=session_hours, now=now)
        audit(conn, email, "login", email, f"ip={ip}")
    return token, Principal(actor=email, role=role, via="session", user_id=row.id, csrf=csrf)


def create_session(
    conn: Connection, user_id: int, *, hours: float, now: float | None = None
) -> tuple[str, str]:
    """Store a new session for `user_id`; returns (cookie token, CSRF token)."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    conn.execute(
        insert(schema.web_sessions).values(
            token_hash=hash_token(token),
            user_id=user_id,
            csrf=csrf,
            created_at=now,
            expires_at=now + hours * 3600,
        )
    )
    return token, csrf


def session_principal(conn: Connection, token: str, now: float | None = None) -> Principal | None:
    """The user behind a session cookie, or None (unknown, expired or disabled)."""
    now = time.time() if now is None else now
    s, u = schema.web_sessions.c, schema.users.c
    row = conn.execute(
        select(u.id, u.email, u.role, s.csrf)
        .select_from(schema.web_sessions.join(schema.users, u.id == s.user_id))
        .where(and_(s.token_hash == hash_token(token), s.expires_at > now, u.disabled.is_(False)))
    ).first()
    role = _role(row.role) if row else None
    if row is None or role is None:
        return None
    return Principal(actor=row.email, role=role, via="session", user_id=row.id, csrf=row.csrf)


def token_principal(conn: Connection, token: str) -> Principal | None:
    """The API token behind a bearer header, or None (unknown or revoked)."""
    t = schema.api_tokens.c
    row = conn.execute(
        select(t.name, t.role).where(t.token_hash == hash_token(token), t.revoked.is_(False))
    ).first()
    role = _role(row.role) if row else None
    if row is None or role is None:
        return None
    return Principal(actor=f"token:{row.name}", role=role, via="token")


def end_session(conn: Connection, token: str) -> None:
    """Delete a session: its cookie no longer works on any replica."""
    conn.execute(
        delete(schema.web_sessions).where(schema.web_sessions.c.token_hash == hash_token(token))
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else ""


def origin_allowed(request: Request, allowed: Iterable[str]) -> bool:
    """True unless the browser says the request comes from another site.

    The Origin header (or else the Referer's origin) must name this host, under
    any scheme (a TLS proxy may sit in front), or be one of `allowed` exactly.
    Without either header the request passes here; the CSRF token still applies.
    """
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if referer is None:
            return True
        origin = _origin(referer)
    else:
        origin = origin.strip().lower()
    if not origin or origin == "null":
        return False
    own_host = (request.headers.get("host") or request.url.netloc).lower()
    if urlsplit(origin).netloc == own_host:
        return True
    return origin in {a.strip().rstrip("/").lower() for a in allowed}


def current_principal(request: Request) -> Principal | None:
    """FastAPI dependency: the request's principal from a bearer token or the session cookie.

    A request with an Authorization header is judged on it alone (no fallback to
    the cookie).
    """
    services = request.app.state.services
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        with services.engine.connect() as conn:
            return token_principal(conn, token.strip())
    cookie = request.cookies.get(cookie_name(services.config.http))
    if not cookie:
        return None
    with services.engine.connect() as conn:
        return session_principal(conn, cookie)


MaybePrincipal = Annotated[Principal | None, Depends(current_principal)]


async def csrf_protect(request: Request, principal: MaybePrincipal) -> None:
    """Router-wide FastAPI dependency guarding every state-changing request.

    Bearer-token requests pass. Others must come from an allowed origin and, when
    made with a session cookie, carry that session's CSRF token.
    """
    if request.method in SAFE_METHODS:
        return
    if principal is not None and principal.via == "token":
        return
    allowed = request.app.state.services.config.http.allowed_origins
    if not origin_allowed(request, allowed):
        raise CsrfRejected("foreign origin")
    if principal is None:
        return  # no session to ride on; the route itself decides (log-in, or 401)
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not principal.csrf or not hmac.compare_digest(sent, principal.csrf):
        raise CsrfRejected("missing or wrong CSRF token")


def require(role: Role) -> Callable[[Principal | None], Principal]:
    """A FastAPI dependency admitting principals of `role` or above."""

    def dependency(principal: MaybePrincipal) -> Principal:
        if principal is None:
            raise NotAuthenticated("authentication required")
        if not principal.allows(role):
            raise Forbidden(principal)
        return principal

    dependency.__name__ = f"require_{role.value}"
    return dependency


@cache
def _networks(items: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(i, strict=False) for i in items)


def _trusted(address: str, networks: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client address behind `peer`: the right-most X-Forwarded-For entry that is
    not one of the `trusted` proxies, when the peer itself is one; else the peer."""
    networks = _networks(trusted)
    if not networks or not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",")[-16:] if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the client side: judge by the proxy
    return peer


def client_ip(request: Request) -> str:
    """The client address rate limits apply to (see forwarded_client, [http] trusted_proxies)."""
    peer = request.client.host if request.client else "unknown"
    trusted = tuple(request.app.state.services.config.http.trusted_proxies)
    return forwarded_client(peer, request.headers.get("x-forwarded-for"), trusted)
