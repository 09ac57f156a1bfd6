"""No hostile plan makes any command print a secret: every byte of every output is scanned.

The corpus (tests/reliability/hostile.py) feeds `${LAB_SECRET}` to every field of
the schema, declared secret and undeclared, and adds key files that point at
other files. Each plan goes through `validate` and `plan` (text and JSON, DEBUG
logging on, against the sandbox); the valid ones through `apply` and `status`
too; then the whole corpus through the plan check's own steps (action.yml,
which the plan-check workflow uses: validate, then rehearse with its markdown
report appended to the job summary)
and `rehearse --output json`, as real processes. stdout, stderr, the job summary
and every file under AZLAB_STATE_DIR are searched for the secret, as is, URL-
encoded and JSON-escaped.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox
from tests.reliability.hostile import NAME, ROTATED, SECRET, Case, Corpus, environment, leaks

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"  # the steps .github/workflows/plan-check.yml runs


@pytest.fixture
def _logging_restored() -> Iterator[None]:
    """The in-process runs log at DEBUG; later tests in this process get logging as it was."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Case]:
    return Corpus(tmp_path_factory.mktemp("hostile")).build()


def test_the_corpus_covers_every_field_both_ways(corpus: list[Case]) -> None:
    fed = [c for c in corpus if "<- ${LAB_SECRET}" in c.name]
    assert len(fed) >= 120, len(fed)
    assert {c.name.rsplit("(", 1)[1] for c in fed} == {"secret)", "undeclared)"}
    for needed in ("groups[].vms[].admin.username", "tags.*", "tags.<key>", "subscription"):
        assert any(c.name.startswith(f"{needed} <-") for c in fed), needed
    assert sum(c.valid for c in corpus) >= 3


def _scan(label: str, text: str) -> None:
    assert "Traceback" not in text, f"{label}:\n{text[-2000:]}"
    assert not (found := leaks(text)), f"{label} leaked {found}:\n{text[-2000:]}"


@pytest.mark.slow
def test_validate_and_plan_never_print_the_secret(
    corpus: list[Case],
    sandbox: Sandbox,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    _logging_restored: None,
) -> None:
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    runs = 0
    codes: dict[str, int] = {}
    for case in corpus:
        p = str(case.path)
        commands = [
            ["validate", p],
            ["validate", p, "--output", "json"],
            ["plan", p],
            ["plan", p, "--output", "json"],
        ]
        if case.valid:
            commands += [["apply", p, "--yes", "--output", "json"], ["status", p]]
            # The secret changes: Azure's tags hold the old value, which plan must not show.
            commands += [["rotate"], ["plan", p], ["plan", p, "--output", "json"], ["unrotate"]]
            commands += [["destroy", p, "--yes"]]
        for argv in commands:
            if argv[0] in ("rotate", "unrotate"):
                monkeypatch.setenv(NAME, ROTATED if argv[0] == "rotate" else SECRET)
                continue
            code = main(argv)
            out, err = capfd.readouterr()
            runs += 1
            label = f"azlab {' '.join(argv[:1] + argv[2:])} [{case.name}]"
            _scan(label, out + err)
            if argv[-1] == "json" and argv[0] == "validate":
                json.loads(out)  # data, even for a hostile plan
            codes[f"{argv[0]} {case.name}"] = code
        if case.valid:
            assert codes[f"apply {case.name}"] == 0, case.name
    files = [f for f in (tmp_path / "state").rglob("*") if f.is_file()]
    for file in files:
        _scan(str(file), file.read_text(errors="replace"))
    # Hostile, not broken: a plan passes validation only with the secret where one may go.
    passed = {
        k.removeprefix("validate ") for k, v in codes.items() if k.startswith("validate") and v == 0
    }
    allowed = {"tags.*", "groups[].vms[].tags.*", "groups[].vms[].admin.username"}
    expected = {c.name for c in corpus if c.valid} | {
        f"{f} <- ${{LAB_SECRET}} (secret)" for f in allowed
    }
    assert passed == expected
    print(f"\nhostile corpus: {len(corpus)} plans, {runs} in-process runs scanned")


def _case_of(path: Path) -> str:
    """case007 for plans/case007.yaml and plans/case007/plan.yaml."""
    return path.stem if path.parent.name == "plans" else path.parent.name


def _action_steps(plans: str) -> list[tuple[str, dict[str, str]]]:
    """The plan check's validate and rehearse steps (action.yml, which plan-check.yml uses):
    each script with its environment, the action's inputs filled in."""
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text())
    inputs = {"inputs.plans": plans, "inputs.week-of": ""}
    steps = []
    for step in action["runs"]["steps"]:
        if step.get("name") in ("Validate plans", "Rehearse plans"):
            env = {k: inputs.get(str(v).strip("${} "), str(v)) for k, v in step["env"].items()}
            steps.append((step["run"], env))
    assert len(steps) == 2, "action.yml has no validate and rehearse steps"
    return steps


@pytest.mark.slow
@pytest.mark.soak
def test_the_plan_check_workflow_and_rehearse_json_never_print_the_secret(
    corpus: list[Case], tmp_path: Path
) -> None:
    if not (ROOT / "node_modules" / "azurite").is_dir():
        pytest.skip("Azurite is not installed (make setup)")
    # The corpus as a repository's plans/ folder holds it: one file per case, key files
    # beside them. Cases that name files by relative path keep their own folder.
    plans = tmp_path / "plans"
    plans.mkdir()
    for case in corpus:
        target = plans / f"{case.path.parent.name}.yaml"
        if any(p.name != "plan.yaml" for p in case.path.parent.iterdir()):
            target = plans / case.path.parent.name / "plan.yaml"
            target.parent.symlink_to(case.path.parent)
        else:
            target.symlink_to(case.path)
    summary = tmp_path / "summary.md"
    state = tmp_path / "state"
    env = {
        **os.environ,
        **environment(),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "AZLAB_AZURITE_DIR": str(ROOT / "node_modules" / "azurite"),
        "AZLAB_STATE_DIR": str(state),
    }
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    env["RUNNER_TEMP"] = str(runner_temp)
    # Every plan, with the action's own scripts; then the JSON report.
    steps = _action_steps("plans/*.yaml plans/*/plan.yaml")
    steps.append(("azlab rehearse plans/*.yaml plans/*/plan.yaml --output json", {}))
    for script, step_env in steps:
        done = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", script],
            cwd=tmp_path,
            env={**env, **step_env},
            capture_output=True,
            text=True,
            timeout=1200,
        )
        # The corpus fails validation and so the check; it must fail in words, not leaks.
        assert done.returncode in (1, 2), done.stderr[-3000:]
        _scan(script, done.stdout + done.stderr)
    report = summary.read_text()
    _scan("job summary", report)
    assert report.lower().startswith("## azlab rehearse: failed"), report[:500]
    # The valid plans were rehearsed all the way, key file plans with the placeholder key.
    data = json.loads(done.stdout)
    passed = {_case_of(Path(r["path"])) for r in data["plans"] if r["ok"]}
    valid = {c.path.parent.name for c in corpus if c.valid}
    never_read = next(c for c in corpus if "never read" in c.name).path.parent.name
    assert valid | {never_read} <= passed, (valid, passed)
    for file in (f for f in state.rglob("*") if f.is_file()):
        _scan(str(file), file.read_text(errors="replace"))
    assert SECRET not in report
