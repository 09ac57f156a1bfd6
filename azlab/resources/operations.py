"""Create, update and delete one resource of any kind, by looking its kind up.

Each call waits for its long-running operation to finish. Bodies carry exactly
the properties azlab manages plus the tags; create-time secrets (admin password,
SSH key) come from `VmSecrets`, resolved before any change.
"""

from __future__ import annotations

from collections.abc import Mapping

from azlab.azure.session import AzureSession
from azlab.model import Desired, Kind
from azlab.resources import vm
from azlab.resources.base import Json, VmSecrets
from azlab.resources.registry import handler

__all__ = ["VmSecrets", "create_or_update", "delete", "update_vm", "vm_body"]


async def create_or_update(
    session: AzureSession,
    rg: str,
    want: Desired,
    *,
    secrets: Mapping[str, VmSecrets] | None = None,
) -> None:
    vm_secrets = (secrets or {}).get(want.name.lower(), VmSecrets())
    await handler(want.kind).create(session, rg, want, vm_secrets)


async def update_vm(
    session: AzureSession, rg: str, want: Desired, *, deallocate: bool = False
) -> None:
    """Change what can change on a VM without building it again; `deallocate` when the
    change is one Azure makes only on a deallocated VM (it is started again after)."""
    if deallocate:
        await vm.update_deallocated(session, rg, want)
        return
    await vm.update(session, rg, want)


async def delete(session: AzureSession, rg: str, kind: Kind, name: str) -> None:
    """Delete one resource; a resource already gone counts as deleted."""
    await handler(kind).delete(session, rg, name)


def vm_body(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> Json:
    return vm.body(session, rg, want.name, vm.props_of(want), want.tags, secrets)
