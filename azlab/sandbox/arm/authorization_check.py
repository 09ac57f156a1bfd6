"""Role enforcement: the action a request asks for, and whether a principal's roles grant it.

ARM names the action of a request from its path and method: the resource
type's segments after the provider namespace (names left out), then `read`,
`write` or `delete` for GET, PUT/PATCH and DELETE, or `{verb}/action` for a
POST (`Microsoft.Compute/virtualMachines/start/action`); a GET of a type's
collection is that type's `read` over the scope the collection lives in. An
assignment grants an action when one of its role's permission blocks lists
it in `actions` (wildcards `*` anywhere) and not in that block's
`notActions`, and the request's scope lies within the assignment's scope.

Some reads are not checked, as ARM lets any signed-in caller make them: the
subscription and tenant lists, locations, provider metadata, and the status of
a long-running operation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from azlab.sandbox.arm.authorization_assignments import Grant
from azlab.sandbox.arm.authorization_scopes import within
from azlab.sandbox.arm.core import ArmError

_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}
_OPERATION_COLLECTIONS = {"operations", "operationresults", "asyncoperations", "diskoperations"}
_GROUPS = "Microsoft.Resources/subscriptions/resourceGroups"


@dataclass(frozen=True)
class Asked:
    """What a request needs: an action over a scope; a collection's answer may be filtered."""

    action: str
    scope: str
    listing: bool = False


def _scope(segments: list[str]) -> str:
    return "/" + "/".join(segments) if segments else "/"


def _without_providers(method: str, segs: list[str]) -> Asked | None:
    verb = _VERBS.get(method, "action")
    if len(segs) < 2 or segs[0].lower() != "subscriptions":
        return None  # /subscriptions, /tenants: every caller lists what it may see
    sub = segs[:2]
    rest = [s.lower() for s in segs[2:]]
    if not rest:
        # Any role inside a subscription lets its holder read the subscription itself.
        return Asked(f"Microsoft.Resources/subscriptions/{verb}", _scope(sub), verb == "read")
    if rest == ["resources"]:
        return Asked("Microsoft.Resources/subscriptions/resources/read", _scope(sub), True)
    if rest[0] != "resourcegroups":
        return None  # locations, operation results
    if len(rest) == 1:
        return Asked(f"{_GROUPS}/read", _scope(sub), True)
    group = segs[:4]
    if len(rest) == 2:
        return Asked(f"{_GROUPS}/{verb}", _scope(group))
    if rest[2:] == ["resources"]:
        return Asked(f"{_GROUPS}/resources/read", _scope(group), True)
    return None


def requested(method: str, path: str) -> Asked | None:
    """The action and scope a request needs, or None for a read every caller may make."""
    segs = [s for s in path.strip("/").split("/") if s]
    marks = [i for i, s in enumerate(segs) if s.lower() == "providers" and i + 1 < len(segs)]
    if not marks:
        return _without_providers(method, segs)
    at = marks[-1]
    prefix, namespace, tail = segs[:at], segs[at + 1], segs[at + 2 :]
    if not tail or tail[0].lower() == "resourcetypes":
        return None  # provider metadata
    if len(prefix) == 2 and [t.lower() for t in tail] in (["register"], ["unregister"]):
        return Asked(f"{namespace}/{tail[0]}/action", _scope(prefix))
    if (
        tail[0].lower() == "locations"
        and len(tail) >= 3
        and tail[2].lower() in _OPERATION_COLLECTIONS
    ):
        return None  # the status of an operation the caller was allowed to start
    if namespace.lower() == "microsoft.resources" and tail[0].lower() == "tags":
        return Asked(f"Microsoft.Resources/tags/{_VERBS.get(method, 'write')}", _scope(prefix))
    types = [namespace, *tail[0::2]]
    if len(tail) % 2 == 0:  # a resource (or a child resource) itself
        if method == "POST":
            return Asked("/".join(types) + "/action", _scope(segs))
        return Asked("/".join(types) + "/" + _VERBS.get(method, "write"), _scope(segs))
    parent = _scope([*prefix, segs[at], namespace, *tail[:-1]]) if len(tail) > 1 else _scope(prefix)
    if method == "POST":
        return Asked("/".join([*types[:-1], tail[-1]]) + "/action", parent)
    return Asked("/".join(types) + "/" + _VERBS.get(method, "write"), parent, method == "GET")


@lru_cache(maxsize=1024)
def _pattern(wildcard: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in wildcard.split("*")), re.IGNORECASE)


def matches(wildcard: str, action: str) -> bool:
    return _pattern(wildcard).fullmatch(action) is not None


def granted(grants: Iterable[Grant], action: str, scope: str, *, data: bool = False) -> bool:
    """Whether an assignment over (or above) `scope` grants `action`."""
    allow, deny = ("dataActions", "notDataActions") if data else ("actions", "notActions")
    for grant in grants:
        if not within(scope, grant.scope):
            continue
        for block in grant.permissions:
            if any(matches(a, action) for a in block.get(allow) or []) and not any(
                matches(n, action) for n in block.get(deny) or []
            ):
                return True
    return False


def has_any_below(grants: Iterable[Grant], scope: str) -> bool:
    """Whether some assignment lies within `scope` (so a list there shows what it may read)."""
    return any(within(grant.scope, scope) for grant in grants)


def item_action(item: dict[str, object]) -> str:
    """The read action of one item of a list, by its type."""
    kind = str(item.get("type") or "")
    if kind.lower() == "microsoft.resources/resourcegroups":
        return f"{_GROUPS}/read"
    return f"{kind}/read"


def refusal(client_id: str, object_id: str, action: str, scope: str) -> ArmError:
    return ArmError(
        403,
        "AuthorizationFailed",
        f"The client '{client_id}' with object id '{object_id}' does not have authorization "
        f"to perform action '{action}' over scope '{scope}' or the scope is invalid. If access "
        "was recently granted, please refresh your credentials.",
    )
