"""What Azure holds of the scheduler: one read per part, turned into `Found` plain data.

A part that is not there answers 404 and is simply absent. What was read that later parts
depend on (the site's principal, the account's endpoints, the app's settings) is kept in
`Observed` beside the parts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.scheduler.desired import PACKAGE_DIGEST
from azlab.scheduler.model import Found, Part, PartKind
from azlab.scheduler.names import QUEUE, SCHEDULER_TAG, Names
from azlab.scheduler.storage import data_plane

T = TypeVar("T")


@dataclass
class Observed:
    found: dict[str, Found] = field(default_factory=dict)
    principal: str | None = None
    blob_endpoint: str | None = None
    queue_endpoint: str | None = None
    site_host: str | None = None
    settings: dict[str, str] = field(default_factory=dict)

    def add(self, part: Part, props: dict[str, Any], owned: bool) -> None:
        self.found[part.address.lower()] = Found(part.address, props, owned)


async def get_or_none(what: str, call: Callable[[], Awaitable[T]]) -> T | None:
    """The answer, or None for 404 (some Web operations answer None themselves)."""
    with azure_errors(resource=what):
        try:
            return await call()
        except ResourceNotFoundError:
            return None


def _owned(tags: dict[str, str] | None, plan: str) -> bool:
    return (tags or {}).get(SCHEDULER_TAG) == plan


def _text(value: object) -> str:
    """An SDK enum member's value, or the text itself."""
    return str(getattr(value, "value", value) or "")


async def observe(session: AzureSession, names: Names, plan: str, parts: list[Part]) -> Observed:
    seen = Observed()
    by_kind = {p.kind: p for p in parts}
    rg = names.resource_group
    group = await get_or_none(
        f"resource group {rg}", lambda: session.resource.resource_groups.get(rg)
    )
    if group is None:
        return seen  # nothing of the scheduler can be there without its group
    part = by_kind[PartKind.RESOURCE_GROUP]
    tags = dict(group.tags or {})
    seen.add(part, {"location": group.location, "tags": tags}, _owned(tags, plan))
    # The account's parts and the site's read apart from each other: at once.
    reads = [_observe_storage(session, names, plan, by_kind, seen)]
    if PartKind.SITE in by_kind:
        reads.append(_observe_site(session, names, plan, by_kind, seen))
    await asyncio.gather(*reads)
    return seen


async def _observe_storage(
    session: AzureSession,
    names: Names,
    plan: str,
    by_kind: dict[PartKind, Part],
    seen: Observed,
) -> None:
    rg, name = names.resource_group, names.storage_account
    account = await get_or_none(
        f"storage account {name}",
        lambda: session.storage.storage_accounts.get_properties(rg, name),
    )
    if account is None:
        return
    tags = dict(account.tags or {})
    owned = _owned(tags, plan)
    seen.add(
        by_kind[PartKind.STORAGE_ACCOUNT],
        {
            "location": account.location,
            "sku": _text(account.sku.name),
            "kind": _text(account.kind),
            "minimumTlsVersion": _text(account.minimum_tls_version),
            "allowBlobPublicAccess": bool(account.allow_blob_public_access),
            "tags": tags,
        },
        owned,
    )
    endpoints = account.primary_endpoints
    seen.blob_endpoint, seen.queue_endpoint = str(endpoints.blob), str(endpoints.queue)
    container = by_kind[PartKind.CONTAINER]
    found = await get_or_none(
        f"container {container.name}",
        lambda: session.storage.blob_containers.get(rg, name, container.name.split("/")[-1]),
    )
    if found is not None:
        metadata = dict(found.metadata or {})
        seen.add(container, {"metadata": metadata}, _owned(metadata, plan))
    if not owned:
        return  # someone else's account: its data is not read
    async with data_plane(session, names, seen.blob_endpoint, seen.queue_endpoint) as data:
        metadata_or_none = await data.queue_metadata(QUEUE) if PartKind.QUEUE in by_kind else None
        if metadata_or_none is not None:
            queue = by_kind[PartKind.QUEUE]
            seen.add(queue, {"metadata": metadata_or_none}, _owned(metadata_or_none, plan))
        if found is not None:
            digest = await data.plan_digest()
            if digest is not None:
                seen.add(by_kind[PartKind.PLAN_BLOB], {"sha256": digest}, True)


async def _observe_site(
    session: AzureSession,
    names: Names,
    plan: str,
    by_kind: dict[PartKind, Part],
    seen: Observed,
) -> None:
    rg = names.resource_group
    web = session.web
    farm, site = await asyncio.gather(
        get_or_none(
            f"app service plan {names.server_farm}",
            lambda: web.app_service_plans.get(rg, names.server_farm),
        ),
        get_or_none(f"function app {names.site}", lambda: web.web_apps.get(rg, names.site)),
    )
    if farm is not None:
        data = farm.as_dict()
        tags = dict(data.get("tags") or {})
        props = data.get("properties") or {}
        sku = data.get("sku") or {}
        seen.add(
            by_kind[PartKind.SERVER_FARM],
            {
                "location": data.get("location"),
                "sku": {"name": sku.get("name"), "tier": sku.get("tier")},
                "kind": data.get("kind"),
                "reserved": bool(props.get("reserved")),
                "tags": tags,
            },
            _owned(tags, plan),
        )
    if site is None:
        return
    data = site.as_dict()
    tags = dict(data.get("tags") or {})
    owned = _owned(tags, plan)
    props = data.get("properties") or {}
    identity = data.get("identity") or {}
    seen.add(
        by_kind[PartKind.SITE],
        {
            "location": data.get("location"),
            "kind": data.get("kind"),
            "serverFarmId": props.get("serverFarmId"),
            "identity": identity.get("type"),
            "httpsOnly": bool(props.get("httpsOnly")),
            "linuxFxVersion": (props.get("siteConfig") or {}).get("linuxFxVersion"),
            "tags": tags,
        },
        owned,
    )
    seen.principal = identity.get("principalId")
    seen.site_host = props.get("defaultHostName")
    if not owned:
        return
    listed = await get_or_none(
        f"function app {names.site} settings",
        lambda: web.web_apps.list_application_settings(rg, names.site),
    )
    settings = dict((listed.as_dict().get("properties") or {}) if listed is not None else {})
    seen.settings = {str(k): str(v) for k, v in settings.items()}
    seen.add(by_kind[PartKind.APP_SETTINGS], {"settings": seen.settings}, True)
    if PACKAGE_DIGEST in seen.settings:
        seen.add(by_kind[PartKind.PACKAGE], {"sha256": seen.settings[PACKAGE_DIGEST]}, True)


def _permissions(found: Any) -> list[dict[str, list[str]]]:
    if not found.permissions:
        return []
    first = found.permissions[0]
    return [
        {
            "actions": list(first.actions or []),
            "notActions": list(first.not_actions or []),
            "dataActions": list(first.data_actions or []),
            "notDataActions": list(first.not_data_actions or []),
        }
    ]


async def _role_definition(session: AzureSession, part: Part, seen: Observed) -> None:
    scope, guid = authorization_path(part.address)
    found = await get_or_none(
        part.name, lambda: session.authorization.role_definitions.get(scope, guid)
    )
    if found is not None:
        props = {
            "roleName": found.role_name,
            "description": found.description,
            "type": "CustomRole",
            "permissions": _permissions(found),
            "assignableScopes": list(found.assignable_scopes or []),
        }
        seen.add(part, props, True)


async def _role_assignment(session: AzureSession, part: Part, seen: Observed) -> None:
    scope, name = authorization_path(part.address)
    if name.startswith("new-"):
        return  # its principal does not exist yet
    found = await get_or_none(
        part.name, lambda: session.authorization.role_assignments.get(scope, name)
    )
    if found is not None:
        props = {
            "roleDefinitionId": found.role_definition_id,
            "principalId": found.principal_id,
            "scope": found.scope,
        }
        seen.add(part, props, True)


def authorization_path(address: str) -> tuple[str, str]:
    """(scope, name) of a role definition's or assignment's address."""
    scope, _, rest = address.partition("/providers/Microsoft.Authorization/")
    return scope, rest.split("/", 1)[1]


async def observe_roles(session: AzureSession, parts: list[Part], seen: Observed) -> None:
    """Role definitions and assignments, found by their derived names (owned by them)."""
    reads = [
        _role_definition(session, part, seen)
        if part.kind is PartKind.ROLE_DEFINITION
        else _role_assignment(session, part, seen)
        for part in parts
        if part.kind in (PartKind.ROLE_DEFINITION, PartKind.ROLE_ASSIGNMENT)
    ]
    await asyncio.gather(*reads)
