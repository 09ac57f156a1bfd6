"""A rehearsal's report: a table per plan, as text, markdown (for a pull request) or data."""

from __future__ import annotations

from typing import Any

from azlab.rehearse.steps import Rehearsal


def as_data(rehearsals: list[Rehearsal]) -> dict[str, Any]:
    return {
        "ok": all(r.ok for r in rehearsals),
        "plans": [
            {
                "path": str(r.path),
                "plan": r.plan or None,
                "ok": r.ok,
                "placeholder_secrets": r.placeholders,
                "steps": [
                    {"step": s.name, "ok": s.ok, "detail": s.detail, "seconds": round(s.seconds, 2)}
                    for s in r.steps
                ],
                "week": None
                if r.week is None
                else {
                    "start": r.week.start.isoformat(),
                    "end": r.week.end.isoformat(),
                    "ticks": r.week.ticks,
                    "groups": [
                        {
                            "group": g.group,
                            "vms": g.vms,
                            "running_hours": round(g.running_hours, 2),
                            "week_hours": round(g.week_hours, 2),
                            "saved_share": round(g.saved_share, 4),
                            "transitions": g.transitions,
                        }
                        for g in r.week.groups.values()
                    ],
                    "problems": r.week.problems,
                },
            }
            for r in rehearsals
        ],
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(rehearsals: list[Rehearsal]) -> str:
    ok = all(r.ok for r in rehearsals)
    lines = [f"## azlab rehearse: {'passed' if ok else 'FAILED'}", ""]
    for r in rehearsals:
        mark = "✅" if r.ok else "❌"
        lines += [f"### {mark} `{r.path}`" + (f" (plan {r.plan})" if r.plan else ""), ""]
        lines += ["| step | result | seconds | detail |", "| --- | --- | ---: | --- |"]
        for s in r.steps:
            result = "passed" if s.ok else "**failed**"
            lines.append(f"| {s.name} | {result} | {s.seconds:.1f} | {_cell(s.detail)} |")
        if r.week is not None:
            lines += [
                "",
                f"Week from {r.week.start:%Y-%m-%d %H:%M} to {r.week.end:%Y-%m-%d %H:%M} UTC "
                f"({r.week.ticks} ticks):",
                "",
                "| group | VMs | running hours | of | compute saved |",
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            for g in r.week.groups.values():
                lines.append(
                    f"| {g.group} | {g.vms} | {g.running_hours:.1f} | {g.week_hours:.0f} | "
                    f"{100 * g.saved_share:.1f}% |"
                )
        if r.placeholders:
            lines += [
                "",
                "Placeholder secrets used: " + ", ".join(f"`{p}`" for p in r.placeholders),
            ]
        lines.append("")
    return "\n".join(lines)
