"""Admin secrets for a rehearsal: the user's where set, placeholders where not.

The sandbox accepts any password or key, and a rehearsal never reaches Azure,
so a CI job needs no real secret; the report names every placeholder used. An
SSH key file is never read, not even opened: a VM signing in with one gets the
placeholder key, so a plan under review cannot make a rehearsal read a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan, Vm
from azlab.reconcile import engine
from azlab.reconcile.model import Action, Change, Kind
from azlab.resources.operations import VmSecrets

PLACEHOLDER_PASSWORD = "Rehearsal-only-1!"
PLACEHOLDER_SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRehearsalOnlyRehearsalOnlyRehearsal rehearsal"
)


def placeholder_env(plan: Plan, env: Mapping[str, str]) -> dict[str, str]:
    """Values for the admin secret variables the environment lacks."""
    filled: dict[str, str] = {}
    for vm in _vms(plan):
        name = vm.admin.password_env
        if name and not env.get(name):
            filled[name] = PLACEHOLDER_PASSWORD
        name = vm.admin.ssh_key_env
        if name and not env.get(name):
            filled[name] = PLACEHOLDER_SSH_KEY
    return filled


def key_files(plan: Plan) -> dict[str, str]:
    """VMs (lower-case name) that sign in with an SSH key file, and the file each names."""
    return {
        vm.name.lower(): vm.admin.ssh_key_file
        for vm in _vms(plan)
        if vm.admin.ssh_key_file and not (vm.admin.password_env or vm.admin.ssh_key_env)
    }


def vm_secrets(
    loaded: LoadedPlan, changes: Iterable[Change], env: Mapping[str, str]
) -> dict[str, VmSecrets]:
    """What apply would read, with the placeholder key for every VM that names a key file."""
    changes = list(changes)
    keyed = key_files(loaded.plan)
    secrets = engine.resolve_secrets(
        loaded, [c for c in changes if not (c.kind is Kind.VM and c.name.lower() in keyed)], env
    )
    for change in changes:
        creating = change.action in (Action.CREATE, Action.REPLACE)
        if change.kind is Kind.VM and creating and change.name.lower() in keyed:
            secrets[change.name.lower()] = VmSecrets(ssh_public_key=PLACEHOLDER_SSH_KEY)
    return secrets


def _vms(plan: Plan) -> Iterable[Vm]:
    return (vm for group in plan.groups for vm in group.vms)
