"""Malformed, hostile and oversized plans: each ends in one clear error, fast, no traceback."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.plan.loader import check_plan


def _bomb() -> bytes:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return ("version: 1\n" + text).encode()


CORPUS: dict[str, tuple[Callable[[], bytes], str]] = {
    "alias bomb": (_bomb, "expands to more than"),
    "deep flow nesting": (lambda: b"version: 1\nx: " + b"[" * 5000 + b"]" * 5000, "nested deeper"),
    "deep block nesting": (
        lambda: (
            "version: 1\n"
            + "".join("  " * i + f"k{i}:\n" for i in range(200))
            + "  " * 200
            + "v: 1\n"
        ).encode(),
        "nested deeper",
    ),
    "huge file": (lambda: b"version: 1\ntags:\n" + b"  k: v\n" * 800_000, "a plan is at most"),
    "latin-1": (lambda: "version: 1\nname: caf\xe9\n".encode("latin-1"), "not UTF-8"),
    "binary": (lambda: bytes(range(256)) * 4, "not UTF-8"),
    "tabs": (lambda: b"version: 1\nname: x\ngroups:\n\t- name: a\n", "YAML syntax"),
    "duplicate keys": (lambda: b"version: 1\nname: x\nname: y\n", "duplicate key 'name'"),
    "huge integer": (lambda: b"version: 1" + b"0" * 5000 + b"\n", "cannot read this value"),
    "not a mapping": (lambda: b"- 1\n- 2\n", "a plan is a YAML mapping"),
    "empty": (lambda: b"", "a plan is a YAML mapping"),
    "unterminated": (lambda: b'version: 1\nname: "x\n', "YAML syntax"),
}


@pytest.mark.parametrize("case", sorted(CORPUS))
def test_hostile_plan_gets_one_clear_error_fast(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make, expected = CORPUS[case]
    path = tmp_path / "plan.yaml"
    path.write_bytes(make())
    began = time.perf_counter()
    findings = check_plan(path)
    assert time.perf_counter() - began < 1.0
    assert [f.severity for f in findings] == ["error"]
    assert expected in findings[0].message
    assert main(["validate", str(path)]) == 2
    out, err = capsys.readouterr()
    assert f"{path}:" in out and "Traceback" not in out + err
