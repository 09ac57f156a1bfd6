"""Admin secrets for a rehearsal: the user's where set, placeholders where not.

The sandbox accepts any password or key, and a rehearsal never reaches Azure,
so a CI job needs no real secret; the report names every placeholder used.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

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


def missing_key_files(plan: Plan) -> dict[str, str]:
    """VMs (lower-case name) whose only secret is an SSH key file that does not exist."""
    missing = {}
    for vm in _vms(plan):
        admin = vm.admin
        if admin.password_env or admin.ssh_key_env or not admin.ssh_key_file:
            continue
        if not Path(os.path.expanduser(admin.ssh_key_file)).is_file():
            missing[vm.name.lower()] = str(admin.ssh_key_file)
    return missing


def vm_secrets(
    plan: Plan, changes: Iterable[Change], env: Mapping[str, str]
) -> dict[str, VmSecrets]:
    """What apply would read, with a placeholder key for a VM whose key file is missing."""
    changes = list(changes)
    missing = missing_key_files(plan)
    secrets = engine.resolve_secrets(
        plan, [c for c in changes if not (c.kind is Kind.VM and c.name.lower() in missing)], env
    )
    for change in changes:
        creating = change.action in (Action.CREATE, Action.REPLACE)
        if change.kind is Kind.VM and creating and change.name.lower() in missing:
            secrets[change.name.lower()] = VmSecrets(ssh_public_key=PLACEHOLDER_SSH_KEY)
    return secrets


def _vms(plan: Plan) -> Iterable[Vm]:
    return (vm for group in plan.groups for vm in group.vms)
