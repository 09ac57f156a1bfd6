"""A tick over 1,000 VMs in 50 groups of two tiers, against Azure's published throttling.

Run: .venv/bin/python -m benchmarks.tick_bench [--per-vm] [--vms N] [--no-classic]
The sandbox runs in its own process (latency 20 ms, power operations 1 s,
throttling `azure`, control plane only). The tick goes through the batch API
(Microsoft.ComputeSchedule, 100 VMs a request) unless `--per-vm` turns it off;
the critical path is measured the same way. Baselines, measured in the same run:
  - the critical path: the tick of a 2-VM plan (one group, one VM per tier),
    stopping and starting it in turn, in a subscription of its own: two tiers
    of operation time plus polling, not a list of the big tick's VMs (a
    `list_all(statusOnly)` answers every VM of the subscription);
  - the classic runbook loop: VMs of their own resource group deallocated one
    at a time, waiting for each (throttling off, which only favours it),
    extrapolated to the big tick's VM count as the loop is sequential.
The lower bound of the big tick is the larger of the critical path and the time
ARM's per-identity write bucket (200, refilled 10/s) allows for its actions.
Each measured big tick runs in its own process (its peak memory is its own),
with a fresh write bucket, as after a quiet evening.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azlab.azure.session import AzureSession, Target
from azlab.plan import load_plan
from azlab.power import tick as ticking
from azlab.sandbox.control import SandboxControl
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.common import cpu_seconds, note, spread, summary
from benchmarks.isolated import run_isolated
from benchmarks.reconcile_bench import apply
from benchmarks.sandbox_process import sandbox_process

EVENING = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # Monday 18:05 in Los Angeles
MORNING = EVENING + timedelta(hours=14)  # Tuesday 08:05
WRITE_BUCKET, WRITE_REFILL = 200, 10.0  # ARM's published per-identity write limits
MEASURED = {"latency": "20ms", "op_time": "1s", "throttle": "azure"}
# The critical path's subscription: it holds only the 2-VM plan.
CRITICAL_PATH_SUBSCRIPTION = "00000000-0000-0000-0000-00000000c0de"
os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


def control_from_env() -> SandboxControl:
    return SandboxControl(os.environ["AZLAB_SANDBOX_CONTROL"], os.environ["AZLAB_CA_FILE"])


async def tick_once(path: str, at: str, sandbox_pid: int | None = None) -> dict[str, Any]:
    """One tick of the plan at `at` (ISO time) against the sandbox in the environment.

    With the sandbox's pid, the CPU it spent during the tick is reported too.
    """
    control = control_from_env()
    plan = load_plan(Path(path), require_env=True).plan
    moment = datetime.fromisoformat(at)
    peak_threads = threading.active_count()
    async with AzureSession(Target.from_env(plan.subscription)) as session:
        control.clear_requests()
        wants, reasons = ticking.group_wants(plan, moment)
        cpu, sandbox_cpu = cpu_seconds(), cpu_seconds(sandbox_pid) if sandbox_pid else 0.0
        task = asyncio.create_task(
            ticking.enforce(
                session, plan, wants, reasons, moment, poll_interval=2.0, retry_delay=5.0
            )
        )
        while not task.done():
            peak_threads = max(peak_threads, threading.active_count())
            await asyncio.sleep(0.2)
        report = task.result()
        cpu = cpu_seconds() - cpu
        sandbox_cpu = cpu_seconds(sandbox_pid) - sandbox_cpu if sandbox_pid else None
    logged = control.requests()
    failed = [r.vm for r in report.results.values() if r.result != "done"]
    acted = sum(1 for r in report.results.values() if r.result == "done")
    assert report.ok and acted, failed[:3]
    return {
        "seconds": report.seconds,
        "acted": acted,
        "tiers": len({s.tier for s in report.steps}),
        "actions": report.actions_sent,
        "writes": sum(1 for r in logged if r["method"] != "GET"),
        "batch_requests": report.batch_requests,
        "status_requests": report.status_requests,
        "fallbacks": len(report.fallbacks),
        "throttled": report.throttled,
        "requests": len(logged),
        "reads": sum(1 for r in logged if r["method"] == "GET"),
        "list_rounds": report.list_rounds,
        "threads": peak_threads,
        "client_cpu_s": cpu,
        "sandbox_cpu_s": sandbox_cpu,
    }


async def classic(path: Path, names: list[str]) -> float:
    plan = load_plan(path, require_env=True).plan
    async with AzureSession(Target.from_env(plan.subscription)) as session:
        start = time.perf_counter()
        for name in names:  # the runbook loop: one VM at a time, waiting for each
            poller = await session.compute.virtual_machines.begin_deallocate(
                plan.resource_group, name
            )
            await poller.result()
        return time.perf_counter() - start


@contextmanager
def own_subscription() -> Iterator[None]:
    """Work in the critical path's subscription (the environment's names the target)."""
    saved = os.environ["AZURE_SUBSCRIPTION_ID"]
    os.environ["AZURE_SUBSCRIPTION_ID"] = CRITICAL_PATH_SUBSCRIPTION
    try:
        yield
    finally:
        os.environ["AZURE_SUBSCRIPTION_ID"] = saved


def drop_history(control: SandboxControl) -> None:
    """Forget the sandbox's finished operations, keeping every resource and power state.

    The sandbox keeps every operation it ever ran and scans them for each VM
    of a `statusOnly` list; Azure's lists do not slow down with history, so a
    measured step starts with none.
    """
    control.restore(control.snapshot())


def fresh_bucket(control: SandboxControl) -> None:
    # Turning throttling off and on again starts full buckets, as after a quiet period.
    control.settings(throttle="off")
    control.settings(throttle="azure")


def measure(
    quick: bool = False, vms: int | None = None, batch: bool = True, classic_loop: bool = True
) -> dict[str, Any]:
    os.environ["AZLAB_BATCH_POWER"] = "on" if batch else "off"  # the isolated ticks read it
    size, groups = (100, 10) if quick else (1000, 50)
    vms = vms or size
    groups = max(1, vms // 20)  # 20 VMs a group, ten per tier
    classic_vms, cp_rounds, big_rounds = (5, 2, 1) if quick else (20, 3, 2)
    if not classic_loop:
        classic_vms = 0
    tmp = Path(tempfile.mkdtemp())
    big = write_synthetic_plan(tmp / "ticks.yaml", vms, groups=groups, name="ticks")
    one = write_synthetic_plan(tmp / "cp.yaml", 2, groups=1, name="cp")
    loop = (
        write_synthetic_plan(tmp / "classic.yaml", classic_vms, groups=1, name="classic")
        if classic_vms
        else None
    )
    result: dict[str, Any] = {
        "settings": {
            **MEASURED,
            "page_size": 1000,
            "storage": "off",
            "vms": vms,
            "groups": groups,
            "power_path": "batch" if batch else "per-vm",
            "classic_vms": classic_vms,
            "critical_path_rounds": cp_rounds,
            "rounds": big_rounds,
            "poll_interval": 2.0,
            "operation_history": "dropped before each big tick",
            "critical_path_subscription": "its own (holds the 2-VM plan only)",
        }
    }
    # No state file: writing thousands of VMs' state every second is the sandbox's own
    # cost, which no Azure answer waits for (snapshot and restore work without it).
    with sandbox_process(
        storage=False, persist=False, op_time="0s", throttle="off", page_size=1000
    ) as (env, control):
        note(f"tick: applying {vms + 2 + classic_vms} VMs")
        for path in (big, loop):
            if path is not None:
                asyncio.run(apply(path))
        with own_subscription():
            asyncio.run(apply(one))
        control.settings(**MEASURED)

        cp: list[float] = []
        for n in range(cp_rounds):
            note(f"tick: critical path, round {n + 1} of {cp_rounds}")
            for at in (EVENING, MORNING):
                with own_subscription():
                    cp.append(asyncio.run(tick_once(str(one), at.isoformat()))["seconds"])
        result["critical_path_s"] = summary(cp)

        ticks: list[dict[str, Any]] = []
        for n in range(big_rounds):
            for label, at in (("evening", EVENING), ("morning", MORNING)):
                note(f"tick: {label} tick of {vms} VMs, round {n + 1} of {big_rounds}")
                drop_history(control)
                fresh_bucket(control)
                tick = run_isolated(
                    "benchmarks.tick_bench:tick_once", str(big), at.isoformat(), int(env["pid"])
                )
                ticks.append({"label": label, **tick})
        result["ticks"] = ticks

        if loop is not None:
            note(f"tick: classic runbook loop over {classic_vms} VMs")
            control.settings(throttle="off")  # not throttled: that only favours it
            names = [f"vm{n:04d}" for n in range(classic_vms)]
            result["classic_s"] = asyncio.run(classic(loop, names))

    seconds = [t["seconds"] for t in ticks]
    actions = statistics.median(t["actions"] for t in ticks)
    writes = statistics.median(t["writes"] for t in ticks)
    bucket_s = max(0.0, (writes - WRITE_BUCKET) / WRITE_REFILL)
    bound = max(result["critical_path_s"]["median"], bucket_s)
    result.update(
        writes=writes,
        requests_per_100_vms_per_tier=max(t["requests"] / (t["acted"] / 100) for t in ticks),
        critical_path_ratio=statistics.median(seconds) / result["critical_path_s"]["median"],
    )
    if loop is None:
        result.update(
            tick_s=summary(seconds),
            actions=actions,
            bucket_s=bucket_s,
            bound_s=bound,
            ratio=statistics.median(seconds) / bound,
            throttled=sum(t["throttled"] for t in ticks),
        )
        return result
    per_vm_classic = result["classic_s"] / classic_vms
    acted = statistics.median(t["acted"] for t in ticks)  # the loop would act on as many
    result.update(
        tick_s=summary(seconds),
        actions=actions,
        bucket_s=bucket_s,
        bound_s=bound,
        ratio=statistics.median(seconds) / bound,
        throttled=sum(t["throttled"] for t in ticks),
        reads_per_round=max(t["reads"] / t["list_rounds"] for t in ticks),
        peak_threads=max(t["threads"] for t in ticks),
        peak_rss_mib=max(t["peak_rss_mib"] for t in ticks),
        rss_after_imports_mib=max(t["rss_after_imports_mib"] for t in ticks),
        classic_per_vm_s=per_vm_classic,
        acted=acted,
        classic_extrapolated_s=per_vm_classic * acted,
        classic_ratio=statistics.median(seconds) / (per_vm_classic * acted),
    )
    return result


def describe(result: dict[str, Any]) -> list[str]:
    s = result["settings"]
    cp = result["critical_path_s"]
    lines = [
        f"tick over {s['vms']} VMs in {s['groups']} groups of two tiers (latency 20 ms, "
        "power operation 1 s, throttling azure):",
        "  critical path (2-VM plan, one VM per tier, in a subscription of its own): "
        f"median {cp['median']:.2f}s "
        f"of {spread(cp['runs'])}",
        f"  lower bound: max(critical path, {result['writes']:.0f} writes through the write "
        f"bucket = {result['bucket_s']:.0f}s) = {result['bound_s']:.1f}s",
    ]
    for t in result["ticks"]:
        lines.append(
            f"  {t['label']} ({s['power_path']}): {t['seconds']:.1f}s = "
            f"{t['seconds'] / result['bound_s']:.2f}x the bound; {t['acted']} VMs acted on, "
            f"{t['requests']} ARM requests ({t['batch_requests']} batch executes, "
            f"{t['status_requests']} status reads, {t['actions']} per-VM actions, "
            f"{t['fallbacks']} fallbacks), {t['throttled']} answers of 429, {t['reads']} ARM "
            f"reads in {t['list_rounds']} list rounds, peak {t['threads']} threads, "
            f"peak memory {t['peak_rss_mib']:.0f} MiB"
        )
    ticks = result["tick_s"]
    lines += [
        f"  median {ticks['median']:.1f}s of {spread(ticks['runs'], 1)} = "
        f"{result['ratio']:.2f}x the bound, {result['critical_path_ratio']:.2f}x the critical "
        f"path; {result['requests_per_100_vms_per_tier']:.2f} ARM requests per 100 VMs per tier "
        "at most",
    ]
    if "classic_s" not in result:
        return lines
    lines += [
        f"classic runbook loop, {s['classic_vms']} VMs one at a time: {result['classic_s']:.1f}s "
        f"({result['classic_per_vm_s']:.2f}s per VM, {result['classic_extrapolated_s']:.0f}s for "
        f"{result['acted']:.0f}); azlab takes {result['classic_ratio']:.3f} of that "
        f"({1 / result['classic_ratio']:.0f}x faster)",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-vm", action="store_true", help="turn the batch API off")
    parser.add_argument("--vms", type=int, default=None, help="VMs of the big tick")
    parser.add_argument("--no-classic", action="store_true", help="skip the runbook loop")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    result = measure(vms=args.vms, batch=not args.per_vm, classic_loop=not args.no_classic)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    print("\n".join(describe(result)))


if __name__ == "__main__":
    main()
