"""`azlab import` of a 500-VM resource group: ARM requests and seconds.

Run: .venv/bin/python -m benchmarks.import_bench [--quick]
The group is built by applying a synthetic plan (a data disk per VM) into a sandbox
of the big-lab mode (no state file); then, in this process, the import is timed
against the baseline of the same run: a no-op `plan` of the same group, which reads
it through the same observe layer. An import adds three list calls (every resource
of the group, its DevTest Labs schedules, the subscription's vNets) and the plan's
building and validation.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from azlab.azure.session import AzureSession, Target
from azlab.importer.build import Options
from azlab.importer.run import ImportReport, import_group, validated
from azlab.plan import load_plan
from azlab.reconcile import engine
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.common import note, summary
from benchmarks.reconcile_bench import QUIET, apply
from benchmarks.sandbox_process import sandbox_process

os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


async def timed_import(rg: str, control: Any) -> tuple[float, int, ImportReport]:
    async with AzureSession(Target.from_env(None)) as session:
        control.clear_requests()
        start = time.perf_counter()
        report = await import_group(session, rg, Options("big", "${AZURE_SUBSCRIPTION_ID}"))
        elapsed = time.perf_counter() - start
        return elapsed, control.request_count(), report


async def timed_noop(path: Path, control: Any) -> tuple[float, int]:
    loaded = load_plan(path, require_env=True)
    async with AzureSession(Target.from_env(loaded.plan.subscription)) as session:
        control.clear_requests()
        start = time.perf_counter()
        view = await engine.preview(session, loaded.plan)
        elapsed = time.perf_counter() - start
        assert not view.pending, view.pending[:3]
        return elapsed, control.request_count()


def measure(quick: bool = False) -> dict[str, Any]:
    vms = 100 if quick else 500
    rounds = 3 if quick else 5
    tmp = Path(tempfile.mkdtemp())
    plan = write_synthetic_plan(
        tmp / "big.yaml", vms, groups=vms // 10, name="big", data_disks=True
    )
    result: dict[str, Any] = {"settings": {**QUIET, "storage": "off", "vms": vms, "rounds": rounds}}
    with sandbox_process(storage=False, persist=False, **QUIET) as (_, control):
        note(f"import: building a {vms}-VM resource group")
        asyncio.run(apply(plan))
        imports, noops = [], []
        for n in range(rounds):
            note(f"import: round {n + 1} of {rounds}")
            noop_s, noop_requests = asyncio.run(timed_noop(plan, control))
            noops.append(noop_s)
            elapsed, requests, report = asyncio.run(timed_import("rg-big", control))
            imports.append(elapsed)
        written = tmp / "imported.yaml"
        written.write_text(report.text)
        start = time.perf_counter()
        validated(report, written)
        validate_s = time.perf_counter() - start
    errors = [f for f in report.findings if f.severity == "error"]
    result.update(
        import_s=summary(imports),
        noop_s=summary(noops),
        requests=requests,
        noop_requests=noop_requests,
        imported_vms=report.counts["vms"],
        validate_s=validate_s,
        validate_errors=len(errors),
        plan_bytes=len(report.text.encode()),
    )
    result["ratio"] = result["import_s"]["median"] / result["noop_s"]["median"]
    return result


def describe(result: dict[str, Any]) -> list[str]:
    s = result["settings"]
    return [
        f"import of a {s['vms']}-VM resource group (latency {s['latency']}, page size "
        f"{s['page_size']}):",
        f"  {result['requests']} ARM requests (a no-op plan of it: {result['noop_requests']})",
        f"  median {result['import_s']['median']:.2f}s of {s['rounds']} runs "
        f"({result['import_s']['min']:.2f}s to {result['import_s']['max']:.2f}s); "
        f"no-op plan {result['noop_s']['median']:.2f}s: {result['ratio']:.2f}x",
        f"  {result['imported_vms']} VMs imported, {result['plan_bytes']:,} bytes of YAML, "
        f"validated in {result['validate_s']:.2f}s with {result['validate_errors']} error(s)",
    ]


def main() -> None:
    print("\n".join(describe(measure(quick="--quick" in sys.argv))))


if __name__ == "__main__":
    main()
