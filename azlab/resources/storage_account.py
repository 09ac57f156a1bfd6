"""A StorageV2 account (TLS 1.2, no public blob access)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.model import StorageAccount
from azlab.resources.base import (
    Handler,
    Json,
    PlanEntry,
    VmSecrets,
    ignore_missing,
    put,
    tags_of,
)

PROVIDER = "Microsoft.Storage/storageAccounts"


class Props(TypedDict):
    location: str
    sku: str


def desired(
    account: StorageAccount,
    location: str,
    tags: Mapping[str, str],
    depends_on: tuple[Key, ...],
    source: str | None,
) -> Desired:
    return Desired(
        Kind.STORAGE_ACCOUNT,
        account.name,
        Props(location=location, sku=account.sku),
        tags=tags,
        depends_on=depends_on,
        create_only=frozenset({"location"}),
        source=source,
    )


def observed(item: Mapping[str, Any]) -> Observed:
    props = Props(location=item.get("location", ""), sku=item.get("sku", {}).get("name"))
    return Observed(Kind.STORAGE_ACCOUNT, item["name"], props, tags_of(item))


def to_plan(item: Mapping[str, Any], containers: list[str], location: str) -> PlanEntry:
    """The plan's `storage_accounts` entry; `location`: the plan's."""
    props = cast(Props, observed(item).props)
    fields: Json = {"name": item["name"]}
    if props["sku"] != "Standard_LRS":
        fields["sku"] = props["sku"]
    if props["location"].lower() != location.lower():
        fields["location"] = props["location"]
    if containers:
        fields["containers"] = sorted(containers)
    notes = []
    if str(item.get("kind", "StorageV2")) != "StorageV2":
        notes.append(f"kind {item.get('kind')}: azlab creates StorageV2, so never rebuild it")
    return PlanEntry(fields, tuple(notes))


def body(props: Props, tags: Mapping[str, str]) -> Json:
    return {
        "location": props["location"],
        "tags": dict(tags),
        "sku": {"name": props["sku"]},
        "kind": "StorageV2",
        "properties": {"minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False},
    }


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    request = body(cast(Props, want.props), want.tags)
    await put(session, session.storage.storage_accounts.begin_create, rg, want.name, request)


async def delete(session: AzureSession, rg: str, name: str) -> None:
    await ignore_missing(session.storage.storage_accounts.delete(rg, name))


HANDLER = Handler(
    Kind.STORAGE_ACCOUNT,
    observed,
    create,
    delete,
    lister=lambda session, rg: session.storage.storage_accounts.list_by_resource_group(rg),
)
