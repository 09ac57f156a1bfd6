"""The migration journal: every step recorded before and after it runs.

It is written to a local file first (atomically) and then copied to a blob
in the destination storage account, so a run killed at any moment can be
finished with `--resume`, here or on another machine.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from azlab.copy.run import state_dir
from azlab.migrate.model import Destination, VmMove

# Beside the VHDs, in the container the plan declares, so no extra container appears
# as an orphan of the plan.
JOURNAL_PREFIX = "azlab-migrations/"

Uploader = Callable[[str, bytes], Awaitable[None]]


def journal_name(plan_name: str, vms: list[str]) -> str:
    """One journal per plan and set of VMs: the same command finds the same journal."""
    names = ",".join(sorted(v.lower() for v in vms))
    digest = hashlib.sha256(names.encode()).hexdigest()[:12]
    label = names if len(names) <= 40 else f"{len(vms)}-vms"
    return f"{plan_name}-{label.replace(',', '+')}-{digest}.json"


def local_path(name: str) -> Path:
    return state_dir() / "migrations" / name


@dataclass
class Journal:
    plan_path: str
    plan_name: str
    resource_group: str
    destination: Destination
    vms: list[VmMove]
    cleanup_source: bool = False
    write_plan: bool = True
    # Batch steps after every VM's own: "write-plan".
    steps: dict[str, str] = field(default_factory=dict)
    name: str = ""
    _upload: Uploader | None = field(default=None, repr=False, compare=False)

    def bind(self, upload: Uploader | None) -> None:
        self._upload = upload

    def as_json(self) -> dict[str, Any]:
        return {
            "version": 1,
            "plan_path": self.plan_path,
            "plan_name": self.plan_name,
            "resource_group": self.resource_group,
            "destination": asdict(self.destination),
            "cleanup_source": self.cleanup_source,
            "write_plan": self.write_plan,
            "steps": self.steps,
            "vms": [vm.as_json() for vm in self.vms],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], name: str) -> Journal:
        return cls(
            plan_path=data["plan_path"],
            plan_name=data["plan_name"],
            resource_group=data["resource_group"],
            destination=Destination(**data["destination"]),
            vms=[VmMove.from_json(dict(v)) for v in data["vms"]],
            cleanup_source=bool(data.get("cleanup_source")),
            write_plan=bool(data.get("write_plan", True)),
            steps=dict(data.get("steps") or {}),
            name=name,
        )

    @property
    def finished(self) -> bool:
        return self.steps.get("finished") == "done"

    async def save(self) -> None:
        body = json.dumps(self.as_json(), indent=1).encode()
        path = local_path(self.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        if self._upload is not None:
            await self._upload(self.name, body)


def load_local(name: str) -> Journal | None:
    try:
        data = json.loads(local_path(name).read_text())
    except (OSError, ValueError):
        return None
    return Journal.from_json(data, name)
