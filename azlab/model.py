"""Resources as plain data: what the plan wants (desired) and what Azure has (observed).

Properties are normalised, JSON-like values chosen so that a desired and an observed
resource compare equal exactly when Azure needs no change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

PLAN_TAG = "azlab-plan"
# On a VM that boots from an attached disk: the image and admin it was first built with.
IMAGE_TAG = "azlab-image"
ADMIN_TAG = "azlab-admin"


class Kind(str, Enum):
    RESOURCE_GROUP = "resource_group"
    NETWORK = "network"
    NSG = "nsg"
    PUBLIC_IP = "public_ip"
    STORAGE_ACCOUNT = "storage_account"
    CONTAINER = "container"
    NIC = "nic"
    DISK = "disk"
    VM = "vm"
    SHUTDOWN = "shutdown_schedule"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Kind.RESOURCE_GROUP: "resource group",
    Kind.NETWORK: "virtual network",
    Kind.NSG: "network security group",
    Kind.PUBLIC_IP: "public IP",
    Kind.STORAGE_ACCOUNT: "storage account",
    Kind.CONTAINER: "blob container",
    Kind.NIC: "network interface",
    Kind.DISK: "managed disk",
    Kind.VM: "virtual machine",
    Kind.SHUTDOWN: "auto-shutdown schedule",
}

Key = tuple[Kind, str]


@dataclass(frozen=True)
class Desired:
    """A resource the plan wants, with what it needs to exist first."""

    kind: Kind
    name: str
    props: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[Key, ...] = ()
    # Properties Azure cannot change in place: a difference means delete and create again.
    create_only: frozenset[str] = frozenset()
    # Properties Azure changes only while the resource is stopped (a VM deallocated).
    needs_deallocation: frozenset[str] = frozenset()
    # Where the plan declares it, for messages ("plans/lab.yaml:42").
    source: str | None = None

    @property
    def key(self) -> Key:
        return (self.kind, self.name.lower())


@dataclass(frozen=True)
class Observed:
    """A resource as Azure reports it."""

    kind: Kind
    name: str
    props: Mapping[str, Any]
    tags: Mapping[str, str] = field(default_factory=dict)
    # Names of resources this one uses (a VM's disks and NIC), so deletes run in order.
    uses: tuple[Key, ...] = ()
    # Azure's provisioningState: anything but Succeeded means an operation is still running
    # (an interrupted apply's) or ended in failure.
    provisioning: str | None = None

    @property
    def key(self) -> Key:
        return (self.kind, self.name.lower())

    @property
    def settled(self) -> bool:
        return self.provisioning is None or self.provisioning.lower() == "succeeded"

    def owned_by(self, plan_name: str) -> bool:
        return self.tags.get(PLAN_TAG) == plan_name
