"""The console script starts, answers --help and --version, and never shows a traceback."""

from __future__ import annotations

import subprocess
import sys

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
