"""Where the sandbox looks for Azurite, and `azlab sandbox setup`, which puts it there.

A checkout has Azurite in its `node_modules/` (`make setup`). An installed
wheel has no `package.json`, so Azurite is found, in this order:
1. `AZLAB_AZURITE_DIR`: an Azurite package folder (`.../node_modules/azurite`);
2. `node_modules/azurite` above azlab's own files (a checkout, `make setup`);
3. the user's data folder, where `azlab sandbox setup` installs the pinned
   version with npm (`AZLAB_DATA_DIR`, or the platform's usual place);
4. `node_modules/azurite` in the current folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from azlab.errors import SandboxError

# The version the sandbox is tested with; package.json pins the same one (a test checks).
AZURITE_VERSION = "3.37.0"
ENTRY = Path("dist") / "src" / "blob" / "main.js"


def user_data_dir() -> Path:
    """azlab's data folder: AZLAB_DATA_DIR, else where the platform keeps application data."""
    configured = os.environ.get("AZLAB_DATA_DIR")
    if configured:
        return Path(configured)
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "azlab"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "azlab"
    return Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share") / "azlab"


def setup_prefix() -> Path:
    """The npm prefix `azlab sandbox setup` installs into (one per Azurite version)."""
    return user_data_dir() / f"azurite-{AZURITE_VERSION}"


def _usable(folder: Path) -> bool:
    return (folder / ENTRY).exists()


def version_of(folder: Path) -> str | None:
    """The version an Azurite package folder holds (its package.json), if it says."""
    try:
        version = json.loads((folder / "package.json").read_text()).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return version if isinstance(version, str) else None


def find_azurite() -> Path | None:
    """The first usable Azurite package folder, in the order the module docstring gives."""
    configured = os.environ.get("AZLAB_AZURITE_DIR")
    if configured:
        # A setting that points nowhere is a mistake to report, not to step over.
        return Path(configured) if _usable(Path(configured)) else None
    here = Path(__file__).resolve()
    candidates = [parent / "node_modules" / "azurite" for parent in here.parents]
    candidates.append(setup_prefix() / "node_modules" / "azurite")
    candidates.append(Path.cwd() / "node_modules" / "azurite")
    return next((c for c in candidates if _usable(c)), None)


def missing_hint() -> str:
    configured = os.environ.get("AZLAB_AZURITE_DIR")
    if configured and not _usable(Path(configured)):
        return f"AZLAB_AZURITE_DIR={configured} holds no Azurite package (no {ENTRY} in it)"
    return "run `azlab sandbox setup` (installs it with npm), or set AZLAB_AZURITE_DIR"


def install(progress: Callable[[str], None] = lambda _: None) -> Path:
    """Install the pinned Azurite with npm into the data folder; return its package folder."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        missing = "Node.js" if node is None else "npm"
        raise SandboxError(
            f"{missing} is not installed: the sandbox runs Azurite, its blob and queue storage, "
            "with Node.js",
            hint="install Node.js 18 or later with npm, then run `azlab sandbox setup` again "
            "(without it the sandbox serves storage accounts without their data)",
        )
    found = find_azurite()
    if found is not None and version_of(found) == AZURITE_VERSION:
        progress(f"Azurite {AZURITE_VERSION} is already installed in {found}")
        return found
    prefix = setup_prefix()
    target = prefix / "node_modules" / "azurite"
    prefix.mkdir(parents=True, exist_ok=True)
    progress(f"installing Azurite {AZURITE_VERSION} with npm into {prefix}")
    # npm's own configuration (registry, cache, proxy) applies; a warm cache is used first.
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund"]
    command += ["--no-save", "--prefer-offline", "--loglevel=error", f"azurite@{AZURITE_VERSION}"]
    done = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or not _usable(target):
        said = [
            # A registry URL may carry credentials (https://user:token@host/): never shown.
            re.sub(r"//[^/@\s]+@", "//***@", line.removeprefix("npm error").strip())
            for line in (done.stderr or done.stdout).splitlines()
            if line.strip() and "complete log of this run" not in line
        ]
        raise SandboxError(
            f"npm could not install azurite@{AZURITE_VERSION} into {prefix}: "
            + ("; ".join(said[:2]) if said else f"exit {done.returncode}"),
            hint="check npm's registry and proxy settings (npm config list), then run "
            "`azlab sandbox setup` again",
        )
    return target
