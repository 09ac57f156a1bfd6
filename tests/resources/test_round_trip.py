"""Per kind: what `observed` reads back from Azure's answer to `body(desired)` is `desired`.

Each body goes through the kind's own create call (the real SDK client, over HTTP, to
the sandbox), the resource is read back with a GET, and the kind's `observed`
normalises it. A property the body drops, or one `observed` reads from the wrong
place, shows up as a difference.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from azlab.azure.observe import as_json
from azlab.azure.session import AzureSession, Target
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.model import DataDisk, Plan
from azlab.reconcile.desired import desired_resources
from azlab.resources import disk
from azlab.resources.base import VmSecrets
from azlab.resources.registry import handler
from azlab.sandbox.runner import Sandbox

PLAN_DOC: dict[str, Any] = {
    "version": 1,
    "name": "roundtrip",
    "subscription": "ignored",
    "resource_group": "rg-roundtrip",
    "location": "westus2",
    "tags": {"owner": "tests"},
    "networks": [
        {
            "name": "vnet1",
            "address_space": ["10.9.0.0/16", "10.8.0.0/16"],
            "dns_servers": ["10.9.0.4"],
            "subnets": [{"name": "a", "prefix": "10.9.0.0/24"}],
        }
    ],
    "storage_accounts": [{"name": "stround01", "sku": "Standard_GRS", "containers": ["vhds"]}],
    "schedules": [
        {
            "name": "office",
            "timezone": "Europe/Berlin",
            "start": [{"at": "08:00", "days": "weekdays"}],
            "stop": [{"at": "18:00"}],
        }
    ],
    "groups": [
        {
            "name": "g",
            "schedule": "office",
            "vms": [
                {
                    "name": "web01",
                    "size": "Standard_B2s",
                    "os": "linux",
                    "image": "Canonical:ubuntu-24_04-lts:server:latest",
                    "subnet": "vnet1/a",
                    "private_ip": "10.9.0.10",
                    "public_ip": True,
                    "idle_timeout": "20m",
                    # Not the image's default (30 GB for Linux), so it must come from the plan.
                    "os_disk": {"size_gb": 64, "sku": "Premium_LRS"},
                    "data_disks": [{"lun": 1, "size_gb": 16, "sku": "StandardSSD_LRS"}],
                    "admin": {"username": "labadmin", "password_env": "UNUSED"},
                    "endpoints": [
                        {"name": "ssh", "port": 22, "source": "203.0.113.0/24"},
                        {"name": "dns", "port": 53, "protocol": "udp"},
                    ],
                    "tags": {"role": "web"},
                    "priority": "spot",
                    "max_price": 0.05,
                    "failsafe_shutdown": "19:30",
                }
            ],
        }
    ],
}
PLAN = Plan.model_validate(PLAN_DOC)
RG = PLAN.resource_group
DESIRED = desired_resources(PLAN)
SECRETS = VmSecrets(password="Sandbox-only-1")

Read = Callable[[AzureSession, str], Awaitable[Any]]


def _read(kind: Kind) -> Callable[[AzureSession, str], Awaitable[Any]]:
    """A GET of one resource of the kind, by name."""
    readers: dict[Kind, Read] = {
        Kind.RESOURCE_GROUP: lambda s, name: s.resource.resource_groups.get(name),
        Kind.NETWORK: lambda s, name: s.network.virtual_networks.get(RG, name),
        Kind.NSG: lambda s, name: s.network.network_security_groups.get(RG, name),
        Kind.PUBLIC_IP: lambda s, name: s.network.public_ip_addresses.get(RG, name),
        Kind.NIC: lambda s, name: s.network.network_interfaces.get(RG, name),
        Kind.STORAGE_ACCOUNT: lambda s, name: s.storage.storage_accounts.get_properties(RG, name),
        Kind.CONTAINER: lambda s, name: s.storage.blob_containers.get(RG, *name.split("/")),
        Kind.DISK: lambda s, name: s.compute.disks.get(RG, name),
        Kind.VM: lambda s, name: s.compute.virtual_machines.get(RG, name),
        Kind.SHUTDOWN: lambda s, name: s.devtestlabs.global_schedules.get(RG, name),
    }
    return readers[kind]


def _with_needs(want: Desired, desired: list[Desired]) -> list[Desired]:
    """The resource and everything it needs, needs first."""
    by_key = {d.key: d for d in desired}
    order: list[Desired] = []

    def visit(key: Key) -> None:
        item = by_key[key]
        for need in item.depends_on:
            visit(need)
        if item not in order:
            order.append(item)

    visit(want.key)
    return order


def _echo(
    sandbox: Sandbox,
    want: Desired,
    desired: list[Desired] = DESIRED,
    first: tuple[Desired, ...] = (),
) -> Observed:
    async def go() -> Observed:
        target = Target(sandbox.subscription, sandbox.endpoint, str(sandbox.ca_file), 0.02)
        async with AzureSession(target) as session:
            for item in [*first, *_with_needs(want, desired)]:
                await handler(item.kind).create(session, RG, item, SECRETS)
            answer = as_json(await _read(want.kind)(session, want.name))
        seen = handler(want.kind).observed(answer)
        assert seen is not None, answer
        return seen

    return asyncio.run(go())


@pytest.mark.parametrize("kind", list(Kind), ids=lambda k: k.value)
def test_observed_of_the_echoed_body_is_the_desired(sandbox: Sandbox, kind: Kind) -> None:
    want = next(d for d in DESIRED if d.kind is kind)
    seen = _echo(sandbox, want)
    assert seen.name == want.name
    assert {name: seen.props.get(name) for name in want.props} == dict(want.props)
    assert {tag: seen.tags.get(tag) for tag in want.tags} == dict(want.tags)


def test_the_plans_os_disk_size_reaches_azure(sandbox: Sandbox) -> None:
    _, vm = next(PLAN.all_vms())
    seen = _echo(sandbox, next(d for d in DESIRED if d.kind is Kind.VM))
    assert seen.props.get("os_disk_size_gb") == vm.os_disk.size_gb


def test_a_vm_booting_from_a_kept_disk_round_trips(sandbox: Sandbox) -> None:
    doc = copy.deepcopy(PLAN_DOC)
    vm_doc = doc["groups"][0]["vms"][0]
    vm_doc["os_disk"] = {"name": "web01-kept", "sku": "Premium_LRS"}
    plan = Plan.model_validate(doc)
    _, vm = next(plan.all_vms())
    group = next(d for d in DESIRED if d.kind is Kind.RESOURCE_GROUP)
    kept = disk.desired(
        DataDisk(lun=0, size_gb=64, sku=vm.os_disk.sku), "web01-kept", PLAN.location, {}, (), None
    )
    want = next(d for d in desired_resources(plan) if d.kind is Kind.VM)
    seen = _echo(sandbox, want, desired_resources(plan), first=(group, kept))
    assert want.props.get("attach_os_disk") is True
    assert {name: seen.props.get(name) for name in want.props} == dict(want.props)
    assert {tag: seen.tags.get(tag) for tag in want.tags} == dict(want.tags)


def test_a_windows_vm_with_hybrid_benefit_and_hibernation_round_trips(sandbox: Sandbox) -> None:
    doc = copy.deepcopy(PLAN_DOC)
    vm_doc = doc["groups"][0]["vms"][0]
    for key in ("priority", "max_price"):
        del vm_doc[key]
    vm_doc.update(
        {
            "os": "windows",
            "image": "MicrosoftWindowsServer:WindowsServer:2022-datacenter:latest",
            "size": "Standard_D2s_v5",
            "license": "windows_server",
            "hibernate": True,
            "os_disk": {"sku": "Premium_LRS"},
        }
    )
    plan = Plan.model_validate(doc)
    want = next(d for d in desired_resources(plan) if d.kind is Kind.VM)
    seen = _echo(sandbox, want, desired_resources(plan))
    assert (want.props["license_type"], want.props["hibernation"]) == ("Windows_Server", True)
    assert {name: seen.props.get(name) for name in want.props} == dict(want.props)


def test_the_failsafe_runs_in_the_groups_windows_time_zone(sandbox: Sandbox) -> None:
    want = next(d for d in DESIRED if d.kind is Kind.SHUTDOWN)
    seen = _echo(sandbox, want)
    assert want.name == "shutdown-computevm-web01"
    assert (seen.props["time"], seen.props["time_zone"]) == ("1930", "W. Europe Standard Time")
