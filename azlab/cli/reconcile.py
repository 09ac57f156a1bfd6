"""`azlab plan`, `apply`, `status` and `destroy`: make the subscription match the plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from azlab.azure.session import AzureSession
from azlab.cli.common import (
    ALLOW_KEY_PATH_OPTION,
    OUTPUT_OPTION,
    PLAN_ARGUMENT,
    SUBSCRIPTION_OPTION,
    Output,
    confirm,
    console,
    load,
    print_json,
    progress_console,
    run_async,
    target_for,
)
from azlab.cli.main import app
from azlab.cli.money import per_hour, plan_money, print_plan_money, status_money
from azlab.cli.render import (
    Progress,
    changes_as_data,
    outcomes_as_data,
    print_changes,
    print_report,
    summary_line,
)
from azlab.graph import Listener
from azlab.model import Observed
from azlab.money.record import record_lab
from azlab.plan.loader import LoadedPlan
from azlab.plan.model import Plan
from azlab.reconcile import engine
from azlab.reconcile.desired import nic_name
from azlab.reconcile.model import Key
from azlab.resources.observe import observe

DEFAULT_PARALLELISM = engine.DEFAULT_PARALLELISM
ADOPT_OPTION = typer.Option(
    False,
    "--adopt",
    help="Take over resources that match the plan but lack its tag (azlab import): "
    "add azlab's tags, keep their others, change nothing else.",
)


def _where(loaded: LoadedPlan) -> dict[str, Any]:
    return {"where": loaded, "path": str(loaded.path)}


def _watch(output: Output, verb: str) -> engine.Watch:
    """The live progress display, opened once the number of operations is known."""

    @contextmanager
    def watch(total: int) -> Iterator[Listener[Key]]:
        with Progress(progress_console(output), total, verb=verb) as progress:
            yield progress.listener()

    return watch


@app.command("plan")
def plan_command(
    plan_file: Path = PLAN_ARGUMENT,
    output: Output = OUTPUT_OPTION,
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 0 with no changes, 1 on error, 2 with changes."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Show owned resources not in the plan as deletes."
    ),
    adopt: bool = ADOPT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
    allow_key_path: list[Path] = ALLOW_KEY_PATH_OPTION,
) -> None:
    """Show what `apply` would change, without changing anything.

    Example: azlab plan plans/lynclab.yaml --detailed-exitcode
    """
    loaded = load(plan_file, allow_key_paths=allow_key_path)
    target = target_for(loaded.plan, subscription)

    async def work() -> engine.Preview:
        async with AzureSession(target) as session:
            return await engine.preview(
                session, loaded.plan, prune=prune, adopt=adopt, **_where(loaded)
            )

    view = run_async(work)
    money = plan_money(loaded.plan, list(view.changes))
    if output is Output.json:
        data = {"plan": loaded.plan.name, "changes": changes_as_data(view.changes)}
        print_json({**data, "cost": money})
    else:
        out = console()
        print_changes(out, view.changes)
        out.print(summary_line(view.changes) if view.changes else "No resources.")
        print_plan_money(money)
        if not view.pending:
            out.print("No changes. The subscription matches the plan.")
    if detailed_exitcode and view.pending:
        raise typer.Exit(2)


@app.command("apply")
def apply_command(
    plan_file: Path = PLAN_ARGUMENT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    parallelism: int = typer.Option(
        DEFAULT_PARALLELISM, "--parallelism", min=1, help="Most operations in flight at once."
    ),
    prune: bool = typer.Option(
        False,
        "--prune",
        help="Also delete resources the plan owns but no longer lists (not disks or containers).",
    ),
    replace: list[str] = typer.Option(
        [], "--replace", help="Allow this resource to be deleted and created again (repeatable)."
    ),
    adopt: bool = ADOPT_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
    allow_key_path: list[Path] = ALLOW_KEY_PATH_OPTION,
) -> None:
    """Make the subscription match the plan, in dependency order, in parallel.

    Running apply again after an interruption finishes the job.

    Example: azlab apply plans/lynclab.yaml --yes
    """
    loaded = load(plan_file, allow_key_paths=allow_key_path)
    target = target_for(loaded.plan, subscription)
    out = console()

    def shown(view: engine.Preview) -> None:
        if output is Output.text:
            print_changes(out, view.changes)
            out.print(summary_line(view.changes))
        confirm("Apply these changes?", yes=yes)

    async def work() -> engine.Report:
        async with AzureSession(target) as session:
            report = await engine.apply(
                session,
                loaded,
                prune=prune,
                adopt=adopt,
                allow_replace=replace,
                confirm=shown,
                listener=_watch(output, "apply"),
                parallelism=parallelism,
            )
            if report.pending:
                await record_lab(session, loaded.plan, "apply", datetime.now(timezone.utc))
            return report

    report = run_async(work)
    if not report.pending:
        if output is Output.json:
            print_json({"plan": loaded.plan.name, "outcomes": [], "ok": True})
        else:
            out.print("No changes. The subscription matches the plan.")
        return
    if output is Output.json:
        print_json(
            {
                "plan": loaded.plan.name,
                "ok": report.ok,
                "seconds": round(report.stats.seconds, 2),
                "max_in_flight": report.stats.max_in_flight,
                "outcomes": outcomes_as_data(report.outcomes),
            }
        )
    else:
        print_report(out, report.outcomes, report.stats.seconds)
        if not report.ok:
            out.print("Run `azlab apply` again to retry what is not done.")
    if not report.ok:
        raise typer.Exit(1)


@app.command("destroy")
def destroy_command(
    plan_file: Path = PLAN_ARGUMENT,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    keep_disks: bool = typer.Option(
        False, "--keep-disks", help="Keep the VMs' managed disks and the storage accounts (VHDs)."
    ),
    parallelism: int = typer.Option(DEFAULT_PARALLELISM, "--parallelism", min=1),
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Delete everything the plan owns, in reverse dependency order.

    Resources without the plan's tag are never touched; the resource group is
    deleted only when nothing else is left in it.

    Example: azlab destroy plans/lynclab.yaml --yes
    """
    loaded = load(plan_file, require_env=False)
    target = target_for(loaded.plan, subscription)
    out = console()

    def shown(view: engine.Preview) -> None:
        if output is Output.text:
            print_changes(out, view.changes)
            for kept in (c for c in view.changes if c.reason.startswith("kept")):
                out.print(f"    {kept.kind.label} {kept.name}: {kept.reason}")
            out.print(f"Destroy: {len(view.pending)} to delete.")
        confirm("Delete these resources?", yes=yes)

    async def work() -> engine.Report:
        async with AzureSession(target) as session:
            report = await engine.destroy(
                session,
                loaded.plan,
                keep_disks=keep_disks,
                confirm=shown,
                listener=_watch(output, "destroy"),
                parallelism=parallelism,
            )
            if report.pending and report.ok:
                now = datetime.now(timezone.utc)
                await record_lab(session, loaded.plan, "destroy", now, gone=True)
            return report

    report = run_async(work)
    if not report.pending:
        if output is Output.json:
            print_json({"plan": loaded.plan.name, "ok": True, "outcomes": []})
        else:
            out.print("Nothing to destroy.")
        return
    if output is Output.json:
        print_json(
            {
                "plan": loaded.plan.name,
                "ok": report.ok,
                "outcomes": outcomes_as_data(report.outcomes),
            }
        )
    else:
        print_report(out, report.outcomes, report.stats.seconds)
    if not report.ok:
        raise typer.Exit(1)


@app.command("status")
def status_command(
    plan_file: Path = PLAN_ARGUMENT,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Show each group's VMs with power state, size and private IP.

    Example: azlab status plans/lynclab.yaml --output json
    """
    loaded = load(plan_file, require_env=False)
    plan = loaded.plan
    target = target_for(plan, subscription)

    async def work() -> tuple[dict[str, str], list[Observed]]:
        async with AzureSession(target) as session:
            states = await engine.power_states(session, plan.resource_group)
            seen = await observe(session, plan.resource_group)
            return states, seen

    states, seen = run_async(work)
    by_key = {(o.kind.value, o.name.lower()): o for o in seen}
    upcoming = _next_actions(plan)
    rows: list[dict[str, Any]] = []
    for group in plan.groups:
        for vm in group.vms:
            observed = by_key.get(("vm", vm.name.lower()))
            nic = by_key.get(("nic", nic_name(vm).lower()))
            rows.append(
                {
                    "group": group.name,
                    "vm": vm.name,
                    "tier": getattr(vm, "tier", 0),
                    "exists": observed is not None,
                    "power": states.get(
                        vm.name.lower(), "absent" if observed is None else "unknown"
                    ),
                    "size": observed.props.get("size") if observed else vm.size,
                    "private_ip": _private_ip(nic),
                    "next": upcoming.get(group.name),
                }
            )
    money = status_money(plan, rows)
    if output is Output.json:
        print_json({"plan": plan.name, "vms": rows, "cost": money})
        return
    table = Table(title=f"{plan.name} ({plan.resource_group})")
    columns = ("group", "vm", "tier", "power", "size", "private ip", "next scheduled", "cost now")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["group"],
            row["vm"],
            str(row["tier"]),
            row["power"],
            str(row["size"]),
            row["private_ip"] or "-",
            row["next"] or "-",
            per_hour(row["cost_per_hour"], money["currency"]),
        )
    console().print(table)
    if money["currency"] is not None:
        groups = ", ".join(
            f"{g} {per_hour(v, money['currency'])}" for g, v in money["groups"].items()
        )
        total = per_hour(money["total_per_hour"], money["currency"])
        console().print(f"Cost now (estimate, list prices): {total} ({groups})")


def _private_ip(nic: Observed | None) -> str | None:
    if nic is None:
        return None
    value = nic.props.get("private_ip") or nic.props.get("private_ip_address")
    return str(value) if value else None


def _next_actions(plan: Plan) -> dict[str, str]:
    """Group name -> its schedule's next transition, in the schedule's local time."""
    from datetime import datetime, timezone

    from azlab.schedule.forecast import next_transitions
    from azlab.schedule.model import from_plan

    now = datetime.now(timezone.utc)
    found: dict[str, str] = {}
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        if schedule is None:
            continue
        upcoming = next_transitions(from_plan(schedule), now, days=8)
        if upcoming:
            event = upcoming[0]
            found[group.name] = f"{event.kind} {event.local:%a %d %b %H:%M} ({schedule.timezone})"
    return found
