"""Microsoft.Web/serverfarms: App Service plans, the consumption plan a Function app runs on.

A plan's SKU name decides its tier (`Y1` is Dynamic, the consumption plan;
`EP1`-`EP3` ElasticPremium; `B`, `S`, `P` dedicated); `reserved: true` makes
it a Linux plan. A plan that still hosts an app cannot be deleted.
"""

from __future__ import annotations

import hashlib

from azlab.sandbox.arm.core import ArmError, Json, State, id_key
from azlab.sandbox.arm.regions import normalise_region

PLAN_TYPE = "Microsoft.Web/serverfarms"
SITE_TYPE = "Microsoft.Web/sites"

# SKU name -> (tier, family): the ones Function apps and small web apps use.
SKUS: dict[str, tuple[str, str]] = {
    "Y1": ("Dynamic", "Y"),
    "FC1": ("FlexConsumption", "FC"),
    "EP1": ("ElasticPremium", "EP"),
    "EP2": ("ElasticPremium", "EP"),
    "EP3": ("ElasticPremium", "EP"),
    "F1": ("Free", "F"),
    "B1": ("Basic", "B"),
    "B2": ("Basic", "B"),
    "B3": ("Basic", "B"),
    "S1": ("Standard", "S"),
    "S2": ("Standard", "S"),
    "S3": ("Standard", "S"),
    "P1v3": ("PremiumV3", "Pv3"),
    "P2v3": ("PremiumV3", "Pv3"),
    "P3v3": ("PremiumV3", "Pv3"),
}
_BY_LOWER = {name.lower(): name for name in SKUS}


def _number(resource_id: str) -> int:
    """The plan's numeric id (Azure's `serverFarmId` property), stable for its ARM id."""
    return int(hashlib.sha256(id_key(resource_id).encode()).hexdigest()[:6], 16)


def plan_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/{PLAN_TYPE}/{name}"


def _sku(body: Json) -> Json:
    asked = body.get("sku") or {}
    name = _BY_LOWER.get(str(asked.get("name", "")).lower())
    if name is None:
        raise ArmError(
            400,
            "BadRequest",
            f"The pricing tier '{asked.get('name', '')}' is not allowed in this resource group; "
            f"use one of {', '.join(SKUS)}.",
            "sku.name",
        )
    tier, family = SKUS[name]
    given_tier = asked.get("tier")
    if given_tier is not None and str(given_tier).lower() != tier.lower():
        raise ArmError(
            400,
            "BadRequest",
            f"The pricing tier '{name}' belongs to the '{tier}' tier, not '{given_tier}'.",
            "sku.tier",
        )
    capacity = 0 if tier in ("Dynamic", "FlexConsumption") else int(asked.get("capacity") or 1)
    return {"name": name, "tier": tier, "size": name, "family": family, "capacity": capacity}


class Plans:
    def __init__(self, state: State) -> None:
        self.state = state

    def sites_on(self, resource_id: str) -> list[Json]:
        key = id_key(resource_id)
        return [
            r
            for r in self.state.resources.values()
            if r.get("type") == SITE_TYPE
            and id_key(str(r["properties"].get("serverFarmId", ""))) == key
        ]

    def put(self, group: Json, resource_id: str, name: str, body: Json) -> tuple[Json, bool]:
        """Create or replace a plan; whether it is new."""
        existing = self.state.get(resource_id)
        location = body.get("location")
        if not location:
            raise ArmError(
                400,
                "LocationRequired",
                "The location property is required for this definition.",
            )
        if existing is not None and normalise_region(location) != normalise_region(
            existing["location"]
        ):
            raise ArmError(
                400,
                "BadRequest",
                f"The location of App Service plan '{name}' cannot be changed "
                f"from '{existing['location']}'.",
                "location",
            )
        props = body.get("properties") or {}
        sku = _sku(body)
        reserved = bool(props.get("reserved", False))
        kind = str(body.get("kind") or ("linux" if reserved else "app"))
        old = (existing or {}).get("properties", {})
        plan: Json = {
            "id": resource_id,
            "name": name,
            "type": PLAN_TYPE,
            "kind": kind,
            "location": str(location),
            "tags": dict(body.get("tags") or {}),
            "sku": sku,
            "properties": {
                "serverFarmId": old.get("serverFarmId") or _number(resource_id),
                "name": name,
                "status": "Ready",
                "subscription": resource_id.split("/")[2],
                "maximumNumberOfWorkers": 200 if sku["tier"] == "Dynamic" else 30,
                "numberOfWorkers": sku["capacity"],
                "geoRegion": str(location),
                "numberOfSites": len(self.sites_on(resource_id)),
                "perSiteScaling": bool(props.get("perSiteScaling", False)),
                "elasticScaleEnabled": bool(props.get("elasticScaleEnabled", False)),
                "maximumElasticWorkerCount": int(props.get("maximumElasticWorkerCount") or 1),
                "isSpot": False,
                "reserved": reserved,
                "isXenon": False,
                "hyperV": False,
                "targetWorkerCount": 0,
                "targetWorkerSizeId": 0,
                "provisioningState": "Succeeded",
                "zoneRedundant": bool(props.get("zoneRedundant", False)),
                "resourceGroup": group["name"],
            },
        }
        self.state.put(resource_id, plan)
        return plan, existing is None

    def fresh(self, plan: Json) -> Json:
        plan["properties"]["numberOfSites"] = len(self.sites_on(plan["id"]))
        return plan

    def delete(self, resource_id: str) -> bool:
        plan = self.state.get(resource_id)
        if plan is None:
            return False
        hosted = self.sites_on(resource_id)
        if hosted:
            names = ", ".join(str(s["name"]) for s in hosted)
            raise ArmError(
                409,
                "Conflict",
                f"Server farm '{plan['name']}' cannot be deleted because it has web app(s) "
                f"{names} assigned to it.",
            )
        self.state.delete(resource_id)
        return True
