"""`azlab validate` and `azlab schema` exit codes and output shapes."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from azlab.cli.main import main
from azlab.plan.schema import plan_json_schema

ROOT = Path(__file__).resolve().parents[2]
GOOD = Path(__file__).parent / "plans" / "good" / "minimal.yaml"
BAD = Path(__file__).parent / "plans" / "bad"


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")


def test_clean_plan_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(GOOD)]) == 0
    assert "0 error(s), 0 warning(s): ok" in capsys.readouterr().out


def test_error_exits_two_and_names_file_line_and_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(BAD / "subnet-outside.yaml")]) == 2
    out = capsys.readouterr().out
    assert "subnet-outside.yaml:11:" in out
    assert "error[AZL020]" in out


def test_every_file_is_reported_not_only_the_first(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(BAD / "ip-outside.yaml"), str(BAD / "bad-zone.yaml")]
    assert main(["validate", *files]) == 2
    out = capsys.readouterr().out
    assert "AZL023" in out and "AZL050" in out
    assert out.strip().splitlines()[-1].startswith("2 files checked")


def test_warning_passes_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    warn = str(BAD / "rdp-open.yaml")
    assert main(["validate", warn]) == 0
    assert main(["validate", "--strict", warn]) == 2


def test_json_output_is_data(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--output", "json", str(BAD / "ip-twice.yaml")]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["errors"] == 1
    finding = data["findings"][0]
    assert {"path", "line", "col", "severity", "code", "message"} <= set(finding)
    assert finding["code"] == "AZL025"


def test_missing_file_is_an_error_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "no/such/plan.yaml"]) == 2
    assert "cannot read file" in capsys.readouterr().out


def test_schema_file_is_current_and_validates_example_plans() -> None:
    schema = plan_json_schema()
    committed = json.loads((ROOT / "plans" / "schema" / "azlab-plan-v1.json").read_text())
    assert committed == schema, "run `azlab schema -o plans/schema/azlab-plan-v1.json`"
    yaml = YAML(typ="safe")
    for path in [*sorted((ROOT / "plans").glob("*.yaml")), GOOD]:
        document = yaml.load(path.read_text())
        document["subscription"] = "00000000-0000-0000-0000-000000000000"
        jsonschema.validate(json.loads(json.dumps(document, default=str)), schema)


def test_schema_rejects_an_unknown_key() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": 1, "name": "x", "bogus": 1}, plan_json_schema())


def test_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "azlab plan, version 1"
