"""A week chart as a Mermaid Gantt chart, which GitHub renders in markdown (job summaries).

The grammar used is a small strict subset: `gantt`, `title`, `dateFormat`,
`axisFormat`, `section` and tasks `name :[crit|milestone, ]start, end`, times local to
the chart's zone (Mermaid knows no zones; the title names it). Names never hold
`:`, `;` or `#`, which Mermaid reads as syntax.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from azlab.schedule.timeline import WeekChart, Window

DATE_FORMAT = "YYYY-MM-DD HH:mm"  # Mermaid's (dayjs) tokens for the strftime below
STAMP = "%Y-%m-%d %H:%M"


def safe(text: str) -> str:
    """Text for a title, section or task name: no Mermaid syntax, one line."""
    return re.sub(r"\s+", " ", re.sub(r"[:;#\n\r]", " ", text)).strip() or "-"


def _local(window: Window, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = window.start.astimezone(zone).replace(tzinfo=None)
    end = window.end.astimezone(zone).replace(tzinfo=None)
    if end <= start:  # a window inside a repeated (fall back) hour: keep its real length
        end = start + (window.end - window.start)
    return start, end


def _hours(window: Window) -> str:
    return f"{window.hours:.1f}".removesuffix(".0") + " h"


def gantt(chart: WeekChart) -> str:
    """The chart's Mermaid source, without the ``` fence."""
    zone = ZoneInfo(chart.zone)
    lines = [
        "gantt",
        f"    title {safe(chart.title)}",
        f"    dateFormat {DATE_FORMAT}",
        "    axisFormat %a %H:%M",
    ]
    for row in chart.rows:
        lines.append(f"    section {safe(row.group)}")
        if not row.windows:  # a milestone at the week's start keeps the section visible
            at = f"{chart.start.astimezone(zone):{STAMP}}"
            lines.append(f"    not running :milestone, {at}, {at}")
        for window in row.windows:
            start, end = _local(window, zone)
            name = safe(f"{start:%a} {_hours(window)}")
            lines.append(f"    {name} :{start:{STAMP}}, {end:{STAMP}}")
        # A skipped day, in red across the whole local day: nothing starts then.
        for day, reason in row.skips:
            first = datetime.combine(day, datetime.min.time())
            name = safe(f"{day:%a} no start ({reason})")
            last = first + timedelta(days=1)
            lines.append(f"    {name} :crit, {first:{STAMP}}, {last:{STAMP}}")
    return "\n".join(lines)


def fenced(chart: WeekChart) -> str:
    return "```mermaid\n" + gantt(chart) + "\n```"
