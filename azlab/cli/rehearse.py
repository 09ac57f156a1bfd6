"""`azlab rehearse`: prove plans in a throwaway sandbox, offline, for CI."""

from __future__ import annotations

import enum
import logging
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from azlab.cli.common import console, print_json
from azlab.cli.main import app
from azlab.errors import UsageError
from azlab.rehearse.report import as_data, as_markdown
from azlab.rehearse.run import rehearse


class ReportFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command("rehearse")
def rehearse_command(
    plans: list[Path] = typer.Argument(..., help="Plan files to rehearse together."),
    week_of: str | None = typer.Option(
        None, "--week-of", help="Simulate the week (Monday to Monday) holding this date."
    ),
    output: ReportFormat = typer.Option(
        ReportFormat.text, "--output", "-o", help="text, json, or markdown for a pull request."
    ),
) -> None:
    """Validate, apply, plan again, tick a simulated week and destroy, in a throwaway sandbox.

    Exit 0 only if every step of every plan passed. No Azure account is used.

    Example: azlab rehearse plans/*.yaml --week-of 2026-11-02 --output markdown
    """
    for path in plans:
        if not path.exists():
            raise UsageError(f"{path}: no such plan file")
    try:
        week = date.fromisoformat(week_of) if week_of else date.today()
    except ValueError:
        raise UsageError(f"--week-of {week_of!r} is not a date", hint="e.g. 2026-11-02") from None
    logging.getLogger("azlab.rehearse").setLevel(logging.INFO)
    results = rehearse(plans, week)
    if output is ReportFormat.json:
        print_json(as_data(results))
    elif output is ReportFormat.markdown:
        typer.echo(as_markdown(results))
    else:
        out = console()
        for r in results:
            table = Table(title=f"{r.path} ({r.plan or '?'}): {'passed' if r.ok else 'FAILED'}")
            for column in ("step", "result", "seconds", "detail"):
                table.add_column(column)
            for s in r.steps:
                table.add_row(
                    s.name,
                    "passed" if s.ok else "failed",
                    f"{s.seconds:.1f}",
                    s.detail,
                    style=None if s.ok else "red",
                )
            out.print(table)
            if r.week is not None:
                for g in r.week.groups.values():
                    out.print(
                        f"  {g.group}: running {g.running_hours:.1f} of {g.week_hours:.0f} h, "
                        f"{100 * g.saved_share:.1f}% compute saved"
                    )
    if not all(r.ok for r in results):
        raise typer.Exit(1)
