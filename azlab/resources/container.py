"""A blob container, named `ACCOUNT/CONTAINER`; it has no properties azlab sets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from azlab.azure.session import AzureSession
from azlab.model import Desired, Kind, Observed
from azlab.resources.base import Handler, Json, VmSecrets, ignore_missing


class Props(TypedDict):
    pass


def desired(account: str, container: str, source: str | None) -> Desired:
    return Desired(
        Kind.CONTAINER,
        f"{account}/{container}",
        Props(),
        depends_on=((Kind.STORAGE_ACCOUNT, account.lower()),),
        source=source,
    )


def observed_in(account: Mapping[str, Any], item: Mapping[str, Any]) -> Observed:
    # Containers have no tags of their own: they belong to whoever owns the account.
    tags = dict(account.get("tags") or {})
    return Observed(Kind.CONTAINER, f"{account['name']}/{item['name']}", Props(), tags)


def observed(item: Mapping[str, Any]) -> Observed:
    account, _, _ = str(item.get("id", "")).partition("/blobServices/")
    return observed_in({"name": account.rsplit("/", 1)[-1]}, item)


def body(props: Props) -> Json:
    return {"properties": {}}


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    account, _, container = want.name.partition("/")
    await session.storage.blob_containers.create(rg, account, container, body(Props()))


async def delete(session: AzureSession, rg: str, name: str) -> None:
    account, _, container = name.partition("/")
    await ignore_missing(session.storage.blob_containers.delete(rg, account, container))


HANDLER = Handler(Kind.CONTAINER, observed, create, delete)
