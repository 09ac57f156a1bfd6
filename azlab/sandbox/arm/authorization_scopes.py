"""Scopes as Azure RBAC reads them: a tenant root, a subscription, a group, a resource.

A scope holds every scope under it: a role assigned on a resource group
applies to each resource in it. Scopes compare case-insensitively.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import ArmError, State, id_key, not_found

AUTHORIZATION = "/providers/microsoft.authorization/"


def key(scope: str) -> str:
    """A scope as compared: lower case, one leading slash, none trailing; the root is `/`."""
    stripped = scope.strip().strip("/")
    return "/" + stripped.lower() if stripped else "/"


def within(scope: str, parent: str) -> bool:
    """Whether `scope` is `parent` or lies under it."""
    inner, outer = key(scope), key(parent)
    return outer == "/" or inner == outer or inner.startswith(outer + "/")


def related(a: str, b: str) -> bool:
    """Whether one scope holds the other."""
    return within(a, b) or within(b, a)


def subscription_of(scope: str) -> str | None:
    parts = key(scope).split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "subscriptions" else None


def check_exists(state: State, scope: str) -> None:
    """ARM's 404 for a scope below a subscription that does not exist."""
    parts = key(scope).split("/")
    if len(parts) < 3:
        return  # the root, or a subscription: the sandbox has every subscription
    if parts[1] != "subscriptions" or (len(parts) > 3 and parts[3] != "resourcegroups"):
        raise ArmError(
            400, "InvalidScope", f"The scope '{scope}' is not a valid Azure Resource Manager scope."
        )
    if len(parts) >= 5:
        group = "/".join(parts[:5])
        if state.get(group) is None:
            raise not_found("resource group", group)
    if len(parts) > 5 and state.get(id_key(scope)) is None:
        given = scope.strip("/").split("/")
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{'/'.join(given[-3:])}' under resource group '{given[3]}' "
            "was not found.",
        )
