"""docs/sandbox.md's table of az commands, made from the expectations in commands.py.

The table sits between two marker comments in docs/sandbox.md, so the page says what the
az test checks and nothing else. From the repository root:
  python -m tests.azcli.table          rewrite the table in docs/sandbox.md
  python -m tests.azcli.table --check  exit 1 if the table differs from commands.py
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from tests.azcli.commands import COMMANDS, Command

DOC = Path(__file__).resolve().parents[2] / "docs" / "sandbox.md"
BEGIN = "<!-- az-commands:begin (made by `python -m tests.azcli.table`; do not edit) -->"
END = "<!-- az-commands:end -->"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render(commands: Sequence[Command] = COMMANDS) -> str:
    """The markdown between the markers: a count, the working commands, the failing ones."""
    working = [c for c in commands if c.expect_fail is None]
    failing = [c for c in commands if c.expect_fail is not None]
    lines = [
        f"{len(working)} of {len(commands)} az commands work against the sandbox"
        " (`make test-az` checks each one, in this order, against a fresh sandbox).",
        "",
        "| # | works |",
        "| --- | --- |",
    ]
    numbers = {id(c): n for n, c in enumerate(commands, 1)}
    lines += [f"| {numbers[id(c)]} | `{_cell(c.line)}` |" for c in working]
    if failing:
        lines += ["", "| # | does not work | why |", "| --- | --- | --- |"]
        lines += [
            f"| {numbers[id(c)]} | `{_cell(c.line)}` | {_cell(c.expect_fail or '')} |"
            for c in failing
        ]
    return "\n".join(lines)


def current(doc: str) -> str | None:
    """The table now between the markers in `doc`; None when a marker is missing."""
    _, begin, rest = doc.partition(BEGIN)
    body, end, _ = rest.partition(END)
    if not begin or not end:
        return None
    return body.strip("\n")


def rewrite(doc: str, table: str) -> str:
    head, begin, rest = doc.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise ValueError(f"{DOC.name} lacks the markers {BEGIN!r} and {END!r}")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: Sequence[str]) -> int:
    doc = DOC.read_text()
    table = render()
    if "--check" in argv:
        if current(doc) == table:
            return 0
        print(f"{DOC} is stale: run `python -m tests.azcli.table`", file=sys.stderr)
        return 1
    DOC.write_text(rewrite(doc, table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
