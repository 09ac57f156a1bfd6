"""Microsoft.Compute's catalog: VM sizes, resource SKUs and the marketplace image tree.

Read-only routes answered from `catalog_data`, in the shapes `az vm list-sizes`,
`az vm list-skus` and `az vm image list/show` read. VM create asks `image_os`
which OS an image is, so the sandbox has one list of images.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from azlab.sandbox.arm.catalog_data import (
    DISK_SKUS,
    IMAGES,
    NO_ZONES,
    OS_DISK_MB,
    REGIONS,
    SIZES,
    WINDOWS_PUBLISHERS,
    Image,
    Size,
)
from azlab.sandbox.arm.core import ArmError, Json, Reply, Request
from azlab.sandbox.arm.routes import Route, route

LOCATION = "/subscriptions/{sub}/providers/microsoft.compute/locations/{location}"
PUBLISHER = LOCATION + "/publishers/{publisher}/artifacttypes/vmimage"
OFFER = PUBLISHER + "/offers/{offer}"
SKU = OFFER + "/skus/{sku}"

_BY_URN = {(i.publisher.lower(), i.offer.lower(), i.sku.lower()): i for i in IMAGES}


def image_os(image: dict[str, Any] | None) -> str | None:
    """'windows' or 'linux' for a marketplace image reference; None without one."""
    if not image:
        return None
    publisher = str(image.get("publisher", "")).lower()
    offer = str(image.get("offer", "")).lower()
    known = _BY_URN.get((publisher, offer, str(image.get("sku", "")).lower()))
    if known is not None:
        return known.os.lower()
    if publisher in WINDOWS_PUBLISHERS or "windows" in offer:
        return "windows"
    return "linux"


def _region(p: dict[str, str]) -> str:
    name = p["location"].replace(" ", "").lower()
    if name not in REGIONS:
        raise ArmError(
            404,
            "NoRegisteredProviderFound",
            f"No registered resource provider found for location '{p['location']}'.",
        )
    return name


def _not_found() -> ArmError:
    return ArmError(404, "NotFound", "Artifact: VMImage was not found.")


def _base(p: dict[str, str], region: str) -> str:
    return f"/Subscriptions/{p['sub']}/Providers/Microsoft.Compute/Locations/{region}"


def _entry(resource_id: str, name: str, region: str) -> Json:
    return {"id": resource_id, "name": name, "location": region}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def _size_json(size: Size) -> Json:
    return {
        "name": size.name,
        "numberOfCores": size.vcpus,
        "osDiskSizeInMB": OS_DISK_MB,
        "resourceDiskSizeInMB": size.temp_disk_mb,
        "memoryInMB": int(size.memory_gb * 1024),
        "maxDataDiskCount": size.max_data_disks,
    }


def _capabilities(pairs: Iterable[tuple[str, object]]) -> list[Json]:
    def text(value: object) -> str:
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return [{"name": name, "value": text(value)} for name, value in pairs]


def _vm_sku(size: Size, region: str) -> Json:
    zones = [] if region in NO_ZONES else ["1", "2", "3"]
    return {
        "resourceType": "virtualMachines",
        "name": size.name,
        "tier": "Standard",
        "size": size.name.removeprefix("Standard_"),
        "family": size.family,
        "locations": [region],
        "locationInfo": [{"location": region, "zones": zones, "zoneDetails": []}],
        "capabilities": _capabilities(
            [
                ("MaxResourceVolumeMB", size.temp_disk_mb),
                ("OSVhdSizeMB", OS_DISK_MB),
                ("vCPUs", size.vcpus),
                ("HyperVGenerations", size.generations),
                ("MemoryGB", size.memory_gb),
                ("MaxDataDiskCount", size.max_data_disks),
                ("CpuArchitectureType", "x64"),
                ("LowPriorityCapable", True),
                ("PremiumIO", size.premium_io),
                ("VMDeploymentTypes", "IaaS"),
                ("vCPUsAvailable", size.vcpus),
                ("EphemeralOSDiskSupported", size.temp_disk_mb > 0),
                ("AcceleratedNetworkingEnabled", size.vcpus >= 2),
                ("RdmaEnabled", False),
                ("MaxNetworkInterfaces", size.nics),
                ("HibernationSupported", size.hibernation),
            ]
        ),
        "restrictions": [],
    }


def _disk_sku(name: str, tier: str, smallest: int, largest: int, region: str) -> Json:
    zones = [] if region in NO_ZONES or name.endswith("_ZRS") else ["1", "2", "3"]
    return {
        "resourceType": "disks",
        "name": name,
        "tier": tier,
        "locations": [region],
        "locationInfo": [{"location": region, "zones": zones, "zoneDetails": []}],
        "capabilities": _capabilities([("MinSizeGiB", smallest), ("MaxSizeGiB", largest)]),
        "restrictions": [],
    }


_LOCATION_FILTER = re.compile(r"location\s+eq\s+'([^']*)'", re.IGNORECASE)


class Catalog:
    """Answers from fixed data: nothing here is stored or changes."""

    def routes(self) -> list[Route]:
        return [
            route("GET", LOCATION + "/vmsizes", self.list_sizes),
            route("GET", "/subscriptions/{sub}/providers/microsoft.compute/skus", self.list_skus),
            route("GET", LOCATION + "/publishers", self.list_publishers),
            route("GET", PUBLISHER + "/offers", self.list_offers),
            route("GET", OFFER + "/skus", self.list_image_skus),
            route("GET", SKU + "/versions", self.list_versions),
            route("GET", SKU + "/versions/{version}", self.get_version),
        ]

    def list_sizes(self, req: Request, p: dict[str, str]) -> Reply:
        _region(p)
        return Reply(200, {"value": [_size_json(s) for s in SIZES]})

    def list_skus(self, req: Request, p: dict[str, str]) -> Reply:
        wanted = _LOCATION_FILTER.search(req.query.get("$filter", ""))
        regions: Iterable[str] = REGIONS
        if wanted:
            name = wanted.group(1).replace(" ", "").lower()
            regions = [name] if name in REGIONS else []
        skus: list[Json] = []
        for region in regions:
            skus += [_vm_sku(s, region) for s in SIZES]
            skus += [_disk_sku(n, *spec, region) for n, spec in DISK_SKUS.items()]
        return Reply(200, {"value": skus})

    def list_publishers(self, req: Request, p: dict[str, str]) -> Reply:
        region = _region(p)
        names = sorted({i.publisher for i in IMAGES}, key=str.lower)
        base = _base(p, region)
        return Reply(200, [_entry(f"{base}/Publishers/{n}", n, region) for n in names])

    def list_offers(self, req: Request, p: dict[str, str]) -> Reply:
        region = _region(p)
        images = self._images(p, "publisher")
        base = f"{_base(p, region)}/Publishers/{images[0].publisher}/ArtifactTypes/VMImage/Offers"
        names = sorted({i.offer for i in images}, key=str.lower)
        return Reply(200, [_entry(f"{base}/{n}", n, region) for n in names])

    def list_image_skus(self, req: Request, p: dict[str, str]) -> Reply:
        region = _region(p)
        images = self._images(p, "publisher", "offer")
        return Reply(
            200,
            [_entry(f"{self._offer_id(p, region, i)}/Skus/{i.sku}", i.sku, region) for i in images],
        )

    def list_versions(self, req: Request, p: dict[str, str]) -> Reply:
        region = _region(p)
        image = self._image(p)
        versions = sorted(image.versions, key=_version_key)
        order = req.query.get("$orderby", "").strip().lower()
        if order.endswith(" desc"):
            versions.reverse()
        top = req.query.get("$top")
        if top is not None:
            try:
                versions = versions[: max(0, int(top))]
            except ValueError as exc:
                raise ArmError(400, "InvalidParameter", f"'$top' is invalid: {top}.") from exc
        sku_id = self._sku_id(p, region, image)
        return Reply(200, [_entry(f"{sku_id}/Versions/{v}", v, region) for v in versions])

    def get_version(self, req: Request, p: dict[str, str]) -> Reply:
        region = _region(p)
        image = self._image(p)
        version = p["version"]
        if version.lower() == "latest":
            version = max(image.versions, key=_version_key)
        elif version not in image.versions:
            raise _not_found()
        body = _entry(f"{self._sku_id(p, region, image)}/Versions/{version}", version, region)
        body["properties"] = {
            "osDiskImage": {"operatingSystem": image.os, "sizeInBytes": 32 * 1024**3},
            "dataDiskImages": [],
            "automaticOSUpgradeProperties": {"automaticOSUpgradeSupported": False},
            "hyperVGeneration": image.generation,
            "disallowed": {"vmDiskType": "Unmanaged"},
            "features": [
                {"name": "IsAcceleratedNetworkSupported", "value": "True"},
                {"name": "DiskControllerTypes", "value": "SCSI, NVMe"},
            ],
            "architecture": image.architecture,
            "imageDeprecationStatus": {"imageState": "Active"},
        }
        return Reply(200, body)

    # lookups
    def _images(self, p: dict[str, str], *levels: str) -> list[Image]:
        found = [i for i in IMAGES if all(getattr(i, k).lower() == p[k].lower() for k in levels)]
        if not found:
            raise _not_found()
        return found

    def _image(self, p: dict[str, str]) -> Image:
        image = _BY_URN.get((p["publisher"].lower(), p["offer"].lower(), p["sku"].lower()))
        if image is None:
            raise _not_found()
        return image

    def _offer_id(self, p: dict[str, str], region: str, image: Image) -> str:
        return (
            f"{_base(p, region)}/Publishers/{image.publisher}/ArtifactTypes/VMImage"
            f"/Offers/{image.offer}"
        )

    def _sku_id(self, p: dict[str, str], region: str, image: Image) -> str:
        return f"{self._offer_id(p, region, image)}/Skus/{image.sku}"
