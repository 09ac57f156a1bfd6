"""The week as a picture: the chart's data, and its Mermaid, SVG and terminal renderings."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from azlab.cli.main import main
from azlab.cli.timeline import Column, render
from azlab.plan import load_plan
from azlab.schedule.chart_mermaid import fenced, gantt
from azlab.schedule.chart_svg import HOUR_PX, LABEL_PX, svg
from azlab.schedule.events import skipped_days
from azlab.schedule.forecast import week_figures
from azlab.schedule.model import Rule, Schedule, parse_days
from azlab.schedule.timeline import (
    GroupRow,
    WeekChart,
    Window,
    filled,
    local_week,
    running_windows,
    week_chart,
)
from tests.schedule.mermaid_gantt import GanttError, blocks, parse

ROOT = Path(__file__).resolve().parents[2]
LYNCLAB = ROOT / "plans" / "lynclab.yaml"
HOLIDAYS = ROOT / "tests" / "plan" / "plans" / "good" / "holidays.yaml"
LA = "America/Los_Angeles"
SVG = "{http://www.w3.org/2000/svg}"


def office(
    start: time = time(8, 0), stop: time = time(18, 0), skip: frozenset[date] = frozenset()
) -> Schedule:
    rules = (Rule("start", start, parse_days("weekdays")), Rule("stop", stop, parse_days("daily")))
    return Schedule("office", LA, rules, skip=skip)


def chart_of(schedule: Schedule, week_of: date) -> WeekChart:
    start, end = local_week(schedule.timezone, week_of)
    monday = start.astimezone(ZoneInfo(schedule.timezone)).date()
    skips = tuple(skipped_days(schedule, monday, monday + timedelta(days=6)))
    windows = tuple(running_windows(schedule, start, end))
    row = GroupRow("core", "office", (0, 1), (), windows, skips)
    return WeekChart("lab, week of test", schedule.timezone, start, end, (row,))


def test_windows_follow_the_schedule_and_match_the_week_figures() -> None:
    schedule = office()
    start, end = local_week(LA, date(2026, 11, 18))
    windows = running_windows(schedule, start, end)
    la = [(w.start.astimezone(ZoneInfo(LA)), w.end.astimezone(ZoneInfo(LA))) for w in windows]
    assert [(s.strftime("%a %H:%M"), e.strftime("%a %H:%M")) for s, e in la] == [
        (f"{day} 08:00", f"{day} 18:00") for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
    ]
    assert sum(w.hours for w in windows) == week_figures(schedule, date(2026, 11, 16)).running_hours


def test_a_dst_week_has_169_hour_slots_and_a_25_hour_sunday() -> None:
    # US clocks fall back on Sunday 2026-11-01.
    chart = chart_of(office(), date(2026, 10, 28))
    assert chart.hours == 169 and len(chart.slots()) == 169
    days = chart.days()
    assert [len(slots) for _, slots in days] == [24, 24, 24, 24, 24, 24, 25]
    assert days[-1][0] == date(2026, 11, 1)


def test_a_window_running_over_the_week_start_is_cut_at_it() -> None:
    # Started on Friday, stopped only on Monday at 10:00: running from the week's first hour.
    schedule = Schedule(
        "long",
        LA,
        (
            Rule("start", time(8, 0), parse_days(["fri"])),
            Rule("stop", time(10, 0), parse_days(["mon"])),
        ),
    )
    start, end = local_week(LA, date(2026, 11, 18))
    windows = running_windows(schedule, start, end)
    assert windows[0] == Window(start, start + timedelta(hours=10))
    assert windows[-1].end == end  # started again on Friday, still running at the week's end


def test_a_part_of_an_hour_is_filled_in_proportion() -> None:
    schedule = office(time(8, 30), time(17, 45))
    start, end = local_week(LA, date(2026, 11, 18))
    windows = running_windows(schedule, start, end)
    monday_8 = start + timedelta(hours=8)
    assert filled(windows, monday_8, monday_8 + timedelta(hours=1)) == 0.5
    assert filled(windows, monday_8 + timedelta(hours=9), monday_8 + timedelta(hours=10)) == 0.75
    assert filled(windows, monday_8 + timedelta(hours=2), monday_8 + timedelta(hours=3)) == 1.0


def test_the_plan_chart_carries_tiers_dependencies_and_skipped_days() -> None:
    plan = load_plan(LYNCLAB, require_env=False).plan
    chart = week_chart(plan, date(2026, 12, 23))
    assert (
        chart.zone == LA and chart.title == "lynclab, week of Mon 2026-12-21 (America/Los_Angeles)"
    )
    core, lync = chart.rows
    assert core.tiers == (0, 1) and core.tier_label() == "tiers 0-1"
    assert lync.after == ("core",)
    assert [d for d, _ in core.skips] == [date(2026, 12, 24), date(2026, 12, 25)]
    assert core.running_hours == 30  # Mon to Wed: Thursday and Friday start nothing


# The Mermaid source: every chart azlab writes must read back, window for window.


def _mermaid_windows(source: str, section: str) -> list[tuple[str, str]]:
    tasks = parse(source).in_section(section)
    return [(f"{t.start:%a %H:%M}", f"{t.end:%a %H:%M}") for t in tasks if not t.tags]


def test_the_gantt_chart_parses_and_holds_the_windows() -> None:
    plan = load_plan(LYNCLAB, require_env=False).plan
    chart = week_chart(plan, date(2026, 12, 23))
    source = gantt(chart)
    read = parse(source)
    assert read.title == chart.title
    assert read.sections == ["core", "lync"]
    assert _mermaid_windows(source, "core") == [
        (f"{d} 08:00", f"{d} 18:00") for d in ("Mon", "Tue", "Wed")
    ]
    skipped = [t for t in read.in_section("core") if t.tags == ["crit"]]
    assert [(t.start, t.hours, t.name) for t in skipped] == [
        (datetime(2026, 12, 24), 24, "Thu no start (skip date)"),
        (datetime(2026, 12, 25), 24, "Fri no start (skip date)"),
    ]
    assert blocks(fenced(chart)) == [source]


def test_holiday_names_and_odd_group_names_stay_out_of_the_syntax() -> None:
    plan = load_plan(HOLIDAYS, require_env=False).plan
    chart = week_chart(plan, date(2026, 12, 30))
    read = parse(gantt(chart))
    names = [t.name for t in read.tasks if t.tags == ["crit"]]
    assert "Fri no start (New Year's Day (US-CA))" in names
    start, end = local_week(LA, date(2026, 12, 30))
    odd = GroupRow("a:b;c#d", None, (), (), (Window(start, start + timedelta(hours=2)),))
    read = parse(gantt(WeekChart("t: x; y # z", LA, start, end, (odd,))))
    assert read.sections == ["a b c d"] and read.title == "t x y z"


def test_the_reader_rejects_what_mermaid_would_misread() -> None:
    good = "gantt\n    title t\n    dateFormat YYYY-MM-DD HH:mm\n    section s\n"
    parse(good + "    a :2026-01-05 08:00, 2026-01-05 18:00")
    for bad in (
        good + "    a: b :2026-01-05 08:00, 2026-01-05 18:00",  # ':' in a name
        good + "    a :2026-01-05 18:00, 2026-01-05 08:00",  # ends before it starts
        good + "    a :2026-01-05T08:00, 2026-01-05 18:00",  # not the dateFormat
        good + "    a :crit, x1, 2026-01-05 08:00, 2026-01-05 18:00",  # an id azlab never writes
        good + "    a #1 :2026-01-05 08:00, 2026-01-05 18:00",  # a comment mark
        good.replace("section s", "section s:t") + "    a :2026-01-05 08:00, 2026-01-05 18:00",
        "gantt\n    a :2026-01-05 08:00, 2026-01-05 18:00",  # a task before a section
    ):
        with pytest.raises(GanttError):
            parse(bad)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 23),
    st.integers(0, 3),
    st.integers(0, 23),
    st.sampled_from([0, 15, 30, 45]),
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
)
def test_any_office_schedule_charts_to_a_valid_gantt_with_its_hours(
    start_h: int, start_q: int, stop_h: int, stop_m: int, week_of: date
) -> None:
    schedule = office(time(start_h, 15 * start_q), time(stop_h, stop_m))
    chart = chart_of(schedule, week_of)
    read = parse(gantt(chart))
    hours = sum(t.hours for t in read.tasks if not t.tags)
    # Local wall-clock lengths: equal to the real ones except across a DST change.
    assert abs(hours - chart.rows[0].running_hours) <= 1


# The SVG: well-formed XML with one row per group, bars where the windows are.


def test_the_svg_is_well_formed_with_a_row_per_group_and_bars_for_the_hours() -> None:
    plan = load_plan(LYNCLAB, require_env=False).plan
    chart = week_chart(plan, date(2026, 12, 23))
    root = ET.fromstring(svg(chart).split("\n", 1)[1])
    assert root.tag == f"{SVG}svg"
    width, height = float(root.attrib["width"]), float(root.attrib["height"])
    assert root.attrib["viewBox"] == f"0 0 {width:g} {height:g}"
    assert root.find(f"{SVG}title").text == chart.title  # type: ignore[union-attr]
    groups = root.findall(f"{SVG}g[@class='group']")
    assert [g.attrib["data-group"] for g in groups] == ["core", "lync"]
    right = LABEL_PX + len(chart.slots()) * HOUR_PX
    for g, row in zip(groups, chart.rows, strict=True):
        bars = g.findall(f"{SVG}rect[@class='running']")
        assert len(bars) == len(row.windows) == 3
        for bar in bars:
            x, w = float(bar.attrib["x"]), float(bar.attrib["width"])
            assert x >= LABEL_PX and x + w <= right and w > 0
        assert sum(float(b.attrib["width"]) for b in bars) / HOUR_PX == pytest.approx(30)
        first = float(bars[0].attrib["x"])
        assert (first - LABEL_PX) / HOUR_PX == 8  # Monday 08:00
        tips = [b.find(f"{SVG}title").text for b in bars]  # type: ignore[union-attr]
        assert tips[0] == f"{row.group}: Mon 08:00 to Mon 18:00, 10 h"
        skipped = g.findall(f"{SVG}rect[@class='skipped']")
        assert len(skipped) == 2 and float(skipped[0].attrib["width"]) == 24 * HOUR_PX
        assert g.find(f"{SVG}text[@class='hours']").text == "30.0"  # type: ignore[union-attr]
    assert len(root.findall(f"{SVG}line[@class='day']")) == 8


def test_the_svg_escapes_names() -> None:
    start, end = local_week(LA, date(2026, 11, 18))
    row = GroupRow("a&b", None, (), ("<c>",), (Window(start, start + timedelta(hours=1)),))
    text = svg(WeekChart('x "&" <y>', LA, start, end, (row,)))
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.find(f"{SVG}title").text == 'x "&" <y>'  # type: ignore[union-attr]
    assert root.find(f"{SVG}g").attrib["data-group"] == "a&b"  # type: ignore[union-attr]


# The terminal: shaded on a terminal and wrapped by days; plain text in a pipe.


def _lines(console: Console) -> list[str]:
    return console.export_text().splitlines()


def test_the_terminal_timeline_wraps_by_whole_days_with_the_figures_beside_it() -> None:
    chart = chart_of(office(time(8, 30)), date(2026, 11, 18))
    out = Console(width=100, force_terminal=True, record=True, color_system="truecolor")
    render(chart, out, [Column("cost", {"core": "$1.50"})])
    lines = _lines(out)
    rows = [line for line in lines if line.startswith("core")]
    assert len(rows) == 4  # 2 days fit in 100 columns beside the figures: 2+2+2+1
    assert all(len(line) <= 100 for line in lines)
    monday = rows[0][len("core  tiers 0-1  ") :][:24]
    assert monday == "········▒█████████······"
    assert rows[0].endswith("47.5  $1.50")
    assert "hours   cost" in "\n".join(lines[:5])
    assert not rows[1].rstrip().endswith("$1.50")


def test_piped_output_is_plain_text_one_line_per_group() -> None:
    chart = chart_of(office(skip=frozenset({date(2026, 12, 24)})), date(2026, 12, 23))
    out = Console(width=80, record=True, force_terminal=False)
    render(chart, out)
    lines = _lines(out)
    (row,) = [line for line in lines if line.startswith("core")]
    cells = row[len("core  tiers 0-1  ") :].split()
    assert cells[:5] == ["........##########......"] * 3 + ["x" * 24, "........##########......"]
    assert lines[-1] == "Thu 2026-12-24: core start nothing (skip date)"


def test_schedule_show_writes_the_svg_and_shows_the_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "week.svg"
    at = "2026-12-22T12:00:00Z"
    assert main(["schedule", "show", str(LYNCLAB), "--at", at, "-o", "svg", str(target)]) == 0
    assert ET.parse(target).getroot().tag == f"{SVG}svg"
    assert capsys.readouterr().out == f"Wrote {target}\n"
    assert main(["schedule", "show", str(LYNCLAB), "--at", at]) == 0
    text = capsys.readouterr().out
    assert "core  tiers 0-1" in text and "lync  tiers 0-1  after core" in text
    assert "    start 2026-12-22 08:00 local" in text
    assert main(["schedule", "show", str(LYNCLAB), "--at", at, "-o", "json"]) == 0
    core = json.loads(capsys.readouterr().out)["groups"][0]
    assert core["tiers"] == [0, 1] and core["week"]["windows"][0] == {
        "start": "2026-12-21T16:00+00:00",
        "end": "2026-12-22T02:00+00:00",
    }


def test_schedule_show_svg_needs_a_file_and_a_file_needs_svg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", "show", str(LYNCLAB), "-o", "svg"]) == 2
    assert "error: --output svg needs a FILE to write" in capsys.readouterr().err
    assert main(["schedule", "show", str(LYNCLAB), str(tmp_path / "a.svg")]) == 2
    assert "a FILE is written only with --output svg" in capsys.readouterr().err
    missing = tmp_path / "no" / "such" / "folder" / "a.svg"
    assert main(["schedule", "show", str(LYNCLAB), "-o", "svg", str(missing)]) == 2
    err = capsys.readouterr().err
    assert f"{missing}: cannot write the chart" in err and "Traceback" not in err


def test_the_readme_example_chart_parses() -> None:
    found = blocks((ROOT / "README.md").read_text())
    assert found, "README shows no Mermaid chart"
    for source in found:
        assert parse(source).sections
