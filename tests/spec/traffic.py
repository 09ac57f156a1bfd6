"""Check the sandbox's request log against the specs: what azlab sent, and what it was answered."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from tests.spec.specs import Specs, Violation


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def violations(specs: Specs, log: Iterable[Any]) -> list[Violation]:
    """Every schema violation in the logged exchanges; requests no spec describes (the
    sandbox's own operation-status URLs, storage data) are left out."""
    found: list[Violation] = []
    for entry in log:
        op = specs.find(entry.method, entry.path)
        if op is None:
            continue
        SESSION.checked += 1
        # A request the sandbox refused was caught already (tests send some on purpose);
        # one it accepted must be one Azure accepts too.
        if entry.status < 400:
            found += specs.check_request(op, _json(entry.body))
        found += specs.check_response(op, entry.status, _json(entry.reply))
    return found


class Observed:
    """Violations seen during this test session: listed gaps counted, unlisted ones failed."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str, str], Violation] = {}
        self.counts: dict[tuple[str, str, str, str], int] = {}
        self.checked = 0
        self.full_run = False  # the whole suite was collected, so every gap should show
        self.examples: dict[str, str] = {}  # replayed example -> first difference, if any

    def add(self, found: Iterable[Violation]) -> None:
        for violation in found:
            self.seen.setdefault(violation.key, violation)
            self.counts[violation.key] = self.counts.get(violation.key, 0) + 1

    def summary(self) -> list[str]:
        """One line per operation and side: how many distinct violations, how often seen."""
        per: dict[tuple[str, str], list[int]] = {}
        for key, count in self.counts.items():
            row = per.setdefault((key[0], key[1]), [0, 0])
            row[0] += 1
            row[1] += count
        lines = [
            f"{side:8} {op}: {distinct} distinct, seen {times} times"
            for (op, side), (distinct, times) in sorted(
                per.items(), key=lambda i: (i[0][1], i[0][0])
            )
        ]
        requests = sum(1 for k in self.counts if k[1] == "request")
        responses = sum(1 for k in self.counts if k[1] == "response")
        return [
            f"{self.checked} exchanges checked; distinct violations: {requests} in requests, "
            f"{responses} in answers",
            *lines,
        ]

    def record(self, path: str) -> None:
        """Write what was seen as the two tables of known_gaps.py (a starting point for it)."""
        lines = ["EXAMPLE_GAPS: dict[str, str] = {"]
        lines += [f"    {name!r}: {why!r}," for name, why in sorted(self.examples.items()) if why]
        lines += ["}", "", "SCHEMA_GAPS: dict[tuple[str, str, str, str], str] = {"]
        for key, violation in sorted(self.seen.items()):
            lines += [f"    {key!r}:", f"        {_reason(violation)!r},"]
        lines += ["}"]
        with open(path, "w", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")


def _reason(violation: Violation) -> str:
    who = "azlab (or a test) sends" if violation.side == "request" else "the sandbox answers"
    if violation.rule == "required":
        what = "without this required property"
    elif violation.rule == "readOnly":
        what = "a read-only property"
    elif violation.rule == "status":
        what = violation.detail
    else:
        what = f"{violation.rule}: {violation.detail}"
    return f"{who} {what}"[:110]


SESSION = Observed()
