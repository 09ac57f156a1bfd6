"""Print the installed packages whose versions differ from requirements.lock.

Usage: python scripts/lock_drift.py requirements.lock  (run with the venv's python)
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked(lock: Path) -> dict[str, str]:
    return {canonical(name): version for name, version in PIN.findall(lock.read_text())}


def installed() -> dict[str, str]:
    found = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonical(name) != "azlab":
            found[canonical(name)] = dist.version
    return found


def main() -> int:
    pins = locked(Path(sys.argv[1]))
    now = installed()
    rows = [
        f"  {name}: {pins.get(name, '(not locked)')} -> {now.get(name, '(not installed)')}"
        for name in sorted(pins.keys() | now.keys())
        if pins.get(name) != now.get(name) and name not in {"pip", "setuptools"}
    ]
    print(f"{len(rows)} versions differ from {sys.argv[1]}:" if rows else "All versions as locked.")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
