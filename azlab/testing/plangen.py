"""Synthetic plans of any size, for benchmarks and scale tests.

VMs are spread over groups of two tiers; each group has its own /24 subnet,
so every generated plan validates clean.
"""

from __future__ import annotations

from pathlib import Path


def synthetic_plan(
    vms: int,
    *,
    groups: int = 10,
    name: str = "scale",
    schedule: bool = True,
    data_disks: bool = False,
    subscription: str = "${AZURE_SUBSCRIPTION_ID}",
) -> str:
    """YAML text of a plan with `vms` Linux VMs in `groups` groups (in the environment's
    subscription, unless another is named: a benchmark's critical path has one of its own)."""
    if groups < 1 or vms < groups:
        raise ValueError("need at least one VM per group")
    if groups > 250:
        raise ValueError("at most 250 groups (one /24 each in a /16)")
    lines = [
        "version: 1",
        f"name: {name}",
        f"subscription: {subscription}",
        f"resource_group: rg-{name}",
        "location: westus2",
        "networks:",
        "  - name: vnet-scale",
        "    address_space: [10.10.0.0/16]",
        "    subnets:",
    ]
    lines += [f"      - {{name: g{g:03d}, prefix: 10.10.{g}.0/24}}" for g in range(groups)]
    if schedule:
        lines += [
            "schedules:",
            "  - name: office-hours",
            "    timezone: America/Los_Angeles",
            '    start: [{at: "08:00", days: weekdays}]',
            '    stop: [{at: "18:00", days: daily}]',
        ]
    lines.append("groups:")
    per_group, extra = divmod(vms, groups)
    number = 0
    for g in range(groups):
        lines.append(f"  - name: g{g:03d}")
        if schedule:
            lines.append("    schedule: office-hours")
        lines.append("    vms:")
        count = per_group + (1 if g < extra else 0)
        for i in range(count):
            lines += [
                f"      - name: vm{number:04d}",
                "        size: Standard_B1s",
                "        os: linux",
                "        image: Canonical:ubuntu-24_04-lts:server:latest",
                f"        subnet: vnet-scale/g{g:03d}",
                f"        tier: {0 if i < (count + 1) // 2 else 1}",
                "        admin: {username: labadmin, ssh_key_env: LAB_SSH_KEY}",
            ]
            if data_disks:
                lines.append("        data_disks: [{lun: 0, size_gb: 32}]")
            number += 1
    return "\n".join(lines) + "\n"


def write_synthetic_plan(path: Path, vms: int, **options: object) -> Path:
    path.write_text(synthetic_plan(vms, **options))  # type: ignore[arg-type]
    return path
