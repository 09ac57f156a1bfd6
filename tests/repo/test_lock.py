"""requirements.lock pins, with hashes, every dependency pyproject.toml declares."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
# One entry: a pin line (with environment markers where Pythons differ), then its
# continuation lines of hashes.
ENTRY = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?: ;[^\\\n]*)?"
    r"((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)",
    re.M,
)


def _pins() -> list[tuple[str, str, int]]:
    return [
        (canonicalize_name(name), version, hashes.count("--hash="))
        for name, version, hashes in ENTRY.findall(LOCK.read_text())
    ]


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    ]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    wrong = []
    for req in _declared():
        versions = [v for name, v, _ in pins if name == canonicalize_name(req.name)]
        if not versions:
            wrong.append(f"{req} -> not in the lock")
        wrong += [
            f"{req} -> {v}" for v in versions if not req.specifier.contains(v, prereleases=True)
        ]
    assert not wrong, "run `make lock`: " + "; ".join(wrong)


def test_every_pin_carries_a_hash() -> None:
    pins = _pins()
    pinned_lines = re.findall(r"^[A-Za-z0-9][^ \n]*==", LOCK.read_text(), re.M)
    assert len(pins) == len(pinned_lines) > 20
    assert [name for name, _, hashes in pins if hashes == 0] == []


def test_the_lock_covers_every_python_ci_tests() -> None:
    # 3.10 needs backports the others have in the standard library.
    names = {name for name, _, _ in _pins()}
    assert {"tomli", "exceptiongroup"} <= names
    assert "python_full_version < '3.11'" in LOCK.read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^MAIN_LOCK_FLAGS :=.*--universal --python-version 3\.10$", makefile, re.M)


def test_the_lock_names_no_index() -> None:
    text = LOCK.read_text()
    assert not re.search(r"^\s*(--index-url|--extra-index-url|--find-links|-e )", text, re.M)
