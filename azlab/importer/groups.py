"""Which VMs start and stop together: the `--group-by` key.

`availability-set` (the default): one group per availability set, and a group of its
own for each VM in none. `prefix`: VMs whose names differ only in a trailing number
(`web01`, `web02`). `tag:KEY`: one group per value of the tag, a group of its own for
each VM without it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from azlab.azure.observe import last_segment
from azlab.errors import UsageError

GROUP_BY_HELP = "tag:KEY | availability-set | prefix"
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def check_group_by(value: str) -> str:
    if value in ("availability-set", "prefix") or (value.startswith("tag:") and len(value) > 4):
        return value
    raise UsageError(f"--group-by {value!r}: use {GROUP_BY_HELP}")


def group_key(item: Mapping[str, Any], group_by: str) -> str:
    """The group a VM (its REST JSON) belongs to."""
    name = str(item["name"])
    if group_by == "prefix":
        return re.sub(r"[-_.]?\d+$", "", name) or name
    if group_by.startswith("tag:"):
        wanted = group_by[4:].lower()
        tags = {k.lower(): v for k, v in (item.get("tags") or {}).items()}
        return _SAFE.sub("-", tags[wanted]).strip("-") or name if wanted in tags else name
    availability = item.get("properties", {}).get("availabilitySet") or {}
    return (last_segment(availability.get("id")) or name).lower()


def grouped(items: Iterable[Mapping[str, Any]], group_by: str) -> dict[str, list[str]]:
    """Group name -> VM names, both in first-seen order (VMs sorted by name first)."""
    groups: dict[str, list[str]] = {}
    for item in sorted(items, key=lambda i: str(i["name"]).lower()):
        groups.setdefault(group_key(item, group_by), []).append(str(item["name"]))
    return groups
