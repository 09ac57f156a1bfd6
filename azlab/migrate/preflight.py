"""Preflight: everything that would fail later fails here, before anything changes.

It reads the subscription (a few list calls), checks the VMs, the destination
subnet and storage account, picks the new disk names and an address in the
new subnet, and returns the journal the steps will follow.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from azlab.azure.observe import last_segment, subnet_ref
from azlab.azure.power import power_states
from azlab.azure.session import AzureSession
from azlab.errors import UsageError
from azlab.migrate.journal import Journal
from azlab.migrate.model import Destination, DiskMove, VmMove
from azlab.plan.model import Group, Plan, Vm
from azlab.power_state import PowerState
from azlab.reconcile.desired import nic_name
from azlab.reconcile.model import PLAN_TAG

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class Request:
    """What the user asked for; `location` and `subnet` may be left to preflight."""

    vms: list[str]
    storage_account: str
    location: str | None = None
    subnet: str | None = None
    cleanup_source: bool = False
    write_plan: bool = True


@dataclass
class _Seen:
    """The resource group as listed once: raw REST JSON by lower-case name."""

    vms: dict[str, dict[str, Any]]
    disks: dict[str, dict[str, Any]]
    nics: dict[str, dict[str, Any]]
    vnets: dict[str, dict[str, Any]]
    accounts: dict[str, dict[str, Any]]
    power: dict[str, str]


def _props(item: Mapping[str, Any]) -> dict[str, Any]:
    return dict(item.get("properties") or {})


async def _listed(pages: Any) -> dict[str, dict[str, Any]]:
    return {str(item.name).lower(): item.as_dict() async for item in pages}


async def _look(session: AzureSession, rg: str) -> _Seen:
    return _Seen(
        vms=await _listed(session.compute.virtual_machines.list(rg)),
        disks=await _listed(session.compute.disks.list_by_resource_group(rg)),
        nics=await _listed(session.network.network_interfaces.list(rg)),
        vnets=await _listed(session.network.virtual_networks.list(rg)),
        accounts=await _listed(session.storage.storage_accounts.list()),
        power=await power_states(session, rg),
    )


def choose_vms(plan: Plan, names: Iterable[str], group: str | None) -> list[tuple[Group, Vm]]:
    """(group, vm) pairs of the plan for the names (or the whole group) asked for."""
    pairs = list(plan.all_vms())
    if group:
        chosen = [(g, v) for g, v in pairs if g.name.lower() == group.lower()]
        if not chosen:
            raise UsageError(f"the plan has no group {group!r}")
        return chosen
    chosen = []
    for name in names:
        found = [(g, v) for g, v in pairs if v.name.lower() == name.lower()]
        if not found:
            raise UsageError(
                f"vm {name!r} is not in the plan", hint="name a VM the plan lists, or use --group"
            )
        chosen += found
    if not chosen:
        raise UsageError("name a VM to migrate, or --group GROUP")
    return chosen


def _destination(plan: Plan, seen: _Seen, request: Request, current_subnet: str) -> Destination:
    subnet = request.subnet or current_subnet
    vnet_name, _, subnet_name = subnet.partition("/")
    if not subnet_name:
        raise UsageError(f"--to-subnet {subnet!r}: write it as VNET/SUBNET")
    if plan.network(vnet_name) is None:
        raise UsageError(
            f"the plan declares no network {vnet_name!r}",
            hint="add the network and its subnet to the plan and run `azlab apply` first",
        )
    vnet = seen.vnets.get(vnet_name.lower())
    if vnet is None:
        raise UsageError(
            f"network {vnet_name} does not exist yet",
            hint="run `azlab apply` to create it, then migrate",
        )
    subnets = {s["name"].lower() for s in _props(vnet).get("subnets", [])}
    if subnet_name.lower() not in subnets:
        raise UsageError(
            f"network {vnet_name} has no subnet {subnet_name!r} "
            f"(it has: {', '.join(sorted(subnets))})",
            hint="add the subnet to the plan and run `azlab apply`",
        )
    location = request.location or vnet["location"]
    if vnet["location"].lower() != location.lower():
        raise UsageError(
            f"network {vnet_name} is in {vnet['location']}, not {location}",
            hint="a VM moves to a subnet of a network in its new region",
        )
    account = seen.accounts.get(request.storage_account.lower())
    if account is None:
        raise UsageError(
            f"storage account {request.storage_account} is not in the subscription",
            hint="add it to the plan and run `azlab apply`, or name another with --to-storage",
        )
    if account["location"].lower() != location.lower():
        raise UsageError(
            f"storage account {request.storage_account} is in {account['location']}, "
            f"not {location}",
            hint="managed disks import VHDs from a storage account in their own region",
        )
    return Destination(location.lower(), f"{vnet['name']}/{subnet_name}", account["name"])


def _subnet_prefix(seen: _Seen, subnet: str) -> IPNetwork:
    vnet_name, _, subnet_name = subnet.partition("/")
    for s in _props(seen.vnets[vnet_name.lower()]).get("subnets", []):
        if s["name"].lower() == subnet_name.lower():
            return ipaddress.ip_network(_props(s)["addressPrefix"])
    raise LookupError(subnet)


def _nic_ip(nic: Mapping[str, Any]) -> tuple[str | None, str | None]:
    configs = _props(nic).get("ipConfigurations") or []
    if not configs:
        return None, None
    config = _props(configs[0])
    return subnet_ref((config.get("subnet") or {}).get("id")), config.get("privateIPAddress")


def _taken_in(plan: Plan, seen: _Seen, subnet: str, moving: str) -> set[str]:
    """Addresses in use in a subnet: its NICs', and the plan's static ones there."""
    taken = set()
    for name, nic in seen.nics.items():
        nic_subnet, ip = _nic_ip(nic)
        if ip and (nic_subnet or "").lower() == subnet.lower() and name != nic_name(moving).lower():
            taken.add(ip)
    for _, vm in plan.all_vms():
        if vm.private_ip and vm.subnet.lower() == subnet.lower() and vm.name != moving:
            taken.add(str(vm.private_ip))
    return taken


def choose_address(
    wanted: str | None, prefix: IPNetwork, taken: set[str]
) -> tuple[str | None, str | None]:
    """The address in the new subnet: the old one if it fits and is free, else the first free."""
    if wanted is None:
        return None, None
    address = ipaddress.ip_address(wanted)
    if address in prefix and wanted not in taken:
        return wanted, None
    # Azure keeps the first four addresses of a subnet and the last one.
    for host in list(prefix.hosts())[3:-1]:
        if str(host) not in taken:
            why = "is not in" if address not in prefix else "is taken in"
            return str(host), f"{wanted} {why} {prefix}; chose {host}"
    raise UsageError(f"subnet {prefix} has no free address for a static IP")


def _free_name(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name.lower())
    return name


def _disk_moves(
    vm: Mapping[str, Any], seen: _Seen, location: str, taken: set[str]
) -> list[DiskMove]:
    storage = _props(vm).get("storageProfile") or {}
    os_disk = storage.get("osDisk") or {}
    if os_disk.get("vhd") or not os_disk.get("managedDisk"):
        raise UsageError(
            f"vm {vm['name']} has unmanaged disks",
            hint="unmanaged disks are retired: convert them to managed disks first",
        )
    name = vm["name"]
    moves: list[DiskMove] = []
    entries = [("os", None, os_disk)] + [
        (f"lun{d['lun']}", int(d["lun"]), d) for d in storage.get("dataDisks") or []
    ]
    for role, lun, entry in entries:
        source = entry.get("name") or last_segment(entry["managedDisk"]["id"]) or ""
        disk = seen.disks.get(source.lower())
        if disk is None:
            raise UsageError(f"vm {name}: its disk {source} is not in the resource group")
        base = f"{name}-osdisk-{location}" if lun is None else f"{name}-data{lun}-{location}"
        moves.append(
            DiskMove(
                role=role,
                source=disk["name"],
                target=_free_name(base, taken),
                vhd=f"{name}-{role}.vhd",
                size_gb=int(_props(disk).get("diskSizeGB") or 0),
                sku=str((disk.get("sku") or {}).get("name") or "Standard_LRS"),
                lun=lun,
                caching=entry.get("caching"),
                os_type=_props(disk).get("osType") if lun is None else None,
                hyper_v_generation=_props(disk).get("hyperVGeneration"),
            )
        )
    return moves


async def preflight(
    session: AzureSession,
    plan: Plan,
    plan_path: str,
    pairs: list[tuple[Group, Vm]],
    request: Request,
) -> Journal:
    rg = plan.resource_group
    seen = await _look(session, rg)
    taken_disks = set(seen.disks)
    moves: list[VmMove] = []
    destination: Destination | None = None
    chosen: set[str] = set()
    for group, vm in pairs:
        raw = seen.vms.get(vm.name.lower())
        if raw is None:
            raise UsageError(
                f"vm {vm.name} does not exist in {rg}",
                hint="run `azlab apply` to create it; there is nothing to migrate yet",
            )
        owner = (raw.get("tags") or {}).get(PLAN_TAG)
        if owner != plan.name:
            raise UsageError(
                f"vm {vm.name} is not managed by plan {plan.name} (its {PLAN_TAG} tag: {owner})",
                hint="azlab migrates only what its plan owns",
            )
        if vm.parts != type(vm.parts)():
            raise UsageError(
                f"vm {vm.name} names its parts (parts:): a migration rebuilds them as "
                f"{vm.name}-nic, -pip and -nsg",
                hint="rebuild it with azlab's names first (drop `parts`, apply --replace)",
            )
        nic = seen.nics.get(nic_name(vm.name).lower())
        current_subnet, current_ip = _nic_ip(nic) if nic else (vm.subnet, None)
        here = _destination(plan, seen, request, current_subnet or vm.subnet)
        if destination is not None and here != destination:
            raise UsageError("the VMs of one migration move to one subnet")
        destination = here
        if raw["location"].lower() == here.location and (current_subnet or "").lower() == (
            here.subnet.lower()
        ):
            raise UsageError(
                f"vm {vm.name} is already in {here.location} on {here.subnet}; nothing to migrate"
            )
        address, note = choose_address(
            str(vm.private_ip) if vm.private_ip else None,
            _subnet_prefix(seen, here.subnet),
            _taken_in(plan, seen, here.subnet, vm.name) | chosen,
        )
        if address:
            chosen.add(address)
        moves.append(
            VmMove(
                name=raw["name"],
                group=group.name,
                tier=vm.tier,
                source_location=raw["location"],
                source_subnet=current_subnet or vm.subnet,
                was_running=seen.power.get(vm.name.lower()) == PowerState.RUNNING,
                size=str((_props(raw).get("hardwareProfile") or {}).get("vmSize")),
                tags=dict(raw.get("tags") or {}),
                source_private_ip=current_ip,
                private_ip=address,
                ip_note=note,
                disks=_disk_moves(raw, seen, here.location, taken_disks),
            )
        )
    assert destination is not None
    return Journal(
        plan_path=plan_path,
        plan_name=plan.name,
        resource_group=rg,
        destination=destination,
        vms=moves,
        cleanup_source=request.cleanup_source,
        write_plan=request.write_plan,
    )
