"""What a storage account's `properties` hold, as Azure defaults them for a new account.

The endpoints come from the blob backend: blob and queue are served (by the
gateway and Azurite); table, file, dfs and web are named as Azure names them so
clients parse them, but nothing answers there. Geo-redundant SKUs get the
region's pair as their secondary; read-access ones also get secondary endpoints.
"""

from __future__ import annotations

from datetime import datetime, timezone

from azlab.sandbox.arm.core import Json
from azlab.sandbox.arm.regions import REGIONS
from azlab.sandbox.arm.storage_backend import BlobBackend, endpoints, secondary_endpoints

_GEO = ("_grs", "_ragrs", "_gzrs", "_ragzrs")
_READ_ACCESS = ("_ragrs", "_ragzrs")
_ECHOED = (
    "keyPolicy",
    "sasPolicy",
    "isSftpEnabled",
    "isLocalUserEnabled",
    "allowSharedKeyAccess",
    "routingPreference",
    "largeFileSharesState",
)


def iso_time(epoch: float) -> str:
    """ARM's timestamps: ISO 8601 in UTC with seven fractional digits."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def region_name(location: str) -> str:
    """`West US 2` or `westus2` as ARM's region name."""
    key = location.replace(" ", "").lower()
    for region in REGIONS:
        if key in (region.name, region.display.replace(" ", "").lower()):
            return region.name
    return key


def paired_region(location: str) -> str | None:
    name = region_name(location)
    return next((r.paired for r in REGIONS if r.name == name), None)


def _encryption(asked: Json, old: Json | None, now: str) -> Json:
    """Microsoft-managed keys on blob and file (Azure lists queue and table only when a
    request gives them a key type); a service keeps the time it was first enabled."""
    services = dict(asked.get("services") or {})
    for service in ("blob", "file"):
        services.setdefault(service, {"keyType": "Account", "enabled": True})
    shown: Json = {}
    for service, setting in services.items():
        if not isinstance(setting, dict):
            continue
        before = ((old or {}).get("services") or {}).get(service) or {}
        shown[service] = {
            "keyType": setting.get("keyType") or before.get("keyType") or "Account",
            "enabled": True,
            "lastEnabledTime": before.get("lastEnabledTime") or now,
        }
    return {
        "services": shown,
        "keySource": asked.get("keySource") or "Microsoft.Storage",
        "requireInfrastructureEncryption": bool(asked.get("requireInfrastructureEncryption")),
    }


def _routed(backend: BlobBackend, name: str, routing: Json) -> Json:
    """The Microsoft- and internet-routing endpoints a routing preference publishes."""
    out: Json = {}
    if routing.get("publishMicrosoftEndpoints"):
        out["microsoftEndpoints"] = endpoints(backend, f"{name}-microsoftrouting")
    if routing.get("publishInternetEndpoints"):
        found = endpoints(backend, f"{name}-internetrouting")
        out["internetEndpoints"] = {k: found[k] for k in ("blob", "file", "web", "dfs")}
    return out


def account_properties(
    backend: BlobBackend,
    name: str,
    location: str,
    sku: str,
    kind: str,
    asked: Json,
    old: Json | None,
    now: float,
) -> Json:
    """The properties of an account a PUT (or PATCH, over `old`) asks for."""
    merged = {**(old or {}), **asked}
    created = (old or {}).get("creationTime") or iso_time(now)
    primary = dict(endpoints(backend, name))
    primary.update(_routed(backend, name, merged.get("routingPreference") or {}))
    props: Json = {
        "provisioningState": "Succeeded",
        "creationTime": created,
        "keyCreationTime": (old or {}).get("keyCreationTime") or {"key1": created, "key2": created},
        "primaryEndpoints": primary,
        "primaryLocation": region_name(location),
        "statusOfPrimary": "available",
        "encryption": _encryption(
            asked.get("encryption") or {}, (old or {}).get("encryption"), iso_time(now)
        ),
        "supportsHttpsTrafficOnly": bool(merged.get("supportsHttpsTrafficOnly", True)),
        "minimumTlsVersion": merged.get("minimumTlsVersion") or "TLS1_2",
        "allowBlobPublicAccess": bool(merged.get("allowBlobPublicAccess", False)),
        "allowCrossTenantReplication": bool(merged.get("allowCrossTenantReplication", False)),
        "defaultToOAuthAuthentication": bool(merged.get("defaultToOAuthAuthentication", False)),
        "isHnsEnabled": bool(merged.get("isHnsEnabled", False)),
        "publicNetworkAccess": merged.get("publicNetworkAccess") or "Enabled",
        "dnsEndpointType": merged.get("dnsEndpointType") or "Standard",
        "networkAcls": merged.get("networkAcls")
        or {
            "bypass": "AzureServices",
            "defaultAction": "Allow",
            "ipRules": [],
            "virtualNetworkRules": [],
        },
    }
    if kind.lower() in ("storagev2", "blobstorage"):
        props["accessTier"] = merged.get("accessTier") or "Hot"
    for key in _ECHOED:
        if key in merged:
            props[key] = merged[key]
    lowered = sku.lower()
    secondary = paired_region(location) if lowered.endswith(_GEO) else None
    if secondary is not None:
        props["secondaryLocation"] = secondary
        props["statusOfSecondary"] = "available"
        if lowered.endswith(_READ_ACCESS):
            props["secondaryEndpoints"] = secondary_endpoints(backend, name)
    return props
