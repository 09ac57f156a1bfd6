"""A fresh virtual environment outside the checkout, filled offline, as a user's would be.

Dependencies come from the uv cache (`--offline`) within requirements.lock's pins, as a
user's `pip install` would resolve them from the index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)


def copy_of_checkout(dest: Path) -> Path:
    """The files a fresh clone would have, plus new ones not yet committed."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    assert listed.returncode == 0, listed.stderr
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the work tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    return dest


def fresh_venv(folder: Path, *, pip: bool = False) -> Path:
    """A virtual environment with nothing (or only pip) installed in it; its bin folder."""
    done = run([sys.executable, "-m", "venv", *([] if pip else ["--without-pip"]), str(folder)])
    assert done.returncode == 0, done.stderr
    return folder / ("Scripts" if os.name == "nt" else "bin")


def install_offline(venv_bin: Path, *requirements: str) -> None:
    """Install into the venv from the uv cache only, within the lock's pins."""
    python = str(venv_bin / "python")
    lock = str(ROOT / "requirements.lock")
    command = [str(BIN / "uv"), "pip", "install", "--quiet", "--offline", "--python", python]
    done = run([*command, "-c", lock, *requirements])
    assert done.returncode == 0, done.stdout + done.stderr
