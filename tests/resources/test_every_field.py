"""Every leaf field of the plan's JSON Schema changes what azlab sends to Azure, or says why not.

Each field is changed in every place it occurs in a copy of plans/lynclab.yaml (set
where the plan leaves it out); the plan's desired resources must then differ. A
request body is a function of its resource's desired name, properties and tags,
so a field that changes no desired resource changes no body either. The fields
that are not meant to reach Azure are `PLAN_ONLY`, which docs/plan.md shows.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from azlab.plan.model import Plan
from azlab.plan.schema import plan_json_schema
from azlab.reconcile.desired import desired_resources
from azlab.resources.plan_only import PLAN_ONLY, markdown

ROOT = Path(__file__).resolve().parents[2]
BASE: dict[str, Any] = yaml.safe_load((ROOT / "plans" / "lynclab.yaml").read_text())
# The example lab keeps its ledger in a local file; the walk needs the field present.
BASE.setdefault("ledger", {"storage_account": "stwus2lynclab01"})
# Nor does it run guest scripts: a hook or probe needs its script before a field can change.
for _group in BASE["groups"]:
    for _holder in (_group, *_group["vms"]):
        for _hook in ("ready", "before_stop", "after_start"):
            _holder.setdefault(_hook, {"script": "exit 0"})
SCHEMA = plan_json_schema()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    branches = [b for b in node.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        return {**_resolve(branches[0]), **{k: v for k, v in node.items() if k != "anyOf"}}
    return node


def _leaves(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    node = _resolve(node)
    if node.get("type") == "object" and "properties" in node:
        for name, child in node["properties"].items():
            yield from _leaves(child, f"{path}.{name}" if path else name)
    elif node.get("type") == "array" and _resolve(node["items"]).get("type") == "object":
        yield from _leaves(node["items"], f"{path}[]")
    elif node.get("type") == "array":
        yield f"{path}[]", _resolve(node["items"])
    else:
        yield path, node


LEAVES = dict(_leaves(SCHEMA))


def _another(schema: dict[str, Any], old: Any) -> Any:
    """A value the schema allows that differs from `old`."""
    if "enum" in schema:
        # A field left out holds its default: another value is one that differs from that.
        current = schema.get("default") if old is None else old
        return next(v for v in schema["enum"] if v != current)
    if "const" in schema:
        pytest.skip("a constant has no other value")
    kind = schema.get("type")
    if kind == "integer":
        value = old if isinstance(old, int) else schema.get("default") or schema.get("minimum", 1)
        return value + 1 if value + 1 <= schema.get("maximum", value + 1) else value - 1
    if kind == "number":
        return (old if isinstance(old, int | float) else 0.0) + 0.5
    if kind == "boolean":
        return not old
    if kind == "object" and "patternProperties" in schema:  # vars: each entry may be empty
        return {**(old or {}), "walked": None}
    if kind == "number" or (isinstance(kind, list) and "number" in kind):
        return 0.25 if old != 0.25 else 0.75
    if kind == "object":
        return {**(old or {}), "walked": "yes"}
    if schema.get("format") == "date":
        return date(2031, 1, 2) if old != date(2031, 1, 2) else date(2031, 1, 3)
    if "oneOf" in schema:  # skip: a list of dates and calendars, or one mapping
        return [*(old or []), date(2031, 1, 2)]
    if "anyOf" in schema:
        return ["mon"] if isinstance(old, str) else "weekends"
    pattern = schema.get("pattern")
    for candidate in (f"{old}x" if old else "x", "37m", "19:30", "walked"):
        if candidate != old and (pattern is None or re.fullmatch(pattern, candidate)):
            return candidate
    raise AssertionError(f"no other value for {schema}")


def _change(doc: Any, steps: list[str], schema: dict[str, Any]) -> int:
    """Change the field at `steps` everywhere it can be; how many places were changed."""
    step, rest = steps[0], steps[1:]
    if step == "[]":
        items = doc if isinstance(doc, list) else []
        if not rest:
            for i, old in enumerate(items):
                items[i] = _another(schema, old)
            return len(items)
        return sum(_change(item, rest, schema) for item in items)
    if not isinstance(doc, dict):
        return 0
    if not rest:
        doc[step] = _another(schema, doc.get(step))
        return 1
    if step not in doc or doc[step] is None:
        if rest[0] == "[]":
            return 0
        doc[step] = {}
    return _change(doc[step], rest, schema)


def _steps(path: str) -> list[str]:
    return [s for s in re.split(r"\.|(\[\])", path) if s]


def _sent(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    plan = Plan.model_validate(doc)
    return [(d.kind, d.name, d.props, d.tags, d.depends_on) for d in desired_resources(plan)]


@pytest.mark.parametrize("path", sorted(LEAVES))
def test_the_field_reaches_azure_or_is_plan_only(path: str) -> None:
    doc = copy.deepcopy(BASE)
    changed = _change(doc, _steps(path), LEAVES[path])
    assert changed, f"{path} occurs nowhere in the base plan: extend plans/lynclab.yaml"
    differs = _sent(doc) != _sent(BASE)
    if path in PLAN_ONLY:
        assert not differs, f"{path} reaches Azure: remove it from PLAN_ONLY"
    else:
        assert differs, f"{path} changes nothing sent to Azure: send it or list it in PLAN_ONLY"


def test_plan_only_names_fields_the_schema_has() -> None:
    assert set(PLAN_ONLY) <= set(LEAVES)


def test_docs_show_the_plan_only_table() -> None:
    assert markdown() in (ROOT / "docs" / "plan.md").read_text()
