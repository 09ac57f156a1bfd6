"""What every resource kind provides, so the registry can treat them alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.azure.observe import as_json
from azlab.azure.session import AzureSession
from azlab.model import Desired, Kind, Observed

__all__ = [
    "Handler",
    "Json",
    "PlanEntry",
    "VmSecrets",
    "as_json",
    "ignore_missing",
    "sub_id",
    "tags_of",
    "wait",
]

# A resource as Azure's REST API writes it.
Json = dict[str, Any]


@dataclass(frozen=True)
class VmSecrets:
    """How a VM's administrator signs in; never printed."""

    password: str | None = None
    ssh_public_key: str | None = None

    def __repr__(self) -> str:
        return "VmSecrets(<redacted>)"


@dataclass(frozen=True)
class PlanEntry:
    """A resource read back into plan fields (`azlab import`): the inverse of `desired`, and
    what the plan cannot say about it, each note naming why azlab leaves that part alone."""

    fields: Json
    notes: tuple[str, ...] = ()


Lister = Callable[[AzureSession, str], AsyncIterator[Any]]
# The SDK's `begin_*` methods: (resource group, name[, body], polling=...) -> a poller.
Begin = Callable[..., Awaitable[Any]]
BeginDelete = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Handler:
    """One kind's calls: how to list, read, write and delete it."""

    kind: Kind
    # REST JSON -> observed resource, or None when the item is not this kind's (an OS disk).
    observed: Callable[[Mapping[str, Any]], Observed | None]
    create: Callable[[AzureSession, str, Desired, VmSecrets], Awaitable[None]]
    delete: Callable[[AzureSession, str, str], Awaitable[None]]
    # The one list call per resource group; None when observe reads the kind another way.
    lister: Lister | None = None


async def wait(begin: Awaitable[Any]) -> Any:
    """Start a long-running operation and wait for its outcome."""
    poller = await begin
    return await poller.result()


async def put(session: AzureSession, begin: Begin, rg: str, name: str, request: Json) -> None:
    """Send a PUT or PATCH (`begin` is the SDK's `begin_create_or_update`, `begin_update`, ...)
    and wait for its outcome."""
    await wait(begin(rg, name, request, polling=session.outcome_polling()))


async def remove(session: AzureSession, begin_delete: BeginDelete, rg: str, name: str) -> None:
    """Delete and wait; a resource already gone counts as deleted."""
    await ignore_missing(wait(begin_delete(rg, name, polling=session.outcome_polling())))


async def ignore_missing(call: Awaitable[Any]) -> None:
    """A resource already gone counts as deleted."""
    try:
        await call
    except ResourceNotFoundError:
        return


def tags_of(item: Mapping[str, Any]) -> dict[str, str]:
    return dict(item.get("tags") or {})


def sub_id(session: AzureSession, rg: str, provider: str, name: str) -> dict[str, str]:
    """An `{"id": ...}` reference to another resource in the group."""
    return {"id": session.resource_id(rg, f"{provider}/{name}")}
