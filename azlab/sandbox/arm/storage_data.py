"""What the storage gateway asks ARM's side about a bearer token: whose it is, what it may do.

A token for storage is one this sandbox issued for `https://storage.azure.com`
(the scope the storage SDKs ask for is its `/.default`) that has not expired.
Its principal may do what a role assigned at the account, or above it, or at
the container or queue, grants: `dataActions` minus `notDataActions` for
blobs and messages, `actions` for the rest, wildcards as ARM matches them.
The sandbox's own identity is held to the data actions too: Owner, which it
holds, lists none, as in Azure.

The gateway asks from its own thread; what is read here is copied first, so
ARM changing it meanwhile does no harm.
"""

from __future__ import annotations

from azlab.sandbox.arm.authorization import Authorization
from azlab.sandbox.arm.core import State
from azlab.sandbox.arm.directory import TENANT
from azlab.sandbox.arm.storage_accounts import ACCOUNT_TYPE
from azlab.sandbox.arm.tokens import TokenIssuer, TokenRejected
from azlab.sandbox.storage.data_actions import Needed
from azlab.sandbox.storage.gateway_bearer import AUDIENCE, TokenRefused

_DETAILS = {
    "ExpiredAuthenticationToken": "Lifetime validation failed. The token is expired.",
    "InvalidAuthenticationTokenAudience": "Audience validation failed. Audience did not match.",
}


class StorageDataAccess:
    tenant = TENANT

    def __init__(self, tokens: TokenIssuer, authorization: Authorization, state: State) -> None:
        self.tokens = tokens
        self.authorization = authorization
        self.state = state

    def principal(self, token: str) -> str:
        try:
            return self.tokens.check(token, (AUDIENCE,)).object_id
        except TokenRejected as rejected:
            detail = _DETAILS.get(
                rejected.code, "Signature validation failed. Signature is invalid."
            )
            raise TokenRefused(detail) from None

    def account_id(self, name: str) -> str | None:
        for resource in list(self.state.resources.values()):
            if (
                resource.get("type") == ACCOUNT_TYPE
                and str(resource["name"]).lower() == name.lower()
            ):
                return str(resource["id"])
        return None

    def allows(self, object_id: str, account: str, needed: Needed) -> bool:
        found = self.account_id(account)
        if found is None:
            return False
        scope = f"{found}/{needed.scope}" if needed.scope else found
        return any(
            self.authorization.grants_action(object_id, action, scope, data=needed.data)
            for action in needed.actions
        )
