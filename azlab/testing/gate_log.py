"""The health gate judged from a sandbox request log (entries with their bodies and answers).

`starts` finds when each VM's start reached the sandbox, sent per VM or in a
batch; `first_ready` when each VM's guest agent was first seen Ready in a
`statusOnly` list answer. A tier-1 VM started before a tier-0 VM of its group
was seen Ready is a start the gate should have held back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

BATCH_START = "virtualmachinesexecutestart"


def starts(entries: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """VM (lower case) -> when its first accepted start reached the sandbox (sandbox clock)."""
    found: dict[str, float] = {}
    for r in entries:
        if r["method"] != "POST" or r["status"] not in (200, 202):
            continue
        path = str(r["path"]).lower().rstrip("/")
        if path.endswith("/start"):
            found.setdefault(path.split("/")[-2], float(r["at"]))
        elif path.endswith(BATCH_START) and r.get("reply"):
            for result in json.loads(r["reply"]).get("results", []):
                if result.get("operation"):
                    vm = str(result["resourceId"]).rsplit("/", 1)[-1].lower()
                    found.setdefault(vm, float(r["at"]))
    return found


def first_ready(entries: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """VM (lower case) -> when a list answer first showed its guest agent Ready."""
    found: dict[str, float] = {}
    for r in entries:
        if r["method"] != "GET" or not r.get("reply"):
            continue
        if "statusonly=true" not in str(r.get("query", "")).lower():
            continue
        for item in json.loads(r["reply"]).get("value", []):
            agent = (item.get("properties", {}).get("instanceView") or {}).get("vmAgent") or {}
            if any(s.get("displayStatus") == "Ready" for s in agent.get("statuses", [])):
                found.setdefault(str(item["name"]).lower(), float(r["at"]))
    return found


def margins(
    entries: Iterable[Mapping[str, Any]], tiers: Mapping[str, tuple[str, int]]
) -> list[float]:
    """For each VM started above tier 0: its start's time less the moment the last VM of the
    tier below in its group was seen Ready (negative: it started first; -inf: never seen)."""
    logged = list(entries)
    started, ready = starts(logged), first_ready(logged)
    found = []
    for vm, at in started.items():
        group, tier = tiers.get(vm, ("", 0))
        below = [v for v, (g, t) in tiers.items() if g == group and t == tier - 1]
        if tier == 0 or not below:
            continue
        seen = [ready.get(v, float("inf")) for v in below]
        found.append(at - max(seen))
    return found
