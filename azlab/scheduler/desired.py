"""What `azlab scheduler deploy` makes, as parts (pure: plain data in, parts out).

The order of the list is the order deploy sends them in; remove goes backwards. Values Azure
assigns on create (the site's principal, the account's endpoints) are `KNOWN_AFTER` until
they exist; deploy builds the parts again as each one is made.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from azlab.plan.model import Plan
from azlab.scheduler import role as roles
from azlab.scheduler.model import KNOWN_AFTER, Part, PartKind
from azlab.scheduler.names import (
    CONTAINER,
    PLAN_BLOB,
    QUEUE,
    SCHEDULER_TAG,
    STATUS_PREFIX,
    Names,
)

DEFAULT_TICK_SCHEDULE = "0 */5 * * * *"  # NCRONTAB with seconds: every 5 minutes
SNOOZE_KEY = "AZLAB_SNOOZE_KEY"
PACKAGE_DIGEST = "AZLAB_PACKAGE_SHA256"
HOSTS = ("functions", "automation")


@dataclass(frozen=True)
class Context:
    """Everything the parts depend on beyond the plan; filled in as deploy goes."""

    names: Names
    plan: Plan
    plan_sha256: str
    package_sha256: str
    templates: Mapping[str, roles.RoleTemplate]
    host: str = "functions"
    principal: str | None = None
    blob_endpoint: str | None = None  # with a trailing slash, as Azure gives it
    queue_endpoint: str | None = None
    site_host: str | None = None
    # Secret settings (the snooze key, webhook URLs) by setting name; never shown.
    secrets: Mapping[str, str] = field(default_factory=dict)
    # Plain settings copied from the deploying environment (the plan's variables).
    plain: Mapping[str, str] = field(default_factory=dict)
    tick_schedule: str = DEFAULT_TICK_SCHEDULE
    # --host automation: the runbook as runbooks/ holds it, and the azlab wheel's digest.
    runbook_source: str = ""
    wheel_sha256: str = ""


def python_version() -> str:
    """The Functions Python version: the running one, where Functions offers it."""
    minor = sys.version_info[1]
    return f"3.{minor}" if 10 <= minor <= 12 else "3.11"


def _tags(ctx: Context) -> dict[str, str]:
    return {SCHEDULER_TAG: ctx.plan.name}


def plan_scope(ctx: Context) -> str:
    return f"/subscriptions/{ctx.names.subscription}/resourceGroups/{ctx.plan.resource_group}"


def plan_url(ctx: Context) -> str:
    if ctx.blob_endpoint is None:
        return KNOWN_AFTER
    return f"{ctx.blob_endpoint}{CONTAINER}/{PLAN_BLOB}"


def app_settings(ctx: Context) -> dict[str, str]:
    """The Function app's settings (identity-based connections: no key in any of them)."""
    names = ctx.names
    queue_service = (ctx.queue_endpoint or KNOWN_AFTER).rstrip("/")
    settings = {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        # The host's own storage through the app's identity, not a connection string.
        "AzureWebJobsStorage__accountName": names.storage_account,
        # Linux consumption builds requirements.txt on the scm side after a zip deploy.
        "SCM_DO_BUILD_DURING_DEPLOYMENT": "true",
        "ENABLE_ORYX_BUILD": "true",
        "AZURE_SUBSCRIPTION_ID": names.subscription,
        "AZLAB_PLAN_URL": plan_url(ctx),
        "AZLAB_TICK_SCHEDULE": ctx.tick_schedule,
        "AZLAB_QUEUE_NAME": QUEUE,
        "AZLAB_QUEUE_URL": KNOWN_AFTER
        if ctx.queue_endpoint is None
        else f"{queue_service}/{QUEUE}",
        "AZLAB_QUEUE__queueServiceUri": queue_service,
        "AZLAB_STATUS_URL": KNOWN_AFTER
        if ctx.blob_endpoint is None
        else f"{ctx.blob_endpoint}{CONTAINER}/{STATUS_PREFIX.rstrip('/')}",
        "AZLAB_SNOOZE_URL": KNOWN_AFTER
        if ctx.site_host is None
        else f"https://{ctx.site_host}/api/snooze",
    }
    settings.update(ctx.plain)
    settings.update(ctx.secrets)
    return settings


def _storage_parts(ctx: Context) -> list[Part]:
    names, tags = ctx.names, _tags(ctx)
    account = names.storage_id
    marker = {SCHEDULER_TAG: ctx.plan.name}
    return [
        Part(
            PartKind.STORAGE_ACCOUNT,
            names.storage_account,
            account,
            {
                "location": names.location,
                "sku": "Standard_LRS",
                "kind": "StorageV2",
                "minimumTlsVersion": "TLS1_2",
                "allowBlobPublicAccess": False,
                "tags": tags,
            },
        ),
        Part(
            PartKind.QUEUE,
            f"{names.storage_account}/{QUEUE}",
            f"{account}/queueServices/default/queues/{QUEUE}",
            {"metadata": marker},
        ),
        Part(
            PartKind.CONTAINER,
            f"{names.storage_account}/{CONTAINER}",
            f"{account}/blobServices/default/containers/{CONTAINER}",
            {"metadata": marker},
        ),
        Part(
            PartKind.PLAN_BLOB,
            f"{names.storage_account}/{CONTAINER}/{PLAN_BLOB}",
            f"{account}/blobServices/default/containers/{CONTAINER}/blobs/{PLAN_BLOB}",
            {"sha256": ctx.plan_sha256},
        ),
    ]


def _site_parts(ctx: Context) -> list[Part]:
    names, tags = ctx.names, _tags(ctx)
    settings = app_settings(ctx)
    return [
        Part(
            PartKind.SERVER_FARM,
            names.server_farm,
            names.server_farm_id,
            {
                "location": names.location,
                "sku": {"name": "Y1", "tier": "Dynamic"},
                "kind": "functionapp",
                "reserved": True,
                "tags": tags,
            },
        ),
        Part(
            PartKind.SITE,
            names.site,
            names.site_id,
            {
                "location": names.location,
                "kind": "functionapp,linux",
                "serverFarmId": names.server_farm_id,
                "identity": "SystemAssigned",
                "httpsOnly": True,
                "linuxFxVersion": f"Python|{python_version()}",
                "tags": tags,
            },
        ),
        Part(
            PartKind.APP_SETTINGS,
            names.site,
            f"{names.site_id}/config/appsettings",
            {"settings": settings},
            secrets=frozenset(ctx.secrets),
            tagged=False,
        ),
        Part(
            PartKind.PACKAGE,
            names.site,
            f"{names.site_id}/extensions/zipdeploy",
            {"sha256": ctx.package_sha256},
            tagged=False,
        ),
    ]


def role_parts(ctx: Context, principal_scope: str, *, queue: bool = True) -> list[Part]:
    """The two custom roles and the assignments to the host's identity (the queue role only
    for a host that reads the queue)."""
    names = ctx.names
    sub = names.subscription
    operator = ctx.templates[roles.OPERATOR]
    batch = ctx.templates[roles.BATCH]
    operator_id = roles.role_definition_id(operator.name, ctx.plan.name, sub)
    batch_id = roles.role_definition_id(batch.name, ctx.plan.name, sub)
    rg = plan_scope(ctx)
    definitions = [
        (operator, operator_id, rg),
        (batch, batch_id, names.scope),
    ]
    parts = [
        Part(
            PartKind.ROLE_DEFINITION,
            f"{template.name} ({ctx.plan.name})",
            f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
            roles.role_body(template, ctx.plan.name, [scope]),
            tagged=False,
        )
        for template, guid, scope in definitions
    ]
    grants = [
        (rg, roles.built_in_id(sub, operator_id), f"{operator.name} ({ctx.plan.name})"),
        (names.scope, roles.built_in_id(sub, batch_id), f"{batch.name} ({ctx.plan.name})"),
        (
            names.storage_id,
            roles.built_in_id(sub, roles.STORAGE_BLOB_DATA_OWNER),
            roles.BUILT_IN_NAMES[roles.STORAGE_BLOB_DATA_OWNER],
        ),
    ]
    if queue:
        grants.append(
            (
                names.storage_id,
                roles.built_in_id(sub, roles.STORAGE_QUEUE_DATA_CONTRIBUTOR),
                roles.BUILT_IN_NAMES[roles.STORAGE_QUEUE_DATA_CONTRIBUTOR],
            )
        )
    for scope, definition, label in grants:
        principal = ctx.principal
        name = (
            roles.assignment_name(scope, principal, definition)
            if principal
            else f"new-{definition.rsplit('/', 1)[-1]}"
        )
        parts.append(
            Part(
                PartKind.ROLE_ASSIGNMENT,
                f"{label} on {_short(scope)} for {principal_scope}",
                f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}",
                {
                    "roleDefinitionId": definition,
                    "principalId": principal or KNOWN_AFTER,
                    "scope": scope,
                },
                tagged=False,
            )
        )
    return parts


def _short(scope: str) -> str:
    """`/subscriptions/x/resourceGroups/rg` -> `resource group rg`, and so on."""
    parts = scope.strip("/").split("/")
    if len(parts) == 2:
        return "the subscription"
    if len(parts) == 4:
        return f"resource group {parts[3]}"
    kind = {"storageAccounts": "storage account"}.get(parts[-2], parts[-2])
    return f"{kind} {parts[-1]}"


def _group_part(ctx: Context) -> Part:
    names = ctx.names
    return Part(
        PartKind.RESOURCE_GROUP,
        names.resource_group,
        names.group_scope,
        {"location": names.location, "tags": _tags(ctx)},
    )


def parts(ctx: Context) -> list[Part]:
    """Every part of the scheduler for `ctx.host`, in the order deploy makes them."""
    if ctx.host == "automation":
        from azlab.scheduler.automation import automation_parts

        storage = [p for p in _storage_parts(ctx) if p.kind is not PartKind.QUEUE]
        return [
            _group_part(ctx),
            *storage,
            *automation_parts(ctx),
            *role_parts(ctx, f"account {ctx.names.automation_account}", queue=False),
        ]
    return [
        _group_part(ctx),
        *_storage_parts(ctx),
        *_site_parts(ctx),
        *role_parts(ctx, f"app {ctx.names.site}"),
    ]


def settings_to_send(desired: Mapping[str, str], existing: Mapping[str, Any]) -> dict[str, str]:
    """The whole settings set to PUT: deploy's own over what is there (others' are kept)."""
    merged = {str(k): str(v) for k, v in existing.items()}
    merged.update({k: v for k, v in desired.items() if v != KNOWN_AFTER})
    return merged
