"""The managed identity endpoint, as App Service serves it: plain HTTP on loopback, a secret header.

Clients find it through `IDENTITY_ENDPOINT` and `IDENTITY_HEADER`, as
`az login --identity` and azure-identity's `ManagedIdentityCredential` do on
App Service: `GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=...`
with `X-IDENTITY-HEADER`, answered with the token, its expiry (epoch seconds,
as a string), the resource, the token type and the identity's client id.

The header says whose token it is: the sandbox's own secret signs in as the
sandbox's identity; each managed identity the sandbox made (a Function app's,
an Automation account's) has a secret of its own (`secret_for`), derived
from the sandbox's, under which the same endpoint issues that identity's
tokens (`oid`, `appid`, `xms_mirid` its own), which ARM then holds to the
identity's role assignments.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from aiohttp import web

from azlab.sandbox.arm.directory import IDENTITY_RESOURCE_ID
from azlab.sandbox.arm.principals import SANDBOX_PRINCIPAL, Principal, Principals
from azlab.sandbox.arm.tokens import TokenIssuer

PATH = "/msi/token"
API_VERSIONS = ("2019-08-01",)
LIFETIME = 24 * 3600  # as long as App Service's managed identity tokens last
RESOURCE_ID = IDENTITY_RESOURCE_ID


def _refuse(status: int, message: str) -> web.Response:
    return web.json_response({"statusCode": status, "message": message}, status=status)


class ManagedIdentity:
    def __init__(
        self, tokens: TokenIssuer, principals: Principals | None = None, secret: str | None = None
    ) -> None:
        self.tokens = tokens
        self.principals = principals
        self.secret = secret or secrets.token_urlsafe(24)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(PATH, self.token)
        return app

    def secret_for(self, principal: Principal) -> str:
        """The `X-IDENTITY-HEADER` that signs in as `principal`."""
        if principal.is_sandbox:
            return self.secret
        digest = hmac.new(self.secret.encode(), principal.object_id.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:24]).decode()

    def described(self, object_id: str, endpoint: str) -> tuple[int, dict[str, Any]]:
        """How to sign in as one managed identity (or, without an id, each): the endpoint
        and its secret header, with the identity's ids; for the control API."""

        def one(principal: Principal) -> dict[str, str]:
            return {
                "principalId": principal.object_id,
                "clientId": principal.client_id,
                "resourceId": principal.resource_id,
                "endpoint": endpoint,
                "header": self.secret_for(principal),
            }

        if self.principals is None:
            return 404, {"error": "this endpoint serves the sandbox's identity only"}
        if not object_id:
            return 200, {"value": [one(p) for p in self.principals.all()]}
        principal = self.principals.get(object_id)
        if principal is None:
            return 404, {"error": f"no identity {object_id!r}"}
        return 200, one(principal)

    def _principal(self, given: str) -> Principal | None:
        candidates = [SANDBOX_PRINCIPAL]
        if self.principals is not None:
            candidates = self.principals.all()
        for principal in candidates:
            if hmac.compare_digest(given.encode(), self.secret_for(principal).encode()):
                return principal
        return None

    async def token(self, request: web.Request) -> web.Response:
        principal = self._principal(request.headers.get("X-IDENTITY-HEADER", ""))
        if principal is None:
            return _refuse(401, "The X-IDENTITY-HEADER header is missing or not this endpoint's.")
        version = request.query.get("api-version", "")
        if version not in API_VERSIONS:
            return _refuse(400, f"The api-version '{version}' is not supported; use 2019-08-01.")
        resource = request.query.get("resource", "")
        if not resource:
            return _refuse(400, "The 'resource' parameter is required.")
        for name, ours in (
            ("client_id", principal.client_id),
            ("object_id", principal.object_id),
            ("principal_id", principal.object_id),
            ("mi_res_id", principal.resource_id),
        ):
            asked = request.query.get(name)
            if asked is not None and asked.lower() != ours.lower():
                return _refuse(400, f"No managed identity with {name} '{asked}' is assigned here.")
        token, expires = self.tokens.issue(
            resource,
            object_id=principal.object_id,
            client_id=principal.client_id,
            lifetime=LIFETIME,
            extra={"xms_mirid": principal.resource_id},
        )
        return web.json_response(
            {
                "access_token": token,
                "expires_on": str(expires),
                "resource": resource,
                "token_type": "Bearer",
                "client_id": principal.client_id,
            }
        )
