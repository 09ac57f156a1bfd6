"""The example plan with other notification channels, written where a test wants it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from azlab.plan import load_plan
from azlab.plan.model import Plan

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"


def write_plan_with(channels: list[dict[str, Any]], path: Path) -> Path:
    lines = LYNC.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("notify:"))
    # JSON is YAML's flow style: the channels replace the example's one-line list.
    lines[at : at + 2] = [f"notify: {json.dumps(channels)}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def plan_with(channels: list[dict[str, Any]]) -> Plan:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = write_plan_with(channels, Path(folder) / "lynclab.yaml")
        env = {
            "LAB_ADMIN_PASSWORD": "x",
            "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
        }
        return load_plan(path, env=env).plan
