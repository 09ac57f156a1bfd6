"""The plan as desired resources: names, normalised properties, tags and dependencies.

Names azlab derives for a VM's parts (so `plan` and `status` can find them):
`<vm>-nic`, `<vm>-pip`, `<vm>-nsg`, `<vm>-osdisk`, `<vm>-data<lun>`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from azlab.reconcile.model import ADMIN_TAG, IMAGE_TAG, PLAN_TAG, Desired, Key, Kind

# Rule priorities start here; Azure allows 100-4096.
FIRST_RULE_PRIORITY = 1000


class _Located(Protocol):
    def locate(self, kind: str, name: str) -> tuple[int, int]: ...


def nic_name(vm: str) -> str:
    return f"{vm}-nic"


def public_ip_name(vm: str) -> str:
    return f"{vm}-pip"


def nsg_name(vm: str) -> str:
    return f"{vm}-nsg"


def os_disk_name(vm: str) -> str:
    return f"{vm}-osdisk"


def data_disk_name(vm: str, lun: int) -> str:
    return f"{vm}-data{lun}"


def desired_resources(plan: Any, *, where: _Located | None = None, path: str = "") -> list[Desired]:
    """Every resource the plan declares or implies, in dependency order."""
    return list(_resources(plan, where, path))


def _resources(plan: Any, where: _Located | None, path: str) -> Iterator[Desired]:
    tags = {**dict(plan.tags or {}), PLAN_TAG: plan.name}
    rg_key: Key = (Kind.RESOURCE_GROUP, plan.resource_group.lower())

    def source(kind: str, name: str) -> str | None:
        if where is None:
            return None
        try:
            line, _ = where.locate(kind, name)
        except (KeyError, LookupError):
            return None
        return f"{path}:{line}"

    yield Desired(
        Kind.RESOURCE_GROUP,
        plan.resource_group,
        {"location": plan.location},
        tags=tags,
        create_only=frozenset({"location"}),
    )
    network_location: dict[str, str] = {}
    for net in plan.networks:
        location = net.location or plan.location
        network_location[net.name.lower()] = location
        yield Desired(
            Kind.NETWORK,
            net.name,
            {
                "location": location,
                "address_space": sorted(str(a) for a in net.address_space),
                "dns_servers": [str(d) for d in (net.dns_servers or [])],
                "subnets": {s.name: str(s.prefix) for s in net.subnets},
            },
            tags=tags,
            depends_on=(rg_key,),
            create_only=frozenset({"location"}),
            source=source("network", net.name),
        )
    for account in plan.storage_accounts:
        yield Desired(
            Kind.STORAGE_ACCOUNT,
            account.name,
            {"location": account.location or plan.location, "sku": account.sku},
            tags=tags,
            depends_on=(rg_key,),
            create_only=frozenset({"location"}),
            source=source("storage_account", account.name),
        )
        for container in account.containers:
            yield Desired(
                Kind.CONTAINER,
                f"{account.name}/{container}",
                {},
                depends_on=((Kind.STORAGE_ACCOUNT, account.name.lower()),),
                source=source("storage_account", account.name),
            )
    for group in plan.groups:
        for vm in group.vms:
            yield from _vm_resources(plan, group, vm, tags, rg_key, network_location, source)


def _vm_resources(
    plan: Any,
    group: Any,
    vm: Any,
    plan_tags: Mapping[str, str],
    rg_key: Key,
    network_location: Mapping[str, str],
    source: Any,
) -> Iterator[Desired]:
    location = vm.location or group.location or plan.location
    where = source("vm", vm.name)
    vnet, _, subnet = vm.subnet.partition("/")
    tags = {**plan_tags, **dict(vm.tags or {}), "azlab-group": group.name}
    nic_needs: list[Key] = [(Kind.NETWORK, vnet.lower())]
    public_ip = None
    if vm.public_ip:
        public_ip = public_ip_name(vm.name)
        nic_needs.append((Kind.PUBLIC_IP, public_ip.lower()))
        yield Desired(
            Kind.PUBLIC_IP,
            public_ip,
            {
                "location": location,
                "sku": "Standard",
                "idle_timeout": _minutes(vm.idle_timeout, default=4),
            },
            tags=tags,
            depends_on=(rg_key,),
            create_only=frozenset({"location", "sku"}),
            source=where,
        )
    nsg = None
    if vm.endpoints:
        nsg = nsg_name(vm.name)
        nic_needs.append((Kind.NSG, nsg.lower()))
        yield Desired(
            Kind.NSG,
            nsg,
            {"location": location, "rules": _rules(vm.endpoints)},
            tags=tags,
            depends_on=(rg_key,),
            create_only=frozenset({"location"}),
            source=where,
        )
    nic = nic_name(vm.name)
    yield Desired(
        Kind.NIC,
        nic,
        {
            "location": location,
            "subnet": f"{vnet}/{subnet}",
            "private_ip": str(vm.private_ip) if vm.private_ip else None,
            "public_ip": public_ip,
            "nsg": nsg,
        },
        tags=tags,
        depends_on=(rg_key, *nic_needs),
        create_only=frozenset({"location"}),
        source=where,
    )
    vm_needs: list[Key] = [(Kind.NIC, nic.lower())]
    data_disks: dict[str, str] = {}
    for disk in vm.data_disks or []:
        name = disk.name or data_disk_name(vm.name, disk.lun)
        data_disks[str(disk.lun)] = name
        vm_needs.append((Kind.DISK, name.lower()))
        yield Desired(
            Kind.DISK,
            name,
            {"location": location, "size_gb": disk.size_gb, "sku": disk.sku},
            tags=tags,
            depends_on=(rg_key,),
            create_only=frozenset({"location"}),
            source=where,
        )
    os_disk = vm.os_disk
    props: dict[str, Any] = {
        "location": location,
        "size": vm.size,
        "os": vm.os,
        "image": vm.image,
        "admin_username": vm.admin.username,
        "nic": nic,
        "os_disk_sku": os_disk.sku if os_disk else None,
        "data_disks": data_disks,
    }
    vm_tags = tags
    if os_disk is not None and os_disk.name:
        # A VM rebuilt from a retained disk boots from it; Azure then reports no image
        # and no admin, so the tags keep what the disk was made from for `plan` to compare.
        props["os_disk_name"] = os_disk.name
        props["attach_os_disk"] = True
        vm_tags = {**tags, IMAGE_TAG: vm.image, ADMIN_TAG: vm.admin.username}
    yield Desired(
        Kind.VM,
        vm.name,
        props,
        tags=vm_tags,
        depends_on=(rg_key, *vm_needs),
        create_only=frozenset({"location", "os", "image", "admin_username", "os_disk_sku"}),
        source=where,
    )


def _rules(endpoints: Any) -> dict[str, dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for index, endpoint in enumerate(endpoints):
        rules[endpoint.name] = {
            "priority": FIRST_RULE_PRIORITY + 10 * index,
            "port": str(endpoint.port),
            "protocol": str(endpoint.protocol),
            "source": str(endpoint.source or "VirtualNetwork"),
        }
    return rules


def _minutes(value: Any, *, default: int) -> int:
    if value is None:
        return default
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else float(value)
    return max(default, int(seconds // 60))
