"""The `$filter` of ARM's resource and resource-group lists, parsed into a predicate.

The documented grammar, no more: `prop eq 'v'` and `prop ne 'v'` on location,
resourceType, name, resourceGroup, tagName and tagValue; `substringof('v', name)`
(or resourceGroup); `startswith(tagName, 'v')`; clauses joined by `and` / `or`
(`and` binds tighter). Names, types, groups and locations compare without case,
as ARM does; tag values keep theirs. As in Azure, a tag filter combines with no
other property, and the resources it finds are listed without their tags.
Anything else is ARM's 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from azlab.sandbox.arm.core import ArmError, Json

Predicate = Callable[[Json], bool]

_COMPARE = re.compile(r"^(\w+(?:/\w+)?)\s+(eq|ne)\s+'((?:[^']|'')*)'$", re.IGNORECASE)
_FUNCTION = re.compile(
    r"^(substringof|startswith)\(\s*(?:'((?:[^']|'')*)'\s*,\s*(\w+)|(\w+)\s*,\s*'((?:[^']|'')*)')\s*\)$",
    re.IGNORECASE,
)
_JOINER = re.compile(r"\s+(and|or)\s+(?=(?:[^']*'[^']*')*[^']*$)", re.IGNORECASE)
_PROPERTIES = ("location", "resourcetype", "name", "resourcegroup", "tagname", "tagvalue")


@dataclass(frozen=True)
class Filter:
    """A parsed `$filter`: the predicate, and whether it filters on tags (which hides them)."""

    matches: Predicate
    by_tag: bool


def invalid(text: str) -> ArmError:
    return ArmError(
        400,
        "InvalidFilterInQueryString",
        f"Invalid $filter '{text}' specified in the query string.",
    )


def group_of(resource: Json) -> str:
    parts = str(resource.get("id", "")).split("/")
    return parts[4] if len(parts) > 4 else ""


def _field(resource: Json, prop: str) -> str:
    if prop == "location":
        return str(resource.get("location", "")).replace(" ", "").lower()
    if prop == "resourcetype":
        return str(resource.get("type", "")).lower()
    if prop == "name":
        return str(resource.get("name", "")).lower()
    return group_of(resource).lower()


def _tags(resource: Json) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (resource.get("tags") or {}).items()}


def _clause(text: str, tag_name: list[str]) -> Predicate:
    compare = _COMPARE.match(text)
    if compare:
        prop, op, raw = compare.group(1).lower(), compare.group(2).lower(), compare.group(3)
        value = raw.replace("''", "'")
        if prop not in _PROPERTIES:
            raise invalid(text)
        negate = op == "ne"
        if prop == "tagname":
            tag_name.append(value.lower())
            return lambda r: (value.lower() in _tags(r)) != negate
        if prop == "tagvalue":
            if not tag_name:
                raise invalid(text)
            name = tag_name[-1]
            return lambda r: (_tags(r).get(name) == value) != negate
        wanted = value.replace(" ", "").lower() if prop == "location" else value.lower()
        return lambda r: (_field(r, prop) == wanted) != negate
    function = _FUNCTION.match(text)
    if function:
        kind = function.group(1).lower()
        if kind == "substringof" and function.group(2) is not None:
            needle, prop = function.group(2).replace("''", "'").lower(), function.group(3).lower()
            if prop not in ("name", "resourcegroup"):
                raise invalid(text)
            return lambda r: needle in _field(r, prop)
        if kind == "startswith" and function.group(4) is not None:
            if function.group(4).lower() != "tagname":
                raise invalid(text)
            prefix = function.group(5).replace("''", "'").lower()
            return lambda r: any(k.startswith(prefix) for k in _tags(r))
    raise invalid(text)


def parse(text: str) -> Filter:
    """`text` as a predicate over resources (ids, types, names, locations and tags)."""
    text = text.strip()
    if not text:
        return Filter(lambda r: True, False)
    pieces = _JOINER.split(text)
    clauses = [p.strip() for p in pieces[0::2]]
    joiners = [j.lower() for j in pieces[1::2]]
    tag_name: list[str] = []
    predicates = [_clause(c, tag_name) for c in clauses]
    # `and` binds tighter than `or`: a list of alternatives, each a list of conjuncts.
    alternatives: list[list[Predicate]] = [[predicates[0]]]
    for joiner, predicate in zip(joiners, predicates[1:], strict=True):
        if joiner == "and":
            alternatives[-1].append(predicate)
        else:
            alternatives.append([predicate])

    def matches(resource: Json) -> bool:
        return any(all(p(resource) for p in group) for group in alternatives)

    by_tag = bool(tag_name) or any(c.lower().startswith("startswith") for c in clauses)
    if by_tag and any(not _on_tags(c) for c in clauses):
        raise invalid(text)
    return Filter(matches, by_tag)


def _on_tags(clause: str) -> bool:
    lowered = clause.lower()
    return lowered.startswith(("tagname", "tagvalue", "startswith"))
