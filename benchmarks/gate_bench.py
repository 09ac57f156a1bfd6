"""What the health gate adds to a morning tick: time against the critical path, and requests.

Run: .venv/bin/python -m benchmarks.gate_bench [--vms N] [--rounds N] [--per-vm]
The sandbox runs in its own process (latency 20 ms, power operations 1 s,
throttling `azure`, the guest agent Ready 3 s after running). One plan of
VMs in groups of two tiers is started from deallocated three ways, in turn,
in the same run:
  - off: no gate (AZLAB_HEALTH_GATE=off), tier 1 starts when tier 0 runs;
  - agent: the gate waits for every tier-0 VM's guest agent to report Ready;
  - probe: the same, plus a `ready:` probe (a managed run command) on every
    tier-0 VM, passing at its first run.
The critical path with the gate is a 2-VM plan (one VM per tier, in a
subscription of its own) ticked the same way: two power operations, the
agent's wait, and the polling between them. The extra ARM requests are read
from the sandbox's request log of each tick.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml

from azlab.azure.session import AzureSession, Target
from azlab.plan import load_plan
from azlab.power import tick as ticking
from azlab.sandbox.control import SandboxControl
from azlab.testing.gate_log import margins
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.common import note, spread, summary
from benchmarks.reconcile_bench import apply
from benchmarks.sandbox_process import sandbox_process

EVENING = datetime(2026, 11, 24, 2, 5, tzinfo=timezone.utc)  # Monday 18:05 in Los Angeles
MORNING = EVENING + timedelta(hours=14)  # Tuesday 08:05
AGENT_READY_AFTER = 3.0
MEASURED = {
    "latency": "20ms",
    "op_time": "1s",
    "throttle": "azure",
    "agent_ready_after": f"{AGENT_READY_AFTER:g}s",
}
POLL = 2.0
CRITICAL_PATH_SUBSCRIPTION = "00000000-0000-0000-0000-00000000ca7e"
PROBE = {"script": "systemctl is-active --quiet sshd", "timeout": "2m", "delay": "15s"}
os.environ.setdefault("LAB_SSH_KEY", "ssh-ed25519 AAAAbenchmark")


def with_probes(path: Path, target: Path) -> Path:
    """The plan with a `ready:` probe on every tier-0 VM."""
    plan = yaml.safe_load(path.read_text())
    for group in plan["groups"]:
        for vm in group["vms"]:
            if vm.get("tier", 0) == 0:
                vm["ready"] = dict(PROBE)
    target.write_text(yaml.safe_dump(plan, sort_keys=False))
    return target


def kinds(logged: list[dict[str, Any]]) -> dict[str, int]:
    """The tick's ARM requests by what they were for."""
    counts = {"lists": 0, "instance_views": 0, "run_commands": 0, "power": 0, "other": 0}
    for r in logged:
        path = r["path"].lower()
        if "/runcommands/" in path:
            counts["run_commands"] += 1
        elif path.endswith("/instanceview"):
            counts["instance_views"] += 1
        elif r["method"] == "GET" and path.endswith("/virtualmachines"):
            counts["lists"] += 1
        elif r["method"] == "POST" or "operations" in path or "computeschedule" in path:
            counts["power"] += 1
        else:
            counts["other"] += 1
    return counts


async def tick(control: SandboxControl, path: Path, at: datetime, gate: bool) -> dict[str, Any]:
    plan = load_plan(path, require_env=True).plan
    tiers = {vm.name.lower(): (group.name, vm.tier) for group, vm in plan.all_vms()}
    async with AzureSession(Target.from_env(plan.subscription)) as session:
        wants, reasons = ticking.group_wants(plan, at)
        control.clear_requests()
        report = await ticking.enforce(
            session,
            plan,
            wants,
            reasons,
            at,
            poll_interval=POLL,
            retry_delay=5.0,
            health_gate=gate,
        )
    logged = control.requests(bodies=True)
    after_ready = margins(logged, tiers)
    assert report.ok, [r for r in report.results.values() if r.result != "done"][:3]
    return {
        "seconds": report.seconds,
        "gate_seconds": report.gate_seconds,
        "requests": len(logged),
        "acted": sum(1 for r in report.results.values() if r.result == "done"),
        "throttled": report.throttled,
        # Tier-1 starts before their tier 0 was seen Ready, and the least time after it.
        "early_starts": sum(1 for m in after_ready if m < 0),
        "tier1_starts": len(after_ready),
        "least_margin_s": min(after_ready, default=0.0),
        **kinds(logged),
    }


def morning(control: SandboxControl, path: Path, gate: bool) -> dict[str, Any]:
    """Stop the plan (no gate: stops are not gated), then measure its start."""
    control.restore(control.snapshot())  # forget finished operations, keep the VMs
    asyncio.run(tick(control, path, EVENING, gate=False))
    control.settings(throttle="off")  # a fresh write bucket, as after a quiet evening
    control.settings(throttle="azure")
    return asyncio.run(tick(control, path, MORNING, gate=gate))


def measure(vms: int = 200, rounds: int = 2, batch: bool = True) -> dict[str, Any]:
    os.environ["AZLAB_BATCH_POWER"] = "on" if batch else "off"
    groups = max(1, vms // 20)
    tmp = Path(tempfile.mkdtemp())
    plain = write_synthetic_plan(tmp / "gate.yaml", vms, groups=groups, name="gate")
    probed = with_probes(plain, tmp / "gate-probe.yaml")
    one = write_synthetic_plan(
        tmp / "cp.yaml", 2, groups=1, name="cp", subscription=CRITICAL_PATH_SUBSCRIPTION
    )
    variants = {"off": (plain, False), "agent": (plain, True), "probe": (probed, True)}
    result: dict[str, Any] = {
        "settings": {
            **MEASURED,
            "vms": vms,
            "groups": groups,
            "rounds": rounds,
            "poll_interval": POLL,
            "power_path": "batch" if batch else "per-vm",
        }
    }
    with sandbox_process(
        storage=False, persist=False, op_time="0s", throttle="off", page_size=1000
    ) as (_, control):
        note(f"gate: applying {vms + 2} VMs")
        for path in (plain, one):
            asyncio.run(apply(path))
        control.settings(**MEASURED)
        cp = []
        for n in range(rounds + 1):
            note(f"gate: critical path, round {n + 1}")
            cp.append(morning(control, one, gate=True)["seconds"])
        result["critical_path_s"] = summary(cp)
        ticks: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
        for n in range(rounds):
            for name, (path, gate) in variants.items():
                note(f"gate: {name}, round {n + 1} of {rounds}")
                ticks[name].append(morning(control, path, gate))
        result["ticks"] = ticks
    cp_median = result["critical_path_s"]["median"]
    medians = {n: statistics.median(t["seconds"] for t in ts) for n, ts in ticks.items()}
    result["summary"] = {
        name: {
            "tick_s": summary([t["seconds"] for t in ts]),
            "critical_path_ratio": medians[name] / cp_median,
            "ratio_to_off": medians[name] / medians["off"],
            "added_s": medians[name] - medians["off"],
            "requests": statistics.median(t["requests"] for t in ts),
            "extra_requests": statistics.median(t["requests"] for t in ts)
            - statistics.median(t["requests"] for t in ticks["off"]),
            **{k: statistics.median(t[k] for t in ts) for k in kinds([])},
            "throttled": sum(t["throttled"] for t in ts),
            "early_starts": sum(t["early_starts"] for t in ts),
            "tier1_starts": sum(t["tier1_starts"] for t in ts),
            "least_margin_s": min(t["least_margin_s"] for t in ts),
        }
        for name, ts in ticks.items()
    }
    return result


def describe(result: dict[str, Any]) -> list[str]:
    s = result["settings"]
    cp = result["critical_path_s"]
    lines = [
        f"health gate, morning tick of {s['vms']} VMs in {s['groups']} groups of two tiers "
        f"({s['power_path']}; latency 20 ms, power operation 1 s, agent Ready "
        f"{AGENT_READY_AFTER:g} s after running, throttling azure, "
        f"polling {s['poll_interval']:g} s):",
        f"  critical path with the gate (2-VM plan): median {cp['median']:.2f}s of "
        f"{spread(cp['runs'])}",
    ]
    for name, row in result["summary"].items():
        lines.append(
            f"  {name:5}: median {row['tick_s']['median']:.1f}s of "
            f"{spread(row['tick_s']['runs'], 1)} = {row['critical_path_ratio']:.2f}x the critical "
            f"path, {row['ratio_to_off']:.2f}x the tick without the gate (+{row['added_s']:.1f}s); "
            f"{row['requests']:.0f} ARM requests (+{row['extra_requests']:.0f}): "
            f"{row['lists']:.0f} lists, {row['instance_views']:.0f} instance views, "
            f"{row['run_commands']:.0f} run command requests, {row['power']:.0f} power and "
            f"status; {row['throttled']} answers of 429; {row['early_starts']} of "
            f"{row['tier1_starts']} tier-1 starts before their tier 0 was seen Ready (least "
            f"margin {row['least_margin_s']:+.1f}s)"
        )
    return lines


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--per-vm", action="store_true", help="turn the batch API off")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args(argv)
    result = measure(vms=args.vms, rounds=args.rounds, batch=not args.per_vm)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, default=str))
    print("\n".join(describe(result)))


if __name__ == "__main__":
    main()
