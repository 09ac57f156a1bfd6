"""Microsoft.Web/sites: Function apps with their app settings, identity and deployed package.

Site names are global in Azure (each names `{name}.azurewebsites.net` and
`{name}.scm.azurewebsites.net`). Neither can resolve here, so the sandbox
names each host as a path on its own HTTPS endpoint, as storage accounts get
path-style URLs: `127.0.0.1:{port}/{name}.azurewebsites.sandbox.invalid` and
`127.0.0.1:{port}/{name}.scm.azurewebsites.sandbox.invalid`, so that
`https://` plus a host name (what az and Kudu clients build) is a URL the
sandbox serves. App settings are not part of the site's answers (Azure keeps
them out of GETs too) and are read with `config/appsettings/list`.

The rest of the sandbox reads a site through `app_settings`, `principal_id`,
`package` and `subscribe`: an observer is told (`SiteChange`) whenever a
site's settings or package change, or the site is deleted.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from azlab.sandbox.arm.core import ArmError, Json, State, id_key, iso_time
from azlab.sandbox.arm.principals import Principals
from azlab.sandbox.arm.regions import same_region
from azlab.sandbox.arm.web_plans import PLAN_TYPE, SITE_TYPE

log = logging.getLogger(__name__)

HOST_SUFFIX = "azurewebsites.sandbox.invalid"
SCM_HOST_SUFFIX = f"scm.{HOST_SUFFIX}"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$", re.IGNORECASE)
# siteConfig keys that may hold secrets: kept apart, never in a site's answers.
_SECRET_CONFIG = ("appSettings", "connectionStrings")


@dataclass(frozen=True)
class SiteChange:
    """What changed about a site: `settings`, `package` or `deleted`."""

    site_id: str
    what: str


SiteObserver = Callable[[SiteChange], None]


def site_id(group_id: str, name: str) -> str:
    return f"{group_id}/providers/{SITE_TYPE}/{name}"


def host_name(base_url: str, name: str, *, scm: bool = False) -> str:
    """A site's host name as the sandbox serves it: a path on its own endpoint."""
    netloc = base_url.split("://", 1)[-1]
    return f"{netloc}/{name.lower()}.{SCM_HOST_SUFFIX if scm else HOST_SUFFIX}"


def render(site: Json, base_url: str) -> Json:
    """The site with its host names on the endpoint this request reached."""
    props = site["properties"]
    default = host_name(base_url, site["name"])
    scm = host_name(base_url, site["name"], scm=True)
    props["defaultHostName"] = default
    props["hostNames"] = [default]
    props["enabledHostNames"] = [default, scm]
    props["hostNameSslStates"] = [
        {"name": default, "sslState": "Disabled", "hostType": "Standard"},
        {"name": scm, "sslState": "Disabled", "hostType": "Repository"},
    ]
    return site


def _settings_of(site_config: object) -> dict[str, str]:
    if not isinstance(site_config, dict):
        return {}
    pairs = site_config.get("appSettings") or []
    if not isinstance(pairs, list):
        raise ArmError(400, "BadRequest", "siteConfig.appSettings must be a list of {name, value}.")
    return {str(p["name"]): str(p.get("value") or "") for p in pairs if isinstance(p, dict)}


class Sites:
    def __init__(self, state: State, principals: Principals) -> None:
        self.state = state
        self.principals = principals
        self._observers: list[SiteObserver] = []
        state.deleted.append(self._gone)

    # what the rest of the sandbox reads
    def subscribe(self, observer: SiteObserver) -> None:
        """Call `observer` after each change of a site's settings or package, and its deletion.

        Called on the sandbox's event loop, inside the request that made the change:
        an observer must return quickly (hand long work to a thread of its own).
        """
        self._observers.append(observer)

    def unsubscribe(self, observer: SiteObserver) -> None:
        if observer in self._observers:
            self._observers.remove(observer)

    def ids(self) -> list[str]:
        return [str(r["id"]) for r in self.state.resources.values() if r.get("type") == SITE_TYPE]

    def app_settings(self, resource_id: str) -> dict[str, str]:
        return dict(self.state.extra(resource_id).get("appSettings") or {})

    def principal_id(self, resource_id: str) -> str | None:
        principal = self.principals.of_resource(resource_id)
        return None if principal is None else principal.object_id

    def package(self, resource_id: str) -> bytes | None:
        """The zip last deployed successfully, or None."""
        stored = self.state.extra(resource_id).get("package")
        return None if stored is None else base64.b64decode(stored)

    def _tell(self, resource_id: str, what: str) -> None:
        change = SiteChange(str(resource_id), what)
        for observer in list(self._observers):
            try:
                observer(change)
            except Exception:  # an observer's failure is its own, not the request's
                log.exception("site observer failed on %s", change)

    # ARM
    def by_name(self, name: str) -> Json | None:
        """The site of that name anywhere in the sandbox (names are global, as in Azure)."""
        for resource in self.state.resources.values():
            if resource.get("type") == SITE_TYPE and str(resource["name"]).lower() == name.lower():
                return resource
        return None

    def put(self, group: Json, resource_id: str, name: str, body: Json) -> tuple[Json, bool]:
        """Create or replace a site; whether it is new."""
        if not _NAME.match(name):
            raise ArmError(
                400,
                "BadRequest",
                f"The site name '{name}' is invalid: use 2 to 60 letters, digits and hyphens, "
                "starting and ending with a letter or digit.",
                "name",
            )
        existing = self.state.get(resource_id)
        taken = self.by_name(name)
        if taken is not None and id_key(taken["id"]) != id_key(resource_id):
            raise ArmError(409, "Conflict", f"Website with given name {name} already exists.")
        location = body.get("location")
        if not location:
            raise ArmError(
                400, "LocationRequired", "The location property is required for this definition."
            )
        props = body.get("properties") or {}
        farm_id = str(
            props.get("serverFarmId")
            or (existing or {}).get("properties", {}).get("serverFarmId")
            or ""
        )
        plan = self._plan(farm_id, name)
        if not same_region(plan["location"], location):
            raise ArmError(
                400,
                "BadRequest",
                f"The site '{name}' in '{location}' cannot use App Service plan "
                f"'{plan['name']}' in '{plan['location']}': a site and its plan share a region.",
                "properties.serverFarmId",
            )
        kind = str(body.get("kind") or (existing or {}).get("kind") or "app")
        linux = "linux" in kind.lower()
        if linux != bool(plan["properties"].get("reserved")):
            want = "a Linux plan (reserved: true)" if linux else "a Windows plan (reserved: false)"
            raise ArmError(
                400,
                "BadRequest",
                f"The site '{name}' of kind '{kind}' needs {want}; "
                f"App Service plan '{plan['name']}' is not one.",
                "properties.serverFarmId",
            )
        site_config = props.get("siteConfig")
        old = (existing or {}).get("properties", {})
        identity = self.principals.identity(
            resource_id, body.get("identity"), (existing or {}).get("identity")
        )
        public_config = {
            k: v
            for k, v in (site_config if isinstance(site_config, dict) else {}).items()
            if k not in _SECRET_CONFIG
        }
        site: Json = {
            "id": resource_id,
            "name": name,
            "type": SITE_TYPE,
            "kind": kind,
            "location": plan["location"],
            "tags": dict(body.get("tags") or {}),
            "properties": {
                "name": name,
                "state": old.get("state", "Running"),
                "repositorySiteName": name,
                "usageState": "Normal",
                "enabled": bool(props.get("enabled", True)),
                "availabilityState": "Normal",
                "serverFarmId": plan["id"],
                "reserved": linux,
                "isXenon": False,
                "hyperV": False,
                "lastModifiedTimeUtc": iso_time(self.state.now()),
                "siteConfig": {"numberOfWorkers": 1, **public_config},
                "scmSiteAlsoStopped": False,
                "clientAffinityEnabled": bool(props.get("clientAffinityEnabled", False)),
                "clientCertEnabled": False,
                "hostNamesDisabled": False,
                "containerSize": 1536 if plan["sku"]["tier"] == "Dynamic" else 0,
                "dailyMemoryTimeQuota": 0,
                "resourceGroup": group["name"],
                "httpsOnly": bool(props.get("httpsOnly", False)),
                "redundancyMode": "None",
                "publicNetworkAccess": props.get("publicNetworkAccess") or "Enabled",
                "storageAccountRequired": False,
                "keyVaultReferenceIdentity": "SystemAssigned",
                "outboundIpAddresses": "127.0.0.1",
                "possibleOutboundIpAddresses": "127.0.0.1",
            },
        }
        if identity is not None:
            site["identity"] = identity
        self.state.put(resource_id, site)
        if isinstance(site_config, dict) and "appSettings" in site_config:
            self.set_app_settings(resource_id, _settings_of(site_config))
        return site, existing is None

    def _plan(self, farm_id: str, site_name: str) -> Json:
        if not farm_id:
            raise ArmError(
                400,
                "BadRequest",
                f"The site '{site_name}' names no App Service plan: set properties.serverFarmId.",
                "properties.serverFarmId",
            )
        plan = self.state.get(farm_id)
        if plan is None or plan.get("type") != PLAN_TYPE:
            farm = farm_id.rstrip("/").rsplit("/", 1)[-1]
            raise ArmError(404, "NotFound", f"Cannot find ServerFarm with name {farm}.")
        return plan

    def patch(self, site: Json, body: Json) -> Json:
        if "tags" in body:
            site["tags"] = dict(body.get("tags") or {})
        props = body.get("properties") or {}
        for key in ("httpsOnly", "enabled", "clientAffinityEnabled"):
            if key in props:
                site["properties"][key] = bool(props[key])
        site["properties"]["lastModifiedTimeUtc"] = iso_time(self.state.now())
        self.state.put(site["id"], site)
        return site

    def set_state(self, site: Json, running: bool) -> None:
        site["properties"]["state"] = "Running" if running else "Stopped"

    def set_app_settings(self, resource_id: str, settings: dict[str, str]) -> None:
        self.state.extra(resource_id)["appSettings"] = dict(settings)
        self._tell(resource_id, "settings")

    def delete(self, resource_id: str) -> bool:
        return self.state.delete(resource_id) is not None

    def _gone(self, resource: Json) -> None:
        # A site deleted by itself or with its resource group: its identity ends with it.
        if resource.get("type") == SITE_TYPE:
            self.principals.forget_resource(str(resource["id"]))
            self._tell(str(resource["id"]), "deleted")

    # deployments (the scm side)
    def deployments(self, resource_id: str) -> list[Json]:
        found: list[Json] = self.state.extra(resource_id).setdefault("deployments", [])
        return found

    def record_deployment(self, resource_id: str, entry: Json, package: bytes | None) -> None:
        """Keep a finished deployment; a good one's zip becomes the site's package."""
        history = self.deployments(resource_id)
        entry["active"] = package is not None
        if package is not None:
            for old in history:
                old["active"] = False
        history.insert(0, entry)
        del history[20:]
        if package is not None:
            self.state.extra(resource_id)["package"] = base64.b64encode(package).decode()
            self._tell(resource_id, "package")
