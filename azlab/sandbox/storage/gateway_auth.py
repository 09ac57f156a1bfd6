"""Who may make the requests the gateway rewrites before Azurite sees them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from azlab.sandbox.storage import sharedkey
from azlab.sandbox.storage.gateway_errors import storage_error

if TYPE_CHECKING:
    from azlab.sandbox.storage.gateway import StorageGateway


class Refused(Exception):
    """Carries the error answer a check ended with."""

    def __init__(self, answer: web.Response) -> None:
        self.answer = answer


def authorize(gateway: StorageGateway, request: web.Request, account: str) -> str | None:
    """The account key to sign forwarded requests with, or None for SAS (Azurite checks it:
    a SAS signs no headers, so it survives the rewrite)."""
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
