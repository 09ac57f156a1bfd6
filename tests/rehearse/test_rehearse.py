"""`azlab rehearse` against a throwaway sandbox: green plans, ARM failures with their line, weeks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.rehearse.week import order_problems

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"


def rehearse(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = main(["rehearse", *args, "--output", "json"])
    return code, json.loads(capsys.readouterr().out)


def hours(report: dict[str, Any], plan: int = 0) -> dict[str, tuple[float, float, float]]:
    week = report["plans"][plan]["week"]
    return {
        g["group"]: (g["running_hours"], g["week_hours"], round(g["saved_share"], 3))
        for g in week["groups"]
    }


def test_the_example_plan_rehearses_green_with_hand_computed_hours(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, report = rehearse(capsys, str(LYNC), "--week-of", "2026-11-25")
    assert code == 0 and report["ok"], report
    steps = report["plans"][0]["steps"]
    assert [s["step"] for s in steps] == [
        "validate",
        "apply",
        "plan again",
        "week of ticks",
        "destroy",
    ]
    assert all(s["ok"] for s in steps)
    # Office hours, Monday to Friday 08:00-18:00 in Los Angeles: 5 x 10 h of 168.
    assert hours(report) == {
        "core": (50.0, 168.0, round(1 - 50 / 168, 3)),
        "lync": (50.0, 168.0, round(1 - 50 / 168, 3)),
    }
    assert report["plans"][0]["placeholder_secrets"] == ["LAB_ADMIN_PASSWORD"]


def test_weeks_with_a_dst_change_are_an_hour_longer_or_shorter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Clocks go back on Sunday 1 November 2026 and forward on Sunday 8 March 2026 in Los Angeles.
    code, autumn = rehearse(capsys, str(LYNC), "--week-of", "2026-10-28")
    assert code == 0
    assert hours(autumn)["core"] == (50.0, 169.0, round(1 - 50 / 169, 3))
    code, spring = rehearse(capsys, str(LYNC), "--week-of", "2026-03-04")
    assert code == 0
    assert hours(spring)["lync"] == (50.0, 167.0, round(1 - 50 / 167, 3))


def variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    text = LYNC.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / f"{name}.yaml"
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_storage_name_another_plan_took_fails_apply_at_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    second = variant(
        tmp_path,
        "second",
        ("name: lynclab", "name: lynclab-two"),
        ("resource_group: rg-lynclab-wus2", "resource_group: rg-lynclab-two"),
    )
    code, report = rehearse(capsys, str(LYNC), str(second), "--week-of", "2026-11-25")
    assert code == 1 and not report["ok"]
    first, other = report["plans"]
    assert first["ok"]
    apply = next(s for s in other["steps"] if s["step"] == "apply")
    assert not apply["ok"]
    assert f"{second}:{line_of(second, '- name: stwus2lynclab01')}" in apply["detail"]
    assert "already taken" in apply["detail"]
    # What the failed apply left behind is cleaned up too.
    assert next(s for s in other["steps"] if s["step"] == "destroy")["ok"]


def test_an_image_of_another_os_fails_apply_at_the_vms_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = variant(tmp_path, "wrong-os", ("        os: windows", "        os: linux"))
    assert main(["validate", str(wrong)]) == 0  # offline checks cannot know the image's OS
    code, report = rehearse(capsys, str(wrong), "--week-of", "2026-11-25")
    assert code == 1
    apply = next(s for s in report["plans"][0]["steps"] if s["step"] == "apply")
    assert not apply["ok"]
    assert f"{wrong}:{line_of(wrong, '- name: dc01')}" in apply["detail"]
    assert "Windows image" in apply["detail"]


def test_a_plan_that_fails_validation_stops_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = variant(tmp_path, "broken", ("version: 1", "version: 7"))
    code, report = rehearse(capsys, str(broken))
    assert code == 1
    assert [s["step"] for s in report["plans"][0]["steps"]] == ["validate"]


def test_order_is_checked_against_the_plan_itself() -> None:
    from azlab.plan import load_plan

    plan = load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": "x"}).plan
    good = [("dc01", "start"), ("sql01", "start"), ("fe01", "start"), ("edge01", "start")]
    assert order_problems(plan, good) == []
    assert order_problems(plan, [("fe01", "start"), ("dc01", "start")])  # lync before core
    assert order_problems(plan, [("dc01", "deallocate"), ("sql01", "deallocate")])  # tier 0 first
