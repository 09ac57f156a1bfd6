"""How long `azlab validate` takes on a 500-VM plan (parse, schema and every lint).

Run: .venv/bin/python -m benchmarks.validate_bench
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from azlab.plan import check_plan
from azlab.testing.plangen import write_synthetic_plan

ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000", "LAB_SSH_KEY": "k"}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_synthetic_plan(Path(tmp) / "plan.yaml", 500, groups=50)
        check_plan(path, env=ENV)  # warm imports
        times = []
        for _ in range(5):
            start = time.perf_counter()
            findings = check_plan(path, env=ENV)
            times.append(time.perf_counter() - start)
        assert not findings, findings
    print(
        f"validate, 500 VMs in 50 groups: median {statistics.median(times):.3f}s, "
        f"best {min(times):.3f}s over {len(times)} runs"
    )


if __name__ == "__main__":
    main()
