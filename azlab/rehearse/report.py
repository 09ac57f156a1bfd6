"""A rehearsal's report: a table per plan, as text, markdown (for a pull request) or data."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from azlab.rehearse.chart import observed_chart
from azlab.rehearse.hosted import HostedFigures
from azlab.rehearse.run import Run
from azlab.rehearse.steps import Rehearsal
from azlab.rehearse.week import GroupWeek, WeekResult
from azlab.schedule.chart_mermaid import fenced

LISTED = 20  # problems per step listed under a plan's table


def as_data(run: Run) -> dict[str, Any]:
    return {
        "ok": run.ok,
        "week_of": run.week_of.isoformat(),
        "storage": run.storage or None,
        "seconds": round(run.seconds, 2),
        "hosted": run.hosted,
        "plans": [_plan_data(r) for r in run.rehearsals],
    }


def _plan_data(r: Rehearsal) -> dict[str, Any]:
    return {
        "path": str(r.path),
        "plan": r.plan or None,
        "ok": r.ok,
        "placeholder_secrets": r.placeholders,
        "steps": [
            {
                "step": s.name,
                "result": s.result,
                "ok": s.ok,
                "detail": s.detail,
                "problems": s.problems,
                "seconds": round(s.seconds, 2),
            }
            for s in r.steps
        ],
        "week": None if r.week is None else _week_data(r.week),
        "hosted": None if r.hosted is None else r.hosted.as_data(),
    }


def _week_data(week: WeekResult) -> dict[str, Any]:
    return {
        "start": week.start.isoformat(),
        "end": week.end.isoformat(),
        "timezone": week.zone,
        "ticks": week.ticks,
        "ticks_run": week.ticks_run,
        "ticks_acted": week.ticks_acted,
        "observations": week.observations,
        "requests": week.requests,
        "groups": [
            {
                "group": g.group,
                "schedule": g.schedule,
                "vms": g.vms,
                "running_hours": round(g.running_hours, 2),
                "scheduled_hours": None
                if g.scheduled_hours is None
                else round(g.scheduled_hours, 2),
                "week_hours": round(g.week_hours, 2),
                "vm_hours": round(g.vm_hours, 2),
                "saved_share": round(g.saved_share, 4),
                "transitions": g.transitions,
                "cost": None if g.cost is None else round(g.cost, 2),
                "always_on_cost": None if g.always_on_cost is None else round(g.always_on_cost, 2),
            }
            for g in week.groups.values()
        ],
        "currency": week.currency,
        "cost": _total(week),
        "problems": week.problems,
    }


def _week_title(week: WeekResult, hosted: HostedFigures | None = None) -> str:
    zone = ZoneInfo(week.zone)
    start, end = week.start.astimezone(zone), week.end.astimezone(zone)
    hours = (week.end - week.start).total_seconds() / 3600
    span = f"Week {start:%a %Y-%m-%d %H:%M} to {end:%a %Y-%m-%d %H:%M} {week.zone} ({hours:.0f} h)"
    if hosted is not None:
        first = hosted.first_tick_seconds
        return (
            f"{span}: {week.ticks} ticks 5 minutes apart, by the scheduler deployed as "
            f"{hosted.site} (deploy {hosted.deploy_seconds:.1f} s, "
            f"{hosted.deploy_requests} ARM requests; first hosted tick "
            f"{'-' if first is None else f'{first:.1f}'} s after deploy began): "
            f"{hosted.timer_runs} timer and {hosted.queue_runs} queue runs, "
            f"{hosted.failed_runs} failed; it acted at {week.ticks_acted} ticks"
        )
    return (
        f"{span}: "
        f"{week.ticks} ticks 5 minutes apart; azlab's tick ran at {week.ticks_run} of them "
        f"(the others had the inputs of a tick that did nothing) and acted at {week.ticks_acted}"
    )


def _total(week: WeekResult) -> float | None:
    costs = [g.cost for g in week.groups.values()]
    return None if not costs or None in costs else round(sum(c or 0.0 for c in costs), 2)


def _cost(g: GroupWeek, currency: str | None) -> str:
    if g.cost is None or currency is None:
        return "-"
    text = f"{g.cost:,.2f} {currency}"
    return text if g.always_on_cost is None else f"{text} (always-on {g.always_on_cost:,.2f})"


def _scheduled(g: GroupWeek) -> str:
    return "-" if g.scheduled_hours is None else f"{g.scheduled_hours:.1f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(run: Run) -> str:
    passed = sum(r.ok for r in run.rehearsals)
    verdict = "passed" if run.ok else "FAILED"
    lines = [
        f"## azlab rehearse: {verdict}",
        "",
        f"{passed} of {len(run.rehearsals)} plan(s) passed; week of {run.week_of:%Y-%m-%d}; "
        f"sandbox storage: {run.storage or 'not started'}; {run.seconds:.1f} s.",
        "",
    ]
    for r in run.rehearsals:
        mark = "✅" if r.ok else "❌"
        lines += [f"### {mark} `{r.path}`" + (f" (plan `{r.plan}`)" if r.plan else ""), ""]
        lines += ["| step | result | seconds | detail |", "| --- | --- | ---: | --- |"]
        for s in r.steps:
            result = "**failed**" if s.result == "failed" else s.result
            lines.append(f"| {s.name} | {result} | {s.seconds:.1f} | {_cell(s.detail)} |")
        if r.week is not None:
            lines += [
                "",
                _week_title(r.week, r.hosted) + ":",
                "",
                "| group | VMs | running hours | schedule says | of | compute saved | "
                "week's cost (estimate) |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            ]
            for g in r.week.groups.values():
                lines.append(
                    f"| {g.group} | {g.vms} | {g.running_hours:.1f} | {_scheduled(g)} | "
                    f"{g.week_hours:.0f} | {100 * g.saved_share:.1f}% | "
                    f"{_cost(g, r.week.currency)} |"
                )
            if r.week.groups:
                plan = r.loaded.plan if r.loaded is not None else None
                chart = observed_chart(r.week, r.plan or str(r.path), plan)
                lines += ["", fenced(chart)]
        for s in r.steps:
            if len(s.problems) > 1:
                lines += ["", f"Problems in {s.name}:", ""]
                lines += [f"- {_cell(p)}" for p in s.problems[:LISTED]]
                if len(s.problems) > LISTED:
                    lines.append(f"- … and {len(s.problems) - LISTED} more")
        if r.placeholders:
            lines += [
                "",
                "Placeholder secrets used (the sandbox accepts any): "
                + ", ".join(f"`{p}`" for p in r.placeholders),
            ]
        lines.append("")
    return "\n".join(lines)


def print_text(run: Run, out: Console) -> None:
    for r in run.rehearsals:
        title = f"{r.path} ({r.plan or '?'}): {'passed' if r.ok else 'FAILED'}"
        table = Table(title=title, title_justify="left")
        for column in ("step", "result", "seconds", "detail"):
            table.add_column(column, justify="right" if column == "seconds" else "left")
        for s in r.steps:
            style = {"failed": "red", "skipped": "dim"}.get(s.result)
            table.add_row(s.name, s.result, f"{s.seconds:.1f}", s.detail, style=style)
        out.print(table)
        if r.week is not None:
            out.print(_week_title(r.week, r.hosted))
            for g in r.week.groups.values():
                out.print(
                    f"  {g.group}: running {g.running_hours:.1f} h of {g.week_hours:.0f} "
                    f"(schedule says {_scheduled(g)}), {100 * g.saved_share:.1f}% compute saved, "
                    f"cost {_cost(g, r.week.currency)}"
                )
        for s in r.steps:
            if len(s.problems) > 1:
                out.print(f"  problems in {s.name}:", style="red")
                for p in s.problems[:LISTED]:
                    out.print(f"    {p}", markup=False)
        if r.placeholders:
            out.print("  placeholder secrets used: " + ", ".join(r.placeholders), markup=False)
    total = len(run.rehearsals)
    out.print(
        f"{sum(r.ok for r in run.rehearsals)} of {total} plan(s) passed in {run.seconds:.1f} s"
    )
