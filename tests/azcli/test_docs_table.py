"""docs/sandbox.md's az table says what commands.py expects; no az needed."""

from __future__ import annotations

import dataclasses

from tests.azcli.commands import COMMANDS
from tests.azcli.table import BEGIN, DOC, END, current, render, rewrite


def test_the_list_is_long_enough_and_names_its_reasons() -> None:
    assert len(COMMANDS) >= 50
    assert all(c.line.startswith("az ") for c in COMMANDS)
    assert all(c.expect_fail is None or c.expect_fail.strip() for c in COMMANDS)
    assert len({c.line for c in COMMANDS}) == len(COMMANDS)


def test_the_docs_table_is_the_one_the_expectations_make() -> None:
    table = current(DOC.read_text())
    assert table is not None, f"{DOC} lacks the az table's markers"
    assert table == render(), "docs/sandbox.md is stale: run `python -m tests.azcli.table`"


def test_the_table_counts_and_places_each_command_by_its_expectation() -> None:
    works, fails = COMMANDS[0], dataclasses.replace(COMMANDS[1], expect_fail="no such route")
    table = render([works, fails])
    assert table.startswith("1 of 2 az commands work")
    head, _, tail = table.partition("| does not work | why |")
    assert f"| 1 | `{works.line}` |" in head
    assert f"| 2 | `{fails.line}` | no such route |" in tail
    assert render([dataclasses.replace(works, expect_fail="x | y")]).endswith("| x \\| y |")


def test_rewriting_replaces_only_what_is_between_the_markers() -> None:
    doc = f"# page\nbefore\n{BEGIN}\nold table\n{END}\nafter\n"
    new = rewrite(doc, "new table")
    assert new == f"# page\nbefore\n{BEGIN}\nnew table\n{END}\nafter\n"
    assert current(new) == "new table"
    assert current("# no markers\n") is None
