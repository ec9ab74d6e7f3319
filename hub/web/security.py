"""Browser-facing protections of the dashboard: security headers and auth failures.

`WebRoute` is the route class of the dashboard router. It turns authentication
errors raised by dependencies into what a browser expects (a redirect to the
log-in page, a 403 page; JSON for the live-update endpoints) and puts a strict
Content-Security-Policy and friends on every page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.routing import APIRoute

from hub.auth import AuthError, CsrfRejected, Forbidden, NotAuthenticated
from hub.web.render import render

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)

PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def add_page_headers(response: Response) -> None:
    """Security headers for dashboard responses; private pages are never cached."""
    for name, value in PAGE_HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Cache-Control", "no-store")


def wants_json(request: Request) -> bool:
    """True for the dashboard's background (fetch) requests."""
    return request.url.path.endswith(".json") or "application/json" in request.headers.get(
        "accept", ""
    )


def safe_next(target: str | None) -> str:
    """A local path to return to after logging in (never another site).

    Browsers read backslashes as slashes and drop tabs and newlines, so
    "/\\evil" or "/\t/evil" would leave the site: any of those is refused.
    """
    if (
        not target
        or not target.startswith("/")
        or target.startswith("//")
        or any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target)
        or urlsplit(target).netloc
    ):
        return "/ops"
    return target


def auth_failure(request: Request, exc: AuthError) -> Response:
    """The browser-side answer to an authentication error."""
    if isinstance(exc, NotAuthenticated):
        if wants_json(request):
            return JSONResponse({"detail": "authentication required"}, status_code=401)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
    if isinstance(exc, CsrfRejected):
        message = (
            "Requête refusée par sécurité (jeton manquant, expiré ou origine inconnue). "
            "Rechargez la page et recommencez."
        )
        if wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=403)
        return render(
            request, "error.html", status_code=403, title="Requête refusée", message=message
        )
    principal = exc.principal if isinstance(exc, Forbidden) else None
    if wants_json(request):
        return JSONResponse({"detail": "forbidden for this role"}, status_code=403)
    return render(
        request,
        "error.html",
        principal=principal,
        status_code=403,
        title="Accès refusé",
        message=(
            "Votre compte n'a pas accès au tableau de bord d'exploitation "
            "(réservé aux rôles exploitation et administration)."
        ),
    )


class WebRoute(APIRoute):
    """Route class of the dashboard: auth errors become pages, headers are added."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler (see the module docstring)."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except AuthError as exc:
                response = auth_failure(request, exc)
            add_page_headers(response)
            return response

        return route_handler
