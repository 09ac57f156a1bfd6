"""The workflow files pass actionlint, and the plan-check workflow runs what it says it runs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

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


def _plan_check() -> dict[str, Any]:
    workflow: dict[str, Any] = yaml.safe_load((WORKFLOWS / "plan-check.yml").read_text())
    return workflow


def test_plan_check_triggers_on_plan_changes_and_pins_what_it_installs() -> None:
    workflow = _plan_check()
    # PyYAML reads the key `on` as True.
    assert workflow[True]["pull_request"]["paths"] == ["plans/**"]
    env = workflow["env"]
    version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
    assert version is not None and env["AZLAB_VERSION"] == version.group(1)
    node = json.loads((ROOT / "package.json").read_text())
    assert env["AZURITE_VERSION"] == node["dependencies"]["azurite"]
    steps = workflow["jobs"]["plan-check"]["steps"]
    install = next(s["run"] for s in steps if "npm install" in s.get("run", ""))
    assert '"azurite@${AZURITE_VERSION}"' in install
    assert "AZLAB_AZURITE_DIR=${RUNNER_TEMP}/azurite/node_modules/azurite" in install
    assert any(s.get("uses", "").startswith("actions/setup-node@") for s in steps)


def test_plan_check_commands_run_as_the_workflow_runs_them(tmp_path: Path) -> None:
    steps = _plan_check()["jobs"]["plan-check"]["steps"]
    scripts = [s["run"] for s in steps if "run" in s and "install" not in s["run"]]
    assert len(scripts) == 2, scripts  # validate, then rehearse
    assert "azlab validate plans/*.yaml" in scripts[0]
    assert "azlab rehearse plans/*.yaml --output markdown" in scripts[1]
    # A copy of the plans in a scratch folder, as a user's repository would hold them, and
    # Azurite where the install step points azlab at it.
    shutil.copytree(ROOT / "plans", tmp_path / "plans")
    summary = tmp_path / "summary.md"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "AZLAB_AZURITE_DIR": str(ROOT / "node_modules" / "azurite"),
    }
    for script in scripts:
        # GitHub runs `run` scripts with bash -e -o pipefail.
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = summary.read_text()
    assert report.startswith("## azlab rehearse: passed")
    assert "| week of ticks | passed |" in report
    assert "sandbox storage: Azurite" in report


def test_ci_runs_the_suite_against_the_newest_releases_on_a_schedule() -> None:
    workflow: dict[str, Any] = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    assert workflow[True]["schedule"], "ci.yml has no schedule"
    job = workflow["jobs"]["test-latest"]
    assert "schedule" in job["if"]
    assert any(s.get("run") == "make test-latest" for s in job["steps"])
    assert re.search(r"^test-latest:", (ROOT / "Makefile").read_text(), re.M)
