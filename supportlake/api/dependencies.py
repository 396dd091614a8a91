"""Shared dependencies of the routes: the app's state, the API key, the rate limit.

Who may do what (docs/operations.md): anyone may ask for predictions, within the per-client
rate limit; an Urgent prediction escalates only for a caller with the X-API-Key or from an
allowed address; /feedback and, by default, /similar-tickets and /recommend-resolution need
the key.

The dependencies are `async def` although they never wait: FastAPI runs a plain `def`
dependency in a worker thread, and two thread hand-offs per request cost more CPU than the
checks themselves.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyHeader

from supportlake.api.state import ApiState

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
ApiKey = Annotated[str | None, Security(api_key_header)]


def api_state(request: Request) -> ApiState:
    return request.app.state.api


def client_address(request: Request) -> str:
    """The caller's address as uvicorn sees it (behind a proxy: --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


async def within_rate_limit(request: Request) -> None:
    rate_limit = api_state(request).rate_limit
    client = client_address(request)
    wait = rate_limit.retry_after(client)
    if wait is not None:
        raise HTTPException(
            429,
            f"rate limit of {rate_limit} per client reached for {client}: retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


async def require_api_key(request: Request, key: ApiKey) -> None:
    check_api_key(request, key)


def check_api_key(request: Request, key: str | None) -> None:
    expected = api_state(request).settings.api_key
    if not expected:
        raise HTTPException(
            403, "write endpoints are disabled: set SUPPORTLAKE_API_KEY on the server"
        )
    if not key or not hmac.compare_digest(key.encode(), expected.encode()):
        raise HTTPException(
            401, "missing or wrong X-API-Key header", headers={"WWW-Authenticate": "APIKey"}
        )


async def may_escalate(request: Request, key: ApiKey) -> bool:
    """Escalations page people: only a caller with the key (a wrong key is refused, not
    ignored) or from an address in settings.api_escalation_allow."""
    if key is not None:
        check_api_key(request, key)
        return True
    return client_address(request) in api_state(request).escalation_allow


async def similar_access(request: Request, key: ApiKey) -> None:
    """Reading resolved tickets needs the key unless settings.api_similar_requires_key is off."""
    if api_state(request).settings.api_similar_requires_key:
        check_api_key(request, key)
