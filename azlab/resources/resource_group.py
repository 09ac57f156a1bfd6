"""The resource group every other resource lives in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict, cast

from azlab.azure.session import AzureSession
from azlab.model import Desired, Kind, Observed
from azlab.plan.model import Plan
from azlab.resources.base import Handler, Json, VmSecrets, ignore_missing, tags_of, wait


class Props(TypedDict):
    location: str


def desired(plan: Plan, tags: Mapping[str, str]) -> Desired:
    return Desired(
        Kind.RESOURCE_GROUP,
        plan.resource_group,
        Props(location=plan.location),
        tags=tags,
        create_only=frozenset({"location"}),
    )


def observed(item: Mapping[str, Any]) -> Observed:
    props = Props(location=item.get("location", ""))
    return Observed(Kind.RESOURCE_GROUP, item["name"], props, tags_of(item))


def body(props: Props, tags: Mapping[str, str]) -> Json:
    return {"location": props["location"], "tags": dict(tags)}


async def create(session: AzureSession, rg: str, want: Desired, secrets: VmSecrets) -> None:
    props = cast(Props, want.props)
    await session.resource.resource_groups.create_or_update(want.name, body(props, want.tags))


async def delete(session: AzureSession, rg: str, name: str) -> None:
    groups = session.resource.resource_groups
    await ignore_missing(wait(groups.begin_delete(name, polling=session.outcome_polling())))


HANDLER = Handler(Kind.RESOURCE_GROUP, observed, create, delete)
