"""Check the sandbox's request log against the specs: what azlab sent, and what it was answered."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

from tests.spec.specs import Operation, Specs, Violation

SPEC_TESTS = "tests/spec/"


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
    started = time.perf_counter()
    found: list[Violation] = []
    for entry in log:
        op = specs.find(entry.method, entry.path)
        if op is None:
            continue
        SESSION.checked += 1
        found += _checked(specs, op, entry.status, entry.body, entry.reply)
    SESSION.seconds += time.perf_counter() - started
    return found


# Polls and reads repeat the same exchange often: each distinct one is validated once.
_SEEN: dict[tuple[str, int, str | None, str | None], list[Violation]] = {}
_SEEN_MAX = 20_000


def _checked(
    specs: Specs, op: Operation, status: int, body: str | None, reply: str | None
) -> list[Violation]:
    key = (op.operation_id, status, body, reply)
    if key not in _SEEN:
        if len(_SEEN) >= _SEEN_MAX:
            _SEEN.clear()
        found: list[Violation] = []
        # A request the sandbox refused was caught already (tests send some on purpose);
        # one it accepted must be one Azure accepts too.
        if status < 400:
            found += specs.check_request(op, _json(body))
        found += specs.check_response(op, status, _json(reply))
        _SEEN[key] = found
    return _SEEN[key]


class Observed:
    """Violations seen during this test session: listed gaps counted, unlisted ones failed."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str, str, str], Violation] = {}
        self.counts: dict[tuple[str, str, str, str], int] = {}
        self.where: dict[tuple[str, str, str, str], str] = {}  # the first test that caused it
        self.checked = 0
        self.seconds = 0.0  # spent checking, for the cost of the check itself
        self.full_run = False  # the whole suite was collected, so every gap should show
        self.examples: dict[str, str] = {}  # replayed example -> first difference, if any
        self.fixed: list[tuple[str, str, str, str]] = []  # listed gaps a whole run did not see

    def add(self, found: Iterable[Violation], where: str = "") -> None:
        for violation in found:
            self.seen.setdefault(violation.key, violation)
            # where it was first seen, preferring the spec tests (a run of them alone sees it)
            if where.startswith(SPEC_TESTS) or violation.key not in self.where:
                self.where[violation.key] = where
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
            f"{self.checked} exchanges checked in {self.seconds:.1f}s; distinct violations: "
            f"{requests} in requests, {responses} in answers",
            *lines,
        ]

    def as_data(self) -> dict[str, Any]:
        """What a worker of a distributed run (pytest -n) hands the controller."""
        return {
            "counts": [[list(key), count] for key, count in self.counts.items()],
            "checked": self.checked,
            "seconds": self.seconds,
            "examples": self.examples,
        }

    def merge(self, data: dict[str, Any]) -> None:
        """Add a worker's traffic (as_data) to the controller's, which runs no test itself."""
        for key, count in data["counts"]:
            found = (key[0], key[1], key[2], key[3])
            self.counts[found] = self.counts.get(found, 0) + count
        self.checked += data["checked"]
        self.seconds += data["seconds"]
        self.examples.update(data["examples"])

    def in_spec_tests(self, key: tuple[str, str, str, str]) -> bool:
        return self.where.get(key, "").startswith(SPEC_TESTS)

    def record(self, path: str) -> None:
        """Write what was seen as the tables of known_gaps.py (a starting point for them)."""
        lines = ["EXAMPLE_GAPS: dict[str, str] = {"]
        lines += [f"    {name!r}: {why!r}," for name, why in sorted(self.examples.items()) if why]
        for table, ours in (("SCHEMA_GAPS", True), ("SUITE_GAPS", False)):
            lines += ["}", "", f"{table}: dict[tuple[str, str, str, str], str] = {{"]
            for key, violation in sorted(self.seen.items()):
                if self.in_spec_tests(key) == ours:
                    lines += [f"    # {self.where[key]}", f"    {key!r}:"]
                    lines += [f"        {_reason(violation)!r},"]
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
