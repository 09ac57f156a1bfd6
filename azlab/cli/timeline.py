"""A week chart in the terminal: a row per group, a column per hour, figures beside each row.

On a terminal, running hours are shaded blocks (a part of an hour a lighter
shade), skipped days red, and the week wraps by whole days to fit the width.
Otherwise (a pipe, a file) it is plain text, `#` running, `+` part of the
hour, `.` stopped, `x` a skipped day, one line per group for the whole week.
The figures after the timeline are columns: the running hours, and whatever
else a caller adds (a `Column` per figure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from rich.console import Console
from rich.text import Text

from azlab.schedule.timeline import HOUR, GroupRow, Slot, WeekChart, filled

DAY_GAP = " "


@dataclass(frozen=True)
class Column:
    """A figure beside each group's row: a header and a cell per group name."""

    header: str
    cells: dict[str, str] = field(default_factory=dict)

    def width(self) -> int:
        return max([len(self.header), *(len(c) for c in self.cells.values())])


@dataclass(frozen=True)
class Marks:
    full: str
    part: str
    off: str
    skipped: str


TERMINAL = Marks("█", "▒", "·", "░")
PLAIN = Marks("#", "+", ".", "x")


def hours_column(chart: WeekChart) -> Column:
    return Column("hours", {r.group: f"{r.running_hours:.1f}" for r in chart.rows})


def _label(row: GroupRow) -> str:
    parts = [row.group]
    if row.tier_label():
        parts.append(row.tier_label())
    if row.after:
        parts.append("after " + ",".join(row.after))
    return "  ".join(parts)


def _cell(row: GroupRow, slot: Slot, skipped: bool, marks: Marks) -> tuple[str, str]:
    share = filled(row.windows, slot.start, slot.start + HOUR)
    if share >= 0.999:
        return marks.full, "blue"
    if share > 0:
        return marks.part, "cyan"
    return (marks.skipped, "red") if skipped else (marks.off, "bright_black")


def render(
    chart: WeekChart, out: Console, columns: Sequence[Column] = (), *, plain: bool | None = None
) -> None:
    """Print the chart; plain text unless `out` is a terminal (or `plain` says otherwise)."""
    plain = not out.is_terminal if plain is None else plain
    marks = PLAIN if plain else TERMINAL
    figures = [hours_column(chart), *columns]
    label_width = max([5, *(len(_label(r)) for r in chart.rows)])
    figures_width = sum(c.width() + 2 for c in figures)
    days = chart.days()
    per_day = max(len(s) for _, s in days) + len(DAY_GAP)
    fit = len(days) if plain else max(1, (out.width - label_width - 2 - figures_width) // per_day)
    out.print(chart.title, markup=False, highlight=False)
    legend = (
        f"{marks.full} running  {marks.part} part of the hour  {marks.off} stopped  "
        f"{marks.skipped} skipped day (nothing starts)"
    )
    out.print(legend if plain else Text(legend, style="dim"), highlight=False)
    for first in range(0, len(days), fit):
        chunk = days[first : first + fit]
        beside = first == 0  # the figures go beside the first part of a wrapped week
        for heading in _header(chunk, label_width, figures if beside else []):
            out.print(heading.rstrip(), markup=False, highlight=False)
        for row in chart.rows:
            line = Text(_label(row).ljust(label_width) + "  ")
            skipped = {d for d, _ in row.skips}
            for day, slots in chunk:
                for slot in slots:
                    mark, style = _cell(row, slot, day in skipped, marks)
                    line.append(mark, style=None if plain else style)
                line.append(" " * (per_day - len(slots)))
            if beside:
                for column in figures:
                    line.append("  " + column.cells.get(row.group, "").rjust(column.width()))
            out.print(line, soft_wrap=True, highlight=False, no_wrap=True)
    starts_nothing: dict[tuple[date, str], list[str]] = {}
    for row in chart.rows:
        for day, reason in row.skips:
            starts_nothing.setdefault((day, reason), []).append(row.group)
    for (day, reason), groups in sorted(starts_nothing.items()):
        out.print(f"{day:%a %Y-%m-%d}: {', '.join(groups)} start nothing ({reason})", markup=False)


def _header(
    chunk: Sequence[tuple[date, list[Slot]]], label_width: int, figures: Sequence[Column]
) -> list[str]:
    """Two lines: the day names, then the local hours 0, 6, 12 and 18 where they fall."""
    names, ticks = "", ""
    for day, slots in chunk:
        names += f"{day:%a %d %b}"[: len(slots)].ljust(len(slots)) + DAY_GAP
        marks = [" "] * len(slots)
        for i, slot in enumerate(slots):
            label = str(slot.local.hour)
            if slot.local.hour % 6 == 0 and i + len(label) <= len(slots):
                marks[i : i + len(label)] = label
        ticks += "".join(marks) + DAY_GAP
    pad = " " * (label_width + 2)
    heads = "".join("  " + c.header.rjust(c.width()) for c in figures)
    blank = "".join("  " + " " * c.width() for c in figures)
    return [pad + names + blank, pad + ticks + heads]
