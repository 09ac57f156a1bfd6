"""Reading and sending the Automation account's parts (`--host automation`)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from azlab import __version__
from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.scheduler.automation import (
    PACKAGE,
    RUNBOOK,
    SCHEDULE,
    runbook_settings,
    runbook_text,
)
from azlab.scheduler.desired import Context
from azlab.scheduler.model import Part, PartKind
from azlab.scheduler.names import SCHEDULER_TAG, Names
from azlab.scheduler.observe import Observed, get_or_none
from azlab.scheduler.storage import DataPlane
from azlab.scheduler.wheel import wheel_name

# Automation refuses a schedule starting sooner than 5 minutes after it is made.
SCHEDULE_LEAD = timedelta(minutes=10)


def _tags(data: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (data.get("tags") or {}).items()}


async def observe_automation(
    session: AzureSession, names: Names, plan: str, by_kind: dict[PartKind, Part], seen: Observed
) -> None:
    client, rg, account = session.automation, names.resource_group, names.automation_account
    found = await get_or_none(
        f"automation account {account}", lambda: client.automation_account.get(rg, account)
    )
    if found is None:
        return
    data = found.as_dict()
    tags = _tags(data)
    owned = tags.get(SCHEDULER_TAG) == plan
    identity = data.get("identity") or {}
    seen.add(
        by_kind[PartKind.AUTOMATION_ACCOUNT],
        {
            "location": data.get("location"),
            "sku": ((data.get("properties") or {}).get("sku") or {}).get("name"),
            "identity": identity.get("type"),
            "tags": tags,
        },
        owned,
    )
    seen.principal = identity.get("principalId")
    if not owned:
        return
    package = await get_or_none(
        f"python package {PACKAGE}", lambda: client.python3_package.get(rg, account, PACKAGE)
    )
    if package is not None:
        seen.add(by_kind[PartKind.PYTHON_PACKAGE], {"tags": _tags(package.as_dict())}, True)
    runbook = await get_or_none(
        f"runbook {RUNBOOK}", lambda: client.runbook.get(rg, account, RUNBOOK)
    )
    if runbook is not None:
        data = runbook.as_dict()
        props = data.get("properties") or {}
        seen.add(
            by_kind[PartKind.RUNBOOK],
            {
                "runbookType": props.get("runbookType"),
                "state": props.get("state"),
                "tags": _tags(data),
            },
            True,
        )
    schedule = await get_or_none(
        f"schedule {SCHEDULE}", lambda: client.schedule.get(rg, account, SCHEDULE)
    )
    if schedule is not None:
        props = schedule.as_dict().get("properties") or {}
        seen.add(
            by_kind[PartKind.SCHEDULE],
            {"frequency": props.get("frequency"), "interval": props.get("interval")},
            True,
        )
    link = by_kind[PartKind.JOB_SCHEDULE]
    job_id = link.address.rsplit("/", 1)[-1]
    linked = await get_or_none(
        f"job schedule {link.name}", lambda: client.job_schedule.get(rg, account, job_id)
    )
    if linked is not None:
        seen.add(link, dict(link.props), True)


async def send_automation(
    session: AzureSession,
    ctx: Context,
    part: Part,
    seen: Observed,
    data: DataPlane | None,
    wheel: bytes,
) -> None:
    client, names = session.automation, ctx.names
    rg, account = names.resource_group, names.automation_account
    props = part.props
    with azure_errors(resource=f"{part.kind.label} {part.name}"):
        if part.kind is PartKind.AUTOMATION_ACCOUNT:
            made = await client.automation_account.create_or_update(
                rg,
                account,
                {
                    "location": props["location"],
                    "identity": {"type": props["identity"]},
                    "tags": dict(props["tags"]),
                    "properties": {"sku": {"name": props["sku"]}},
                },
            )
            seen.principal = (made.as_dict().get("identity") or {}).get("principalId")
        elif part.kind is PartKind.PYTHON_PACKAGE:
            assert data is not None
            url = await data.upload_wheel(wheel_name(), wheel)
            await client.python3_package.create_or_update(
                rg,
                account,
                PACKAGE,
                {
                    "tags": dict(props["tags"]),
                    "properties": {
                        "contentLink": {
                            "uri": url,
                            "version": __version__,
                            "contentHash": {"algorithm": "SHA256", "value": ctx.wheel_sha256},
                        }
                    },
                },
            )
        elif part.kind is PartKind.RUNBOOK:
            settings = runbook_settings(ctx)
            assert settings is not None
            await client.runbook.create_or_update(
                rg,
                account,
                RUNBOOK,
                {
                    "location": names.location,
                    "tags": dict(props["tags"]),
                    "properties": {"runbookType": "Python3", "logProgress": False},
                },
            )
            text = runbook_text(ctx.runbook_source, settings)
            poller = await client.runbook_draft.begin_replace_content(
                rg, account, RUNBOOK, text, polling=session.polling()
            )
            await poller.result()
            published = await client.runbook.begin_publish(
                rg, account, RUNBOOK, polling=session.polling()
            )
            await published.result()
        elif part.kind is PartKind.SCHEDULE:
            if part.address.lower() in seen.found:
                # A schedule cannot be changed in place; its job schedule goes with it.
                await client.schedule.delete(rg, account, SCHEDULE)
                for address in [a for a in seen.found if "/jobschedules/" in a]:
                    del seen.found[address]
            start = datetime.now(timezone.utc) + SCHEDULE_LEAD
            await client.schedule.create_or_update(
                rg,
                account,
                SCHEDULE,
                {
                    "name": SCHEDULE,
                    "properties": {
                        "startTime": start.isoformat(),
                        "frequency": props["frequency"],
                        "interval": props["interval"],
                    },
                },
            )
        elif part.kind is PartKind.JOB_SCHEDULE:
            job_id = part.address.rsplit("/", 1)[-1]
            await client.job_schedule.create(
                rg,
                account,
                job_id,
                {
                    "properties": {
                        "runbook": {"name": props["runbook"]},
                        "schedule": {"name": props["schedule"]},
                    }
                },
            )
    seen.add(part, dict(part.props), True)
