"""`azlab schedule show` names the holidays and skip dates on which nothing starts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from azlab.cli.main import main
from azlab.plan.schema import plan_json_schema

PLAN = Path(__file__).parents[1] / "plan" / "plans" / "good" / "holidays.yaml"


def test_schedule_show_lists_the_skipped_holidays(capsys: pytest.CaptureFixture[str]) -> None:
    at = "2026-12-21T12:00:00+00:00"
    assert main(["schedule", "show", str(PLAN), "--at", at, "--days", "14", "-o", "json"]) == 0
    core = json.loads(capsys.readouterr().out)["groups"][0]
    assert core["skips"] == [
        {"date": "2026-12-24", "reason": "skip date"},
        {"date": "2026-12-25", "reason": "Christmas Day (US-CA)"},
        {"date": "2027-01-01", "reason": "New Year's Day (US-CA)"},
    ]
    starts = [t["local"][:10] for t in core["transitions"] if t["kind"] == "start"]
    assert "2026-12-24" not in starts and "2026-12-25" not in starts and "2026-12-23" in starts
    assert main(["schedule", "show", str(PLAN), "--at", at, "--days", "14"]) == 0
    assert "skips 2026-12-25: no start (Christmas Day (US-CA))" in capsys.readouterr().out


def test_the_mapping_form_passes_the_published_schema() -> None:
    document = YAML(typ="safe").load(PLAN.read_text())
    jsonschema.validate(json.loads(json.dumps(document, default=str)), plan_json_schema())
