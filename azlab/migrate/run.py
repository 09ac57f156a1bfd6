"""One `azlab migrate`: preflight, then each VM's steps, journaled so `--resume` can finish.

Disks are copied for every VM at once (each copy bounded by its own
parallelism); the rebuild runs in tier order, so a domain controller is back
before the servers that need it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.busy import when_free
from azlab.azure.errors import azure_errors
from azlab.azure.power import power_states
from azlab.azure.session import AzureSession
from azlab.azure.storage import blob_access
from azlab.copy.progress import CopyProgress
from azlab.errors import AzlabError, UsageError
from azlab.migrate import steps
from azlab.migrate.journal import JOURNAL_PREFIX, Journal, journal_name, load_local, local_path
from azlab.migrate.model import DiskMove, VmMove, vm_steps
from azlab.migrate.planfile import VmEdit, edit_for, moved_plan, rewrite_file
from azlab.migrate.preflight import Request, choose_vms, preflight
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan
from azlab.reconcile.desired import desired_resources
from azlab.reconcile.model import ADMIN_TAG, IMAGE_TAG, Kind
from azlab.testing import hooks

ASSUMED_RATE = 60 * 2**20  # bytes per second per blob: a standard page blob's limit
ARM_SECONDS = 6 * 60  # deallocate, import, rebuild and start take minutes in Azure


class Reporter(Protocol):
    def step(self, vm: str, name: str, state: str) -> None: ...

    def progress(self, vm: str, role: str, progress: CopyProgress) -> None: ...


@dataclass(frozen=True)
class Options:
    resume: bool = False
    dry_run: bool = False
    parallelism: int = 16
    sas_lifetime: float | None = None  # seconds each disk access lasts; None: the copy's length


class _Steps:
    """Runs named steps once, recording each before and after it runs."""

    def __init__(self, journal: Journal, reporter: Reporter) -> None:
        self.journal = journal
        self.reporter = reporter
        self.lock = asyncio.Lock()

    async def _save(self) -> None:
        async with self.lock:
            await self.journal.save()

    async def run(
        self, owner: VmMove | None, name: str, work: Callable[[], Awaitable[Any]]
    ) -> None:
        record = owner.steps if owner is not None else self.journal.steps
        label = owner.name if owner is not None else "*"
        if record.get(name) == "done":
            self.reporter.step(label, name, "done before")
            return
        record[name] = "running"
        await self._save()
        self.reporter.step(label, name, "running")
        hooks.reached("migrate.step", name)
        # Every step is safe to run again, so one that meets an operation an interrupted
        # run left going (409, "retry after it completes") is run again once that ends.
        where = f"vm {label}, step {name}" if owner is not None else f"step {name}"
        with azure_errors(resource=where):
            await when_free(work)
        record[name] = "done"
        await self._save()
        self.reporter.step(label, name, "done")


async def _uploader(session: AzureSession, journal: Journal) -> Callable[[str, bytes], Any]:
    """Copies of the journal go to the destination account, for a resume from elsewhere."""
    from azure.storage.blob.aio import BlobServiceClient

    account = journal.destination.storage_account
    endpoint, key = await blob_access(session, await steps.account_group(session, account), account)
    container = journal.destination.container
    await steps.ensure_container(session, journal.destination, container)

    async def upload(name: str, body: bytes) -> None:
        async with BlobServiceClient(
            endpoint, credential={"account_name": account, "account_key": key}
        ) as service:
            await service.get_blob_client(container, JOURNAL_PREFIX + name).upload_blob(
                body, overwrite=True
            )

    return upload


async def _remote_journal(
    session: AzureSession, account: str, name: str, container: str = "vhds"
) -> Journal | None:
    """The journal another machine left in the destination account, if any."""
    import json

    from azure.storage.blob.aio import BlobServiceClient

    try:
        group = await steps.account_group(session, account)
    except LookupError:
        return None
    endpoint, key = await blob_access(session, group, account)
    async with BlobServiceClient(
        endpoint, credential={"account_name": account, "account_key": key}
    ) as service:
        try:
            blob = service.get_blob_client(container, JOURNAL_PREFIX + name)
            body = await (await blob.download_blob()).readall()
        except ResourceNotFoundError:
            return None
    return Journal.from_json(json.loads(body), name)


def estimate_seconds(journal: Journal) -> float:
    """Copies run at once, each at most at a page blob's rate; ARM steps take minutes."""
    longest = max((d.size_gb * 2**30 for vm in journal.vms for d in vm.disks), default=0)
    return longest / ASSUMED_RATE + ARM_SECONDS


async def _journal_for(
    session: AzureSession,
    plan: Plan,
    plan_path: Path,
    request: Request,
    options: Options,
    group: str | None,
) -> tuple[Journal, bool]:
    """The journal to follow, and whether it was just made by preflight."""
    pairs = choose_vms(plan, request.vms, group)
    name = journal_name(plan.name, [vm.name for _, vm in pairs])
    found = load_local(name)
    if found is None and options.resume:
        found = await _remote_journal(session, request.storage_account, name)
    if found is not None and not found.finished:
        if not options.resume:
            raise UsageError(
                f"a migration of {', '.join(v.name for v in found.vms)} is unfinished "
                f"(journal {local_path(name)})",
                hint="run the same command with --resume to finish it",
            )
        found.name = name
        return found, False
    if options.resume:
        raise UsageError(
            "there is no unfinished migration of these VMs to resume",
            hint="run without --resume to start one",
        )
    journal = await preflight(session, plan, str(plan_path), pairs, request)
    journal.name = name
    return journal, True


async def migrate(
    session: AzureSession,
    loaded: LoadedPlan,
    request: Request,
    options: Options,
    reporter: Reporter,
    *,
    group: str | None = None,
) -> Journal:
    plan = loaded.plan
    journal, fresh = await _journal_for(session, plan, loaded.path, request, options, group)
    if options.dry_run:
        if not fresh:
            raise UsageError("--dry-run shows a new migration; this one is already under way")
        return journal
    journal.bind(await _uploader(session, journal))
    runner = _Steps(journal, reporter)
    rg = journal.resource_group
    destination = journal.destination
    edits = [edit_for(plan, vm, destination.location, destination.subnet) for vm in journal.vms]
    after = moved_plan(plan, edits)
    tags = {d.name.lower(): dict(d.tags) for d in desired_resources(after) if d.kind is Kind.DISK}
    vm_tags = {d.name.lower(): dict(d.tags) for d in desired_resources(after) if d.kind is Kind.VM}
    await steps.ensure_container(session, destination, destination.container)

    async def move_disks(vm: VmMove) -> None:
        await runner.run(vm, "deallocate", lambda: steps.deallocate(session, rg, vm))

        async def one(disk: DiskMove) -> None:
            def seen(progress: CopyProgress) -> None:
                reporter.progress(vm.name, disk.role, progress)

            await runner.run(
                vm,
                f"copy:{disk.role}",
                lambda: steps.copy_disk(
                    session,
                    rg,
                    destination,
                    disk,
                    parallelism=options.parallelism,
                    sas_lifetime=options.sas_lifetime,
                    on_progress=seen,
                ),
            )
            disk_tags = tags.get(disk.target.lower(), vm_tags[vm.name.lower()])
            disk_tags = {k: v for k, v in disk_tags.items() if k not in (IMAGE_TAG, ADMIN_TAG)}
            await runner.run(
                vm,
                f"import:{disk.role}",
                lambda: steps.import_disk(session, rg, destination, disk, disk_tags),
            )

        await asyncio.gather(*(one(d) for d in vm.disks))

    # Each VM's disks move on their own: one VM's failure (its region out, its disk
    # refused) does not cut short the copies of the others, which are journaled done.
    failed = _failures(journal.vms, await _settle(move_disks(vm) for vm in journal.vms))
    for tier in sorted({vm.tier for vm in journal.vms}):
        in_tier = [vm for vm in journal.vms if vm.tier == tier and vm.name not in failed]
        if any(vm.tier < tier for vm in journal.vms if vm.name in failed):
            for vm in in_tier:  # a lower tier, which this one needs, did not come up
                failed[vm.name] = "waits for a lower tier that did not move"
            continue

        async def bring_up(vm: VmMove) -> None:
            await runner.run(
                vm, "rebuild", lambda: steps.rebuild(session, rg, destination, vm, after)
            )
            await runner.run(
                vm,
                "retain",
                lambda: steps.retain_source_disks(
                    session, rg, journal.plan_name, vm, destination.location
                ),
            )
            await runner.run(vm, "start", lambda: steps.start(session, rg, vm))

        failed.update(_failures(in_tier, await _settle(bring_up(vm) for vm in in_tier)))
    if failed:
        reasons = "; ".join(f"vm {name}: {why}" for name, why in failed.items())
        raise AzlabError(
            f"{len(failed)} of {len(journal.vms)} VMs did not move ({reasons})",
            hint="what moved is journaled; run the same command with --resume to finish",
        )
    if journal.write_plan:
        await runner.run(None, "write-plan", lambda: _write_plan(Path(journal.plan_path), edits))
    if journal.cleanup_source:
        for moved in journal.vms:
            await runner.run(moved, "cleanup-source", partial(_cleanup, session, rg, moved))
    await runner.run(None, "finished", _nothing)
    return journal


async def _settle(works: Iterable[Awaitable[None]]) -> list[BaseException | None]:
    """Run every one to its end; an interruption (Ctrl-C, cancel) still ends them all."""
    results = await asyncio.gather(*works, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, Exception):
            raise result
    return [r if isinstance(r, BaseException) else None for r in results]


def _failures(vms: list[VmMove], results: list[BaseException | None]) -> dict[str, str]:
    return {
        vm.name: (r.message if isinstance(r, AzlabError) else str(r))
        for vm, r in zip(vms, results, strict=True)
        if r is not None
    }


async def _nothing() -> None:
    return None


async def _write_plan(path: Path, edits: list[VmEdit]) -> None:
    rewrite_file(path, edits)


async def _cleanup(session: AzureSession, rg: str, vm: VmMove) -> None:
    """Source disks go only once the new VM runs (or exists, if it was off) on the copies."""
    found = await steps._get_vm(session, rg, vm.name)
    os_disk = (found or {}).get("properties", {}).get("storageProfile", {}).get("osDisk", {})
    if str(os_disk.get("name", "")).lower() != vm.os_disk.target.lower():
        raise AzlabError(f"vm {vm.name} is not on its new disks; the source disks stay")
    if vm.was_running and (await power_states(session, rg)).get(vm.name.lower()) != "running":
        raise AzlabError(f"vm {vm.name} has not started on its new disks; the source disks stay")
    await steps.cleanup_source(session, rg, vm)


def planned_steps(journal: Journal) -> list[tuple[str, str]]:
    """(vm, step) in the order they run, for --dry-run."""
    out = [(vm.name, s) for vm in journal.vms for s in vm_steps(vm, cleanup=False)]
    if journal.write_plan:
        out.append(("*", "write-plan"))
    if journal.cleanup_source:
        out += [(vm.name, "cleanup-source") for vm in journal.vms]
    return out
