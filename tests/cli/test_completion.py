"""Shell completion: `azlab --show-completion` prints a script; the script's calls complete."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

AZLAB = str(Path(sys.executable).parent / "azlab")


def test_show_completion_prints_a_bash_script() -> None:
    done = subprocess.run([AZLAB, "--show-completion", "bash"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _azlab_completion azlab" in done.stdout
    assert "_AZLAB_COMPLETE=complete_bash" in done.stdout


def test_the_completion_call_completes_commands_and_subcommands() -> None:
    def complete(words: str) -> list[str]:
        env = {
            **os.environ,
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(words.split(" ")) - 1),
            "_AZLAB_COMPLETE": "complete_bash",
        }
        done = subprocess.run([AZLAB], capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("azlab sch") == ["schema", "schedule", "scheduler"]
    assert complete("azlab scheduler ") == ["deploy", "remove", "status"]
    assert complete("azlab schedule ") == ["show"]
    assert "setup" in complete("azlab sandbox ")
