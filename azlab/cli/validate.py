"""`azlab validate` and `azlab schema`: check plans offline; print the plan's JSON Schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import typer

from azlab.cli.common import ALLOW_KEY_PATH_OPTION, OUTPUT_OPTION, Output, console, print_json
from azlab.cli.main import app
from azlab.plan import check_plan
from azlab.plan.findings import Finding
from azlab.plan.schema import plan_json_schema


@app.command("validate")
def validate_command(
    plans: list[Path] = typer.Argument(..., help="Plan files (YAML)."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
    output: Output = OUTPUT_OPTION,
    allow_key_path: list[Path] = ALLOW_KEY_PATH_OPTION,
) -> None:
    """Check plan files offline: schema, variables, references, addresses, names, schedules,
    endpoints, key files.

    Every problem in every file is reported as PATH:LINE:COL: severity[CODE]: message.
    Exit 0 when there is no error, 2 when there is one (or a warning with --strict).

    Example: azlab validate plans/*.yaml
    """
    findings = [
        f
        for path in plans
        for f in _with_money(path, check_plan(path, allow_key_paths=allow_key_path), allow_key_path)
    ]
    n_errors = sum(f.severity == "error" for f in findings)
    n_warnings = len(findings) - n_errors
    failed = n_errors > 0 or (strict and n_warnings > 0)
    if output is Output.json:
        print_json(
            {
                "files": [str(p) for p in plans],
                "errors": n_errors,
                "warnings": n_warnings,
                "ok": not failed,
                "findings": [f.as_dict() for f in findings],
            }
        )
    else:
        out = console()
        for finding in findings:
            style = "red" if finding.severity == "error" else "yellow"
            out.print(str(finding), style=style, markup=False)
        files = f"{len(plans)} file" + ("s" if len(plans) != 1 else "")
        verdict = "failed" if failed else "ok"
        out.print(f"{files} checked: {n_errors} error(s), {n_warnings} warning(s): {verdict}")
    if failed:
        raise typer.Exit(2)


def _with_money(
    path: Path, findings: list[Finding], allow_key_paths: Sequence[Path] | None
) -> list[Finding]:
    """The plan's money lints, once it loads (a budget is priced from the price list)."""
    if any(f.severity == "error" for f in findings):
        return findings
    from datetime import date

    from azlab.money.lint import money_findings
    from azlab.money.lookup import prices_for
    from azlab.plan import load_plan

    loaded = load_plan(path, allow_key_paths=allow_key_paths)
    extra = money_findings(loaded, lambda: prices_for(loaded.plan), date.today())
    return sorted(findings + extra)


@app.command("schema")
def schema_command(
    output_file: Path | None = typer.Option(None, "--output", "-o", help="Write to this file."),
) -> None:
    """Print the plan file's JSON Schema, for editors and CI.

    Example: azlab schema -o plans/schema/azlab-plan-v1.json
    """
    text = json.dumps(plan_json_schema(), indent=2) + "\n"
    if output_file is None:
        typer.echo(text, nl=False)
    else:
        output_file.write_text(text)
