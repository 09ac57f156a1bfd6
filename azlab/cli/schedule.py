"""`azlab schedule show`: each group's week as a timeline, its next transitions, its hours.

Text output draws the week (azlab/cli/timeline.py) and lists the transitions;
`--output svg FILE` writes the same chart as SVG; `--output json` gives the data.
Figures beside the timeline are `Column`s: `figure_columns` is where one is added.
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from azlab.cli.common import PLAN_ARGUMENT, console, load, parse_at, print_json
from azlab.cli.main import app
from azlab.cli.money import cost_columns, print_schedule_money, schedule_money
from azlab.cli.timeline import Column, render
from azlab.errors import UsageError
from azlab.plan.model import Plan
from azlab.schedule.chart_svg import svg
from azlab.schedule.events import skipped_days
from azlab.schedule.forecast import next_transitions, week_figures
from azlab.schedule.model import from_plan
from azlab.schedule.timeline import WeekChart, local_week, running_windows, week_chart

schedule_app = typer.Typer(help="Look at a plan's schedules.", no_args_is_help=True)
app.add_typer(schedule_app, name="schedule")


class ShowFormat(str, enum.Enum):
    text = "text"
    json = "json"
    svg = "svg"


def figure_columns(plan: Plan, chart: WeekChart) -> list[Column]:
    """Figures shown after the running hours, a column each (none yet)."""
    return []


@schedule_app.command("show")
def schedule_show(
    plan_file: Path = PLAN_ARGUMENT,
    svg_file: Path | None = typer.Argument(
        None, metavar="[FILE]", help="With --output svg: where to write the chart ('-': stdout)."
    ),
    days: int = typer.Option(7, "--days", min=1, max=60, help="How far ahead to list transitions."),
    at: str | None = typer.Option(None, "--at", help="Start from this ISO time instead of now."),
    output: ShowFormat = typer.Option(
        ShowFormat.text, "--output", "-o", help="text, json for data, or svg FILE for the chart."
    ),
) -> None:
    """Each group's week as a timeline, its next transitions and its weekly running hours.

    The timeline is the local week (Monday to Monday, the plan's first schedule's
    time zone) holding --at: a row per group, a column per hour, running hours
    shaded, tiers and depends_on beside the group, skipped days (holidays, skip
    dates) marked. Plain text when not on a terminal.

    Example: azlab schedule show plans/lynclab.yaml --days 7
    Example: azlab schedule show plans/lynclab.yaml --output svg week.svg
    """
    if output is ShowFormat.svg and svg_file is None:
        raise UsageError("--output svg needs a FILE to write", hint="e.g. --output svg week.svg")
    if output is not ShowFormat.svg and svg_file is not None:
        raise UsageError(f"{svg_file}: a FILE is written only with --output svg")
    plan = load(plan_file, require_env=False).plan
    now = parse_at(at)
    zone = ZoneInfo(plan.schedules[0].timezone if plan.schedules else "UTC")
    chart = week_chart(plan, now.astimezone(zone).date())
    if output is ShowFormat.svg:
        assert svg_file is not None
        _write(svg_file, svg(chart))
        return
    rows = _rows(plan, chart, now, days)
    money = schedule_money(plan, rows)
    if output is ShowFormat.json:
        print_json({"plan": plan.name, "from": now.isoformat(), "groups": rows, "cost": money})
        return
    out = console()
    render(chart, out, [*figure_columns(plan, chart), *cost_columns(rows, money)])
    out.print()
    for row in rows:
        _print_row(row)
    print_schedule_money(rows, money)


def _write(path: Path, text: str) -> None:
    if str(path) == "-":
        typer.echo(text, nl=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the chart: {exc.strerror}") from None
    console().print(f"Wrote {path}", markup=False)


def _rows(plan: Plan, chart: WeekChart, now: datetime, days: int) -> list[dict[str, Any]]:
    charted = {r.group: r for r in chart.rows}
    rows: list[dict[str, Any]] = []
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        if schedule is None:
            rows.append({"group": group.name, "schedule": None, "transitions": [], "week": None})
            continue
        model = from_plan(schedule)
        local_now = now.astimezone(ZoneInfo(model.timezone))
        monday = (local_now - timedelta(days=local_now.weekday())).date()
        week = week_figures(model, monday)
        first, last = local_now.date(), local_now.date() + timedelta(days=days)
        row = charted[group.name]
        rows.append(
            {
                "group": group.name,
                "schedule": model.name,
                "timezone": model.timezone,
                "tiers": list(row.tiers),
                "depends_on": list(row.after),
                "transitions": [
                    {
                        "kind": e.kind,
                        "local": e.local.isoformat(timespec="minutes"),
                        "utc": e.at.isoformat(timespec="minutes"),
                    }
                    for e in next_transitions(model, now, days)
                ],
                "skips": [
                    {"date": day.isoformat(), "reason": reason}
                    for day, reason in skipped_days(model, first, last)
                ],
                "week": {
                    "starts": monday.isoformat(),
                    "hours": week.hours,
                    "running_hours": round(week.running_hours, 2),
                    "saved_share": round(week.saved_share, 4),
                    "windows": [
                        {
                            "start": w.start.isoformat(timespec="minutes"),
                            "end": w.end.isoformat(timespec="minutes"),
                        }
                        for w in running_windows(model, *local_week(model.timezone, monday))
                    ],
                },
            }
        )
    return rows


def _print_row(row: dict[str, Any]) -> None:
    out = console()
    if row["schedule"] is None:
        out.print(f"group {row['group']}: no schedule")
        return
    week = row["week"]
    out.print(
        f"group {row['group']} ({row['schedule']}, {row['timezone']}): runs "
        f"{week['running_hours']:g} of {week['hours']:g} h this week, "
        f"{100 * week['saved_share']:.1f}% of compute hours saved against always-on"
    )
    for t in row["transitions"]:
        local_time = t["local"].replace("T", " ")
        utc_time = t["utc"].replace("T", " ")[:16]
        out.print(f"    {t['kind']:<5} {local_time} local   {utc_time} UTC")
    for skip in row["skips"]:
        out.print(f"    skips {skip['date']}: no start ({skip['reason']})")
