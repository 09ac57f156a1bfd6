"""Import end to end: read the group, build the plan, write it, validate what was written."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path

from azlab.azure.session import AzureSession
from azlab.importer.build import Imported, Options, build
from azlab.importer.read import read_inventory
from azlab.importer.write import plan_yaml
from azlab.plan import check_plan
from azlab.plan.findings import Finding


@dataclass
class ImportReport:
    imported: Imported
    text: str
    counts: dict[str, int] = field(default_factory=dict)
    # validate's findings on the written plan (AZL103: a VM no schedule stops, ...).
    findings: list[Finding] = field(default_factory=list)


async def import_group(
    session: AzureSession, resource_group: str, options: Options
) -> ImportReport:
    inventory = await read_inventory(session, resource_group)
    # Prices are read by blocking HTTP (and cached): off the event loop.
    imported = await asyncio.to_thread(build, inventory, options)
    header = [
        f"Imported by `azlab import` from resource group {resource_group}.",
        "Review it, then `azlab plan FILE --adopt` and `azlab apply FILE --adopt`.",
    ]
    text = plan_yaml(imported, header)
    plan = imported.plan
    counts = {
        "networks": len(plan.get("networks", [])),
        "storage_accounts": len(plan.get("storage_accounts", [])),
        "schedules": len(plan.get("schedules", [])),
        "groups": len(plan.get("groups", [])),
        "vms": sum(len(g["vms"]) for g in plan.get("groups", [])),
        "unmanaged": len(imported.unmanaged),
    }
    return ImportReport(imported, text, counts)


def validated(report: ImportReport, path: Path, shown_as: str | None = None) -> ImportReport:
    """`azlab validate` on the file as written: an import must produce a plan it accepts."""
    found = check_plan(path)
    report.findings = [replace(f, path=shown_as) for f in found] if shown_as else found
    return report
