"""A StorageV2 account (TLS 1.2, no public blob access)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Key, Kind, Observed
from azlab.plan.model import StorageAccount
from azlab.resources.base import Handler, Json, VmSecrets, ignore_missing, put, tags_of

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
