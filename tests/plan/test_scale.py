"""A 500-VM plan parses and lints clean; benchmarks/validate_bench.py measures its speed."""

from __future__ import annotations

from pathlib import Path

from azlab.plan import check_plan
from azlab.testing.plangen import write_synthetic_plan

ENV = {"AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000", "LAB_SSH_KEY": "k"}


def test_500_vm_plan_validates_clean(tmp_path: Path) -> None:
    path = write_synthetic_plan(tmp_path / "big.yaml", 500, groups=50)
    assert check_plan(path, env=ENV) == []
