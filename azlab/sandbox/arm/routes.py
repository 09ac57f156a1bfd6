"""Route templates matched case-insensitively, with the throttling bucket each request uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from azlab.sandbox.arm.core import Reply, Request

Handler = Callable[[Request, dict[str, str]], Reply]

RG = "/subscriptions/{sub}/resourcegroups/{rg}"
PROVIDERS = RG + "/providers"


def rg_id(p: dict[str, str]) -> str:
    """The ARM id of the resource group a route's `{sub}` and `{rg}` name."""
    return f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    arm_kind: str  # read | write | delete: the ARM bucket
    compute_kind: str | None = None  # action | get | list: the compute buckets
    op: str = ""  # name used by fault injection and the request log


def route(
    method: str, template: str, handler: Handler, *, compute: str | None = None, op: str = ""
) -> Route:
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template.rstrip("/"))
    kind = {"GET": "read", "HEAD": "read", "DELETE": "delete"}.get(method, "write")
    return Route(
        method,
        re.compile(f"^{regex}/?$", re.IGNORECASE),
        handler,
        kind,
        compute,
        op or f"{method} {template}",
    )


def match(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for candidate in routes:
        if candidate.method != method:
            continue
        found = candidate.pattern.match(path)
        if found:
            return candidate, found.groupdict()
    return None
