"""`--host automation`: the account, package, runbook and schedules, against the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox
from azlab.scheduler.automation import runbook_source, runbook_text
from azlab.scheduler.names import names_for
from azlab.scheduler.package import runbooks_dir

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"


def test_runbook_text_sets_its_settings_after_the_future_import() -> None:
    text = runbook_text(runbook_source(runbooks_dir()), {"AZLAB_PLAN_URL": "https://x/p.yaml"})
    compile(text, "runbook", "exec")  # a misplaced __future__ import would not compile
    future = text.index("from __future__ import annotations")
    assert future < text.index("os.environ.setdefault('AZLAB_PLAN_URL', 'https://x/p.yaml')")
    assert text.endswith(runbook_source(runbooks_dir()).split("annotations\n", 1)[1])


def test_automation_deploy_again_and_remove(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 0
    deploy = ["scheduler", "deploy", str(LYNC), "--host", "automation", "--yes", "-o", "json"]
    capsys.readouterr()
    assert main(deploy) == 0
    first = json.loads(capsys.readouterr().out)
    kinds = [s.split(" ")[0] for s in first["sent"]]
    assert kinds[:9] == [
        "resource_group",
        "storage_account",
        "container",
        "plan_blob",
        "automation_account",
        "python_package",
        "runbook",
        "schedule",
        "job_schedule",
    ]
    assert kinds[9:] == ["role_definition"] * 2 + ["role_assignment"] * 3
    names = names_for(sandbox.subscription, "lynclab", "westus2")
    automation = sandbox.emulator.automation
    [account] = automation.accounts.ids()
    assert account.lower() == names.automation_id.lower()
    [package] = automation.accounts.packages(account)
    assert package["name"] == "azlab" and package["uri"].split("?")[0].endswith(".whl")
    # The package's SAS never reaches the output.
    assert package["uri"].split("sig=")[1] not in json.dumps(first)
    [linked] = automation.runbooks.job_schedules(account)
    assert linked["runbook"] == "azlab-tick" and linked["runbookType"] == "Python3"
    assert "os.environ.setdefault('AZLAB_PLAN_URL'" in linked["content"]
    assert linked["schedule"]["properties"]["frequency"] == "Hour"

    capsys.readouterr()
    assert main(deploy) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["sent"] == [] and {c["action"] for c in again["changes"]} == {"noop"}

    assert main(["scheduler", "remove", str(LYNC), "--host", "automation", "--yes"]) == 0
    assert automation.accounts.ids() == []
    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 0
