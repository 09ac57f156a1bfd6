"""`azlab import`: an existing resource group read into a plan, with the mess it shows."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import typer

from azlab.azure.session import AzureSession
from azlab.cli.common import (
    SUBSCRIPTION_OPTION,
    Output,
    console,
    print_json,
    progress_console,
    run_async,
    target_for,
)
from azlab.cli.main import app
from azlab.errors import UsageError
from azlab.importer.build import Options, default_name
from azlab.importer.groups import GROUP_BY_HELP, check_group_by
from azlab.importer.prices import idle_prices
from azlab.importer.run import ImportReport, import_group, validated


@app.command("import")
def import_command(
    resource_group: str = typer.Option(
        ..., "--resource-group", "-g", help="The resource group to read."
    ),
    name: str | None = typer.Option(
        None, "--name", help="The plan's name (default: from the resource group's)."
    ),
    group_by: str = typer.Option(
        "availability-set", "--group-by", help=f"How VMs form groups: {GROUP_BY_HELP}."
    ),
    out: Path | None = typer.Option(
        None, "-o", "--out", help="Write the plan here (default: print it)."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite the --out file if it exists."),
    # `-o` is the plan file here, as `terraform`'s `-out` is; the format is `--output` only.
    output: Output = typer.Option(Output.text, "--output", help="text, or json for data."),
    subscription: str | None = SUBSCRIPTION_OPTION,
) -> None:
    """Write the plan of an existing resource group, read with list calls only.

    What a plan cannot express becomes comments naming each resource and why.

    The summary lists the mess found (AZL100-AZL104).

    Then `azlab apply PLAN --adopt` tags what matches, changing nothing else.

    Example: azlab import -g rg-lynclab-wus2 --name lynclab -o plans/lynclab.yaml
    """
    group_by = check_group_by(group_by)
    plan_name = name or default_name(resource_group)
    if out is not None and out.exists() and not force:
        raise UsageError(f"{out} exists", hint="pass --force to overwrite it, or another -o")
    target = target_for(None, subscription)
    options = Options(
        plan_name,
        subscription if subscription else "${AZURE_SUBSCRIPTION_ID}",
        group_by,
        idle_prices(),
    )
    progress_console(output).print(f"Reading resource group {resource_group} ...")

    async def work() -> ImportReport:
        async with AzureSession(target) as session:
            return await import_group(session, resource_group, options)

    report = run_async(work)
    written = out if out is not None else _scratch()
    written.parent.mkdir(parents=True, exist_ok=True)
    written.write_text(report.text)
    validated(report, written, None if out else "<stdout>")
    if out is None:
        written.unlink()
    _show(report, out, output)


def _scratch() -> Path:
    handle, path = tempfile.mkstemp(suffix=".yaml", prefix="azlab-import-")
    os.close(handle)
    return Path(path)


def _show(report: ImportReport, out: Path | None, output: Output) -> None:
    imported = report.imported
    errors = [f for f in report.findings if f.severity == "error"]
    if output is Output.json:
        print_json(
            {
                "plan": str(out) if out else None,
                "yaml": None if out else report.text,
                "counts": report.counts,
                "unmanaged": imported.unmanaged,
                "mess": [m.as_dict() for m in imported.mess],
                "findings": [f.as_dict() for f in report.findings],
                "ok": not errors,
            }
        )
    else:
        if out is None:
            sys.stdout.write(report.text)
        err = console() if out else progress_console(Output.json)
        c = report.counts
        err.print(
            f"Imported {c['vms']} VM(s) in {c['groups']} group(s), {c['networks']} network(s), "
            f"{c['storage_accounts']} storage account(s), {c['schedules']} schedule(s)"
            + (f" into {out}" if out else "")
            + f"; {c['unmanaged']} resource(s) or part(s) left unmanaged (see its comments)."
        )
        for found in imported.mess:
            err.print(str(found), style="yellow", markup=False)
        for finding in report.findings:
            style = "red" if finding.severity == "error" else "yellow"
            err.print(str(finding), style=style, markup=False)
        if out and not errors:
            err.print(f"Next: azlab plan {out} --adopt, then azlab apply {out} --adopt")
    if errors:
        raise typer.Exit(2)
