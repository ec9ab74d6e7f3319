"""The kiosk's HTTPS client for the hub's kiosk API (hub.protocol.kiosk_api).

`HubClient` implements the controller's `HubApi` port with one `httpx.AsyncClient`
(keep-alive, TLS verification on, the kiosk's bearer token). Every failure maps to
the port's two errors, so the controller needs no knowledge of HTTP:

- no connection, a timeout, a TLS failure, a 5xx or an invalid answer → `HubUnreachable`;
- a 4xx → `HubRejected(status, detail)`; a 429 → `HubThrottled(retry_after_s)`.

Bodies may hold personal data (a PIN going out, a first name coming back): they
are never logged, and neither are the hub's validation details, which echo the
input (FastAPI's 422 lists each bad field with its value).
"""

from __future__ import annotations

import logging
import ssl
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from hub.protocol.kiosk_api import (
    KIOSK_API_PREFIX,
    Catalog,
    ContactRequest,
    ContactRequestAccepted,
    IdentifyRequest,
    IdentifyResult,
)
from kiosk.controller.ports import HubRejected, HubThrottled, HubUnreachable

log = logging.getLogger(__name__)

_Body = TypeVar("_Body", bound=BaseModel)

MAX_DETAIL_CHARS = 200
"""A 4xx detail longer than this is cut: it is shown to ops, never to a job seeker."""


class HubClient:
    """The hub's kiosk API over HTTPS, as the `HubApi` port.

    Nothing connects until the first call; `aclose()` releases the connections.
    `verify` is httpx's: True (the system's CAs), a CA bundle path or an SSLContext.
    """

    def __init__(
        self,
        url: str,
        token: str,
        timeout_s: float = 8.0,
        *,
        verify: bool | str | ssl.SSLContext = True,
    ) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(
            base_url=self.url + KIOSK_API_PREFIX,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_s),
            verify=verify,
            follow_redirects=False,
        )

    async def catalog(self) -> Catalog:
        """The hub's current catalog."""
        return await self._call("GET", "/catalog", None, Catalog)

    async def identify(self, request: IdentifyRequest) -> IdentifyResult:
        """Check a personal code and its PIN (the outcome is in the result, HTTP 200)."""
        return await self._call("POST", "/identify", request, IdentifyResult)

    async def send_request(self, request: ContactRequest) -> None:
        """Deliver a contact request; a replay of the same id is accepted again."""
        accepted = await self._call("POST", "/requests", request, ContactRequestAccepted)
        if accepted.id != request.id:
            log.warning("hub acknowledged another request id on /requests")
            raise HubUnreachable("hub acknowledged another request")

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> HubClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def _call(
        self, method: str, path: str, body: BaseModel | None, answer: type[_Body]
    ) -> _Body:
        """Send one request and validate the answer; map every failure to a port error."""
        content = body.model_dump_json().encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if content is not None else None
        try:
            response = await self._client.request(method, path, content=content, headers=headers)
        except httpx.TimeoutException:
            log.warning("hub timed out on %s %s", method, path)
            raise HubUnreachable("timeout") from None
        except httpx.HTTPError as exc:
            # ConnectError, TLS errors (ConnectError too), protocol errors, resets...
            log.warning("hub unreachable on %s %s: %s", method, path, type(exc).__name__)
            raise HubUnreachable(type(exc).__name__) from None
        status = response.status_code
        if not (200 <= status < 300 or 400 <= status < 500):  # 5xx, or a redirect
            log.warning("hub answered %d on %s %s", status, method, path)
            raise HubUnreachable(f"HTTP {status}")
        if status == 429:
            retry = _retry_after(response)
            log.warning("hub asked this kiosk to slow down on %s %s: %d s", method, path, retry)
            raise HubThrottled(retry, _detail(response))
        if 400 <= status < 500:
            detail = _detail(response)
            log.warning("hub refused %s %s: %d %s", method, path, status, detail)
            raise HubRejected(status, detail)
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            # The error text would quote the body (names, refs): log counts only.
            log.warning(
                "invalid answer from hub on %s %s: %d error(s)", method, path, exc.error_count()
            )
            raise HubUnreachable("invalid answer") from None


MAX_RETRY_AFTER_S = 3600


def _retry_after(response: httpx.Response) -> int:
    """The Retry-After seconds of a 429 (1 to MAX_RETRY_AFTER_S; 60 when absent or odd)."""
    try:
        value = int(response.headers.get("retry-after", "60"))
    except ValueError:
        value = 60
    return min(max(value, 1), MAX_RETRY_AFTER_S)


def _detail(response: httpx.Response) -> str:
    """A short, personal-data-free summary of a 4xx body's `detail`."""
    try:
        data: Any = response.json()
    except ValueError:
        return ""
    detail = data.get("detail") if isinstance(data, dict) else None
    if isinstance(detail, str):
        return detail[:MAX_DETAIL_CHARS]
    if isinstance(detail, list):
        # FastAPI validation errors: keep where, drop the input values.
        fields = []
        for item in detail[:5]:
            loc = item.get("loc") if isinstance(item, dict) else None
            if isinstance(loc, list):
                fields.append(".".join(str(part) for part in loc))
        return ("invalid: " + ", ".join(fields))[:MAX_DETAIL_CHARS] if fields else "invalid"
    return ""
