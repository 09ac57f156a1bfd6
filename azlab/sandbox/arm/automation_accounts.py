"""Microsoft.Automation/automationAccounts with their Python 3 packages.

An account answers with Azure's shape (`type` `Microsoft.Automation/AutomationAccounts`,
`state` Ok, the SKU Free or Basic) and, asked for `identity: {type: SystemAssigned}`,
a principal of its own. Its child resources (runbooks, schedules, job
schedules, packages) live under its id and go with it.

A package's `contentLink.uri` is kept (not answered: it may hold a SAS), never fetched (the sandbox reaches no
address but loopback): the package is recorded as imported, its version taken
from the body or from the wheel's file name.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from azlab.sandbox.arm.core import ArmError, Json, State, iso_time
from azlab.sandbox.arm.principals import Principals

log = logging.getLogger(__name__)

ACCOUNT_TYPE = "Microsoft.Automation/AutomationAccounts"
PACKAGE_TYPE = f"{ACCOUNT_TYPE}/Python3Packages"
SKUS = ("Free", "Basic")
_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$")
# A wheel's name: {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl
_WHEEL = re.compile(r"^[A-Za-z0-9_.]+-([0-9][^-]*)-.*\.whl$")


@dataclass(frozen=True)
class AutomationChange:
    """What changed in an account: `runbook`, `schedule`, `jobSchedule`, `package`, `deleted`."""

    account_id: str
    what: str
    name: str = ""


AutomationObserver = Callable[[AutomationChange], None]


def account_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/Microsoft.Automation/automationAccounts/{name}"


def child_id(account: str, collection: str, name: str) -> str:
    return f"{account}/{collection}/{name}"


class Accounts:
    def __init__(self, state: State, principals: Principals) -> None:
        self.state = state
        self.principals = principals
        self._observers: list[AutomationObserver] = []
        state.deleted.append(self._gone)

    def subscribe(self, observer: AutomationObserver) -> None:
        """Call `observer` after each change to an account's runbooks, schedules, job
        schedules or packages, and its deletion; on the sandbox's event loop, inside the
        request that made the change, so it must return quickly."""
        self._observers.append(observer)

    def unsubscribe(self, observer: AutomationObserver) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def tell(self, account: str, what: str, name: str = "") -> None:
        change = AutomationChange(account, what, name)
        for observer in list(self._observers):
            try:
                observer(change)
            except Exception:  # an observer's failure is its own, not the request's
                log.exception("automation observer failed on %s", change)

    def _gone(self, resource: Json) -> None:
        if resource.get("type") == ACCOUNT_TYPE:
            self.principals.forget_resource(str(resource["id"]))
            self.tell(str(resource["id"]), "deleted")

    def ids(self) -> list[str]:
        return [
            str(r["id"]) for r in self.state.resources.values() if r.get("type") == ACCOUNT_TYPE
        ]

    def put(self, group: Json, resource_id: str, name: str, body: Json) -> tuple[Json, bool]:
        if not _NAME.match(name):
            raise ArmError(
                400,
                "BadRequest",
                f"The account name '{name}' is invalid: use 6 to 50 letters, digits and hyphens, "
                "starting with a letter and ending with a letter or digit.",
            )
        existing = self.state.get(resource_id)
        props = body.get("properties") or {}
        sku = str((props.get("sku") or {}).get("name") or "Basic")
        if sku.lower() not in {s.lower() for s in SKUS}:
            raise ArmError(
                400,
                "BadRequest",
                f"The SKU '{sku}' is not one of {', '.join(SKUS)}.",
                "properties.sku.name",
            )
        identity = self.principals.identity(
            resource_id, body.get("identity"), (existing or {}).get("identity")
        )
        now = iso_time(self.state.now())
        old = (existing or {}).get("properties", {})
        account: Json = {
            "id": resource_id,
            "name": name,
            "type": ACCOUNT_TYPE,
            "location": str(body.get("location") or group["location"]),
            "tags": dict(body.get("tags") or {}),
            "properties": {
                "sku": {"name": next(s for s in SKUS if s.lower() == sku.lower())},
                "state": "Ok",
                "creationTime": old.get("creationTime", now),
                "lastModifiedTime": now,
                "disableLocalAuth": bool(props.get("disableLocalAuth", False)),
                "publicNetworkAccess": bool(props.get("publicNetworkAccess", True)),
                "encryption": {"keySource": "Microsoft.Automation", "identity": {}},
            },
        }
        if identity is not None:
            account["identity"] = identity
        self.state.put(resource_id, account)
        return account, existing is None

    def patch(self, account: Json, body: Json) -> Json:
        if "tags" in body:
            account["tags"] = dict(body.get("tags") or {})
        if "identity" in body:
            identity = self.principals.identity(
                account["id"], body.get("identity"), account.get("identity")
            )
            account.pop("identity", None)
            if identity is not None:
                account["identity"] = identity
        account["properties"]["lastModifiedTime"] = iso_time(self.state.now())
        self.state.put(account["id"], account)
        return account

    def delete(self, resource_id: str) -> bool:
        if self.state.get(resource_id) is None:
            return False
        for key in self.state.under(resource_id):
            self.state.delete(key)
        self.state.delete(resource_id)
        return True

    # Python 3 packages
    def put_package(self, account: Json, name: str, body: Json) -> tuple[Json, bool]:
        resource_id = child_id(account["id"], "python3Packages", name)
        existing = self.state.get(resource_id)
        props = body.get("properties") or {}
        link = props.get("contentLink") or {}
        uri = str(link.get("uri") or "")
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ArmError(
                400,
                "BadRequest",
                f"The package '{name}' needs properties.contentLink.uri: the http(s) URL of its "
                f"wheel; '{uri}' is not one.",
                "properties.contentLink.uri",
            )
        wheel = _WHEEL.match(parts.path.rsplit("/", 1)[-1])
        version = link.get("version") or (wheel.group(1) if wheel else None)
        now = iso_time(self.state.now())
        old = (existing or {}).get("properties", {})
        package: Json = {
            "id": resource_id,
            "name": name,
            "type": PACKAGE_TYPE,
            "location": account["location"],
            "tags": dict(body.get("tags") or {}),
            "etag": None,
            "properties": {
                "provisioningState": "Succeeded",
                "version": version,
                "sizeInBytes": 0,
                "activityCount": 0,
                "isGlobal": False,
                "isComposite": False,
                "creationTime": old.get("creationTime", now),
                "lastModifiedTime": now,
                "error": {"code": None, "message": ""},
            },
        }
        self.state.put(resource_id, package)
        # The link may carry a SAS: kept for the host that installs packages, never answered.
        self.state.extra(resource_id)["contentLink"] = dict(link)
        self.tell(account["id"], "package", name)
        return package, existing is None

    def packages(self, account: str) -> list[Json]:
        """The account's Python 3 packages: `name`, `version` and the `uri` each came from."""
        return [
            {
                "name": p["name"],
                "version": p["properties"]["version"],
                "uri": str(self.state.extra(p["id"]).get("contentLink", {}).get("uri", "")),
            }
            for p in self.state.children(account, "python3Packages")
        ]
