"""How long `azlab validate` takes on a 500-VM plan (parse, schema and every lint).

Run: .venv/bin/python -m benchmarks.validate_bench
The baseline, in the same run, is a bare parse of the same file with PyYAML's
C loader: the least any tool that reads the plan must spend.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from azlab.plan import check_plan
from azlab.testing.plangen import write_synthetic_plan
from benchmarks.common import spread, summary

ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000", "LAB_SSH_KEY": "k"}
VMS, GROUPS = 500, 50


def measure(quick: bool = False) -> dict[str, Any]:
    rounds = 3 if quick else 7
    with tempfile.TemporaryDirectory() as tmp:
        path = write_synthetic_plan(Path(tmp) / "plan.yaml", VMS, groups=GROUPS)
        check_plan(path, env=ENV)  # warm imports
        times, parses = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            findings = check_plan(path, env=ENV)
            times.append(time.perf_counter() - start)
            assert not findings, findings
            start = time.perf_counter()
            yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
            parses.append(time.perf_counter() - start)
    return {
        "settings": {"vms": VMS, "groups": GROUPS, "rounds": rounds},
        "validate_s": summary(times),
        "parse_s": summary(parses),
        "ratio": statistics.median(times) / statistics.median(parses),
    }


def describe(result: dict[str, Any]) -> list[str]:
    s, v, p = result["settings"], result["validate_s"], result["parse_s"]
    return [
        f"validate, {s['vms']} VMs in {s['groups']} groups: median {v['median']:.3f}s, "
        f"best {v['min']:.3f}s over {len(v['runs'])} runs ({spread(v['runs'], 3)})",
        f"  bare parse with PyYAML's C loader (baseline): median {p['median']:.3f}s; "
        f"validate takes {result['ratio']:.1f}x that",
    ]


def main() -> None:
    print("\n".join(describe(measure())))


if __name__ == "__main__":
    main()
