"""`azlab migrate`: move lab VMs to another region, subnet or storage account, losing nothing."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from azlab.cli.common import (
    OUTPUT_OPTION,
    PLAN_ARGUMENT,
    SUBSCRIPTION_OPTION,
    Output,
    confirm,
    console,
    load,
    print_json,
    run_async,
    target_for,
)
from azlab.cli.main import app
from azlab.copy.progress import CopyProgress
from azlab.errors import UsageError

if TYPE_CHECKING:
    from azlab.migrate.journal import Journal

LOG_EVERY = 5.0  # seconds between progress lines per disk when not on a terminal


class MigrateReporter:
    """Step lines and a bar per disk on a terminal; JSON events or log lines otherwise."""

    def __init__(self, output: Output) -> None:
        self.output = output
        self.err = Console(stderr=True, highlight=False)
        self.bars: Progress | None = None
        self.tasks: dict[str, TaskID] = {}
        self.last_line: dict[str, float] = {}

    def __enter__(self) -> MigrateReporter:
        if self.output is Output.text and sys.stderr.isatty():
            self.bars = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(binary_units=True),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=self.err,
            )
            self.bars.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bars is not None:
            self.bars.__exit__(None, None, None)

    def _emit(self, event: dict[str, Any]) -> None:
        print(json.dumps(event), flush=True)

    def step(self, vm: str, name: str, state: str) -> None:
        if self.output is Output.json:
            self._emit({"event": "step", "vm": vm, "step": name, "state": state})
            return
        if state == "running":
            return
        where = "" if vm == "*" else f"{vm}: "
        mark = "[green]✓[/]" if state == "done" else "[dim]·[/]"
        line = f"{mark} {where}{name}" + (" (done before)" if state == "done before" else "")
        if self.bars is not None:
            self.bars.console.print(line)
        else:
            self.err.print(line)

    def progress(self, vm: str, role: str, progress: CopyProgress) -> None:
        key = f"{vm} {role}"
        now = time.monotonic()
        if self.bars is not None:
            if key not in self.tasks:
                self.tasks[key] = self.bars.add_task(f"copy {key}", total=progress.total)
            self.bars.update(self.tasks[key], total=progress.total, completed=progress.copied)
        elif self.output is Output.json:
            self._emit({"event": "progress", "vm": vm, "disk": role, **progress.as_event(now)})
        elif now - self.last_line.get(key, 0.0) >= LOG_EVERY or progress.copied >= progress.total:
            self.last_line[key] = now
            event = progress.as_event(now)
            self.err.print(
                f"copy {key}: {event['percent']}% of {progress.total / 2**20:.1f} MiB allocated, "
                f"{(event['rate_bytes_per_s'] or 0) / 2**20:.1f} MiB/s"
            )


def _summary(journal: Journal) -> dict[str, Any]:
    d = journal.destination
    return {
        "event": "done",
        "destination": {
            "location": d.location,
            "subnet": d.subnet,
            "storage_account": d.storage_account,
        },
        "plan_rewritten": journal.write_plan,
        "vms": [
            {
                "name": vm.name,
                "from": {"location": vm.source_location, "subnet": vm.source_subnet},
                "private_ip": vm.private_ip,
                "ip_note": vm.ip_note,
                "was_running": vm.was_running,
                "disks": [
                    {
                        "role": disk.role,
                        "source": disk.source,
                        "source_kept": not journal.cleanup_source,
                        "vhd": f"{d.storage_account}/{d.container}/{disk.vhd}",
                        "new_disk": disk.target,
                        "size_gb": disk.size_gb,
                    }
                    for disk in vm.disks
                ],
            }
            for vm in journal.vms
        ],
    }


def _print_report(journal: Journal) -> None:
    out = console()
    d = journal.destination
    out.print(f"[bold]Migrated to {d.location}, subnet {d.subnet}[/]")
    for vm in journal.vms:
        out.print(f"  {vm.name}: from {vm.source_location} {vm.source_subnet}")
        if vm.ip_note:
            out.print(f"    address: {vm.ip_note}")
        for disk in vm.disks:
            kept = "deleted" if journal.cleanup_source else "kept (tag azlab-retained)"
            out.print(
                f"    {disk.role}: now disk {disk.target}; VHD {d.storage_account}/"
                f"{d.container}/{disk.vhd} kept; source disk {disk.source} {kept}"
            )
    if journal.write_plan:
        out.print(f"The plan {journal.plan_path} now says where they are.")
    else:
        out.print("The plan was not rewritten (--no-write-plan): edit it before the next apply.")


def _print_dry_run(journal: Journal, output: Output) -> None:
    from azlab.migrate.run import estimate_seconds, planned_steps

    order = planned_steps(journal)
    estimate = estimate_seconds(journal)
    if output is Output.json:
        print_json(
            {
                **_summary(journal),
                "event": "dry-run",
                "steps": [{"vm": v, "step": s} for v, s in order],
                "estimated_seconds": round(estimate),
            }
        )
        return
    out = console()
    sizes = {(vm.name, f"copy:{d.role}"): d.size_gb for vm in journal.vms for d in vm.disks}
    out.print("[bold]azlab migrate would (nothing changes now):[/]")
    for vm_name, step in order:
        size = sizes.get((vm_name, step))
        extra = f"  (up to {size} GiB; only allocated bytes move)" if size else ""
        out.print(f"  {'' if vm_name == '*' else vm_name + ': '}{step}{extra}")
    for vm in journal.vms:
        if vm.ip_note:
            out.print(f"  {vm.name} address: {vm.ip_note}")
    out.print(
        f"Estimated at most {estimate / 60:.0f} min (copies at 60 MiB/s per disk, "
        "plus a few minutes of Azure operations)."
    )


@app.command("migrate")
def migrate_command(
    plan_file: Path = PLAN_ARGUMENT,
    vms: list[str] = typer.Argument(None, help="VMs to move (or --group)."),
    group: str | None = typer.Option(None, "--group", help="Move every VM of this group."),
    to_location: str | None = typer.Option(
        None, "--to-location", help="Destination region; default the destination vNet's."
    ),
    to_subnet: str | None = typer.Option(
        None, "--to-subnet", help="VNET/SUBNET to move to; default the VM's current one."
    ),
    to_storage: str = typer.Option(
        ..., "--to-storage", help="Storage account in the destination region for the VHDs."
    ),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted migration."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask before starting."),
    keep_running: bool = typer.Option(
        False,
        "--keep-running",
        help="Refused: a disk copied while its VM runs is torn; the VM is deallocated.",
    ),
    cleanup_source: bool = typer.Option(
        False,
        "--cleanup-source",
        help="Delete the source disks once the new VM runs on verified copies.",
    ),
    no_write_plan: bool = typer.Option(
        False, "--no-write-plan", help="Leave the plan file as it is."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the steps, sizes and an estimate; change nothing."
    ),
    parallelism: int = typer.Option(16, "--parallelism", min=1, max=64, help="Chunks per disk."),
    sas_lifetime: str | None = typer.Option(
        None,
        "--sas-lifetime",
        help="How long each disk access granted for a copy lasts (30s, 15m, 1h); access is "
        "granted again as it runs out. Default: long enough for the copy.",
    ),
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Move VMs to another region, subnet or storage account, rebuilt from copies of their disks.

    Steps: preflight, deallocate, copy each disk to a VHD (verified), import it
    as a managed disk in the new region, rebuild the VM there from those disks,
    start it if it was running, and rewrite the plan (comments kept). Every
    step is journaled; after any interruption, run the same command with
    --resume. The source disks and the VHDs are kept.

    Example: azlab migrate plans/lab.yaml dc01 --to-location eastus
    --to-subnet vnet-eus/core --to-storage steuslab01
    """
    from azlab.azure.session import AzureSession
    from azlab.migrate.preflight import Request
    from azlab.migrate.run import Options, migrate

    if keep_running:
        raise UsageError(
            "--keep-running: a disk copied while its VM runs would be torn",
            hint="migrate deallocates the VM and starts it again at the destination",
        )
    if not vms and not group:
        raise UsageError("name the VMs to migrate, or pass --group GROUP")
    loaded = load(plan_file, require_env=False)
    request = Request(
        vms=list(vms or []),
        storage_account=to_storage,
        location=to_location,
        subnet=to_subnet,
        cleanup_source=cleanup_source,
        write_plan=not no_write_plan,
    )
    if not dry_run and not resume:
        names = ", ".join(vms or []) or f"group {group}"
        confirm(f"Deallocate and move {names}?", yes=yes)
    from azlab.cli.copy import sas_lifetime_seconds

    options = Options(
        resume=resume,
        dry_run=dry_run,
        parallelism=parallelism,
        sas_lifetime=sas_lifetime_seconds(sas_lifetime),
    )

    async def work(reporter: MigrateReporter) -> Journal:
        async with AzureSession(target_for(loaded.plan, subscription)) as session:
            return await migrate(session, loaded, request, options, reporter, group=group)

    with MigrateReporter(output) as reporter:
        journal = run_async(lambda: work(reporter))
    if dry_run:
        _print_dry_run(journal, output)
    elif output is Output.json:
        print_json(_summary(journal))
    else:
        _print_report(journal)
