"""A two-region lab for the migration tests, and ways to read every disk's bytes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from azlab.sandbox.arm.compute import disk_key
from azlab.sandbox.runner import Sandbox

MIB = 1024 * 1024
RG = "rg-mig"

PLAN = """\
# A lab that starts in West US 2; the tests move VMs to East US.
version: 1
name: miglab
subscription: 00000000-0000-0000-0000-000000000000
resource_group: rg-mig
location: westus2

networks:
  - name: vnet-wus2
    address_space: [10.2.0.0/16]
    subnets:
      - {name: core, prefix: 10.2.0.0/24}
  - name: vnet-eus        # the destination
    location: eastus
    address_space: [10.3.0.0/16]
    subnets:
      - {name: core, prefix: 10.3.0.0/24}

storage_accounts:
  - {name: stmigwus2, containers: [vhds]}
  - {name: stmigeus, location: eastus, containers: [vhds]}

groups:
  - name: core
    vms:
      - name: dc01
        size: Standard_B2ms
        os: windows
        image: MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest
        subnet: vnet-wus2/core
        private_ip: 10.2.0.4    # the domain controller
        os_disk: {size_gb: 1, sku: StandardSSD_LRS}
        admin: {username: labadmin, password_env: LAB_ADMIN_PASSWORD}
        tier: 0
        endpoints:
          - {name: rdp, port: 3389, source: 203.0.113.0/24}
        tags: {role: dc}
      - name: sql01
        size: Standard_B4ms
        os: windows
        image: MicrosoftSQLServer:sql2022-ws2022:standard-gen2:latest
        subnet: vnet-wus2/core
        private_ip: 10.2.0.5
        os_disk: {size_gb: 1}
        data_disks: [{lun: 0, size_gb: 1, sku: StandardSSD_LRS}]
        admin: {username: labadmin, password_env: LAB_ADMIN_PASSWORD}
        tier: 1
        tags: {role: sql}
"""


def write_plan(tmp: Path) -> Path:
    path = tmp / "miglab.yaml"
    path.write_text(PLAN)
    return path


def disk_blob(sandbox: Sandbox, clients: Any, name: str) -> Any:
    """The page blob holding a managed disk's bytes in the sandbox."""
    assert sandbox.storage is not None
    return sandbox.storage._disk(disk_key(clients.compute.disks.get(RG, name).id))


def settle(clients: Any, name: str) -> None:
    """Wait for the sandbox to finish writing a new disk's bytes (an export waits for them)."""
    clients.compute.disks.begin_grant_access(
        RG, name, {"access": "Read", "durationInSeconds": 60}
    ).result()
    clients.compute.disks.begin_revoke_access(RG, name).result()


def fill(sandbox: Sandbox, clients: Any, name: str, extents: list[tuple[int, int]]) -> None:
    """Data a VM wrote to its disk, straight into the disk's page blob."""
    settle(clients, name)
    blob = disk_blob(sandbox, clients, name)
    for offset, length in extents:
        blob.upload_page(os.urandom(length), offset=offset, length=length)


def fingerprint(
    sandbox: Sandbox, clients: Any, name: str
) -> tuple[int, list[tuple[int, int]], str]:
    """Length, allocated ranges and a hash of their bytes: equal means byte-for-byte equal."""
    blob = disk_blob(sandbox, clients, name)
    size = int(blob.get_blob_properties().size)
    digest = hashlib.sha256()
    ranges = []
    for r in blob.list_page_ranges():
        if r.cleared:
            continue
        start, end = int(r.start), int(r.end) + 1
        ranges.append((start, end))
        digest.update(blob.download_blob(offset=start, length=end - start).readall())
    return size, _merged(ranges), digest.hexdigest()


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
