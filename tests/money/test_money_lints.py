"""AZL120 (the schedules overspend the budget) and AZL121 (ledger account not in the plan),
through `azlab validate` with the sandbox's price list."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
BUDGET = "budget: {monthly: 250, warn_at: [50%, 80%], at_limit: stop}"


def validate(path: Path) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["validate", str(path), "--output", "json"])
    return json.loads(out.getvalue())


def test_the_example_lab_fits_its_budget_and_a_smaller_one_is_warned(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    assert validate(LYNC)["findings"] == []
    small = tmp_path / "lab.yaml"
    small.write_text(
        LYNC.read_text().replace(
            BUDGET, "budget: {monthly: 100}\nledger: {storage_account: nosuch01}"
        )
    )
    found = {f["code"]: f for f in validate(small)["findings"]}
    assert set(found) == {"AZL120", "AZL121"}
    assert (
        found["AZL120"]["severity"] == "warning"
        and "over budget.monthly 100.00" in found["AZL120"]["message"]
    )
    line = next(
        n for n, text in enumerate(small.read_text().splitlines(), 1) if "monthly: 100" in text
    )
    assert found["AZL120"]["line"] == line


def test_no_price_list_no_budget_lint(tmp_path: Path) -> None:
    small = tmp_path / "lab.yaml"
    small.write_text(LYNC.read_text().replace(BUDGET, "budget: {monthly: 1}"))
    assert "AZL120" not in {f["code"] for f in validate(small)["findings"]}
