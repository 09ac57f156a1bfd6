"""Plan, apply and destroy: observe, diff, then run the changes as a dependency graph.

This module decides and orders; `azlab.azure.operations` talks to Azure; the
CLI renders. An apply that was interrupted is finished by running it again:
every step observes first and does only what is still missing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any

from azlab import redact
from azlab.azure.busy import when_free
from azlab.azure.errors import azure_errors
from azlab.azure.power import power_states
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError, PlanError
from azlab.graph import Listener, Outcome, RunStats, Status, Task, run_graph
from azlab.plan.keyfiles import KeyFileError, KeyPlaces
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan, Vm
from azlab.reconcile.desired import desired_resources
from azlab.reconcile.diff import diff
from azlab.reconcile.model import Action, Change, Key, Kind, Observed
from azlab.resources import operations
from azlab.resources.observe import observe
from azlab.resources.operations import VmSecrets

DEFAULT_PARALLELISM = 200  # ARM's per-subscription write burst; operations hold no thread

# Deletes run from the top of this ranking down: VMs before their NICs and disks, and so on.
_RANK = {
    Kind.RESOURCE_GROUP: 0,
    Kind.NETWORK: 1,
    Kind.NSG: 1,
    Kind.PUBLIC_IP: 1,
    Kind.STORAGE_ACCOUNT: 1,
    Kind.CONTAINER: 2,
    Kind.NIC: 2,
    Kind.DISK: 3,
    Kind.VM: 4,
    Kind.SHUTDOWN: 5,
}


@dataclass(frozen=True)
class Preview:
    """What apply would do, from one observation."""

    plan_name: str
    resource_group: str
    changes: tuple[Change, ...]
    observed: tuple[Observed, ...]

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.is_change]

    @property
    def conflicts(self) -> list[Change]:
        """Resources the plan wants that exist but belong to someone else."""
        return [c for c in self.changes if c.action is Action.NOT_MANAGED and c.desired]


@dataclass
class Report:
    outcomes: list[Outcome[Key]] = field(default_factory=list)
    stats: RunStats = field(default_factory=RunStats)
    changes: tuple[Change, ...] = ()

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.is_change]

    @property
    def failed(self) -> list[Outcome[Key]]:
        return [o for o in self.outcomes if o.status is not Status.DONE]

    @property
    def ok(self) -> bool:
        return not self.failed


async def preview(
    session: AzureSession, plan: Plan, *, prune: bool = False, adopt: bool = False, **where: Any
) -> Preview:
    desired = desired_resources(plan, **where)
    seen = await observe(session, plan.resource_group)
    return Preview(
        plan.name,
        plan.resource_group,
        tuple(diff(plan.name, desired, seen, prune=prune, adopt=adopt)),
        tuple(seen),
    )


def refuse_unsafe(view: Preview, *, allow_replace: Iterable[str] = ()) -> None:
    """Stop before any change when the plan would touch what it must not."""
    if view.conflicts:
        first = view.conflicts[0]
        where = f" ({first.desired.source})" if first.desired and first.desired.source else ""
        raise AzlabError(
            f"{first.kind.label} {first.name}{where} {first.reason}",
            hint="azlab changes only resources tagged with its plan's name",
        )
    allowed = {n.lower() for n in allow_replace}
    for change in view.changes:
        if change.action is not Action.REPLACE or change.name.lower() in allowed:
            continue
        hint = f"run apply with --replace {change.name} to delete and create it again"
        if any(f.name == "location" for f in change.fields):
            hint = f"use `azlab migrate` to move {change.name} to another region"
        raise AzlabError(
            f"{change.kind.label} {change.name} needs replacing: {change.reason}", hint=hint
        )


def resolve_secrets(
    loaded: LoadedPlan, changes: Iterable[Change], env: Mapping[str, str] | None = None
) -> dict[str, VmSecrets]:
    """Admin secrets of every VM about to be created, read now so nothing starts without them."""
    env = os.environ if env is None else env
    plan = loaded.plan
    creating = {
        c.name.lower()
        for c in changes
        if c.kind is Kind.VM and c.action in (Action.CREATE, Action.REPLACE)
    }
    secrets: dict[str, VmSecrets] = {}
    for group in plan.groups:
        for vm in group.vms:
            # A VM that boots from an existing disk keeps that disk's accounts.
            if vm.name.lower() in creating and not vm.os_disk.name:
                secrets[vm.name.lower()] = _vm_secrets(vm, env, loaded.keys)
    return secrets


def _vm_secrets(vm: Vm, env: Mapping[str, str], keys: KeyPlaces) -> VmSecrets:
    admin = vm.admin
    if admin.password_env:
        value = env.get(admin.password_env)
        if not value:
            raise PlanError(
                f"vm {vm.name}: the admin password variable {admin.password_env} is not set",
                hint=f"export {admin.password_env}=... before apply",
            )
        redact.remember(value, f"${{{admin.password_env}}}")
        return VmSecrets(password=value)
    if admin.ssh_key_env:
        value = env.get(admin.ssh_key_env)
        if not value:
            raise PlanError(
                f"vm {vm.name}: the SSH public key variable {admin.ssh_key_env} is not set",
                hint=f'export {admin.ssh_key_env}="$(cat ~/.ssh/id_ed25519.pub)"',
            )
        redact.remember(value.strip(), f"${{{admin.ssh_key_env}}}")
        return VmSecrets(ssh_public_key=value.strip())
    if admin.ssh_key_file:
        try:
            return VmSecrets(ssh_public_key=keys.read(admin.ssh_key_file))
        except KeyFileError as exc:
            raise PlanError(
                f"vm {vm.name}: {exc}",
                hint="ssh_key_file names the public key, e.g. ~/.ssh/id_ed25519.pub",
            ) from None
    raise PlanError(f"vm {vm.name}: no admin secret: set password_env, ssh_key_env or ssh_key_file")


def apply_tasks(
    session: AzureSession,
    view: Preview,
    secrets: Mapping[str, VmSecrets],
    *,
    delete_disks: bool = False,
) -> list[Task[Key]]:
    rg = view.resource_group
    changing = {c.key for c in view.pending}
    tasks: list[Task[Key]] = []
    deletes = [c for c in view.pending if c.action is Action.DELETE]
    for change in view.pending:
        label = f"{change.action.symbol} {change.kind.label} {change.name}"
        if change.action is Action.DELETE:
            if change.kind is Kind.DISK and not delete_disks:
                continue
            needs = tuple(d.key for d in deletes if _RANK[d.kind] > _RANK[change.kind])
            tasks.append(Task(change.key, _deleter(session, rg, change), needs, label))
            continue
        assert change.desired is not None
        needs = tuple(k for k in change.desired.depends_on if k in changing)
        tasks.append(Task(change.key, _writer(session, rg, change, secrets), needs, label))
    return tasks


def _deleter(session: AzureSession, rg: str, change: Change) -> Callable[[], Any]:
    async def run() -> None:
        with azure_errors(resource=f"{change.kind.label} {change.name}"):
            await when_free(lambda: operations.delete(session, rg, change.kind, change.name))

    return run


def _writer(
    session: AzureSession, rg: str, change: Change, secrets: Mapping[str, VmSecrets]
) -> Callable[[], Any]:
    want = change.desired
    assert want is not None
    updating = change.action in (Action.UPDATE, Action.ADOPT)
    if updating and change.observed is not None:
        # A write replaces every tag: keep those someone else added (Azure Policy, a person),
        # which azlab does not manage and so never counts as drift. Adopting is this write
        # of a resource that already matches: only the tags change.
        want = replace(want, tags={**change.observed.tags, **want.tags})

    async def run() -> None:
        # Azure's errors are mapped outside when_free, which decides on the SDK's own 409.
        with azure_errors(resource=f"{want.kind.label} {want.name}"):
            await write()

    async def write() -> None:
        # Each call waits out an operation still running on the resource (an interrupted
        # apply's): Azure refuses it until then.
        if change.action is Action.REPLACE:
            await when_free(lambda: operations.delete(session, rg, change.kind, change.name))
            if change.kind is Kind.VM:
                # The old OS disk is kept; the new one needs a name of its own.
                props = {**want.props, "os_disk_name": f"{want.name}-osdisk-{int(time.time())}"}
                new = replace(want, props=props)
                await when_free(
                    lambda: operations.create_or_update(session, rg, new, secrets=secrets)
                )
                return
        if updating and change.kind is Kind.VM:
            stop = any(f.name in want.needs_deallocation for f in change.fields)
            await when_free(lambda: operations.update_vm(session, rg, want, deallocate=stop))
            return
        await when_free(lambda: operations.create_or_update(session, rg, want, secrets=secrets))

    return run


async def run(
    tasks: list[Task[Key]], *, parallelism: int, listener: Listener[Key] | None = None
) -> Report:
    report = Report()
    report.outcomes = await run_graph(
        tasks, parallelism=parallelism, listener=listener, stats=report.stats
    )
    return report


Confirm = Callable[[Preview], None]
"""Shown the changes before any is made; raises to stop."""

Watch = Callable[[int], AbstractContextManager[Listener[Key] | None]]
"""Opened around the run with the number of tasks; yields the listener to tell."""

SecretsFor = Callable[[LoadedPlan, list[Change], Mapping[str, str]], dict[str, VmSecrets]]


async def apply(
    session: AzureSession,
    loaded: LoadedPlan,
    *,
    prune: bool = False,
    adopt: bool = False,
    allow_replace: Iterable[str] = (),
    confirm: Confirm | None = None,
    listener: Watch | None = None,
    env: Mapping[str, str] | None = None,
    secrets: SecretsFor = resolve_secrets,
    parallelism: int = DEFAULT_PARALLELISM,
) -> Report:
    """Observe, refuse what is unsafe, read the secrets, confirm, then run the changes.

    Secrets are read before confirming so a missing one stops apply before it asks.
    """
    plan = loaded.plan
    view = await preview(
        session, plan, prune=prune, adopt=adopt, where=loaded, path=str(loaded.path)
    )
    refuse_unsafe(view, allow_replace=allow_replace)
    found = secrets(loaded, view.pending, os.environ if env is None else env)
    if not view.pending:
        return Report(changes=view.changes)
    return await _run_confirmed(
        view, apply_tasks(session, view, found), confirm, listener, parallelism
    )


async def destroy(
    session: AzureSession,
    plan: Plan,
    *,
    keep_disks: bool = False,
    confirm: Confirm | None = None,
    listener: Watch | None = None,
    parallelism: int = DEFAULT_PARALLELISM,
) -> Report:
    """Delete everything the plan owns, in reverse dependency order, once confirmed."""
    view = await destroy_preview(session, plan, keep_disks=keep_disks)
    if not view.pending:
        return Report(changes=view.changes)
    tasks = apply_tasks(session, view, {}, delete_disks=not keep_disks)
    return await _run_confirmed(view, tasks, confirm, listener, parallelism)


async def _run_confirmed(
    view: Preview,
    tasks: list[Task[Key]],
    confirm: Confirm | None,
    listener: Watch | None,
    parallelism: int,
) -> Report:
    if confirm is not None:
        confirm(view)
    with listener(len(tasks)) if listener is not None else nullcontext() as told:
        report = await run(tasks, parallelism=parallelism, listener=told)
    report.changes = view.changes
    return report


def destroy_changes(view: Preview, *, keep_disks: bool) -> list[Change]:
    """Every owned resource, as deletes; the group only when nothing else would remain in it."""
    owned = [o for o in view.observed if o.owned_by(view.plan_name)]
    unowned = [o for o in view.observed if not o.owned_by(view.plan_name)]
    # A network that someone else's NIC still uses cannot go; say so instead of failing.
    in_use = {
        str(o.props.get("subnet") or "").partition("/")[0].lower(): o.name
        for o in unowned
        if o.kind is Kind.NIC
    }
    changes: list[Change] = []
    for o in owned:
        if o.kind is Kind.RESOURCE_GROUP or (keep_disks and o.kind is Kind.DISK):
            continue
        if keep_disks and o.kind in (Kind.STORAGE_ACCOUNT, Kind.CONTAINER):
            # VHDs are disks too: the copies `azlab migrate` retains live there.
            reason = "kept: --keep-disks keeps storage, where VHDs live"
            changes.append(Change(Action.NOOP, o.kind, o.name, observed=o, reason=reason))
            continue
        user = in_use.get(o.name.lower()) if o.kind is Kind.NETWORK else None
        if user is not None:
            reason = f"kept: unmanaged network interface {user} uses it"
            changes.append(Change(Action.NOOP, o.kind, o.name, observed=o, reason=reason))
        else:
            changes.append(Change(Action.DELETE, o.kind, o.name, observed=o, reason="destroy"))
    os_disks = {k for o in owned if o.kind is Kind.VM for k in o.uses if k[0] is Kind.DISK} - {
        c.key for c in changes
    }
    if not keep_disks:
        changes += [
            Change(Action.DELETE, Kind.DISK, name, reason="destroy: disk of a destroyed VM")
            for _, name in sorted(os_disks)
        ]
    group = next((o for o in owned if o.kind is Kind.RESOURCE_GROUP), None)
    if group is not None and not unowned and not keep_disks:
        changes.append(
            Change(Action.DELETE, group.kind, group.name, observed=group, reason="destroy")
        )
    return changes


async def destroy_preview(session: AzureSession, plan: Plan, *, keep_disks: bool) -> Preview:
    seen = await observe(session, plan.resource_group)
    base = Preview(plan.name, plan.resource_group, (), tuple(seen))
    return Preview(
        plan.name,
        plan.resource_group,
        tuple(destroy_changes(base, keep_disks=keep_disks)),
        base.observed,
    )


__all__ = [
    "DEFAULT_PARALLELISM",
    "Preview",
    "Report",
    "apply",
    "apply_tasks",
    "destroy",
    "destroy_preview",
    "power_states",
    "preview",
    "refuse_unsafe",
    "resolve_secrets",
    "run",
]
