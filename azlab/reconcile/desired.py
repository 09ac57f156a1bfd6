"""The plan as desired resources: names, tags and dependencies; each kind builds its properties.

Names azlab derives for a VM's parts (so `plan` and `status` can find them):
`<vm>-nic`, `<vm>-pip`, `<vm>-nsg` (unless the VM's `parts` names them), `<vm>-osdisk`,
`<vm>-data<lun>`, and Azure's own
name for its auto-shutdown schedule, `shutdown-computevm-<vm>`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from azlab.model import PLAN_TAG, Desired, Key, Kind
from azlab.plan.model import Group, Plan, Vm
from azlab.resources import (
    container,
    disk,
    network,
    nic,
    nsg,
    public_ip,
    resource_group,
    shutdown,
    storage_account,
    vm,
)

# Where the plan declares a resource (kind, name) -> "plans/lab.yaml:42", or None.
Source = Callable[[str, str], str | None]


class _Located(Protocol):
    def locate(self, kind: str, name: str) -> tuple[int, int]: ...


def nic_name(vm: Vm | str) -> str:
    """The VM's network interface: the plan's `parts.nic`, else `<vm>-nic`."""
    if isinstance(vm, str):
        return f"{vm}-nic"
    return vm.parts.nic or f"{vm.name}-nic"


def public_ip_name(vm: Vm | str) -> str:
    if isinstance(vm, str):
        return f"{vm}-pip"
    return vm.parts.public_ip or f"{vm.name}-pip"


def nsg_name(vm: Vm | str) -> str:
    if isinstance(vm, str):
        return f"{vm}-nsg"
    return vm.parts.nsg or f"{vm.name}-nsg"


def os_disk_name(vm: str) -> str:
    return f"{vm}-osdisk"


def data_disk_name(vm: str, lun: int) -> str:
    return f"{vm}-data{lun}"


def desired_resources(
    plan: Plan, *, where: _Located | None = None, path: str = ""
) -> list[Desired]:
    """Every resource the plan declares or implies, in dependency order."""
    return list(_resources(plan, where, path))


def _resources(plan: Plan, where: _Located | None, path: str) -> Iterator[Desired]:
    tags = {**plan.tags, PLAN_TAG: plan.name}
    rg_key: Key = (Kind.RESOURCE_GROUP, plan.resource_group.lower())

    def source(kind: str, name: str) -> str | None:
        if where is None:
            return None
        try:
            line, _ = where.locate(kind, name)
        except (KeyError, LookupError):
            return None
        return f"{path}:{line}"

    yield resource_group.desired(plan, tags)
    for net in plan.networks:
        location = net.location or plan.location
        yield network.desired(net, location, tags, (rg_key,), source("network", net.name))
    for account in plan.storage_accounts:
        where_account = source("storage_account", account.name)
        location = account.location or plan.location
        yield storage_account.desired(account, location, tags, (rg_key,), where_account)
        for name in account.containers:
            yield container.desired(account.name, name, where_account)
    for group in plan.groups:
        for member in group.vms:
            yield from _vm_resources(plan, group, member, tags, rg_key, source)


def _vm_resources(
    plan: Plan,
    group: Group,
    member: Vm,
    plan_tags: Mapping[str, str],
    rg_key: Key,
    source: Source,
) -> Iterator[Desired]:
    location = plan.vm_location(group, member)
    where = source("vm", member.name)
    vnet, _, subnet = member.subnet.partition("/")
    tags = {**plan_tags, **member.tags, "azlab-group": group.name}
    nic_needs: list[Key] = [(Kind.NETWORK, vnet.lower())]
    pip = None
    if member.public_ip:
        pip = public_ip_name(member)
        nic_needs.append((Kind.PUBLIC_IP, pip.lower()))
        yield public_ip.desired(pip, member.idle_timeout, location, tags, (rg_key,), where)
    rules = None
    if member.endpoints:
        rules = nsg_name(member)
        nic_needs.append((Kind.NSG, rules.lower()))
        yield nsg.desired(rules, member.endpoints, location, tags, (rg_key,), where)
    interface = nic_name(member)
    nic_props = nic.Props(
        location=location,
        subnet=f"{vnet}/{subnet}",
        private_ip=str(member.private_ip) if member.private_ip else None,
        public_ip=pip,
        nsg=rules,
    )
    yield nic.desired(interface, nic_props, tags, (rg_key, *nic_needs), where)
    vm_needs: list[Key] = [(Kind.NIC, interface.lower())]
    data_disks: dict[str, str] = {}
    for data in member.data_disks:
        name = data.name or data_disk_name(member.name, data.lun)
        data_disks[str(data.lun)] = name
        vm_needs.append((Kind.DISK, name.lower()))
        yield disk.desired(data, name, location, tags, (rg_key,), where)
    yield vm.desired(member, location, interface, data_disks, tags, (rg_key, *vm_needs), where)
    if member.failsafe_shutdown:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        zone = schedule.timezone if schedule else None
        needs: tuple[Key, ...] = (rg_key, (Kind.VM, member.name.lower()))
        yield shutdown.desired(
            member.name, member.failsafe_shutdown, zone, location, tags, needs, where
        )
