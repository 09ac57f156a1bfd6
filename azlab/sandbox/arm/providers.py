"""Resource providers: the namespaces the sandbox serves, their types, locations and api-versions.

`az` reads these to pick an api-version for a type (`az resource`), to list
regions a type is offered in, and to check a namespace is registered.
Registration answers at once, as `Registered`; the state lives per
subscription with the rest of the sandbox's state.
"""

from __future__ import annotations

from dataclasses import dataclass

from azlab.sandbox.arm.core import ArmError, Json, Reply, Request, State
from azlab.sandbox.arm.regions import REGIONS, normalise_region
from azlab.sandbox.arm.routes import Route, route

TRACKED = (
    "CrossResourceGroupResourceMove, CrossSubscriptionResourceMove, SupportsTags, SupportsLocation"
)

# Stable api-versions, newest first: the ones the installed SDKs and az send, and older ones.
COMPUTE = (
    "2026-04-01",
    "2025-11-01",
    "2025-04-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-09-01",
    "2023-07-01",
    "2023-03-01",
    "2022-11-01",
    "2022-08-01",
    "2022-03-01",
    "2021-11-01",
    "2021-07-01",
)
DISKS = (
    "2026-03-02",
    "2025-01-02",
    "2024-03-02",
    "2023-10-02",
    "2023-04-02",
    "2023-01-02",
    "2022-07-02",
    "2022-03-02",
    "2021-12-01",
    "2021-08-01",
)
NETWORK = (
    "2026-03-01",
    "2026-01-01",
    "2025-05-01",
    "2025-03-01",
    "2025-01-01",
    "2024-10-01",
    "2024-07-01",
    "2024-05-01",
    "2024-03-01",
    "2024-01-01",
    "2023-11-01",
    "2023-09-01",
    "2023-06-01",
    "2023-05-01",
)
STORAGE = (
    "2026-09-01",
    "2025-08-01",
    "2025-06-01",
    "2025-01-01",
    "2024-01-01",
    "2023-05-01",
    "2023-04-01",
    "2023-01-01",
    "2022-09-01",
    "2022-05-01",
    "2021-09-01",
)
SCHEDULE = ("2025-05-01", "2024-10-01", "2024-08-15-preview", "2024-06-01-preview")
# Microsoft.ComputeSchedule is offered in every region of the catalog but these, so the
# sandbox has regions where a client must do without it.
SCHEDULE_ABSENT = ("ukwest", "westcentralus")

WEB = (
    "2025-05-01",
    "2025-03-01",
    "2024-11-01",
    "2024-04-01",
    "2023-12-01",
    "2023-01-01",
    "2022-09-01",
    "2022-03-01",
)

AUTOMATION = (
    "2024-10-23",
    "2023-11-01",
    "2023-05-15-preview",
    "2022-08-08",
    "2019-06-01",
    "2015-10-31",
)

AUTHORIZATION = (
    "2022-05-01-preview",
    "2022-04-01",
    "2022-01-01-preview",
    "2021-03-01-preview",
    "2020-10-01-preview",
    "2020-04-01-preview",
    "2018-09-01-preview",
    "2018-07-01",
    "2018-01-01-preview",
    "2015-07-01",
)

RESOURCES = (
    "2025-04-01",
    "2025-03-01",
    "2024-11-01",
    "2024-07-01",
    "2024-03-01",
    "2023-07-01",
    "2022-12-01",
    "2022-09-01",
    "2022-01-01",
    "2021-04-01",
    "2021-01-01",
    "2020-06-01",
    "2019-10-01",
    "2019-05-01",
)


@dataclass(frozen=True)
class ResourceType:
    name: str
    versions: tuple[str, ...]
    regional: bool = True  # offered per region (else global: no locations)
    tracked: bool = False  # has tags and a location of its own
    zonal: bool = False
    absent: tuple[str, ...] = ()  # regions not offered

    def offered_in(self, region: str) -> bool:
        return self.regional and normalise_region(region) not in self.absent

    def as_dict(self) -> Json:
        found: Json = {
            "resourceType": self.name,
            "locations": [r.display for r in REGIONS if r.name not in self.absent]
            if self.regional
            else [],
            "apiVersions": list(self.versions),
            "defaultApiVersion": self.versions[1] if len(self.versions) > 1 else self.versions[0],
            "capabilities": TRACKED if self.tracked else "None",
        }
        if self.zonal:
            found["zoneMappings"] = [
                {"location": r.display, "zones": ["1", "2", "3"]} for r in REGIONS if r.zones
            ]
        return found


NAMESPACES: dict[str, tuple[ResourceType, ...]] = {
    "Microsoft.Compute": (
        ResourceType("virtualMachines", COMPUTE, tracked=True, zonal=True),
        ResourceType("virtualMachines/extensions", COMPUTE, tracked=True),
        ResourceType("availabilitySets", COMPUTE, tracked=True),
        ResourceType("disks", DISKS, tracked=True, zonal=True),
        ResourceType("snapshots", DISKS, tracked=True),
        ResourceType("images", COMPUTE, tracked=True),
        ResourceType("locations", COMPUTE, regional=False),
        ResourceType("locations/operations", COMPUTE),
        ResourceType("locations/vmSizes", COMPUTE),
        ResourceType("locations/publishers", COMPUTE),
        ResourceType("locations/usages", COMPUTE),
        ResourceType("skus", COMPUTE, regional=False),
        ResourceType("operations", COMPUTE, regional=False),
    ),
    "Microsoft.Network": (
        ResourceType("virtualNetworks", NETWORK, tracked=True),
        ResourceType("virtualNetworks/subnets", NETWORK),
        ResourceType("networkInterfaces", NETWORK, tracked=True),
        ResourceType("networkSecurityGroups", NETWORK, tracked=True),
        ResourceType("networkSecurityGroups/securityRules", NETWORK),
        ResourceType("publicIPAddresses", NETWORK, tracked=True, zonal=True),
        ResourceType("locations", NETWORK, regional=False),
        ResourceType("locations/operations", NETWORK),
        ResourceType("locations/operationResults", NETWORK),
        ResourceType("operations", NETWORK, regional=False),
    ),
    "Microsoft.Storage": (
        ResourceType("storageAccounts", STORAGE, tracked=True),
        ResourceType("storageAccounts/blobServices", STORAGE),
        ResourceType("storageAccounts/queueServices", STORAGE),
        ResourceType("storageAccounts/listKeys", STORAGE, regional=False),
        ResourceType("checkNameAvailability", STORAGE, regional=False),
        ResourceType("locations", STORAGE, regional=False),
        ResourceType("locations/asyncoperations", STORAGE),
        ResourceType("skus", STORAGE, regional=False),
        ResourceType("operations", STORAGE, regional=False),
    ),
    "Microsoft.ComputeSchedule": (
        ResourceType("locations", SCHEDULE, absent=SCHEDULE_ABSENT),
        ResourceType("operations", SCHEDULE, regional=False),
    ),
    "Microsoft.Web": (
        ResourceType("serverfarms", WEB, tracked=True),
        ResourceType("sites", WEB, tracked=True),
        ResourceType("sites/config", WEB),
        ResourceType("sites/extensions", WEB),
        ResourceType("locations", WEB, regional=False),
        ResourceType("operations", WEB, regional=False),
    ),
    "Microsoft.Automation": (
        ResourceType("automationAccounts", AUTOMATION, tracked=True),
        ResourceType("automationAccounts/runbooks", AUTOMATION, tracked=True),
        ResourceType("automationAccounts/schedules", AUTOMATION),
        ResourceType("automationAccounts/jobSchedules", AUTOMATION),
        ResourceType("automationAccounts/python3Packages", AUTOMATION),
        ResourceType("operations", AUTOMATION, regional=False),
    ),
    "Microsoft.Authorization": (
        ResourceType("roleDefinitions", AUTHORIZATION, regional=False),
        ResourceType("roleAssignments", AUTHORIZATION, regional=False),
        ResourceType("operations", AUTHORIZATION, regional=False),
    ),
    "Microsoft.Resources": (
        ResourceType("resourceGroups", RESOURCES, tracked=True),
        ResourceType("subscriptions", RESOURCES, regional=False),
        ResourceType("subscriptions/resourceGroups", RESOURCES, regional=False),
        ResourceType("subscriptions/locations", RESOURCES, regional=False),
        ResourceType("subscriptions/providers", RESOURCES, regional=False),
        ResourceType("tenants", RESOURCES, regional=False),
        ResourceType("providers", RESOURCES, regional=False),
        ResourceType("tags", RESOURCES, regional=False),
        ResourceType("operations", RESOURCES, regional=False),
    ),
}
_BY_LOWER = {name.lower(): name for name in NAMESPACES}


def _namespace(given: str) -> str:
    name = _BY_LOWER.get(given.lower())
    if name is None:
        raise ArmError(
            404,
            "InvalidResourceNamespace",
            f"The resource namespace '{given}' is invalid.",
        )
    return name


def _types(namespace: str) -> list[Json]:
    return [t.as_dict() for t in NAMESPACES[namespace]]


def registration(state: State, sub: str, namespace: str) -> str:
    """The namespace's registration state in the subscription (`Registered` unless changed)."""
    key = f"/subscriptions/{sub}/providers/{namespace}".lower()
    return str(state.private.get(key, {}).get("registrationState", "Registered"))


def offered_in(namespace: str, type_name: str, region: str) -> bool:
    return any(t.name == type_name and t.offered_in(region) for t in NAMESPACES[namespace])


class Providers:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        sub = "/subscriptions/{sub}/providers"
        return [
            route("GET", "/providers", self.list_tenant),
            route("GET", "/providers/{ns}", self.get_tenant),
            route("GET", sub, self.list),
            route("GET", sub + "/{ns}", self.get),
            route("GET", sub + "/{ns}/resourcetypes", self.resource_types),
            route("POST", sub + "/{ns}/register", self.register),
            route("POST", sub + "/{ns}/unregister", self.unregister),
        ]

    def _key(self, sub: str, namespace: str) -> str:
        return f"/subscriptions/{sub}/providers/{namespace}"

    def provider(self, sub: str, namespace: str) -> Json:
        return {
            "id": self._key(sub, namespace),
            "namespace": namespace,
            "registrationState": registration(self.state, sub, namespace),
            "registrationPolicy": "RegistrationRequired",
            "resourceTypes": _types(namespace),
        }

    def list_tenant(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"value": [self._tenant_provider(ns) for ns in NAMESPACES]})

    def get_tenant(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._tenant_provider(_namespace(p["ns"])))

    @staticmethod
    def _tenant_provider(namespace: str) -> Json:
        return {
            "id": f"/providers/{namespace}",
            "namespace": namespace,
            "resourceTypes": _types(namespace),
        }

    def list(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"value": [self.provider(p["sub"], ns) for ns in NAMESPACES]})

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.provider(p["sub"], _namespace(p["ns"])))

    def resource_types(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, {"value": _types(_namespace(p["ns"]))})

    def _set(self, p: dict[str, str], registration: str) -> Reply:
        namespace = _namespace(p["ns"])
        self.state.extra(self._key(p["sub"], namespace))["registrationState"] = registration
        return Reply(200, self.provider(p["sub"], namespace))

    def register(self, req: Request, p: dict[str, str]) -> Reply:
        return self._set(p, "Registered")

    def unregister(self, req: Request, p: dict[str, str]) -> Reply:
        return self._set(p, "Unregistered")
