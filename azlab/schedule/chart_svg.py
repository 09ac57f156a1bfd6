"""A week chart as a standalone SVG: a row per group, a column per hour, for a wiki or a PR.

Running windows are filled bars (partial hours in proportion), skipped days a
hatched band with the reason as a tooltip, tiers and `depends_on` beside the
group name, the running hours at the right end of the row.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

from azlab.schedule.timeline import HOUR, GroupRow, WeekChart

HOUR_PX = 6  # width of one hour
ROW_PX = 28
LABEL_PX = 190
FIGURES_PX = 80
TOP_PX = 58  # title, then the day labels
RUNNING = "#2f7ed8"
SKIPPED = "#f4c7c3"


def _attrs(**values: object) -> str:
    return " ".join(
        f"{k.rstrip('_').replace('_', '-')}={quoteattr(str(v))}" for k, v in values.items()
    )


def _row_label(row: GroupRow) -> str:
    parts = [row.group]
    if row.tier_label():
        parts.append(row.tier_label())
    if row.after:
        parts.append("after " + ", ".join(row.after))
    return " · ".join(parts)


def svg(chart: WeekChart) -> str:
    slots = chart.slots()
    width = LABEL_PX + len(slots) * HOUR_PX + FIGURES_PX
    height = TOP_PX + len(chart.rows) * ROW_PX + 24
    x0 = LABEL_PX
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" {_attrs(width=width, height=height)} '
        f"{_attrs(viewBox=f'0 0 {width} {height}', font_family='sans-serif', font_size=12)}>",
        f"<title>{escape(chart.title)}</title>",
        f"<rect {_attrs(x=0, y=0, width=width, height=height, fill='#ffffff')}/>",
        f"<text {_attrs(x=8, y=18, font_size=14, font_weight='bold')}>{escape(chart.title)}</text>",
        f"<text {_attrs(x=width - 8, y=TOP_PX - 8, text_anchor='end')}>hours</text>",
    ]
    offset = 0
    grid_bottom = TOP_PX + len(chart.rows) * ROW_PX
    for day, day_slots in chart.days():
        x = x0 + offset * HOUR_PX
        out.append(f"<text {_attrs(x=x + 3, y=TOP_PX - 8)}>{day:%a %d %b}</text>")
        out.append(
            f'<line class="day" {_attrs(x1=x, y1=TOP_PX - 20, x2=x, y2=grid_bottom)} '
            'stroke="#999999" stroke-width="1"/>'
        )
        offset += len(day_slots)
    out.append(
        f'<line class="day" {_attrs(x1=x0 + offset * HOUR_PX, y1=TOP_PX - 20)} '
        f'{_attrs(x2=x0 + offset * HOUR_PX, y2=grid_bottom)} stroke="#999999" stroke-width="1"/>'
    )
    for index, row in enumerate(chart.rows):
        out += _row(chart, row, index, x0, len(slots))
    legend_y = grid_bottom + 16
    out.append(
        f"<rect {_attrs(x=x0, y=legend_y - 9, width=10, height=10, fill=RUNNING)}/>"
        f"<text {_attrs(x=x0 + 14, y=legend_y)}>running</text>"
        f"<rect {_attrs(x=x0 + 80, y=legend_y - 9, width=10, height=10, fill=SKIPPED)}/>"
        f"<text {_attrs(x=x0 + 94, y=legend_y)}>skipped day: nothing starts</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _x(chart: WeekChart, x0: int, instant_hours: float) -> float:
    return round(x0 + instant_hours * HOUR_PX, 2)


def _row(chart: WeekChart, row: GroupRow, index: int, x0: int, slots: int) -> list[str]:
    y = TOP_PX + index * ROW_PX
    zone = ZoneInfo(chart.zone)
    out = [f'<g class="group" {_attrs(data_group=row.group)}>']
    if index % 2:
        out.append(
            f"<rect {_attrs(x=x0, y=y, width=slots * HOUR_PX, height=ROW_PX, fill='#f5f5f5')}/>"
        )
    out.append(f"<text {_attrs(x=8, y=y + 18)}>{escape(_row_label(row))}</text>")
    days = dict(chart.days())
    offset = 0
    for day, day_slots in days.items():
        reason = next((r for d, r in row.skips if d == day), None)
        if reason is not None:
            out.append(
                f'<rect class="skipped" {_attrs(x=x0 + offset * HOUR_PX, y=y + 2)} '
                f"{_attrs(width=len(day_slots) * HOUR_PX, height=ROW_PX - 4, fill=SKIPPED)}>"
                f"<title>{escape(f'{day:%a %Y-%m-%d}: no start ({reason})')}</title></rect>"
            )
        offset += len(day_slots)
    for window in row.windows:
        start = _x(chart, x0, (window.start - chart.start) / HOUR)
        end = _x(chart, x0, (window.end - chart.start) / HOUR)
        local = window.start.astimezone(zone), window.end.astimezone(zone)
        tip = f"{row.group}: {local[0]:%a %H:%M} to {local[1]:%a %H:%M}, {window.hours:g} h"
        out.append(
            f'<rect class="running" {_attrs(x=start, y=y + 6, width=round(end - start, 2))} '
            f"{_attrs(height=ROW_PX - 12, fill=RUNNING)}><title>{escape(tip)}</title></rect>"
        )
    out.append(
        f'<text class="hours" {_attrs(x=x0 + slots * HOUR_PX + FIGURES_PX - 8, y=y + 18)} '
        f'text-anchor="end">{row.running_hours:.1f}</text>'
    )
    out.append("</g>")
    return out
