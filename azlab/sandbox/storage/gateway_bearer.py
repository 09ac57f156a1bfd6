"""Requests signed with a bearer token: checked here, then signed with the account key.

Azurite knows nothing of tokens. A request with `Authorization: Bearer` is
let through when the token is one the sandbox issued for storage, it came
over HTTPS with `x-ms-version` 2017-11-09 or later (Azure's rules for
OAuth), and its principal's roles grant the operation's permission at the
account, container or queue (`data_actions`); the gateway then signs what
it forwards with the account's key. The roles are judged by ARM's side of
the sandbox through `DataAccess`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from aiohttp import web

from azlab.sandbox.storage.data_actions import Needed
from azlab.sandbox.storage.gateway_errors import storage_error

AUDIENCE = "https://storage.azure.com"
OAUTH_SINCE = "2017-11-09"
# Where a checked request keeps the key it is forwarded with (a typed key where aiohttp has them).
KEY: Any = getattr(web, "RequestKey", lambda name, _: name)("azlab_signing_key", str)
TENANT_AUTHORITY = "https://login.microsoftonline.com/{tenant}/oauth2/authorize"
PERMISSION_MISMATCH = (
    "This request is not authorized to perform this operation using this permission."
)


class TokenRefused(Exception):
    """A token storage does not accept; `detail` in Azure's words."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class DataAccess(Protocol):
    tenant: str

    def principal(self, token: str) -> str:
        """The object id of a current token for storage; TokenRefused otherwise."""
        ...

    def allows(self, object_id: str, account: str, needed: Needed) -> bool: ...


class BearerRefused(Exception):
    def __init__(self, answer: web.Response) -> None:
        self.answer = answer


def is_bearer(headers: Mapping[str, str]) -> bool:
    return headers.get("Authorization", "").lower().startswith("bearer ")


def _challenge(access: DataAccess | None, detail: str) -> BearerRefused:
    answer = storage_error(
        401,
        "InvalidAuthenticationInfo",
        "Server failed to authenticate the request. Please refer to the information in the "
        "www-authenticate header.",
        detail=detail,
    )
    tenant = access.tenant if access is not None else "common"
    answer.headers["WWW-Authenticate"] = (
        f"Bearer authorization_uri={TENANT_AUTHORITY.format(tenant=tenant)} resource_id={AUDIENCE}"
    )
    return BearerRefused(answer)


def check_bearer(
    access: DataAccess | None,
    request: web.Request,
    account: str,
    key: str | None,
    needed: Needed,
) -> str:
    """The account key to sign the forwarded request with; BearerRefused otherwise."""
    if request.scheme != "https":
        raise BearerRefused(
            storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request.",
                detail="Bearer tokens are accepted over HTTPS only.",
            )
        )
    version = request.headers.get("x-ms-version", "")
    if version < OAUTH_SINCE:
        raise BearerRefused(
            storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request.",
                detail="Authentication scheme Bearer is not supported in this version.",
            )
        )
    token = request.headers["Authorization"].partition(" ")[2].strip()
    if access is None or key is None:
        raise _challenge(access, "Issuer validation failed. Issuer did not match.")
    try:
        object_id = access.principal(token)
    except TokenRefused as refused:
        raise _challenge(access, refused.detail) from None
    if not access.allows(object_id, account, needed):
        raise BearerRefused(
            storage_error(403, "AuthorizationPermissionMismatch", PERMISSION_MISMATCH)
        )
    return key
