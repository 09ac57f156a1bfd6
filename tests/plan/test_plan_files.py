"""Every bad plan fails with its code at its line; every good plan validates clean.

A bad plan marks the offending line with a trailing `# <- AZLnnn` comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from azlab.plan import check_plan, lints

HERE = Path(__file__).parent / "plans"
ROOT = Path(__file__).resolve().parents[2]
ENV = {
    "AZURE_SUBSCRIPTION_ID": "00000000-0000-0000-0000-000000000000",
    "LAB_ADMIN_PASSWORD": "not-a-real-password",
    "LAB_PW": "x",
    "LAB_SSH_KEY": "ssh-ed25519 AAAA",
}
MARK = re.compile(r"#\s*<-\s*(AZL\d{3})")
BAD = sorted((HERE / "bad").glob("*.yaml"))
GOOD = sorted((HERE / "good").glob("*.yaml")) + sorted((ROOT / "plans").glob("*.yaml"))


def expected(path: Path) -> tuple[str, int]:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        match = MARK.search(line)
        if match:
            return match.group(1), number
    raise AssertionError(f"{path.name} has no '# <- AZLnnn' marker")


def test_there_are_at_least_forty_bad_plans() -> None:
    assert len(BAD) >= 40


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.stem)
def test_bad_plan_reports_its_code_at_its_line(path: Path) -> None:
    code, line = expected(path)
    findings = check_plan(path, env=ENV, allow_key_paths=())
    assert any(f.code == code and f.line == line for f in findings), "\n".join(map(str, findings))


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.stem)
def test_good_plan_validates_clean(path: Path) -> None:
    assert check_plan(path, env=ENV, allow_key_paths=()) == []


def test_every_code_has_a_bad_plan_and_a_docs_section() -> None:
    codes = set(re.findall(r"AZL\d{3}", lints.__doc__ or ""))
    shown = set(re.findall(r"^## (AZL\d{3}):", (ROOT / "docs" / "lints.md").read_text(), re.M))
    marked = {expected(path)[0] for path in BAD}
    assert codes, "the lint package lists its codes"
    assert codes - shown == set(), "codes without a docs/lints.md section"
    assert codes - marked == set(), "codes without a bad plan"
