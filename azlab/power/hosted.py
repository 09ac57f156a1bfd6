"""What the hosted adapters (Azure Functions, Automation) call: load the plan, tick once.

All logic lives in azlab; this only finds the plan (a file deployed with the
host, or a blob URL in the `AZLAB_PLAN_URL` setting read with the host's
managed identity) and turns the report into data for the host's log.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from azlab.azure.session import Target
from azlab.plan import load_plan
from azlab.power import tick as ticking

# Deploy the plan next to the host script (plan.yaml in the working folder) or name it.
DEFAULT_PLAN = Path("plan.yaml")


def _plan_path(env: dict[str, str]) -> Path:
    url = env.get("AZLAB_PLAN_URL")
    if not url:
        return Path(env.get("AZLAB_PLAN_FILE", str(DEFAULT_PLAN)))
    from azure.identity import DefaultAzureCredential
    from azure.storage.blob import BlobClient

    blob = BlobClient.from_blob_url(url, credential=DefaultAzureCredential())
    target = Path(tempfile.mkdtemp()) / "plan.yaml"
    target.write_bytes(blob.download_blob().readall())
    return target


def run_tick(now: datetime | None = None, env: dict[str, str] | None = None) -> dict[str, Any]:
    """One tick at `now` (default: the current time); the report as a dict."""
    env = dict(os.environ) if env is None else env
    loaded = load_plan(_plan_path(env), env=env)
    plan = loaded.plan
    at = now or datetime.now(timezone.utc)

    # A Functions timer run is capped at 10 minutes on the consumption plan.
    deadline = float(env.get("AZLAB_TICK_DEADLINE_SECONDS", "480"))
    target = Target.from_env(plan.subscription, env=env)
    report = asyncio.run(ticking.tick_plan(plan, target, at, deadline_seconds=deadline))
    return {
        "at": at.isoformat(),
        "ok": report.ok,
        "wants": report.wants,
        "results": {r.vm: r.result for r in report.results.values()},
        "skipped": report.skipped,
        "actions_sent": report.actions_sent,
    }
