"""The plan file as YAML with positions: every node knows its line and column.

ruamel.yaml's round-trip loader keeps them; this module reads them back for a
path such as ("groups", 0, "vms", 1, "subnet"). Lines and columns are 1-based.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

PathKey = str | int


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


def read_yaml(text: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(problem, line, col) from None
    except Exception as exc:  # ruamel's duplicate-key and other constructor errors
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(str(exc).splitlines()[0], line, col) from None


def position(root: Any, path: Sequence[PathKey], *, value: bool = True) -> tuple[int, int]:
    """Line and column of the node at `path`, or of its deepest existing ancestor."""
    node = root
    found = (node.lc.line + 1, node.lc.col + 1) if hasattr(node, "lc") else (1, 1)
    for index, key in enumerate(path):
        last = index == len(path) - 1
        if isinstance(node, CommentedMap) and key in node:
            line, col = node.lc.value(key) if (last and value) else node.lc.key(key)
            if line is None:
                line, col = node.lc.key(key)
            found = (line + 1, col + 1)
            node = node[key]
        elif isinstance(node, CommentedSeq) and isinstance(key, int) and 0 <= key < len(node):
            line, col = node.lc.item(key)
            found = (line + 1, col + 1)
            node = node[key]
        else:
            break
    return found


def read_file(path: Path) -> str:
    return path.read_text(encoding="utf-8")
