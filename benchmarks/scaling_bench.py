"""How the cost of a no-op plan and of a tick grows with the lab: 100, 1,000 and 5,000 VMs.

Run: .venv/bin/python -m benchmarks.scaling_bench [VMS ...]
For each size, a sandbox in its own process (latency 20 ms, power operations
1 s, throttling off, so the figures show azlab's own cost rather than ARM's
write bucket; page size 1000; control plane only; no state file, whose
writes would dominate the sandbox at 5,000 VMs) holds a plan applied
beforehand. Measured, each in a fresh client process so its peak memory is
its own:
  - the no-op plan: loading the plan, observing the resource group and
    listing power states, with nothing to change;
  - the tick: evening and morning in turn, every VM stopped or started.
The tick's baseline is the critical path measured in the same run: the tick of
a 2-VM plan (one VM per tier).
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
from azlab.plan import load_plan
from azlab.reconcile import engine
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.common import cpu_seconds, note, spread, summary
from benchmarks.isolated import run_isolated
from benchmarks.reconcile_bench import apply
from benchmarks.sandbox_process import sandbox_process
from benchmarks.tick_bench import EVENING, MORNING, control_from_env, drop_history, tick_once

SIZES = (100, 1000, 5000)
QUICK_SIZES = (100, 1000)
MEASURED = {"latency": "20ms", "op_time": "1s", "throttle": "off"}
# Set up at once; no state file (azlab/sandbox/__main__.py says why).
SANDBOX: dict[str, Any] = {"storage": False, "persist": False, "op_time": "0s", "page_size": 1000}
os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


def groups_for(vms: int) -> int:
    return min(250, max(1, vms // 20))  # 20 VMs a group, as the tick benchmark's 1,000 in 50


async def noop_rounds(path: str, rounds: int, sandbox_pid: int) -> dict[str, Any]:
    control = control_from_env()
    seconds, loading, requests, cpu, sandbox_cpu = [], [], [], [], []
    for _ in range(rounds):
        drop_history(control)
        control.clear_requests()
        began, cpu_began, sandbox_began = (
            time.perf_counter(),
            cpu_seconds(),
            cpu_seconds(sandbox_pid),
        )
        loaded = load_plan(Path(path), require_env=True)
        loading.append(time.perf_counter() - began)
        async with AzureSession(Target.from_env(loaded.plan.subscription)) as session:
            view = await engine.preview(session, loaded.plan)
            await engine.power_states(session, loaded.plan.resource_group)
        seconds.append(time.perf_counter() - began)
        cpu.append(cpu_seconds() - cpu_began)
        sandbox_cpu.append(cpu_seconds(sandbox_pid) - sandbox_began)
        requests.append(control.request_count())
        assert not view.pending, view.pending[:3]
    return {
        "seconds": summary(seconds),
        "load_s": summary(loading),
        "client_cpu_s": summary(cpu),
        "sandbox_cpu_s": summary(sandbox_cpu),
        "requests": max(requests),
        "resources": len(view.observed),
    }


async def tick_rounds(path: str, rounds: int, sandbox_pid: int) -> dict[str, Any]:
    control = control_from_env()
    ticks = []
    for n in range(rounds):
        drop_history(control)
        at = EVENING if n % 2 == 0 else MORNING
        ticks.append(await tick_once(path, at.isoformat(), sandbox_pid))
    return {
        "seconds": summary([t["seconds"] for t in ticks]),
        "client_cpu_s": summary([t["client_cpu_s"] for t in ticks]),
        "sandbox_cpu_s": summary([t["sandbox_cpu_s"] for t in ticks]),
        "requests": max(t["requests"] for t in ticks),
        "actions": max(t["actions"] for t in ticks),
        "list_rounds": max(t["list_rounds"] for t in ticks),
        "threads": max(t["threads"] for t in ticks),
    }


def measure(quick: bool = False, sizes: tuple[int, ...] | None = None) -> dict[str, Any]:
    sizes = sizes or (QUICK_SIZES if quick else SIZES)
    noop_n, tick_n, cp_n = (2, 1, 1) if quick else (3, 3, 2)
    tmp = Path(tempfile.mkdtemp())
    result: dict[str, Any] = {
        "settings": {
            **MEASURED,
            "page_size": 1000,
            "storage": "off",
            "sizes": list(sizes),
            "noop_rounds": noop_n,
            "tick_rounds": tick_n,
            "critical_path_rounds": cp_n,
            "poll_interval": 2.0,
            "state_file": "off",
            "operation_history": "dropped before each measured step",
        },
        "points": [],
    }
    one = write_synthetic_plan(tmp / "cp.yaml", 2, groups=1, name="cp")
    with sandbox_process(**SANDBOX) as (_, control):
        asyncio.run(apply(one))
        control.settings(**MEASURED)
        cp = []
        for n in range(cp_n):
            note(f"scaling: critical path, round {n + 1} of {cp_n}")
            for at in (EVENING, MORNING):
                cp.append(asyncio.run(tick_once(str(one), at.isoformat()))["seconds"])
        result["critical_path_s"] = summary(cp)
    for vms in sizes:
        path = write_synthetic_plan(
            tmp / f"scale{vms}.yaml", vms, groups=groups_for(vms), name=f"scale{vms}"
        )
        # One sandbox a size, so lists and the sandbox's own state hold only this lab.
        with sandbox_process(**SANDBOX) as (env, control):
            note(f"scaling: applying {vms} VMs")
            setup_s, report, _ = asyncio.run(apply(path))
            control.settings(**MEASURED)
            note(f"scaling: no-op plan of {vms} VMs, {noop_n} rounds")
            pid = int(env["pid"])
            noop = run_isolated("benchmarks.scaling_bench:noop_rounds", str(path), noop_n, pid)
            note(f"scaling: tick of {vms} VMs, {tick_n} rounds")
            tick = run_isolated("benchmarks.scaling_bench:tick_rounds", str(path), tick_n, pid)
        result["points"].append(
            {
                "vms": vms,
                "groups": groups_for(vms),
                "setup_apply_s": setup_s,
                "setup_operations": len(report.outcomes),
                "noop": noop,
                "tick": {**tick, "ratio": tick["seconds"]["median"] / cp_median(result)},
            }
        )
    return result


def cp_median(result: dict[str, Any]) -> float:
    return float(result["critical_path_s"]["median"])


def describe(result: dict[str, Any]) -> list[str]:
    cp = result["critical_path_s"]
    lines = [
        "no-op plan and tick by lab size (latency 20 ms, power operation 1 s, throttling off):",
        f"  critical path of a tick (2-VM plan): median {cp['median']:.2f}s "
        f"of {spread(cp['runs'])}",
    ]
    for p in result["points"]:
        noop, tick = p["noop"], p["tick"]
        lines += [
            f"  {p['vms']:>5} VMs: no-op plan median {noop['seconds']['median']:.2f}s of "
            f"{spread(noop['seconds']['runs'])} "
            f"({noop['load_s']['median']:.2f}s loading the plan), "
            f"{noop['requests']} ARM requests, CPU {noop['client_cpu_s']['median']:.2f}s "
            f"(sandbox {noop['sandbox_cpu_s']['median']:.2f}s), "
            f"client peak {noop['peak_rss_mib']:.0f} MiB",
            f"  {'':>5}       tick median {tick['seconds']['median']:.1f}s of "
            f"{spread(tick['seconds']['runs'], 1)} = {tick['ratio']:.2f}x the critical path, "
            f"{tick['actions']} actions, {tick['requests']} ARM requests, "
            f"CPU {tick['client_cpu_s']['median']:.1f}s "
            f"(sandbox {tick['sandbox_cpu_s']['median']:.1f}s), "
            f"client peak {tick['peak_rss_mib']:.0f} MiB, {tick['threads']} threads",
        ]
    return lines


def main() -> None:
    sizes = tuple(int(a) for a in sys.argv[1:]) or None
    print("\n".join(describe(measure(sizes=sizes))))


if __name__ == "__main__":
    main()
