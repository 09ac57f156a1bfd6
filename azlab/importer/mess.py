"""The mess an import points out, from what Azure has (docs/lints.md, AZL100-AZL104).

AZL103 (a VM no schedule stops) is a validate lint on the imported plan; the others
need facts a plan does not hold: where each disk and storage account lives, what is
attached to nothing, and the other vNets of the subscription.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from azlab.azure.observe import last_segment
from azlab.model import Kind
from azlab.resources.base import Json

# A monthly price, in the currency it names, of a resource attached to nothing:
# (kind, REST JSON) -> (amount, currency) or None when not known.
MonthlyPrice = Callable[[Kind, Json], "tuple[float, str] | None"]


@dataclass(frozen=True, order=True)
class Mess:
    code: str
    resource: str
    message: str
    monthly: float | None = None
    currency: str | None = None

    def __str__(self) -> str:
        cost = f" (about {self.monthly:,.2f} {self.currency}/month)" if self.monthly else ""
        return f"warning[{self.code}]: {self.resource}: {self.message}{cost}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "resource": self.resource,
            "message": self.message,
            "monthly": self.monthly,
            "currency": self.currency,
        }


def regions_apart(
    vms: Iterable[Json], disks: Iterable[Json], accounts: Iterable[Json]
) -> list[Mess]:
    """AZL100: a VM whose disks or storage account live in another region than the VM."""
    where = {str(d["name"]).lower(): str(d.get("location", "")) for d in disks}
    account_where = {str(a["name"]).lower(): str(a.get("location", "")) for a in accounts}
    found = []
    for vm in vms:
        home = str(vm.get("location", "")).lower()
        p = vm.get("properties", {})
        storage = p.get("storageProfile", {})
        for attached in [storage.get("osDisk", {}), *storage.get("dataDisks", [])]:
            name = attached.get("name") or last_segment(attached.get("managedDisk", {}).get("id"))
            region = where.get(str(name).lower())
            if region and region.lower() != home:
                found.append(_apart(vm, f"disk {name}", region))
            account = _account_of(attached.get("vhd", {}).get("uri"))
            if account and account_where.get(account, home).lower() != home:
                found.append(_apart(vm, f"VHD storage account {account}", account_where[account]))
        diagnostics = p.get("diagnosticsProfile", {}).get("bootDiagnostics", {})
        account = _account_of(diagnostics.get("storageUri"))
        if account and account_where.get(account, home).lower() != home:
            label = f"boot diagnostics storage account {account}"
            found.append(_apart(vm, label, account_where[account]))
    return found


def _apart(vm: Json, what: str, region: str) -> Mess:
    return Mess(
        "AZL100",
        f"vm {vm['name']}",
        f"runs in {vm.get('location')} but its {what} is in {region}: every read crosses "
        "regions and pays egress; `azlab migrate` moves one to the other",
    )


def _account_of(uri: str | None) -> str | None:
    """`https://ACCOUNT.blob.core.windows.net/...` -> ACCOUNT."""
    if not uri or "://" not in uri:
        return None
    return uri.split("://", 1)[1].split(".", 1)[0].lower()


def idle_spend(
    disks: Iterable[Json], addresses: Iterable[Json], price: MonthlyPrice | None
) -> list[Mess]:
    """AZL101 and AZL102: managed disks and public IPs that nothing uses, still billed."""
    found = []
    for disk in disks:
        state = str(disk.get("properties", {}).get("diskState", "")).lower()
        if disk.get("managedBy") or state not in ("", "unattached"):
            continue
        p = disk.get("properties", {})
        size = f"{p.get('diskSizeGB')} GiB {disk.get('sku', {}).get('name', '')}".strip()
        found.append(
            _priced(
                "AZL101",
                Kind.DISK,
                disk,
                f"disk {disk['name']}",
                f"{size}, attached to no VM: billed for its size every month; snapshot it "
                "and delete it, or attach it in the plan",
                price,
            )
        )
    for address in addresses:
        if address.get("properties", {}).get("ipConfiguration"):
            continue
        found.append(
            _priced(
                "AZL102",
                Kind.PUBLIC_IP,
                address,
                f"public IP {address['name']}",
                "is on no network interface: a static address is billed by the hour whether "
                "used or not; delete it",
                price,
            )
        )
    return found


def _priced(
    code: str, kind: Kind, item: Json, resource: str, message: str, price: MonthlyPrice | None
) -> Mess:
    cost = price(kind, item) if price is not None else None
    if cost is None:
        return Mess(code, resource, message)
    return Mess(code, resource, message, round(cost[0], 2), cost[1])


def overlapping(own: Iterable[Json], subscription: Iterable[Json]) -> list[Mess]:
    """AZL104: a vNet whose address space overlaps a vNet of another resource group of the
    subscription: the two can never be peered or joined by a VPN."""
    own_ids = {str(n.get("id", "")).lower() for n in own}
    others = [n for n in subscription if str(n.get("id", "")).lower() not in own_ids]
    found = []
    for net in own:
        for prefix in _spaces(net):
            for other in others:
                clash = next((p for p in _spaces(other) if p.overlaps(prefix)), None)
                if clash is None:
                    continue
                group = str(other.get("id", "")).split("/resourceGroups/")[-1].split("/")[0]
                found.append(
                    Mess(
                        "AZL104",
                        f"network {net['name']}",
                        f"{prefix} overlaps {clash} of vNet {other['name']} (resource group "
                        f"{group}): they cannot be peered or joined; renumber one",
                    )
                )
    return found


def _spaces(net: Json) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    found = []
    for text in net.get("properties", {}).get("addressSpace", {}).get("addressPrefixes", []):
        try:
            found.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            continue
    return found
