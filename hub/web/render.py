"""Jinja2 rendering of the dashboard pages (autoescaping on, strict undefined)."""

from __future__ import annotations

import time
from functools import cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from hub import __version__
from hub.auth import CSRF_FIELD, Principal
from hub.web import formatting, labels


def url_with(base: str, params: dict[str, Any], **changes: Any) -> str:
    """`base` with the query `params` updated by `changes`; empty values are dropped."""
    merged = {**params, **changes}
    query = urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})
    return f"{base}?{query}" if query else base


def static_url(name: str) -> str:
    """URL of a static file, versioned so browsers refetch it after an upgrade."""
    return f"/static/{name}?v={__version__}"


@cache
def environment() -> Environment:
    """The shared Jinja2 environment (built on first use, not at import)."""
    env = Environment(
        loader=PackageLoader("hub.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        ago=formatting.ago,
        iso=formatting.iso,
        local=formatting.local_time,
        duration=formatting.duration,
        number=formatting.number,
        month_label=formatting.month_label,
    )
    env.globals.update(
        labels=labels,
        static=static_url,
        url_with=url_with,
        csrf_field=CSRF_FIELD,
        version=__version__,
    )
    return env


def render_fragment(name: str, **context: Any) -> str:
    """Render a template (or partial) to a string."""
    return environment().get_template(name).render(**context)


def render(
    request: Request,
    name: str,
    *,
    principal: Principal | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A full page: the template gets `request`, `principal`, `csrf`, `now` and `context`."""
    context.setdefault("nav", "")
    context.setdefault("open_alerts", None)
    context.setdefault("now", time.time())
    html = render_fragment(
        name,
        request=request,
        principal=principal,
        csrf=principal.csrf if principal and principal.csrf else "",
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
