"""A storage account as the data plane needs it: where it is, its blob endpoint, a key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azlab.azure.busy import resend_if_dropped
from azlab.azure.session import AzureSession


@dataclass(frozen=True)
class Account:
    name: str
    resource_group: str
    id: str
    blob_endpoint: str  # as Azure gives it, with a trailing slash


def _account(item: Any) -> Account:
    return Account(
        name=str(item.name),
        resource_group=str(item.id).split("/")[4],
        id=str(item.id),
        blob_endpoint=str(item.primary_endpoints.blob),
    )


async def find_account(session: AzureSession, name: str) -> Account | None:
    """The subscription's account called `name`, from one paged list; None if there is none."""
    async for candidate in session.storage.storage_accounts.list():
        if str(candidate.name).lower() == name.lower():
            return _account(candidate)
    return None


async def get_account(session: AzureSession, resource_group: str, name: str) -> Account:
    return _account(await session.storage.storage_accounts.get_properties(resource_group, name))


async def account_key(session: AzureSession, resource_group: str, name: str) -> str:
    """The account's first key (list keys is a POST, safe to send again if dropped)."""
    keys = await resend_if_dropped(
        lambda: session.storage.storage_accounts.list_keys(resource_group, name)
    )
    return str(keys.as_dict()["keys"][0]["value"])


async def blob_access(session: AzureSession, resource_group: str, name: str) -> tuple[str, str]:
    """The account's blob endpoint and a key to it."""
    key = await account_key(session, resource_group, name)
    return (await get_account(session, resource_group, name)).blob_endpoint, key
