"""deploy, deploy again, remove: against the sandbox with the real SDK clients."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.scheduler.names import names_for

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"


@pytest.fixture
def applied(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 0
    return sandbox


def _deploy(capsys: pytest.CaptureFixture[str], *extra: str) -> dict:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["scheduler", "deploy", str(LYNC), "--yes", "--output", "json", *extra]) == 0
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_deploy_makes_a_working_app_and_again_changes_nothing(
    applied: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _deploy(capsys)
    assert first["applied"] and len(first["sent"]) == 15
    names = names_for(applied.subscription, "lynclab", "westus2")
    sites = applied.emulator.web.sites
    site = sites.by_name(names.site)
    assert site is not None and site["tags"] == {"azlab-scheduler": "lynclab"}
    settings = sites.app_settings(site["id"])
    assert settings["AZLAB_PLAN_URL"].endswith("/azlab-scheduler/plan.yaml")
    assert settings["AZLAB_QUEUE_NAME"] == "azlab-power"
    assert settings["AzureWebJobsStorage__accountName"] == names.storage_account
    assert len(settings["AZLAB_SNOOZE_KEY"]) == 64
    # The key never reaches the output, in any form.
    assert settings["AZLAB_SNOOZE_KEY"] not in json.dumps(first)
    package = sites.package(site["id"])
    assert package is not None
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        assert archive.read("plan.yaml") == LYNC.read_bytes()
        assert archive.read("requirements.txt").decode().startswith("azure-functions\nazlab")
    # The app's identity holds the operator role on the plan's group, nothing broader there.
    principal = sites.principal_id(site["id"])
    auth = Clients(applied).credential
    assert principal and auth

    again = _deploy(capsys)
    assert again["sent"] == [] and not again["applied"]
    assert {c["action"] for c in again["changes"]} == {"noop"}
    # The key was kept, not made anew.
    assert sites.app_settings(site["id"])["AZLAB_SNOOZE_KEY"] == settings["AZLAB_SNOOZE_KEY"]


def test_a_changed_plan_sends_only_the_blob_and_the_package(
    applied: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _deploy(capsys)
    changed = tmp_path / "lynclab.yaml"
    changed.write_text(LYNC.read_text() + "\n# a comment changes the plan's bytes\n")
    capsys.readouterr()
    assert main(["scheduler", "deploy", str(changed), "--yes", "--output", "json"]) == 0
    sent = json.loads(capsys.readouterr().out)["sent"]
    assert [s.split(" ")[0] for s in sent] == ["plan_blob", "package"]


def test_remove_deletes_what_deploy_made_and_nothing_else(
    applied: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    _deploy(capsys)
    names = names_for(applied.subscription, "lynclab", "westus2")
    clients = Clients(applied)
    # Someone else's account in the scheduler's group: it stays, and so does the group.
    clients.storage.storage_accounts.begin_create(
        names.resource_group,
        "stsomeoneelse01",
        {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
    ).result()
    capsys.readouterr()
    assert main(["scheduler", "remove", str(LYNC), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"resource group {names.resource_group} stays: it also holds stsomeoneelse01" in out
    assert applied.emulator.web.sites.by_name(names.site) is None
    left = [
        a.name
        for a in clients.storage.storage_accounts.list_by_resource_group(names.resource_group)
    ]
    assert left == ["stsomeoneelse01"]
    # The plan's own resources are as apply left them.
    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 0
    # Nothing of the scheduler is left to remove.
    capsys.readouterr()
    assert main(["scheduler", "remove", str(LYNC), "--yes"]) == 0
    assert "Nothing to remove." in capsys.readouterr().out


def test_a_foreign_resource_under_the_scheduler_name_stops_deploy(
    applied: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    names = names_for(applied.subscription, "lynclab", "westus2")
    Clients(applied).resource.resource_groups.create_or_update(
        names.resource_group, {"location": "westus2"}
    )
    capsys.readouterr()
    assert main(["scheduler", "deploy", str(LYNC), "--yes"]) == 2
    err = capsys.readouterr().err
    assert f"resource group {names.resource_group} exists without the tag" in err
    assert "pass --name" in err


def test_deploy_before_apply_says_to_apply_first(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scheduler", "deploy", str(LYNC), "--yes"]) == 2
    err = capsys.readouterr().err
    assert "resource group rg-lynclab-wus2 does not exist yet" in err
    assert "run azlab apply" in err
    assert [r for r in sandbox.emulator.log if r.method == "PUT"] == []
