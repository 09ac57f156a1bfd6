"""The address plan: prefixes inside their vNet, no overlaps, static IPs usable and unique."""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network

from azlab.plan.context import LintContext, Rule, vm_path

SMALLEST_SUBNET = 29  # Azure's smallest subnet: /29, 3 usable addresses after the 5 reserved


def parse_network(text: str) -> IPv4Network | None:
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ValueError:
        return None


def parse_address(text: str) -> IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


def reserved_addresses(subnet: IPv4Network) -> set[IPv4Address]:
    """Azure keeps the first four and the last address of every subnet."""
    first = int(subnet.network_address)
    return {IPv4Address(first + i) for i in range(4)} | {subnet.broadcast_address}


def address_plan(ctx: LintContext) -> None:
    spaces: list[tuple[IPv4Network, str]] = []
    subnets: dict[str, IPv4Network] = {}
    for ni, net in enumerate(ctx.plan.networks):
        own: list[IPv4Network] = []
        for ai, text in enumerate(net.address_space):
            space = parse_network(text)
            if space is None:
                ctx.error(
                    "AZL027",
                    f"{text!r} is not an IPv4 prefix such as 10.2.0.0/16",
                    "networks",
                    ni,
                    "address_space",
                    ai,
                )
                continue
            own.append(space)
            for other, other_name in spaces:
                if other.overlaps(space):
                    ctx.error(
                        "AZL022",
                        f"address space {space} of {net.name!r} overlaps {other} of {other_name!r}",
                        "networks",
                        ni,
                        "address_space",
                        ai,
                    )
            spaces.append((space, net.name))
        placed: list[tuple[IPv4Network, str]] = []
        for si, sub in enumerate(net.subnets):
            prefix = parse_network(sub.prefix)
            at = ("networks", ni, "subnets", si, "prefix")
            if prefix is None:
                ctx.error(
                    "AZL027", f"{sub.prefix!r} is not an IPv4 prefix such as 10.2.1.0/24", *at
                )
                continue
            subnets[f"{net.name}/{sub.name}".lower()] = prefix
            if own and not any(prefix.subnet_of(space) for space in own):
                ctx.error(
                    "AZL020",
                    f"subnet {sub.name!r} ({prefix}) is outside the address space of {net.name!r} "
                    f"({', '.join(map(str, own))})",
                    *at,
                )
            if prefix.prefixlen > SMALLEST_SUBNET:
                ctx.error(
                    "AZL026",
                    f"subnet {sub.name!r} is /{prefix.prefixlen}; Azure's smallest subnet is /29",
                    *at,
                )
            for other, other_name in placed:
                if other.overlaps(prefix):
                    ctx.error(
                        "AZL021",
                        f"subnet {sub.name!r} ({prefix}) overlaps subnet {other_name!r} ({other})",
                        *at,
                    )
            placed.append((prefix, sub.name))
        for di, dns in enumerate(net.dns_servers):
            if parse_address(dns) is None:
                ctx.error(
                    "AZL027",
                    f"DNS server {dns!r} is not an IPv4 address",
                    "networks",
                    ni,
                    "dns_servers",
                    di,
                )
    _static_ips(ctx, subnets)


def _static_ips(ctx: LintContext, subnets: dict[str, IPv4Network]) -> None:
    taken: dict[IPv4Address, str] = {}
    for gi, vi, _, vm in ctx.vms():
        if vm.private_ip is None:
            continue
        at = vm_path(gi, vi, "private_ip")
        address = parse_address(vm.private_ip)
        if address is None:
            ctx.error("AZL027", f"vm {vm.name!r}: {vm.private_ip!r} is not an IPv4 address", *at)
            continue
        subnet = subnets.get(vm.subnet.lower())
        if subnet is not None:
            if address not in subnet:
                ctx.error(
                    "AZL023",
                    f"vm {vm.name!r}: {address} is outside its subnet {vm.subnet} ({subnet})",
                    *at,
                )
            elif address in reserved_addresses(subnet):
                ctx.error(
                    "AZL024",
                    f"vm {vm.name!r}: {address} is reserved by Azure in {subnet} "
                    "(the first four and the last address of a subnet)",
                    *at,
                )
        if address in taken:
            ctx.error(
                "AZL025",
                f"vm {vm.name!r}: {address} is already the address of vm {taken[address]!r}",
                *at,
            )
        else:
            taken[address] = vm.name


def regions(ctx: LintContext) -> None:
    """A VM lives where its network is: a VM in another region than its vNet cannot be built."""
    for gi, vi, group, vm in ctx.vms():
        net_name = vm.subnet.partition("/")[0]
        net = ctx.plan.network(net_name)
        if net is None:
            continue
        vm_region = ctx.plan.vm_location(group, vm)
        net_region = net.location or ctx.plan.location
        if vm_region.lower() != net_region.lower():
            ctx.error(
                "AZL030",
                f"vm {vm.name!r} is in {vm_region} but its network "
                f"{net.name!r} is in {net_region}; a VM must be in its vNet's region",
                *vm_path(gi, vi, "subnet"),
            )


RULES: list[Rule] = [address_plan, regions]
