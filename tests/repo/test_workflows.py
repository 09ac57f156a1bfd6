"""The workflow files pass actionlint, and the plan-check workflow runs what it says it runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def _actionlint() -> str:
    local = Path(sys.executable).parent / "actionlint"
    found = str(local) if local.exists() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed; run `make setup`")
    return found


def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert files, "no workflow files found"
    result = subprocess.run(
        [_actionlint(), "-no-color", *files], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_plan_check_triggers_on_plan_changes_and_validates() -> None:
    text = (WORKFLOWS / "plan-check.yml").read_text()
    assert '"plans/**"' in text
    assert "azlab validate plans/*.yaml" in text
