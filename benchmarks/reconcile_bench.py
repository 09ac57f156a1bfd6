"""Reconciler figures: requests for a no-op plan, apply time against the critical path, 429s met.

Run: .venv/bin/python -m benchmarks.reconcile_bench
The baseline is measured in the same run: the apply of a one-VM plan is the
critical path (resource group -> vNet -> NIC -> VM, each a real long-running
operation with its polling), and the 200-VM apply is compared with it.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from azlab.azure.session import AzureSession, Target
from azlab.graph import Status
from azlab.plan import load_plan
from azlab.reconcile import engine
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.common import note, summary
from benchmarks.common import spread as _spread
from benchmarks.sandbox_process import sandbox_process

PARALLELISM = 200  # azlab's default
ROUNDS = 5
QUIET = {"latency": "20ms", "op_time": "1s", "throttle": "off", "page_size": 1000}

os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


async def apply(path: Path, parallelism: int = PARALLELISM) -> tuple[float, Any, int]:
    loaded = load_plan(path, require_env=True)
    target = Target.from_env(loaded.plan.subscription)
    async with AzureSession(target) as session:
        view = await engine.preview(session, loaded.plan)
        secrets = engine.resolve_secrets(loaded, view.pending)
        tasks = engine.apply_tasks(session, view, secrets)
        start = time.perf_counter()
        report = await engine.run(tasks, parallelism=parallelism)
        elapsed = time.perf_counter() - start
        failed = [o for o in report.outcomes if o.status is not Status.DONE]
        assert not failed, failed[:3]
        return elapsed, report, session.rate_limits.throttled


async def noop_requests(path: Path, control: Any) -> int:
    return (await noop_observation(path, control))[0]


async def noop_observation(path: Path, control: Any) -> tuple[int, int]:
    """ARM requests of a plan that has nothing to change, and how many resources it saw."""
    loaded = load_plan(path, require_env=True)
    async with AzureSession(Target.from_env(loaded.plan.subscription)) as session:
        control.clear_requests()
        view = await engine.preview(session, loaded.plan)
        await engine.power_states(session, loaded.plan.resource_group)
        assert not view.pending, view.pending[:3]
    return control.request_count(), len(view.observed)


def measure(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else ROUNDS
    big_vms = 200
    noop_vms = 100 if quick else 500
    tmp = Path(tempfile.mkdtemp())
    one = write_synthetic_plan(tmp / "one.yaml", 1, groups=1, name="one")
    big = write_synthetic_plan(tmp / "big.yaml", big_vms, groups=20, name="big")
    huge = write_synthetic_plan(tmp / "huge.yaml", noop_vms, groups=noop_vms // 10, name="huge")
    result: dict[str, Any] = {
        "settings": {
            **QUIET,
            "storage": "off",
            "parallelism": PARALLELISM,
            "rounds": rounds,
            "plan_vms": big_vms,
            "noop_vms": noop_vms,
        }
    }
    # The control plane only: disk bytes (Azurite) are not what an apply waits for.
    with sandbox_process(storage=False, **QUIET) as (_, control):
        bases, runs = [], []
        for n in range(rounds):
            note(f"reconcile: round {n + 1} of {rounds}")
            control.reset()
            bases.append(asyncio.run(apply(one))[0])
            control.reset()
            elapsed, report, _ = asyncio.run(apply(big))
            runs.append(elapsed)
        result["critical_path_s"] = summary(bases)
        result["apply_s"] = summary(runs)
        result["apply_operations"] = len(report.outcomes)
        result["apply_max_in_flight"] = report.stats.max_in_flight
        result["apply_ratio"] = statistics.median(runs) / statistics.median(bases)
        note(f"reconcile: no-op plan of {noop_vms} VMs")
        asyncio.run(apply(huge))
        count, seen = asyncio.run(noop_observation(huge, control))
        result["noop"] = {"vms": noop_vms, "requests": count, "resources": seen}

    if quick:
        result["throttled_apply"] = None
        return result
    note("reconcile: apply with Azure's published throttling")
    with sandbox_process(storage=False, **{**QUIET, "throttle": "azure"}):
        elapsed, report, throttled = asyncio.run(apply(big))
        result["throttled_apply"] = {
            "seconds": elapsed,
            "operations": len(report.outcomes),
            "failed": len(report.failed),
            "throttled": throttled,
        }
    return result


def describe(result: dict[str, Any]) -> list[str]:
    settings = result["settings"]
    bases, runs = result["critical_path_s"], result["apply_s"]
    lines = [
        "apply into an empty sandbox (latency 20 ms, operation time 1 s, throttling off):",
        f"  critical path (1-VM plan, same chain): median {bases['median']:.2f}s "
        f"of {_spread(bases['runs'])}",
        f"  {settings['plan_vms']}-VM plan, parallelism {settings['parallelism']}: "
        f"median {runs['median']:.2f}s of {_spread(runs['runs'])}; "
        f"{result['apply_operations']} operations, "
        f"at most {result['apply_max_in_flight']} at once",
        f"  ratio: {result['apply_ratio']:.2f}x the critical path (target 1.3x)",
        f"no-op plan of a {result['noop']['vms']}-VM plan, with power states: "
        f"{result['noop']['requests']} ARM requests",
    ]
    throttled = result.get("throttled_apply")
    if throttled:
        state = "all done" if not throttled["failed"] else f"{throttled['failed']} not done"
        lines += [
            f"apply of the {settings['plan_vms']}-VM plan with Azure's published throttling on:",
            f"  {throttled['seconds']:.2f}s, {throttled['operations']} operations, {state}, "
            f"429s met: {throttled['throttled']}",
        ]
    return lines


def main() -> None:
    print("\n".join(describe(measure())))


if __name__ == "__main__":
    main()
