"""`azlab scheduler deploy`, `status` and `remove`: the hosted scheduler in Azure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from azlab.azure.session import AzureSession
from azlab.cli.common import (
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
from azlab.scheduler.deploy import DeployOptions, DeployReport, Preview, deploy, remove
from azlab.scheduler.model import Action, Change, summarize
from azlab.scheduler.status import SchedulerStatus, status

scheduler_app = typer.Typer(
    help="Put the scheduler into Azure: a Function App (or Automation account) that ticks "
    "the plan, with least privilege.",
    no_args_is_help=True,
)
app.add_typer(scheduler_app, name="scheduler")

HOST_OPTION = typer.Option(
    "functions", "--host", help="functions (a Linux Function App) or automation."
)
NAME_OPTION = typer.Option(
    None,
    "--name",
    help="Base of the resources' names (the Function App's); default azlab-PLAN-HASH.",
)
LOCATION_OPTION = typer.Option(None, "--location", help="Region; default the plan's.")
YES_OPTION = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation.")

_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.DELETE: "red",
    Action.FOREIGN: "magenta",
}


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


def print_changes(out: Console, changes: tuple[Change, ...]) -> None:
    for change in changes:
        if change.action is Action.NOOP:
            continue
        part = change.part
        head = Text(
            f"{change.action.symbol:>3} {part.kind.label} {part.name}",
            style=_STYLE.get(change.action, ""),
        )
        if change.action is Action.FOREIGN:
            head.append("  (exists without the scheduler's tag)", style="dim")
        out.print(head)
        for field in change.fields:
            out.print(f"      ~ {field.name}: {_value(field.old)} -> {_value(field.new)}")


def summary(changes: tuple[Change, ...], verb: str) -> str:
    counts = summarize(changes)
    if verb == "remove":
        return f"Remove: {counts['delete']} to delete, {counts['foreign']} not the scheduler's."
    return (
        f"Deploy: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['noop']} unchanged."
    )


def changes_as_data(changes: tuple[Change, ...]) -> list[dict[str, Any]]:
    return [
        {
            "action": c.action.value,
            "kind": c.part.kind.value,
            "name": c.part.name,
            "address": c.part.address,
            "fields": [{"name": f.name, "old": f.old, "new": f.new} for f in c.fields],
        }
        for c in changes
    ]


def _report_data(report: DeployReport) -> dict[str, Any]:
    names = report.names
    return {
        "plan": names.plan,
        "resource_group": names.resource_group,
        "function_app": names.site,
        "storage_account": names.storage_account,
        "applied": report.applied,
        "seconds": round(report.seconds, 2),
        "changes": changes_as_data(report.changes),
        "sent": report.sent,
        "scm_url": report.scm_url,
        "plan_url": report.plan_url,
    }


def _options(host: str, name: str | None, location: str | None, dry_run: bool) -> DeployOptions:
    return DeployOptions(host=host, name=name, location=location, dry_run=dry_run)


def _asker(output: Output, verb: str, *, yes: bool, dry_run: bool) -> Any:
    out = console()

    def shown(view: Preview) -> None:
        if output is Output.text:
            print_changes(out, view.changes)
            if view.kept:
                out.print(
                    f"    resource group {view.names.resource_group} stays: it also holds "
                    + ", ".join(view.kept)
                )
            out.print(summary(view.changes, verb))
        if view.pending and not dry_run:
            confirm(f"{verb.capitalize()} the scheduler?", yes=yes)

    return shown


SchedulerCall = Callable[..., Awaitable[DeployReport]]  # deploy or remove


def _carry_out(
    action: SchedulerCall,
    verb: str,
    plan_file: Path,
    subscription: str | None,
    options: DeployOptions,
    output: Output,
    *,
    yes: bool,
) -> DeployReport:
    """Deploy or remove against the plan's subscription, asking first, with progress lines."""
    loaded = load(plan_file, require_env=False)
    target = target_for(loaded.plan, subscription)
    steps = progress_console(output)

    async def work() -> DeployReport:
        async with AzureSession(target) as session:
            report: DeployReport = await action(
                session,
                loaded,
                options,
                confirm=_asker(output, verb, yes=yes, dry_run=options.dry_run),
                progress=lambda line: steps.print(line, highlight=False),
            )
            return report

    return run_async(work)


@scheduler_app.command("deploy")
def deploy_command(
    plan_file: Path = PLAN_ARGUMENT,
    host: str = HOST_OPTION,
    name: str | None = NAME_OPTION,
    location: str | None = LOCATION_OPTION,
    yes: bool = YES_OPTION,
    dry_run: bool = typer.Option(False, "--dry-run", help="Only show what deploy would do."),
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Deploy the hosted scheduler for a plan; run it again to change or finish it.

    Makes, in its own resource group tagged azlab-scheduler=PLAN: a storage account with
    the fan-out queue and the plan as a blob, a Linux Function App on a consumption plan
    with a system-assigned identity, its settings and package, and the roles the tick
    needs (on the plan's resource group, the subscription's batch power, the account).

    Example: azlab scheduler deploy plans/lynclab.yaml --yes
    """
    options = _options(host, name, location, dry_run)
    report = _carry_out(deploy, "deploy", plan_file, subscription, options, output, yes=yes)
    if output is Output.json:
        print_json(_report_data(report))
        return
    out = console()
    if dry_run:
        out.print("Dry run: nothing was sent.")
    elif not report.pending:
        out.print("No changes. The scheduler matches the plan.")
    else:
        out.print(
            f"Deployed {report.names.site} in {report.seconds:.1f}s "
            f"({len(report.sent)} parts sent)."
        )


@scheduler_app.command("remove")
def remove_command(
    plan_file: Path = PLAN_ARGUMENT,
    host: str = HOST_OPTION,
    name: str | None = NAME_OPTION,
    yes: bool = YES_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Delete what deploy made for the plan (by its tag), and nothing else.

    The plan's own resources and anything without the tag azlab-scheduler=PLAN stay; the
    scheduler's resource group is deleted only when nothing else is left in it.

    Example: azlab scheduler remove plans/lynclab.yaml --yes
    """
    options = _options(host, name, None, False)
    report = _carry_out(remove, "remove", plan_file, subscription, options, output, yes=yes)
    if output is Output.json:
        print_json(_report_data(report))
    elif not report.pending:
        console().print("Nothing to remove.")
    else:
        console().print(f"Removed {len(report.sent)} parts in {report.seconds:.1f}s.")


def _status_data(found: SchedulerStatus) -> dict[str, Any]:
    names = found.view.names
    return {
        "plan": names.plan,
        "deployed": found.deployed,
        "resource_group": names.resource_group,
        "function_app": names.site,
        "changes": changes_as_data(tuple(c for c in found.view.changes if c.pending)),
        "runs": found.runs,
        "failures": found.failures,
        "next_actions": [
            {
                "group": a.group,
                "action": a.action,
                "utc": a.at.isoformat(timespec="minutes"),
                "local": a.local.isoformat(timespec="minutes"),
            }
            for a in found.next_actions
        ],
    }


@scheduler_app.command("status")
def status_command(
    plan_file: Path = PLAN_ARGUMENT,
    host: str = HOST_OPTION,
    name: str | None = NAME_OPTION,
    output: Output = OUTPUT_OPTION,
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Show what is deployed, the hosted scheduler's last runs and failures, and what's next.

    Example: azlab scheduler status plans/lynclab.yaml
    """
    loaded = load(plan_file, require_env=False)
    target = target_for(loaded.plan, subscription)
    now = datetime.now(timezone.utc)

    async def work() -> SchedulerStatus:
        async with AzureSession(target) as session:
            return await status(session, loaded, _options(host, name, None, True), now)

    found = run_async(work)
    if output is Output.json:
        print_json(_status_data(found))
        return
    out = console()
    names = found.view.names
    if not found.deployed:
        out.print(f"Not deployed: run azlab scheduler deploy {plan_file}.")
    else:
        drift = [c for c in found.view.changes if c.pending]
        state = "matches the plan" if not drift else f"{len(drift)} parts differ (deploy again)"
        out.print(f"{names.site} in {names.resource_group}: {state}.")
        print_changes(out, tuple(drift))
        out.print(f"Last runs ({len(found.runs)}):" if found.runs else "No hosted runs yet.")
        for run in found.runs:
            mark = "ok    " if run.get("ok") else "FAILED"
            out.print(f"  {mark} {run['at']} {run.get('kind', '')} {_value(run.get('summary'))}")
        if found.failures:
            out.print(f"Failures: {len(found.failures)} in the last two days.")
    if found.next_actions:
        out.print("Next actions:")
        for action in found.next_actions:
            out.print(
                f"  {action.local:%a %H:%M} ({action.at:%H:%M} UTC) {action.action} {action.group}"
            )
