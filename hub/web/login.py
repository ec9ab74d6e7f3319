"""Log-in and log-out pages: server-side sessions in the database (see hub.auth)."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Form, Request, Response
from fastapi.responses import RedirectResponse

from hub.accounts import Role, audit
from hub.auth import (
    LoginFailed,
    LoginThrottled,
    MaybePrincipal,
    Principal,
    client_ip,
    cookie_name,
    end_session,
    login,
    normalise_email,
)
from hub.login_guard import Refused
from hub.web.deps import page_router, services_of
from hub.web.render import render
from hub.web.security import safe_next

router = page_router()
REFUSAL_PAUSE_S = 1.0


def _adviser_page(path: str) -> bool:
    """True for the pages an adviser may see (the call console, the contact requests)."""
    return path in ("/requests", "/console") or path.startswith(
        ("/requests?", "/requests/", "/console?")
    )


@router.get("/login")
def login_page(request: Request, principal: MaybePrincipal, next: str = "/ops") -> Response:
    """The log-in form (straight to `next` when already logged in with access)."""
    if principal is not None and (principal.allows(Role.OPS) or _adviser_page(safe_next(next))):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(
        request,
        "login.html",
        principal=principal,
        nav="login",
        next=safe_next(next),
        email="",
        error="",
        error_level="bad",
    )


@router.post("/login")
async def login_submit(
    request: Request,
    principal: MaybePrincipal,
    email: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ops",
) -> Response:
    """Check the credentials, set the session cookie and go to `next`."""
    services = services_of(request)
    target = safe_next(next)

    def again(
        status: int, error: str, level: str, headers: dict[str, str] | None = None
    ) -> Response:
        return render(
            request,
            "login.html",
            principal=principal,
            nav="login",
            next=target,
            email=email,
            error=error,
            error_level=level,
            status_code=status,
            headers=headers,
        )

    ip = client_ip(request)
    key = normalise_email(email)
    guard = services.login_guard

    def check() -> tuple[str, Principal]:
        return login(
            services.engine,
            key,
            password,
            ip,
            session_hours=services.config.http.session_hours,
            in_flight=guard.pending(key, ip) - 1,
        )

    try:
        token, who = await guard.run(key, ip, check)
    except Refused as exc:
        services.metrics.http_refused.labels(reason=f"login-{exc.reason}").inc()
        # A second's pause before the refusal: a flood's loop slows to the pace of its
        # connections instead of costing the hub a page for every try.
        await asyncio.sleep(REFUSAL_PAUSE_S)
        seconds = exc.retry_after_s
        wait = f"{seconds} secondes" if seconds < 90 else f"{round(seconds / 60)} minutes"
        return again(
            429 if exc.reason != "busy" else 503,
            "Trop de tentatives de connexion en ce moment. Par sécurité, patientez "
            f"{wait} avant de réessayer.",
            "warn",
            {"Retry-After": str(seconds)},
        )
    except LoginThrottled as exc:
        minutes = max(1, round(exc.retry_after_s / 60))
        return again(
            429,
            "Trop de tentatives de connexion infructueuses. Par sécurité, patientez "
            f"{minutes} minute{'s' if minutes > 1 else ''} avant de réessayer.",
            "warn",
            {"Retry-After": str(exc.retry_after_s)},
        )
    except LoginFailed:
        return again(401, "Adresse e-mail ou mot de passe incorrect.", "bad")
    if not who.allows(Role.OPS) and not _adviser_page(target):
        target = "/console"  # an adviser's home: the fleet pages are not theirs
    response = RedirectResponse(target, status_code=303)
    http = services.config.http
    response.set_cookie(
        cookie_name(http),
        token,
        max_age=int(http.session_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=http.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(request: Request, principal: MaybePrincipal) -> Response:
    """End the session on every replica and clear the cookie."""
    services = services_of(request)
    http = services.config.http
    token = request.cookies.get(cookie_name(http))
    if token:
        with services.engine.begin() as conn:
            end_session(conn, token)
            if principal is not None:
                audit(conn, principal.actor, "logout", principal.actor)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        cookie_name(http), path="/", secure=http.secure_cookies, httponly=True, samesite="strict"
    )
    return response
