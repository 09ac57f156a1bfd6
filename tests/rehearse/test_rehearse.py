"""`azlab rehearse` end to end: green plans, ARM failures at their line, hand-computed weeks.

Each rehearsal starts a sandbox of its own (with Azurite when installed), so
plans that can share one are rehearsed together, as a user would.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.rehearse.report import as_data, as_markdown
from azlab.rehearse.run import rehearse

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
OFFICE = ('start: [{at: "08:00", days: weekdays}]', 'stop: [{at: "18:00", days: daily}]')


def variant(folder: Path, name: str, *edits: tuple[str, str]) -> Path:
    """lynclab under another name, group and storage account, with edits."""
    text = LYNC.read_text()
    for old, new in (
        ("name: lynclab", f"name: {name}"),
        ("resource_group: rg-lynclab-wus2", f"resource_group: rg-{name}"),
        ("stwus2lynclab01", f"st{name.replace('-', '')}01"),
        *edits,
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def plan_report(report: dict[str, Any], path: Path) -> dict[str, Any]:
    return next(p for p in report["plans"] if p["path"] == str(path))


def step(plan: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in plan["steps"] if s["step"] == name)


def hours(plan: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """Per group: running hours and the week's length."""
    return {g["group"]: (g["running_hours"], g["week_hours"]) for g in plan["week"]["groups"]}


# One sandbox: the example plan, a plan wanting its storage account name, and a VM whose
# image is Windows while the plan says linux.
@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("mixed")
    taken = folder / "taken.yaml"
    taken.write_text(
        LYNC.read_text()
        .replace("name: lynclab", "name: lynclab-taken", 1)
        .replace("resource_group: rg-lynclab-wus2", "resource_group: rg-taken", 1)
    )
    wrong_os = variant(folder, "wrongos", ("        os: windows", "        os: linux"))
    code, out, err = cli(
        "rehearse", str(LYNC), str(taken), str(wrong_os), "--week-of", "2026-11-25", "-o", "json"
    )
    yield {"code": code, "report": json.loads(out), "stderr": err, "taken": taken, "os": wrong_os}


def test_the_example_plan_rehearses_green_with_hand_computed_hours(
    mixed: dict[str, Any],
) -> None:
    plan = plan_report(mixed["report"], LYNC)
    assert plan["ok"], plan
    assert [(s["step"], s["result"]) for s in plan["steps"]] == [
        ("validate", "passed"),
        ("apply", "passed"),
        ("plan again", "passed"),
        ("week of ticks", "passed"),
        ("destroy", "passed"),
    ]
    # Office hours in Los Angeles: Monday to Friday 08:00-18:00, 5 x 10 h of 168.
    assert hours(plan) == {"core": (50.0, 168.0), "lync": (50.0, 168.0)}
    core = plan["week"]["groups"][0]
    assert core["scheduled_hours"] == 50.0
    assert core["saved_share"] == round(1 - 50 / 168, 4)
    # 2016 ticks; azlab's tick ran where its inputs changed and acted at the 11 transitions.
    week = plan["week"]
    assert (week["ticks"], week["ticks_acted"]) == (2016, 11)
    assert week["ticks_run"] < 30
    assert plan["placeholder_secrets"] == ["LAB_ADMIN_PASSWORD"]


def test_a_storage_name_another_plan_took_fails_apply_at_its_line(mixed: dict[str, Any]) -> None:
    taken: Path = mixed["taken"]
    plan = plan_report(mixed["report"], taken)
    apply = step(plan, "apply")
    assert apply["result"] == "failed"
    assert f"{taken}:{line_of(taken, '- name: stwus2lynclab01')}: " in apply["detail"]
    assert "StorageAccountAlreadyTaken" in apply["detail"] or "already taken" in apply["detail"]
    assert step(plan, "week of ticks")["result"] == "skipped"
    # What the failed apply created is cleaned up.
    assert step(plan, "destroy")["result"] == "passed"


def test_an_image_of_another_os_fails_apply_at_the_vms_line(mixed: dict[str, Any]) -> None:
    wrong: Path = mixed["os"]
    code, _, _ = cli("validate", str(wrong))
    assert code == 0  # offline checks cannot know what OS an image holds
    apply = step(plan_report(mixed["report"], wrong), "apply")
    assert apply["result"] == "failed"
    assert f"{wrong}:{line_of(wrong, '- name: dc01')}: " in apply["detail"]
    assert "Windows image" in apply["detail"]


def test_exit_code_and_progress_lines(mixed: dict[str, Any]) -> None:
    assert mixed["code"] == 1 and not mixed["report"]["ok"]
    err = mixed["stderr"]
    assert f"{LYNC}: week of ticks: simulated up to Tue 2026-11-24 00:00 PST" in err
    assert f"{LYNC}: destroy passed in" in err
    assert "Traceback" not in err


def test_a_dst_week_rehearses_with_hand_computed_hours(tmp_path: Path) -> None:
    # Clocks go back an hour at 02:00 on Sunday 1 November 2026: 01:00 to 02:00 happens twice.
    night = variant(
        tmp_path,
        "night",
        (OFFICE[0], 'start: [{at: "01:30", days: daily}]'),
        (OFFICE[1], 'stop: [{at: "03:00", days: daily}]'),
    )
    run = rehearse([night], date(2026, 10, 28))
    assert run.ok, as_markdown(run)
    plan = as_data(run)["plans"][0]
    # 1.5 h a night; on Sunday 01:30 fires at its first occurrence (PDT) and 03:00 is PST,
    # 2.5 h later. The week holds 169 hours.
    assert hours(plan) == {"core": (6 * 1.5 + 2.5, 169.0), "lync": (6 * 1.5 + 2.5, 169.0)}
    assert plan["week"]["groups"][0]["scheduled_hours"] == 11.5
    markdown = as_markdown(run)
    assert markdown.startswith("## azlab rehearse: passed")
    assert "| core | 2 | 11.5 | 11.5 | 169 | 93.2% |" in markdown
    assert "Placeholder secrets used" in markdown and "`LAB_ADMIN_PASSWORD`" in markdown


def test_a_plan_that_fails_validation_stops_there_without_a_sandbox(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(LYNC.read_text().replace("version: 1", "version: 7", 1))
    code, out, err = cli("rehearse", str(broken), "--output", "markdown")
    assert code == 1
    assert "| validate | **failed** |" in out
    assert "| apply | skipped |" in out and "validate failed" in out
    assert "starting a throwaway sandbox" not in err


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    code, _, err = cli("rehearse", str(tmp_path / "missing.yaml"))
    assert code != 0 and "no such plan file" in err and "Traceback" not in err
    code, _, err = cli("rehearse", str(LYNC), "--week-of", "next tuesday")
    assert code != 0 and "is not a date" in err
