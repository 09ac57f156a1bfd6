"""requirements.lock pins, with hashes, every dependency pyproject.toml declares."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
# One entry: a pin line, then its continuation lines of hashes.
ENTRY = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M
)


def _pins() -> dict[str, tuple[str, int]]:
    return {
        canonicalize_name(name): (version, hashes.count("--hash="))
        for name, version, hashes in ENTRY.findall(LOCK.read_text())
    }


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    ]


def test_every_declared_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    wrong = []
    for req in _declared():
        pin = pins.get(canonicalize_name(req.name))
        if pin is None or not req.specifier.contains(pin[0], prereleases=True):
            wrong.append(f"{req} -> {pin[0] if pin else 'not in the lock'}")
    assert not wrong, "run `make lock`: " + "; ".join(wrong)


def test_every_pin_carries_a_hash() -> None:
    pins = _pins()
    pinned_lines = re.findall(r"^[A-Za-z0-9][^ \n]*==", LOCK.read_text(), re.M)
    assert len(pins) == len(pinned_lines) > 20
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []


def test_the_lock_names_no_index() -> None:
    text = LOCK.read_text()
    assert not re.search(r"^\s*(--index-url|--extra-index-url|--find-links|-e )", text, re.M)
