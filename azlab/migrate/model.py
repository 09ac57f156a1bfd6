"""What a migration moves and where: plain data, kept in the journal as JSON.

Everything a resumed run needs is decided once, in preflight, and recorded:
the new disk names, the address in the new subnet, the VHD blob names, and
the source VM's configuration (so it can be rebuilt after it is deleted).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Destination:
    """Where the VMs go: a region, a subnet there, and a storage account there for the VHDs."""

    location: str
    subnet: str  # VNET/SUBNET
    storage_account: str
    container: str = "vhds"


@dataclass
class DiskMove:
    """One disk: the source managed disk, its VHD copy, and the managed disk imported from it."""

    role: str  # "os" or "lun<N>"
    source: str  # source managed disk name
    target: str  # new managed disk name in the destination region
    vhd: str  # blob name in the destination container
    size_gb: int
    sku: str
    lun: int | None = None
    caching: str | None = None
    os_type: str | None = None
    hyper_v_generation: str | None = None


@dataclass
class VmMove:
    """One VM's migration, with its source configuration and the choices preflight made."""

    name: str
    group: str
    tier: int
    source_location: str
    source_subnet: str
    was_running: bool
    size: str
    tags: dict[str, str]
    source_private_ip: str | None
    private_ip: str | None  # in the destination subnet; None for a dynamic address
    ip_note: str | None  # why the address changed, for the report
    disks: list[DiskMove]
    # step name -> "running" | "done"
    steps: dict[str, str] = field(default_factory=dict)

    @property
    def os_disk(self) -> DiskMove:
        return next(d for d in self.disks if d.role == "os")

    @property
    def data_disks(self) -> list[DiskMove]:
        return sorted((d for d in self.disks if d.role != "os"), key=lambda d: d.lun or 0)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VmMove:
        disks = [DiskMove(**d) for d in data.pop("disks")]
        return cls(disks=disks, **data)


def disk_steps(vm: VmMove) -> list[str]:
    return [f"copy:{d.role}" for d in vm.disks] + [f"import:{d.role}" for d in vm.disks]


def vm_steps(vm: VmMove, *, cleanup: bool) -> list[str]:
    """A VM's steps in order; each is recorded in the journal before and after it runs."""
    steps = ["deallocate", *disk_steps(vm), "rebuild", "retain", "start"]
    return steps + (["cleanup-source"] if cleanup else [])
