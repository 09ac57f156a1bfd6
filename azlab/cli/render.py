"""How plans, progress and reports look on a terminal, and as JSON."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from azlab.graph import Listener, Outcome, Status, Task
from azlab.reconcile.diff import summarize
from azlab.reconcile.model import Action, Change, FieldChange, Key
from azlab.redact import redact

_STYLE = {
    Action.CREATE: "green",
    Action.UPDATE: "yellow",
    Action.REPLACE: "magenta",
    Action.DELETE: "red",
    Action.NOT_MANAGED: "dim",
    Action.ORPHAN: "cyan",
    Action.ADOPT: "blue",
}


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)


SENSITIVE = "(sensitive value)"


def _old(field: FieldChange) -> Any:
    """What Azure holds now, unless the plan's value is a secret: then what Azure holds is
    most likely that secret's earlier value, which no redaction knows."""
    shown = _value(field.new)
    return SENSITIVE if redact(shown) != shown else field.old


def print_changes(console: Console, changes: Iterable[Change]) -> None:
    shown = [c for c in changes if c.action is not Action.NOOP]
    for change in shown:
        style = _STYLE.get(change.action, "")
        verb = "adopt " if change.action is Action.ADOPT else ""
        head = Text(
            f"{change.action.symbol:>3} {verb}{change.kind.label} {change.name}", style=style
        )
        if change.action is Action.NOT_MANAGED:
            head.append("  (not managed: left alone)", style="dim")
        console.print(head)
        if change.reason:
            console.print(Text(f"      # {change.reason}", style="dim"))
        for field in change.fields:
            console.print(f"      ~ {field.name}: {_value(_old(field))} -> {_value(field.new)}")
        if change.desired and change.desired.source and change.action is not Action.NOOP:
            console.print(Text(f"      at {change.desired.source}", style="dim"))


def summary_line(changes: Iterable[Change]) -> str:
    counts = summarize(changes)
    line = (
        f"Plan: {counts['create']} to create, {counts['update']} to update, "
        f"{counts['replace']} to replace, {counts['delete']} to delete"
    )
    if counts["adopt"]:
        line += f", {counts['adopt']} to adopt"
    extras = []
    if counts["orphan"]:
        extras.append(f"{counts['orphan']} owned but not in the plan (use --prune)")
    if counts["not-managed"]:
        extras.append(f"{counts['not-managed']} not managed (left alone)")
    return line + (". " + "; ".join(extras) if extras else "") + "."


def changes_as_data(changes: Iterable[Change]) -> list[dict[str, Any]]:
    return [
        {
            "action": c.action.value,
            "kind": c.kind.value,
            "name": c.name,
            "reason": c.reason or None,
            "fields": [{"name": f.name, "old": _old(f), "new": f.new} for f in c.fields],
            "source": c.desired.source if c.desired else None,
        }
        for c in changes
    ]


def outcomes_as_data(outcomes: Iterable[Outcome[Key]]) -> list[dict[str, Any]]:
    return [
        {
            "kind": o.key[0].value,
            "name": o.key[1],
            "status": o.status.value,
            "seconds": round(o.seconds, 2),
            "error": o.error or None,
        }
        for o in outcomes
    ]


class Progress:
    """A live display of the resources in flight, with counts and elapsed time.

    On a terminal it redraws in place; elsewhere it writes one log line per
    start and finish, so CI logs show the same story.
    """

    def __init__(self, console: Console, total: int, *, verb: str = "apply") -> None:
        self.console = console
        self.total = total
        self.verb = verb
        self.in_flight: dict[Key, tuple[str, float]] = {}
        self.done = 0
        self.failed = 0
        self.blocked = 0
        self.begin = time.monotonic()
        self._live: Live | None = None

    def _render(self) -> Group:
        now = time.monotonic()
        lines = [
            Text(f"  ⠿ {label}  {now - started:4.0f}s", style="cyan")
            for label, started in list(self.in_flight.values())[:20]
        ]
        more = len(self.in_flight) - 20
        if more > 0:
            lines.append(Text(f"  … and {more} more in flight", style="cyan"))
        counts = Text(
            f"{self.verb}: {self.done}/{self.total} done, {len(self.in_flight)} in flight, "
            f"{self.failed} failed, {self.blocked} blocked, {now - self.begin:.0f}s elapsed",
            style="bold",
        )
        return Group(*lines, counts)

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self._live = Live(self._render(), console=self.console, refresh_per_second=8)
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(None, None, None)

    def listener(self) -> Listener[Key]:
        return Listener(started=self._started, finished=self._finished)

    def _started(self, task: Task[Key]) -> None:
        self.in_flight[task.key] = (task.label, time.monotonic())
        if self._live is None:
            self.console.print(f"start   {task.label}", highlight=False)
        else:
            self._live.update(self._render())

    def _finished(self, outcome: Outcome[Key]) -> None:
        self.in_flight.pop(outcome.key, None)
        if outcome.status is Status.DONE:
            self.done += 1
        elif outcome.status is Status.FAILED:
            self.failed += 1
        else:
            self.blocked += 1
        if self._live is None:
            detail = f" ({outcome.seconds:.1f}s)" if outcome.status is Status.DONE else ""
            error = f": {outcome.error}" if outcome.error else ""
            self.console.print(
                f"{outcome.status.value:<7} {outcome.label}{detail}{error}", highlight=False
            )
        else:
            self._live.update(self._render())


def print_report(console: Console, outcomes: list[Outcome[Key]], seconds: float) -> None:
    failed = [o for o in outcomes if o.status is not Status.DONE]
    done = len(outcomes) - len(failed)
    if failed:
        table = Table(title="Not done", show_lines=False)
        table.add_column("resource")
        table.add_column("status")
        table.add_column("error")
        for o in failed:
            table.add_row(o.label, o.status.value, o.error)
        console.print(table)
    style = "red" if failed else "green"
    console.print(
        Text(f"{done} done, {len(failed)} not done, in {seconds:.1f}s.", style=f"bold {style}")
    )
