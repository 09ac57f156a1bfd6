"""Subscription-level reads: subscriptions, tenants and locations, as `az login` and `az account` use them.

The sandbox has one tenant and one subscription of its own; a subscription
that holds resources (tests may pick any id) is listed too.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import ArmError, Json, Reply, Request, State
from azlab.sandbox.arm.directory import (
    SUBSCRIPTION,
    SUBSCRIPTION_NAME,
    TENANT,
    TENANT_DOMAIN,
    TENANT_NAME,
)
from azlab.sandbox.arm.regions import REGIONS
from azlab.sandbox.arm.routes import Route, route
from azlab.sandbox.arm.tags import subscription_tags


def subscription(sub: str) -> Json:
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": TENANT,
        "displayName": SUBSCRIPTION_NAME if sub == SUBSCRIPTION else f"{SUBSCRIPTION_NAME} {sub}",
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
    }


def tenant() -> Json:
    return {
        "id": f"/tenants/{TENANT}",
        "tenantId": TENANT,
        "tenantCategory": "Home",
        "countryCode": "US",
        "displayName": TENANT_NAME,
        "domains": [TENANT_DOMAIN],
        "defaultDomain": TENANT_DOMAIN,
        "tenantType": "AAD",
    }


class Subscriptions:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            route("GET", "/subscriptions", self.list),
            route("GET", "/subscriptions/{sub}", self.get),
            route("GET", "/subscriptions/{sub}/locations", self.locations),
            route("GET", "/tenants", self.tenants),
        ]

    def known(self) -> list[str]:
        found = {SUBSCRIPTION}
        for key in self.state.resources:
            # lower-cased ids: /subscriptions/{id}/...
            found.add(key.split("/", 3)[2])
        return sorted(found, key=lambda s: (s != SUBSCRIPTION, s))

    def _check(self, sub: str) -> str:
        for known in self.known():
            if known.lower() == sub.lower():
                return known
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")

    def list(self, req: Request, p: dict[str, str]) -> Reply:
        subs = [self._with_tags(s) for s in self.known()]
        return Reply(200, {"count": {"type": "Total", "value": len(subs)}, "value": subs})

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._with_tags(self._check(p["sub"])))

    def _with_tags(self, sub: str) -> Json:
        return {**subscription(sub), "tags": subscription_tags(self.state, sub)}

    def locations(self, req: Request, p: dict[str, str]) -> Reply:
        sub = self._check(p["sub"])
        return Reply(200, {"value": [region.as_location(sub) for region in REGIONS]})

    def tenants(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"value": [tenant()]})
