"""`azlab rehearse`: prove plans in a throwaway sandbox, offline, for CI."""

from __future__ import annotations

import enum
from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from azlab.cli.common import console, print_json
from azlab.cli.main import app
from azlab.errors import UsageError


class ReportFormat(str, enum.Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


@app.command("rehearse")
def rehearse_command(
    plans: list[Path] = typer.Argument(..., help="Plan files to rehearse together."),
    week_of: str | None = typer.Option(
        None,
        "--week-of",
        help="Simulate the week (Monday to Monday, local to the plan's first schedule) "
        "holding this date; default: this week.",
    ),
    output: ReportFormat = typer.Option(
        ReportFormat.text, "--output", "-o", help="text, json, or markdown for a pull request."
    ),
    hosted: bool = typer.Option(
        False,
        "--hosted",
        help="Deploy the scheduler (as `azlab scheduler deploy` does) into the sandbox and let "
        "the hosted Function app tick the week, with its own identity and roles.",
    ),
    ledger: Path | None = typer.Option(
        None,
        "--ledger",
        help="Keep the week's spend ledgers in this folder, for `azlab cost` with "
        "AZLAB_LEDGER_DIR (default: thrown away with the sandbox).",
    ),
) -> None:
    """Validate, apply, plan again, tick a simulated week and destroy, in a throwaway sandbox.

    All plans share one sandbox, as they would share a subscription. Missing
    admin secrets get placeholders, named in the report; no Azure account is
    used. Progress goes to stderr. Exit 0 only if every step of every plan passed.

    With --hosted the week is ticked by the deployed scheduler running in the sandbox
    (its timer on the sandbox clock), not by azlab in this process; its runs are counted.

    Example: azlab rehearse plans/*.yaml --week-of 2026-11-02 --output markdown
    """
    from azlab.rehearse.report import as_data, as_markdown, print_text
    from azlab.rehearse.run import rehearse

    for path in plans:
        if not path.is_file():
            raise UsageError(f"{path}: no such plan file")
    try:
        week = date.fromisoformat(week_of) if week_of else date.today()
    except ValueError:
        raise UsageError(f"--week-of {week_of!r} is not a date", hint="e.g. 2026-11-02") from None
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    run = rehearse(
        plans,
        week,
        progress=lambda line: err.print(line, markup=False),
        ledger_dir=ledger,
        hosted=hosted,
    )
    if output is ReportFormat.json:
        print_json(as_data(run))
    elif output is ReportFormat.markdown:
        typer.echo(as_markdown(run))
    else:
        print_text(run, console())
    if not run.ok:
        raise typer.Exit(1)
