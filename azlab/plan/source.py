"""The plan file as plain data plus the line and column of every node.

libyaml (through PyYAML's C loader) composes the node tree fast enough for
plans with thousands of VMs; the positions are read off its nodes into a
table keyed by path, such as ("groups", 0, "vms", 1, "subnet"). Lines and
columns are 1-based.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

PathKey = str | int
Path_ = tuple[PathKey, ...]

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # PyYAML without libyaml
    _Loader = yaml.SafeLoader


# Far above any real lab, low enough that a hostile file fails fast and clearly.
MAX_DEPTH = 64
MAX_NODES = 500_000


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


@dataclass
class Document:
    """Plain data (dicts, lists, scalars) and where each node sits in the file."""

    data: Any
    # path -> (key line, key col, value line, value col); the root maps () -> (1, 1, 1, 1).
    positions: dict[Path_, tuple[int, int, int, int]] = field(default_factory=dict)


def read_yaml(text: str) -> Document:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise YamlSyntaxError(f"nested deeper than {MAX_DEPTH} levels", 1, 1) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        if "nesting depth" in problem:  # PyYAML 6.0.4 and later stop deep input themselves
            problem = f"nested deeper than {MAX_DEPTH} levels"
        raise YamlSyntaxError(problem, line, col) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc).splitlines()[0], 1, 1) from None
    if node is None:
        return Document(None, {(): (1, 1, 1, 1)})
    doc = Document(None, {(): (1, 1, node.start_mark.line + 1, node.start_mark.column + 1)})
    # Aliases can multiply a small file into billions of nodes ("billion laughs"):
    # count what the document expands to, each distinct node once, before building it.
    if _expanded_size(node, {}, 0) > MAX_NODES:
        raise YamlSyntaxError(
            f"the document expands to more than {MAX_NODES:,} nodes (through aliases?)", 1, 1
        )
    constructor = yaml.SafeLoader("")  # used only to construct scalars
    budget = [MAX_NODES]
    doc.data = _build(node, (), doc.positions, constructor, budget)
    return doc


def _expanded_size(node: Any, sizes: dict[int, int], depth: int) -> int:
    known = sizes.get(id(node))
    if known is not None:
        return known
    if depth > MAX_DEPTH:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        raise YamlSyntaxError(f"nested deeper than {MAX_DEPTH} levels", line, col)
    size = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, sizes, depth + 1) + _expanded_size(value, sizes, depth + 1)
            if size > MAX_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, sizes, depth + 1)
            if size > MAX_NODES:
                break
    sizes[id(node)] = size
    return size


def _build(
    node: Any, path: Path_, positions: dict[Path_, Any], loader: Any, budget: list[int]
) -> Any:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    if len(path) > MAX_DEPTH:
        raise YamlSyntaxError(f"nested deeper than {MAX_DEPTH} levels", line, col)
    budget[0] -= 1
    if budget[0] < 0:
        # Aliases can multiply a small file into billions of nodes ("billion laughs").
        raise YamlSyntaxError(
            f"the document expands to more than {MAX_NODES:,} nodes (through aliases?)", line, col
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            try:
                key = str(loader.construct_object(key_node, deep=True))
            except (ValueError, yaml.YAMLError) as exc:
                raise YamlSyntaxError(
                    f"cannot read this key: {str(exc).splitlines()[0]}",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                ) from None
            if key in result:
                raise YamlSyntaxError(
                    f"duplicate key {key!r}",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            child = (*path, key)
            positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
                value_node.start_mark.line + 1,
                value_node.start_mark.column + 1,
            )
            result[key] = _build(value_node, child, positions, loader, budget)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = (*path, index)
            line, col = item.start_mark.line + 1, item.start_mark.column + 1
            positions[child] = (line, col, line, col)
            items.append(_build(item, child, positions, loader, budget))
        return items
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, yaml.YAMLError) as exc:  # e.g. an integer of thousands of digits
        raise YamlSyntaxError(
            f"cannot read this value: {str(exc).splitlines()[0]}", line, col
        ) from None


def position(doc: Document, path: Sequence[PathKey], *, value: bool = True) -> tuple[int, int]:
    """Line and column of the node at `path`, or of its deepest existing ancestor."""
    for end in range(len(path), -1, -1):
        found = doc.positions.get(tuple(path[:end]))
        if found is not None:
            key_line, key_col, value_line, value_col = found
            if end == len(path) and not value:
                return key_line, key_col
            return value_line, value_col
    return 1, 1
