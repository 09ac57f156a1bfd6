"""A strict reader of the Mermaid gantt subset azlab writes, after Mermaid's gantt lexer.

Mermaid's lexer (gantt.jison) reads `title [^#;\\n]+`, `section [^#:;\\n]+`, a task
as `[^#:;\\n]+` then `:[^#;\\n]+`, and `dateFormat`/`axisFormat` to the end of the
line; task data is split at commas into tags (done, active, crit, milestone),
an optional id, a start and an end. This reader accepts only what azlab emits
(no ids, no durations, `dateFormat YYYY-MM-DD HH:mm`) and fails on anything else,
so a change in the emitter that Mermaid would misread fails a test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

TAGS = {"done", "active", "crit", "milestone"}
# d3-time-format directives Mermaid's axisFormat passes to d3.
AXIS = re.compile(r"^(?:%[aAbBcdeHIjLmMpQsSuUVwWxXyYZ%]|[^%#;])+$")
STAMP = "%Y-%m-%d %H:%M"


@dataclass
class Task:
    section: str
    name: str
    tags: list[str]
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600


@dataclass
class Gantt:
    title: str = ""
    date_format: str = ""
    axis_format: str = ""
    sections: list[str] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)

    def in_section(self, name: str) -> list[Task]:
        return [t for t in self.tasks if t.section == name]


class GanttError(ValueError):
    pass


def parse(source: str) -> Gantt:
    lines = source.split("\n")
    if lines[0] != "gantt":
        raise GanttError(f"line 1: {lines[0]!r} is not 'gantt'")
    chart = Gantt()
    for number, line in enumerate(lines[1:], start=2):
        where = f"line {number}: {line!r}"
        if not line.startswith("    ") or line != line.rstrip() or "\t" in line:
            raise GanttError(f"{where}: not indented by 4 spaces, or trailing blanks")
        text = line[4:]
        if not text or text[0] == " ":
            raise GanttError(f"{where}: empty or over-indented")
        if "#" in text or ";" in text:
            raise GanttError(f"{where}: '#' or ';' ends a Mermaid statement")
        keyword, _, rest = text.partition(" ")
        if keyword == "title":
            if chart.title or chart.sections:
                raise GanttError(f"{where}: a second title, or a title after a section")
            chart.title = rest
        elif keyword == "dateFormat":
            if rest != "YYYY-MM-DD HH:mm" or chart.tasks:
                raise GanttError(f"{where}: not the dateFormat azlab writes, or after a task")
            chart.date_format = rest
        elif keyword == "axisFormat":
            if not AXIS.match(rest):
                raise GanttError(f"{where}: not a d3 time format")
            chart.axis_format = rest
        elif keyword == "section":
            if ":" in rest or not rest.strip():
                raise GanttError(f"{where}: a section name holds no ':' and is not empty")
            chart.sections.append(rest)
        else:
            chart.tasks.append(_task(chart, text, where))
    if not (chart.title and chart.date_format and chart.sections):
        raise GanttError("a title, a dateFormat and at least one section are required")
    return chart


def _task(chart: Gantt, text: str, where: str) -> Task:
    if not chart.sections or not chart.date_format:
        raise GanttError(f"{where}: a task before any section or dateFormat")
    match = re.fullmatch(r"([^:]+?) :(.+)", text)
    if match is None:
        raise GanttError(f"{where}: not `name :data`")
    name, data = match.groups()
    items = [i.strip() for i in data.split(",")]
    tags = []
    while items and items[0] in TAGS:
        tags.append(items.pop(0))
    if len(items) != 2:
        raise GanttError(f"{where}: wants exactly a start and an end after the tags")
    try:
        start, end = (datetime.strptime(i, STAMP) for i in items)
    except ValueError as exc:
        raise GanttError(f"{where}: {exc}") from None
    if end < start or (end == start and "milestone" not in tags):
        raise GanttError(f"{where}: ends before it starts")
    return Task(chart.sections[-1], name, tags, start, end)


def blocks(markdown: str) -> list[str]:
    """The bodies of the ```mermaid fences in a markdown text."""
    return re.findall(r"^```mermaid\n(.*?)\n```$", markdown, re.M | re.S)
