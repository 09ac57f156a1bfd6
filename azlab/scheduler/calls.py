"""The calls that make, change and delete each part of the scheduler.

Creates and updates send the whole desired body (PUT), so both are one call; the SDKs'
long-running operations are awaited with the session's polling. Role assignments are
never updated in place: their names derive from what they grant, so a change is a new
name.
"""

from __future__ import annotations

from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.scheduler.desired import PACKAGE_DIGEST, settings_to_send
from azlab.scheduler.model import Part, PartKind
from azlab.scheduler.names import Names
from azlab.scheduler.observe import authorization_path


def _arm_name(address: str) -> str:
    return address.rstrip("/").rsplit("/", 1)[-1]


async def put(session: AzureSession, names: Names, part: Part, settings: dict[str, str]) -> Any:
    """Create or update one ARM part; returns the SDK's answer where later parts need it."""
    rg = names.resource_group
    props = part.props
    with azure_errors(resource=f"{part.kind.label} {part.name}"):
        if part.kind is PartKind.RESOURCE_GROUP:
            return await session.resource.resource_groups.create_or_update(
                rg, {"location": props["location"], "tags": props["tags"]}
            )
        if part.kind is PartKind.STORAGE_ACCOUNT:
            body = {
                "location": props["location"],
                "sku": {"name": props["sku"]},
                "kind": props["kind"],
                "tags": props["tags"],
                "properties": {
                    "minimumTlsVersion": props["minimumTlsVersion"],
                    "allowBlobPublicAccess": props["allowBlobPublicAccess"],
                    "supportsHttpsTrafficOnly": True,
                },
            }
            poller = await session.storage.storage_accounts.begin_create(
                rg, part.name, body, polling=session.polling()
            )
            return await poller.result()
        if part.kind is PartKind.CONTAINER:
            return await session.storage.blob_containers.create(
                rg,
                names.storage_account,
                _arm_name(part.address),
                {"properties": {"metadata": dict(props["metadata"])}},
            )
        if part.kind is PartKind.SERVER_FARM:
            body = {
                "location": props["location"],
                "kind": props["kind"],
                "sku": dict(props["sku"]),
                "tags": props["tags"],
                "properties": {"reserved": props["reserved"]},
            }
            poller = await session.web.app_service_plans.begin_create_or_update(
                rg, part.name, body, polling=session.polling()
            )
            return await poller.result()
        if part.kind is PartKind.SITE:
            body = {
                "location": props["location"],
                "kind": props["kind"],
                "identity": {"type": props["identity"]},
                "tags": props["tags"],
                "properties": {
                    "serverFarmId": props["serverFarmId"],
                    "reserved": True,
                    "httpsOnly": props["httpsOnly"],
                    "siteConfig": {
                        "linuxFxVersion": props["linuxFxVersion"],
                        "ftpsState": "Disabled",
                        "minTlsVersion": "1.2",
                    },
                },
            }
            poller = await session.web.web_apps.begin_create_or_update(
                rg, part.name, body, polling=session.polling()
            )
            return await poller.result()
        if part.kind is PartKind.APP_SETTINGS:
            return await write_settings(session, names, dict(props["settings"]), settings)
        if part.kind is PartKind.ROLE_DEFINITION:
            scope, guid = authorization_path(part.address)
            return await session.authorization.role_definitions.create_or_update(
                scope, guid, {"properties": dict(props)}
            )
        if part.kind is PartKind.ROLE_ASSIGNMENT:
            scope, name = authorization_path(part.address)
            return await session.authorization.role_assignments.create(
                scope,
                name,
                {
                    "properties": {
                        "roleDefinitionId": props["roleDefinitionId"],
                        "principalId": props["principalId"],
                        "principalType": "ServicePrincipal",
                    }
                },
            )
    raise ValueError(f"{part.kind.value} is not sent through ARM")


async def write_settings(
    session: AzureSession, names: Names, desired: dict[str, str], existing: dict[str, str]
) -> dict[str, str]:
    """PUT the app settings: deploy's own over the ones there (a PUT replaces them all)."""
    merged = settings_to_send(desired, existing)
    await session.web.web_apps.update_application_settings(
        names.resource_group, names.site, {"properties": merged}
    )
    return merged


def with_package_digest(settings: dict[str, str], digest: str) -> dict[str, str]:
    return {**settings, PACKAGE_DIGEST: digest}


async def delete(session: AzureSession, names: Names, part: Part) -> None:
    """Delete one part; one already gone is fine."""
    rg = names.resource_group
    with azure_errors(resource=f"{part.kind.label} {part.name}"):
        try:
            if part.kind is PartKind.ROLE_ASSIGNMENT:
                scope, name = authorization_path(part.address)
                await session.authorization.role_assignments.delete(scope, name)
            elif part.kind is PartKind.ROLE_DEFINITION:
                scope, guid = authorization_path(part.address)
                await session.authorization.role_definitions.delete(scope, guid)
            elif part.kind is PartKind.SITE:
                await session.web.web_apps.delete(rg, part.name)
            elif part.kind is PartKind.AUTOMATION_ACCOUNT:
                # Its runbook, package, schedule and job schedule go with it.
                await session.automation.automation_account.delete(rg, part.name)
            elif part.kind is PartKind.SERVER_FARM:
                await session.web.app_service_plans.delete(rg, part.name)
            elif part.kind is PartKind.STORAGE_ACCOUNT:
                await session.storage.storage_accounts.delete(rg, part.name)
            elif part.kind is PartKind.RESOURCE_GROUP:
                poller = await session.resource.resource_groups.begin_delete(
                    rg, polling=session.polling()
                )
                await poller.result()
        except ResourceNotFoundError:
            return


async def others_in_group(session: AzureSession, names: Names, ours: set[str]) -> list[str]:
    """Names of what the scheduler's group holds besides `ours` (lower-case ARM ids)."""
    found = []
    with azure_errors(resource=f"resource group {names.resource_group}"):
        async for item in session.resource.resources.list_by_resource_group(names.resource_group):
            if str(item.id).lower() not in ours:
                found.append(str(item.name))
    return found
