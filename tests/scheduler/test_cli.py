"""`azlab scheduler` on the command line: dry runs send nothing, bad input is one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
LYNC = str(ROOT / "plans" / "lynclab.yaml")


def test_dry_run_shows_everything_and_sends_nothing(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scheduler", "deploy", LYNC, "--dry-run", "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["applied"] is False and data["sent"] == []
    assert {c["action"] for c in data["changes"]} == {"create"}
    assert len(data["changes"]) == 15
    writes = [r for r in sandbox.emulator.log if r.method in ("PUT", "POST", "PATCH", "DELETE")]
    assert writes == []


def test_text_dry_run_reads_like_apply(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scheduler", "deploy", LYNC, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "  + function app azlab-lynclab-" in out
    assert "Deploy: 15 to create, 0 to update, 0 unchanged." in out
    assert "Dry run: nothing was sent." in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Bad_Name"], "--name 'Bad_Name': 2-60 lower-case letters"),
        (["--host", "vm"], "--host 'vm': choose functions or automation"),
    ],
)
def test_bad_flags_are_one_line_errors(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert main(["scheduler", "deploy", LYNC, "--dry-run", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_deploy_without_a_terminal_asks_for_yes(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scheduler", "deploy", LYNC]) == 2
    assert "pass --yes to proceed" in capsys.readouterr().err
    assert [r for r in sandbox.emulator.log if r.method == "PUT"] == []


def test_status_of_nothing_deployed_says_so_and_shows_next_actions(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scheduler", "status", LYNC, "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["deployed"] is False and data["runs"] == []
    assert {a["action"] for a in data["next_actions"]} == {"start", "stop"}
