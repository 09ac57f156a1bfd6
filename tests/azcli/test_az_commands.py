"""The az CLI's everyday commands against the sandbox: each works, or fails for its listed reason."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.azcli.harness import DEFAULT_AZ, run_all, table

pytestmark = pytest.mark.azcli


@pytest.mark.timeout(3600)
def test_every_command_works_or_fails_as_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    az = Path(os.environ.get("AZLAB_AZ_CLI", DEFAULT_AZ))
    if not az.exists():
        pytest.fail(f"{az} is missing; run `make test-az` (it makes .venv-az)")
    outcomes = run_all(az, tmp_path)
    report = table(outcomes)
    with capsys.disabled():
        print("\n" + report)
    wrong = [
        f"{o.command.line}: "
        + (
            f"fails: {o.error}"
            if o.command.expect_fail is None
            else "works now; drop its expect_fail"
        )
        for o in outcomes
        if not o.as_expected
    ]
    wrong += [
        f"{o.command.line}: reached for {', '.join(o.off_loopback)}"
        for o in outcomes
        if o.off_loopback
    ]
    assert not wrong, "\n".join(wrong)
