"""The console script starts, answers --help and --version, and never shows a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from azlab import __version__
from azlab.cli.main import main


def test_version_flag_prints_version(capsys: object) -> None:
    assert main(["--version"]) == 0


def test_unknown_command_is_a_usage_error() -> None:
    assert main(["no-such-command"]) == 2


def test_console_script_runs_as_module() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "azlab", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"azlab {__version__}"


def test_an_unexpected_error_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from azlab.cli import validate

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("something azlab did not expect")

    monkeypatch.setattr(validate, "check_plan", broken)
    assert main(["validate", "plans/lynclab.yaml"]) == 1
    err = capsys.readouterr().err
    assert "azlab failed unexpectedly: RuntimeError: something azlab did not expect" in err
    assert "Traceback" not in err
