"""The workflow files pass actionlint, and the plan-check workflow runs what it says it runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.schedule.mermaid_gantt import blocks, parse

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


ACTION = ROOT / "action.yml"
# The owner README and plan-check.yml name (a placeholder the user replaces).
USES = "your-org/azlab@v0"
EXPRESSION = re.compile(r"\$\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}")


def _yaml(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


def _plan_check() -> dict[str, Any]:
    return _yaml(WORKFLOWS / "plan-check.yml")


def test_plan_check_triggers_on_plan_changes_and_uses_the_action() -> None:
    workflow = _plan_check()
    # PyYAML reads the key `on` as True.
    assert workflow[True]["pull_request"]["paths"] == ["plans/**"]
    steps = workflow["jobs"]["plan-check"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    (used,) = [s for s in steps if s.get("uses", "").endswith("/azlab@v0")]
    assert used["uses"] == USES
    assert set(used["with"]) <= set(_yaml(ACTION)["inputs"])
    # No published package needed: nothing installs azlab by name from an index.
    assert "pip install" not in (WORKFLOWS / "plan-check.yml").read_text()
    readme = (ROOT / "README.md").read_text()
    assert f"uses: {USES}" in readme
    assert "action.yml" in readme and "plan-check.yml" in readme


def test_the_action_installs_from_its_checkout_and_azurite_at_the_pin() -> None:
    action = _yaml(ACTION)
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"plans", "week-of", "python-version"}
    steps = action["runs"]["steps"]
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "${{ inputs.python-version }}"
    assert any(s.get("uses", "").startswith("actions/setup-node@") for s in steps)
    install = _step(steps, "Install azlab")["run"]
    assert "pip install" in install and '"${GITHUB_ACTION_PATH}"' in install
    # `azlab sandbox setup` installs the Azurite version azlab pins (package.json's, a test in
    # tests/repo/test_distribution.py checks).
    assert "azlab sandbox setup" in _step(steps, "Install Azurite")["run"]
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)


def _step(steps: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(s for s in steps if s.get("name") == name)


class StepRunner:
    """Runs a composite action's `run` steps as a runner does: bash -e -o pipefail, the
    step's env with its `${{ }}` expressions filled in, GITHUB_ENV carried to later steps,
    and `if:` deciding whether a step runs after a failure."""

    def __init__(self, workdir: Path, context: dict[str, str], env: dict[str, str]) -> None:
        self.workdir = workdir
        self.context = context
        self.env = env
        self.env_file = workdir.parent / "github_env"
        self.env_file.write_text("")
        self.env["GITHUB_ENV"] = str(self.env_file)
        self.failed: list[str] = []
        self.ran: list[str] = []

    def expand(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            assert match.group(1) in self.context, f"the test cannot fill in {match.group(0)}"
            return self.context[match.group(1)]

        return EXPRESSION.sub(value, text)

    def run(self, step: dict[str, Any]) -> subprocess.CompletedProcess[str] | None:
        condition = step.get("if", "success()")
        assert condition in ("success()", "success() || failure()"), condition
        if self.failed and condition == "success()":
            return None
        env = {**self.env, **{k: self.expand(str(v)) for k, v in step.get("env", {}).items()}}
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", self.expand(step["run"])],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
        )
        self.ran.append(step["name"])
        if done.returncode != 0:
            self.failed.append(step["name"])
        for line in self.env_file.read_text().splitlines():
            key, _, val = line.partition("=")
            self.env[key] = val
        return done


def _inputs_from_plan_check() -> dict[str, str]:
    action = _yaml(ACTION)
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    steps = _plan_check()["jobs"]["plan-check"]["steps"]
    used = next(s for s in steps if s.get("uses") == USES)
    return inputs | {k: str(v) for k, v in used.get("with", {}).items()}


def run_the_action(
    tmp_path: Path,
    python_bin: Path,
    action_path: Path,
    *,
    skip: tuple[str, ...] = (),
    extra_env: dict[str, str] | None = None,
) -> tuple[StepRunner, Path]:
    """The action's run steps, in a scratch copy of a user's plans repository."""
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "plans", repo / "plans")
    summary = tmp_path / "summary.md"
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    inputs = _inputs_from_plan_check()
    context = {f"inputs.{k}": v for k, v in inputs.items()}
    context |= {"runner.temp": str(runner_temp), "github.action_path": str(action_path)}
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith(("AZLAB_", "VIRTUAL_ENV"))}
        | {
            "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_ACTION_PATH": str(action_path),
            "RUNNER_TEMP": str(runner_temp),
            # Where setup-node's Node finds Azurite on a runner after `azlab sandbox setup`; here
            # the checkout's, so that setup finds the pinned version and installs nothing.
            "AZLAB_AZURITE_DIR": str(ROOT / "node_modules" / "azurite"),
        }
        | (extra_env or {})
    )
    runner = StepRunner(repo, context, env)
    for step in _yaml(ACTION)["runs"]["steps"]:
        if "run" not in step or step["name"] in skip:
            continue
        done = runner.run(step)
        assert done is None or done.returncode == 0, (
            f"{step['name']}: " + done.stdout[-3000:] + done.stderr[-3000:]
        )
    return runner, summary


def _check_report(runner: StepRunner, summary: Path) -> None:
    assert runner.ran == ["Install Azurite", "Validate plans", "Rehearse plans"] or runner.ran == [
        "Install azlab",
        "Install Azurite",
        "Validate plans",
        "Rehearse plans",
    ]
    assert runner.env["AZLAB_DATA_DIR"].endswith("/azlab")
    report = summary.read_text()
    assert report.startswith("## azlab rehearse: passed")
    assert "| week of ticks | passed |" in report
    assert "sandbox storage: Azurite" in report
    # The Mermaid chart GitHub renders: it parses, and its windows add up to the table's hours.
    (source,) = blocks(report)
    chart = parse(source)
    table = dict(re.findall(r"^\| (\w+) \| \d+ \| ([\d.]+) \|", report, re.M))
    assert chart.sections == list(table) == ["core", "lync"]
    for group, hours in table.items():
        charted = sum(t.hours for t in chart.in_section(group) if not t.tags)
        assert abs(charted - float(hours)) <= 1, (group, charted, hours)  # 1: a DST week


def test_the_action_steps_run_as_the_runner_runs_them(tmp_path: Path) -> None:
    # azlab is this checkout's, installed in the test's venv: the pip step is the slow test's.
    runner, summary = run_the_action(
        tmp_path, Path(sys.executable).parent, ROOT, skip=("Install azlab",)
    )
    _check_report(runner, summary)


def test_a_failing_plan_fails_the_action_and_still_reports(tmp_path: Path) -> None:
    (tmp_path / "repo" / "plans").mkdir(parents=True)
    bad = "version: 1\nname: broken\nlocation: westus2\nresource_group: rg\ngroups: [{}]\n"
    (tmp_path / "repo" / "plans" / "broken.yaml").write_text(bad)
    inputs = _inputs_from_plan_check()
    runner = StepRunner(
        tmp_path / "repo",
        {f"inputs.{k}": v for k, v in inputs.items()} | {"runner.temp": str(tmp_path)},
        {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
            "RUNNER_TEMP": str(tmp_path),
        },
    )
    steps = _yaml(ACTION)["runs"]["steps"]
    validate = runner.run(_step(steps, "Validate plans"))
    assert validate is not None and validate.returncode == 2
    rehearse = runner.run(_step(steps, "Rehearse plans"))
    assert rehearse is not None and rehearse.returncode == 1
    assert (tmp_path / "summary.md").read_text().startswith("## azlab rehearse: FAILED")


def test_ci_runs_the_suite_against_the_newest_releases_on_a_schedule() -> None:
    workflow: dict[str, Any] = yaml.safe_load((WORKFLOWS / "ci.yml").read_text())
    assert workflow[True]["schedule"], "ci.yml has no schedule"
    job = workflow["jobs"]["test-latest"]
    assert "schedule" in job["if"]
    assert any(s.get("run") == "make test-latest" for s in job["steps"])
    assert re.search(r"^test-latest:", (ROOT / "Makefile").read_text(), re.M)


@pytest.mark.soak  # 40 s to well over a minute on a busy machine: `make soak` runs it
def test_the_action_end_to_end_from_a_fresh_python(tmp_path: Path) -> None:
    """Every run step, the pip install of the action's checkout included, in a fresh venv.

    test_the_action_steps_run_as_the_runner_runs_them is its fast variant (all but pip)."""
    from tests.repo.fresh_install import copy_of_checkout, fresh_venv, install_offline

    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    action_path = copy_of_checkout(tmp_path / "action")
    venv_bin = fresh_venv(tmp_path / "venv", pip=True)
    # What pip would fetch from the index on a runner: azlab's dependencies and its build
    # backend. The action's own pip step then finds them and builds azlab from its checkout.
    install_offline(
        venv_bin, *project["project"]["dependencies"], *project["build-system"]["requires"]
    )
    # pip reads PIP_NO_BUILD_ISOLATION=0 as --no-build-isolation (its negative flags invert).
    offline = {"PIP_NO_INDEX": "1", "PIP_NO_BUILD_ISOLATION": "0"}
    started = time.monotonic()
    runner, summary = run_the_action(tmp_path, venv_bin, action_path, extra_env=offline)
    _check_report(runner, summary)
    where = subprocess.run(
        [str(venv_bin / "python"), "-c", "import azlab; print(azlab.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert Path(where.stdout.strip()).is_relative_to(tmp_path / "venv"), where.stdout
    print(f"the action, end to end: {time.monotonic() - started:.1f} s")
