"""The managed identity endpoint, as App Service serves it: plain HTTP on loopback, a secret header.

Clients find it through `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, as
`az login --identity` and azure-identity's `ManagedIdentityCredential` do on
App Service: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...`
with `X-IDENTITY-HEADER`, answered with the token, its expiry (epoch seconds,
as a string), the resource, the token type and the identity's client id.
"""

from __future__ import annotations

import hmac
import secrets

from aiohttp import web

from azlab.sandbox.arm.directory import (
    IDENTITY_CLIENT_ID,
    IDENTITY_OBJECT_ID,
    IDENTITY_RESOURCE_ID,
)
from azlab.sandbox.arm.tokens import TokenIssuer

PATH = "/msi/token"
API_VERSIONS = ("2019-08-01",)
LIFETIME = 24 * 3600  # as long as App Service's managed identity tokens last
RESOURCE_ID = IDENTITY_RESOURCE_ID


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"statusCode": status, "message": message}, status=status)


class ManagedIdentity:
    def __init__(self, tokens: TokenIssuer, secret: str | None = None) -> None:
        self.tokens = tokens
        self.secret = secret or secrets.token_urlsafe(24)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(PATH, self.token)
        return app

    async def token(self, request: web.Request) -> web.Response:
        given = request.headers.get("X-IDENTITY-HEADER", "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return _refuse(401, "The X-IDENTITY-HEADER header is missing or not this endpoint's.")
        version = request.query.get("api-version", "")
        if version not in API_VERSIONS:
            return _refuse(400, f"The api-version '{version}' is not supported; use 2019-08-01.")
        resource = request.query.get("resource", "")
        if not resource:
            return _refuse(400, "The 'resource' parameter is required.")
        for name, ours in (
            ("client_id", IDENTITY_CLIENT_ID),
            ("object_id", IDENTITY_OBJECT_ID),
            ("principal_id", IDENTITY_OBJECT_ID),
            ("mi_res_id", RESOURCE_ID),
        ):
            asked = request.query.get(name)
            if asked is not None and asked.lower() != ours.lower():
                return _refuse(400, f"No managed identity with {name} '{asked}' is assigned here.")
        token, expires = self.tokens.issue(
            resource,
            object_id=IDENTITY_OBJECT_ID,
            client_id=IDENTITY_CLIENT_ID,
            lifetime=LIFETIME,
            extra={"xms_mirid": RESOURCE_ID},
        )
        return web.json_response(
            {
                "access_token": token,
                "expires_on": str(expires),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": IDENTITY_CLIENT_ID,
            }
        )
