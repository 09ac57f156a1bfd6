"""A tick over 1,000 VMs in 50 groups of two tiers, against Azure's published throttling.

Run: .venv/bin/python -m benchmarks.tick_bench
The sandbox runs in its own process (latency 20 ms, power operations 1 s,
throttling `azure`). The lower bound of a tick is the larger of its critical
path (two tiers, one operation each) and the time ARM's per-identity write
bucket (200, refilled 10/s) allows for 1,000 actions. The baseline, in the
same run, is the classic runbook loop: each VM in turn, waiting for it.
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from azlab.azure.session import AzureSession, Target
from azlab.plan import load_plan
from azlab.power import tick as ticking
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.reconcile_bench import apply
from benchmarks.sandbox_process import sandbox_process

VMS, GROUPS, CLASSIC = 1000, 50, 50
EVENING = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # Monday 18:05 in Los Angeles
MORNING = EVENING + timedelta(hours=14)  # Tuesday 08:05
os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


async def run_tick(
    path: Path, at: datetime, control: object
) -> tuple[ticking.TickReport, int, int]:
    plan = load_plan(path, require_env=True).plan
    peak_threads = threading.active_count()
    async with AzureSession(Target.from_env(plan.subscription)) as session:
        before = control.request_count()  # type: ignore[attr-defined]
        wants, reasons = ticking.group_wants(plan, at)
        task = asyncio.create_task(
            ticking.enforce(session, plan, wants, reasons, at, poll_interval=2.0, retry_delay=5.0)
        )
        while not task.done():
            peak_threads = max(peak_threads, threading.active_count())
            await asyncio.sleep(0.2)
        report = task.result()
        reads = sum(
            1
            for r in control.requests(before)  # type: ignore[attr-defined]
            if r["method"] == "GET"
        )
    return report, reads, peak_threads


async def classic(path: Path, names: list[str]) -> float:
    plan = load_plan(path, require_env=True).plan
    async with AzureSession(Target.from_env(plan.subscription)) as session:
        start = time.perf_counter()
        for name in names:  # the runbook loop: one VM at a time, waiting for each
            poller = await session.compute.virtual_machines.begin_start(plan.resource_group, name)
            await poller.result()
        return time.perf_counter() - start


def main() -> None:
    path = write_synthetic_plan(
        Path(tempfile.mkdtemp()) / "ticks.yaml", VMS, groups=GROUPS, name="ticks"
    )
    with sandbox_process(op_time="0s", throttle="off", page_size=1000) as (_, control):
        asyncio.run(apply(path))
        control.settings(latency="20ms", op_time="1s", throttle="azure")
        evening, reads, threads = asyncio.run(run_tick(path, EVENING, control))
        assert evening.ok, [r for r in evening.results.values() if r.result != "done"][:3]
        control.settings(throttle="off")  # the baseline is not throttled: that only favours it
        names = [f"vm{n:04d}" for n in range(CLASSIC)]
        loop_seconds = asyncio.run(classic(path, names))
        control.settings(throttle="azure")
        time.sleep(25)  # let the write bucket refill before the next measured tick
        morning, m_reads, m_threads = asyncio.run(run_tick(path, MORNING, control))
        assert morning.ok

    bound = max(2 * 1.04, (VMS - 200) / 10)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"tick over {VMS} VMs in {GROUPS} groups of two tiers (latency 20 ms, power operation 1 s, "
        "throttling azure):"
    )
    for label, report, n_reads, n_threads in (
        ("evening (deallocate all)", evening, reads, threads),
        ("morning (start all)", morning, m_reads, m_threads),
    ):
        print(
            f"  {label}: {report.seconds:.1f}s = {report.seconds / bound:.2f}x the lower bound "
            f"({bound:.0f}s); {report.actions_sent} actions, {report.throttled} answers of 429, "
            f"{n_reads} ARM reads in {report.list_rounds} list rounds, peak {n_threads} threads"
        )
    print(f"  peak memory of the process: {peak_mb:.0f} MiB")
    per_vm_classic = loop_seconds / CLASSIC
    per_vm_azlab = evening.seconds / VMS
    print(
        f"classic runbook loop, {CLASSIC} VMs one at a time: {loop_seconds:.1f}s "
        f"({per_vm_classic:.2f}s per VM); azlab: {per_vm_azlab:.3f}s per VM, "
        f"{per_vm_classic / per_vm_azlab:.0f}x faster"
    )


if __name__ == "__main__":
    main()
