"""An inventory read into a plan: plain data first, then `write` adds the comments.

Every resource the plan can hold becomes its entry; everything else is a note naming
the resource and why it is left unmanaged, written as a YAML comment where it belongs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from azlab.importer import mess, schedules
from azlab.importer.groups import grouped
from azlab.importer.read import SCHEDULES, Inventory
from azlab.importer.vms import Parts, VmEntry, own_tags, vm_entry, vm_tags
from azlab.model import Kind
from azlab.resources import network, storage_account
from azlab.resources.base import Json

# Resource types a plan holds, by the generic list's type (lower case).
PLANNED = {
    "microsoft.network/virtualnetworks": Kind.NETWORK,
    "microsoft.network/networksecuritygroups": Kind.NSG,
    "microsoft.network/publicipaddresses": Kind.PUBLIC_IP,
    "microsoft.network/networkinterfaces": Kind.NIC,
    "microsoft.storage/storageaccounts": Kind.STORAGE_ACCOUNT,
    "microsoft.compute/disks": Kind.DISK,
    "microsoft.compute/virtualmachines": Kind.VM,
}
TIER_NOTE = "boot order unknown: raise the tier of VMs that need others up first"


@dataclass(frozen=True)
class Options:
    name: str
    # The plan's `subscription`: an id, or `${AZURE_SUBSCRIPTION_ID}`.
    subscription: str
    group_by: str = "availability-set"
    price: mess.MonthlyPrice | None = None


@dataclass
class Imported:
    plan: Json
    # Notes by VM name, and for the plan as a whole (resources left unmanaged).
    vm_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    network_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    storage_notes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    unmanaged: list[str] = field(default_factory=list)
    # VMs whose tier is 0 only because nothing said otherwise.
    unordered: set[str] = field(default_factory=set)
    mess: list[mess.Mess] = field(default_factory=list)


def default_name(resource_group: str) -> str:
    """A plan name from the resource group's: `rg-LyncLab_WUS2` -> `lynclab-wus2`."""
    name = re.sub(r"^rg[-_]", "", resource_group.lower())
    return re.sub(r"[^a-z0-9-]+", "-", name).strip("-")[:40] or "imported"


def build(inventory: Inventory, options: Options) -> Imported:
    items = inventory.listing.items
    parts = Parts.of(items)
    group_json = items[Kind.RESOURCE_GROUP][0]
    location = str(group_json.get("location", ""))
    # Left out: OS disks and auto-shutdown schedules, which Azure and the portal make
    # without the VM's tags (adopting adds them).
    tagged = [group_json]
    for kind, listed in items.items():
        if kind not in (Kind.RESOURCE_GROUP, Kind.SHUTDOWN):
            tagged += [i for i in listed if not _os_disk(i)]
    plan_tags = _common_tags(tagged)
    result = Imported(plan={})
    plan: Json = {
        "version": 1,
        "name": options.name,
        "subscription": options.subscription,
        "resource_group": str(group_json["name"]),
        "location": location,
    }
    if plan_tags:
        plan["tags"] = plan_tags
    networks = []
    for item in sorted(items.get(Kind.NETWORK, []), key=lambda i: str(i["name"]).lower()):
        entry = network.to_plan(item, location)
        networks.append(entry.fields)
        if entry.notes:
            result.network_notes[str(item["name"])] = entry.notes
    if networks:
        plan["networks"] = networks
    plan_accounts = _accounts(inventory, location, result)
    if plan_accounts:
        plan["storage_accounts"] = plan_accounts
    entries, covered = _vms(items.get(Kind.VM, []), parts, plan_tags, location, result)
    shutdowns = schedules.read_shutdowns(inventory.schedules)
    result.unmanaged += [f"{SCHEDULES} {note}" for note in shutdowns.notes]
    used_schedules: dict[str, Json] = {}
    groups = []
    listed = [i for i in items.get(Kind.VM, []) if str(i["name"]) in entries]
    for group_name, members in grouped(listed, options.group_by).items():
        group: Json = {"name": group_name}
        chosen = _group_schedule(group_name, members, shutdowns, result)
        if chosen is not None:
            used_schedules[chosen.plan_name] = schedules.plan_schedule(chosen)
            group["schedule"] = chosen.plan_name
            covered |= _failsafes(members, chosen, shutdowns, entries)
        vm_items = {str(i["name"]): i for i in listed if str(i["name"]) in members}
        order = schedules.tiers(
            {m: schedules.sequence(vm_items[m].get("tags") or {}) for m in members}
        )
        for member in members:
            entries[member].fields["tier"] = order[member]
            if all(schedules.sequence(vm_items[m].get("tags") or {}) is None for m in members):
                result.unordered.add(member)
        group["vms"] = [entries[m].fields for m in members]
        groups.append(group)
    if used_schedules:
        plan["schedules"] = list(used_schedules.values())
    plan["groups"] = groups
    covered |= {(Kind.NETWORK, str(n["name"]).lower()) for n in items.get(Kind.NETWORK, [])}
    covered |= {
        (Kind.STORAGE_ACCOUNT, str(a["name"]).lower()) for a in items.get(Kind.STORAGE_ACCOUNT, [])
    }
    result.unmanaged += _left_out(inventory.resources, covered, shutdowns)
    result.mess = sorted(
        mess.regions_apart(
            items.get(Kind.VM, []), items.get(Kind.DISK, []), items.get(Kind.STORAGE_ACCOUNT, [])
        )
        + mess.idle_spend(items.get(Kind.DISK, []), items.get(Kind.PUBLIC_IP, []), options.price)
        + mess.overlapping(items.get(Kind.NETWORK, []), inventory.subscription_networks)
    )
    result.plan = plan
    return result


def _os_disk(item: Json) -> bool:
    return bool(item.get("properties", {}).get("osType"))


def _common_tags(items: Iterable[Json]) -> dict[str, str]:
    """Tags every resource of the group carries (less azlab's): the plan's own `tags`."""
    common: dict[str, str] | None = None
    for item in items:
        tags = own_tags(item.get("tags") or {})
        common = (
            dict(tags) if common is None else {k: v for k, v in common.items() if tags.get(k) == v}
        )
    return common or {}


def _accounts(inventory: Inventory, location: str, result: Imported) -> list[Json]:
    containers: dict[str, list[str]] = {}
    for seen in inventory.listing.observed:
        if seen.kind is Kind.CONTAINER:
            account, _, name = seen.name.partition("/")
            containers.setdefault(account.lower(), []).append(name)
    found = []
    accounts = inventory.listing.items.get(Kind.STORAGE_ACCOUNT, [])
    for item in sorted(accounts, key=lambda i: str(i["name"]).lower()):
        entry = storage_account.to_plan(
            item, containers.get(str(item["name"]).lower(), []), location
        )
        found.append(entry.fields)
        if entry.notes:
            result.storage_notes[str(item["name"])] = entry.notes
    return found


def _vms(
    vms: list[Json], parts: Parts, plan_tags: Mapping[str, str], location: str, result: Imported
) -> tuple[dict[str, VmEntry], set[tuple[Kind, str]]]:
    entries: dict[str, VmEntry] = {}
    covered: set[tuple[Kind, str]] = set()
    for item in vms:
        entry = vm_entry(item, parts)
        if isinstance(entry, str):
            result.unmanaged.append(f"Microsoft.Compute/virtualMachines {item['name']}: {entry}")
            continue
        if str(entry.fields.get("location", "")).lower() == location.lower():
            entry.fields.pop("location")
        tags = vm_tags(item, plan_tags)
        if tags:
            entry.fields["tags"] = tags
        entries[entry.name] = entry
        covered |= set(entry.uses)
        if entry.notes:
            result.vm_notes[entry.name] = entry.notes
    return entries, covered


def _group_schedule(
    group: str, members: list[str], shutdowns: schedules.ShutdownReading, result: Imported
) -> schedules.Shutdown | None:
    """The auto-shutdown most of the group's VMs have; the others are noted."""
    found = {m: shutdowns.by_vm.get(m.lower()) for m in members}
    counted = Counter((s.at, s.timezone) for s in found.values() if s is not None)
    if not counted:
        return None
    (at, zone), _ = counted.most_common(1)[0]
    chosen = next(s for s in found.values() if s is not None and (s.at, s.timezone) == (at, zone))
    for member, shutdown in found.items():
        if shutdown is None or (shutdown.at, shutdown.timezone) != (at, zone):
            when = f"{shutdown.at} {shutdown.timezone}" if shutdown else "no auto-shutdown"
            extra = (f"group {group} stops at {at} {zone} (most of its VMs'); this VM had {when}",)
            result.vm_notes[member] = (*result.vm_notes.get(member, ()), *extra)
    return chosen


def _failsafes(
    members: list[str],
    chosen: schedules.Shutdown,
    shutdowns: schedules.ShutdownReading,
    entries: dict[str, VmEntry],
) -> set[tuple[Kind, str]]:
    """Each VM's auto-shutdown as its `failsafe_shutdown`, which runs in the zone of the
    group's schedule: one in another zone stays as it is, unmanaged."""
    covered: set[tuple[Kind, str]] = set()
    for member in members:
        shutdown = shutdowns.by_vm.get(member.lower())
        if shutdown is None or shutdown.timezone != chosen.timezone:
            continue
        fields = entries[member].fields
        later: Json = {k: fields.pop(k) for k in ("tags", "parts") if k in fields}
        fields["failsafe_shutdown"] = shutdown.at
        fields.update(later)
        covered.add((Kind.SHUTDOWN, shutdown.schedule.lower()))
    return covered


def _left_out(
    resources: Iterable[Json], covered: set[tuple[Kind, str]], shutdowns: schedules.ShutdownReading
) -> list[str]:
    """Every resource of the group the plan does not hold, with why."""
    notes = []
    used = {name for kind, name in covered if kind is Kind.SHUTDOWN}
    # Those read_shutdowns noted already (disabled, not understood): each note opens with the name.
    used |= {n.split(":", 1)[0].lower() for n in shutdowns.notes}
    for item in sorted(
        resources, key=lambda i: (str(i.get("type", "")).lower(), str(i["name"]).lower())
    ):
        kind_name = str(item.get("type", ""))
        name = str(item["name"])
        kind = PLANNED.get(kind_name.lower())
        if kind is not None:
            if (kind, name.lower()) not in covered:
                notes.append(f"{kind_name} {name}: used by no VM the plan holds")
        elif kind_name.lower() == SCHEDULES.lower():
            if name.lower() not in used:
                notes.append(f"{kind_name} {name}: no VM's auto-shutdown the plan holds")
        elif kind_name.lower() == "microsoft.compute/virtualmachines/extensions":
            vm, _, ext = name.partition("/")
            notes.append(f"{kind_name} {ext or name} of {vm}: the plan installs no extensions")
        else:
            notes.append(f"{kind_name} {name}: the plan has no {kind_name.rsplit('/', 1)[-1]}")
    return notes
