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
from azlab.plan import load_plan
from azlab.reconcile import engine
from azlab.reconcile.executor import Status
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.sandbox_process import sandbox_process

PARALLELISM = 200  # azlab's default
ROUNDS = 5


def _spread(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


async def apply(path: Path, parallelism: int = PARALLELISM) -> tuple[float, Any, int]:
    loaded = load_plan(path, require_env=True)
    target = Target.from_env(loaded.plan.subscription)
    async with AzureSession(target) as session:
        view = await engine.preview(session, loaded.plan)
        secrets = engine.resolve_secrets(loaded.plan, view.pending)
        tasks = engine.apply_tasks(session, view, secrets)
        start = time.perf_counter()
        report = await engine.run(tasks, parallelism=parallelism)
        elapsed = time.perf_counter() - start
        failed = [o for o in report.outcomes if o.status is not Status.DONE]
        assert not failed, failed[:3]
        return elapsed, report, session.rate_limits.throttled


async def noop_requests(path: Path, control: Any) -> int:
    loaded = load_plan(path, require_env=True)
    async with AzureSession(Target.from_env(loaded.plan.subscription)) as session:
        control.clear_requests()
        view = await engine.preview(session, loaded.plan)
        await engine.power_states(session, loaded.plan.resource_group)
        assert not view.pending, view.pending[:3]
    return control.request_count()


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    one = write_synthetic_plan(tmp / "one.yaml", 1, groups=1, name="one")
    big = write_synthetic_plan(tmp / "big.yaml", 200, groups=20, name="big")
    huge = write_synthetic_plan(tmp / "huge.yaml", 500, groups=50, name="huge")

    quiet = {"latency": "20ms", "op_time": "1s", "throttle": "off", "page_size": 1000}
    # The control plane only: disk bytes (Azurite) are not what an apply waits for.
    os.environ["AZLAB_SANDBOX_STORAGE"] = "off"
    with sandbox_process(**quiet) as (_, control):
        bases, runs = [], []
        for _ in range(ROUNDS):
            control.reset()
            bases.append(asyncio.run(apply(one))[0])
            control.reset()
            elapsed, report, _ = asyncio.run(apply(big))
            runs.append(elapsed)
        base, elapsed = statistics.median(bases), statistics.median(runs)
        print("apply into an empty sandbox (latency 20 ms, operation time 1 s, throttling off):")
        print(f"  critical path (1-VM plan, same chain): median {base:.2f}s of {_spread(bases)}")
        print(
            f"  200-VM plan, parallelism {PARALLELISM}: median {elapsed:.2f}s of {_spread(runs)}; "
            f"{len(report.outcomes)} operations, at most {report.stats.max_in_flight} at once"
        )
        print(f"  ratio: {elapsed / base:.2f}x the critical path (target 1.3x)")
        asyncio.run(apply(huge))
        count = asyncio.run(noop_requests(huge, control))
        print(f"no-op plan of a 500-VM plan, with power states: {count} ARM requests")

    with sandbox_process(**{**quiet, "throttle": "azure"}):
        elapsed, report, throttled = asyncio.run(apply(big))
        print("apply of the 200-VM plan with Azure's published throttling on:")
        done = len(report.outcomes)
        print(f"  {elapsed:.2f}s, {done} operations, all done, 429s met: {throttled}")


if __name__ == "__main__":
    main()
