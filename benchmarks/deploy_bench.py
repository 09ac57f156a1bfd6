"""`azlab scheduler deploy` of plans/lynclab.yaml: from empty, and again with nothing to do.

Run: .venv/bin/python -m benchmarks.deploy_bench [--repeats N]
The sandbox runs in its own process with the suite's settings (latency 20 ms, long-running
operations 1 s, Azure's throttling, Azurite for the queue and blobs). The lab is applied
first; each repeat then deploys the scheduler from nothing, deploys it again, and removes
it. ARM requests are the sandbox's request log (SandboxControl.requests()), which counts
the scm endpoint's zip deploy too; the data-plane calls to Azurite (queue, blob) are not
in it and are counted apart. The baseline, measured in the same run: one ARM read (GET of
the lab's resource group) and one long-running write (PUT of a storage account), so the
deploy can be read as so many round trips and operations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from azlab.azure.session import AzureSession, Target
from azlab.plan import load_plan
from azlab.scheduler import DeployOptions, deploy, remove
from benchmarks.common import ROOT, note, summary
from benchmarks.reconcile_bench import apply
from benchmarks.sandbox_process import sandbox_process

LYNC = ROOT / "plans" / "lynclab.yaml"
MEASURED = {"latency": "20ms", "op_time": "1s", "throttle": "azure"}


def _apply_lab() -> None:
    os.environ.setdefault("LAB_ADMIN_PASSWORD", "Benchmark-only-1")
    asyncio.run(apply(LYNC))


async def _baseline() -> dict[str, float]:
    """One ARM read and one long-running write, each timed alone."""
    target = Target.from_env()
    reads, writes = [], []
    async with AzureSession(target) as session:
        for index in range(5):
            began = time.monotonic()
            await session.resource.resource_groups.get("rg-lynclab-wus2")
            reads.append(time.monotonic() - began)
            began = time.monotonic()
            poller = await session.storage.storage_accounts.begin_create(
                "rg-lynclab-wus2",
                f"stbaseline{index:02d}",
                {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
                polling=session.polling(),
            )
            await poller.result()
            writes.append(time.monotonic() - began)
            await session.storage.storage_accounts.delete(
                "rg-lynclab-wus2", f"stbaseline{index:02d}"
            )
    return {"read": statistics.median(reads), "lro_write": statistics.median(writes)}


async def _measure(control: Any) -> dict[str, Any]:
    loaded = load_plan(LYNC)
    target = Target.from_env(loaded.plan.subscription)
    figures: dict[str, Any] = {}
    async with AzureSession(target) as session:
        for phase in ("first", "again"):
            before = control.request_count()
            began = time.monotonic()
            report = await deploy(session, loaded, DeployOptions())
            seconds = time.monotonic() - began
            requests = control.requests(since=before)
            figures[phase] = {
                "seconds": seconds,
                "arm_requests": len(requests),
                "puts_posts": sum(1 for r in requests if r["method"] in ("PUT", "POST", "PATCH")),
                "changes": len(report.pending),
                "sent": len(report.sent),
            }
        before = control.request_count()
        began = time.monotonic()
        await remove(session, loaded, DeployOptions())
        figures["remove"] = {
            "seconds": time.monotonic() - began,
            "arm_requests": len(control.requests(since=before)),
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--output", type=Path, default=ROOT / "benchmarks" / "results" / "deploy.json"
    )
    args = parser.parse_args()
    with sandbox_process(**MEASURED) as (_env, control):
        note("applying plans/lynclab.yaml")
        _apply_lab()
        base = asyncio.run(_baseline())
        runs = []
        for repeat in range(args.repeats):
            note(f"deploy, deploy again, remove ({repeat + 1}/{args.repeats})")
            runs.append(asyncio.run(_measure(control)))
    result = {
        "settings": MEASURED,
        "baseline_seconds": base,
        "first_seconds": summary([r["first"]["seconds"] for r in runs]),
        "again_seconds": summary([r["again"]["seconds"] for r in runs]),
        "remove_seconds": summary([r["remove"]["seconds"] for r in runs]),
        "runs": runs,
    }
    first = result["first_seconds"]["median"]
    again = result["again_seconds"]["median"]
    result["first_in_lro_writes"] = first / base["lro_write"]
    result["again_in_reads"] = again / base["read"]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
