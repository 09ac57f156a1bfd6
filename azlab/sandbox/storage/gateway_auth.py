"""Who may make the requests the gateway rewrites before Azurite sees them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING

from aiohttp import web

from azlab.sandbox.storage import sharedkey
from azlab.sandbox.storage.gateway_bearer import KEY
from azlab.sandbox.storage.gateway_errors import storage_error

if TYPE_CHECKING:
    from azlab.sandbox.storage.gateway import StorageGateway


class Refused(Exception):
    """Carries the error answer a check ended with."""

    def __init__(self, answer: web.Response) -> None:
        self.answer = answer


AUTH_FAILED = (
    "Server failed to authenticate the request. Make sure the value of Authorization header "
    "is formed correctly including the signature."
)


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def expired_sas(query: Mapping[str, str], *, code: str = "AuthenticationFailed") -> Refused | None:
    """Azure's refusal of a SAS past its expiry (`se`), or before its start (`st`).

    Azurite answers the same SAS with a bare 403 `AuthorizationFailure`; Azure names the
    time frame, which is what a client needs to tell an expired SAS from a wrong one.
    """
    if "sig" not in query:
        return None
    now = datetime.now(timezone.utc)
    start, expiry = _when(query.get("st")), _when(query.get("se"))
    if (expiry is None or now < expiry) and (start is None or now >= start):
        return None

    def http(when: datetime | None) -> str:
        return format_datetime(when, usegmt=True) if when else ""

    detail = (
        f"Signature not valid in the specified time frame: Start [{http(start)}] - "
        f"Expiry [{http(expiry)}] - Current [{http(now)}]"
    )
    return Refused(storage_error(403, code, AUTH_FAILED, detail=detail))


def authorize(gateway: StorageGateway, request: web.Request, account: str) -> str | None:
    """The account key to sign forwarded requests with, or None for SAS (Azurite checks it:
    a SAS signs no headers, so it survives the rewrite)."""
    if KEY in request:  # a bearer token, checked on arrival
        return str(request[KEY])
    if "sig" in request.query:
        return None
    key = gateway.accounts.get(account)
    authorization = request.headers.get("Authorization", "")
    if key is None or not authorization:
        raise Refused(
            storage_error(
                401 if not authorization else 403,
                "NoAuthenticationInformation" if not authorization else "AuthenticationFailed",
                "Server failed to authenticate the request.",
            )
        )
    if not sharedkey.verify(
        authorization,
        request.method,
        account,
        request.raw_path.split("?", 1)[0],
        dict(request.query),
        dict(request.headers),
        key,
    ):
        raise Refused(
            storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of "
                "Authorization header is formed correctly including the signature.",
            )
        )
    return key
