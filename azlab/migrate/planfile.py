"""After a migration the plan says where the VM now is: region, subnet, address, disks.

The file is edited in place with a round-trip YAML parser, so its comments,
order, quoting and flow style stay as the user wrote them; only the moved
VMs' entries change. The typed plan gets the same edit for the rebuild.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from azlab.errors import PlanError
from azlab.migrate.model import VmMove
from azlab.plan.model import Plan


@dataclass(frozen=True)
class VmEdit:
    name: str
    location: str | None  # None: the VM takes its group's (or the plan's) region
    subnet: str
    private_ip: str | None
    os_disk: str
    data_disks: dict[int, str]  # lun -> managed disk name


def edit_for(plan: Plan, move: VmMove, location: str, subnet: str) -> VmEdit:
    group = next(g for g in plan.groups if g.name == move.group)
    inherited = (group.location or plan.location).lower()
    return VmEdit(
        name=move.name,
        location=None if inherited == location.lower() else location,
        subnet=subnet,
        private_ip=move.private_ip,
        os_disk=move.os_disk.target,
        data_disks={d.lun or 0: d.target for d in move.data_disks},
    )


def moved_plan(plan: Plan, edits: list[VmEdit]) -> Plan:
    """A copy of the typed plan with the edits made (the plan's models are frozen)."""
    data = plan.model_dump()
    by_name = {e.name.lower(): e for e in edits}
    for group in data["groups"]:
        for vm in group["vms"]:
            edit = by_name.get(vm["name"].lower())
            if edit is None:
                continue
            vm.update(location=edit.location, subnet=edit.subnet, private_ip=edit.private_ip)
            vm["os_disk"]["name"] = edit.os_disk
            for disk in vm["data_disks"]:
                disk["name"] = edit.data_disks.get(disk["lun"], disk["name"])
    return type(plan).model_validate(data)


def _yaml() -> YAML:
    yaml = YAML()  # round-trip
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a user's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _set_after(node: CommentedMap, key: str, value: Any, after: str) -> None:
    """Set a key, placing a new one right after `after` so the entry still reads naturally."""
    if key in node:
        node[key] = value
        return
    keys = list(node.keys())
    position = keys.index(after) + 1 if after in keys else len(keys)
    node.insert(position, key, value)


def _edit_vm(vm: CommentedMap, edit: VmEdit) -> None:
    if edit.location is None:
        vm.pop("location", None)
    else:
        _set_after(vm, "location", edit.location, "subnet")
    vm["subnet"] = edit.subnet
    if edit.private_ip is None:
        vm.pop("private_ip", None)
    else:
        _set_after(vm, "private_ip", edit.private_ip, "location" if "location" in vm else "subnet")
    os_disk = vm.get("os_disk")
    if os_disk is None:
        os_disk = CommentedMap()
        os_disk.fa.set_flow_style()
        _set_after(vm, "os_disk", os_disk, "private_ip" if "private_ip" in vm else "subnet")
    os_disk["name"] = edit.os_disk
    for disk in vm.get("data_disks") or []:
        lun = int(disk.get("lun", -1))
        if lun in edit.data_disks:
            disk["name"] = edit.data_disks[lun]


def rewrite_text(text: str, edits: list[VmEdit], *, path: str = "plan") -> str:
    yaml = _yaml()
    document = yaml.load(text)
    wanted = {e.name.lower(): e for e in edits}
    for group in document.get("groups") or []:
        for vm in group.get("vms") or []:
            edit = wanted.pop(str(vm.get("name", "")).lower(), None)
            if edit is not None:
                _edit_vm(vm, edit)
    if wanted:
        raise PlanError(f"{path}: no entry for vm {', '.join(sorted(wanted))} to rewrite")
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def rewrite_file(path: Path, edits: list[VmEdit]) -> None:
    """Rewrite the plan atomically: a crash leaves the old file or the new one, never half."""
    new = rewrite_text(path.read_text(encoding="utf-8"), edits, path=str(path))
    tmp = path.with_name(f".{path.name}.azlab-tmp")
    tmp.write_text(new, encoding="utf-8")
    os.replace(tmp, path)
