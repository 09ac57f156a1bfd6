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


def test_plan_check_commands_run_as_the_workflow_runs_them(tmp_path: Path) -> None:
    import os

    import yaml

    workflow = yaml.safe_load((WORKFLOWS / "plan-check.yml").read_text())
    steps = workflow["jobs"]["plan-check"]["steps"]
    scripts = [
        s["run"] for s in steps if "run" in s and "azlab" in s["run"] and "pip" not in s["run"]
    ]
    assert len(scripts) == 2, scripts  # validate, then rehearse
    # A copy of the plans in a scratch folder, as a user's repository would hold them.
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    for script in scripts:
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = summary.read_text()
    assert report.startswith("## azlab rehearse: passed")
    assert "| week of ticks | passed |" in report
