"""plan / apply / status / destroy end to end: the CLI, the real SDK clients, the sandbox."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from azlab.azure.session import AzureSession, Target
from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main([*args, "--output", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_apply_creates_everything_and_a_second_apply_changes_nothing(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    code, before = run_json(capsys, "plan", str(LYNC))
    assert code == 0
    creates = [c for c in before["changes"] if c["action"] == "create"]
    kinds = {c["kind"] for c in creates}
    assert {"resource_group", "network", "storage_account", "container", "nic", "vm"} <= kinds
    assert all(
        c["source"] and c["source"].startswith(str(LYNC)) for c in creates if c["kind"] == "vm"
    )

    code, applied = run_json(capsys, "apply", str(LYNC), "--yes")
    assert code == 0, applied
    assert applied["ok"] is True
    assert len(applied["outcomes"]) == len(creates)

    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 0
    code, again = run_json(capsys, "apply", str(LYNC), "--yes")
    assert code == 0 and again["outcomes"] == []

    code, status = run_json(capsys, "status", str(LYNC))
    assert code == 0
    rows = {r["vm"]: r for r in status["vms"]}
    assert rows["dc01"]["power"] == "running"
    assert rows["dc01"]["private_ip"] == "10.2.0.4"
    assert rows["edge01"]["group"] == "lync"
    assert rows["dc01"]["next"].split()[0] in ("start", "stop")
    assert "America/Los_Angeles" in rows["dc01"]["next"]


def test_detailed_exitcode_reports_pending_changes(sandbox: Sandbox) -> None:
    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 2


def test_change_in_place_shows_old_and_new(
    sandbox: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["apply", str(LYNC), "--yes"]) == 0
    # A tag someone else added (Azure Policy, a person) is not drift and survives the update.
    sql = clients.compute.virtual_machines.get("rg-lynclab-wus2", "sql01")
    clients.compute.virtual_machines.begin_update(
        "rg-lynclab-wus2", "sql01", {"tags": {**(sql.tags or {}), "costcenter": "42"}}
    ).result()
    edited = tmp_path / "lynclab.yaml"
    edited.write_text(LYNC.read_text().replace("size: Standard_B4ms", "size: Standard_D4s_v5", 1))
    code, view = run_json(capsys, "plan", str(edited))
    assert code == 0
    updates = [c for c in view["changes"] if c["action"] == "update"]
    assert [(u["name"], u["fields"][0]["old"], u["fields"][0]["new"]) for u in updates] == [
        ("sql01", "Standard_B4ms", "Standard_D4s_v5")
    ]
    assert main(["apply", str(edited), "--yes"]) == 0
    assert main(["plan", str(edited), "--detailed-exitcode"]) == 0
    sql = clients.compute.virtual_machines.get("rg-lynclab-wus2", "sql01")
    assert sql.hardware_profile.vm_size == "Standard_D4s_v5"
    assert sql.tags["costcenter"] == "42"


def test_create_time_change_is_refused_without_replace(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["apply", str(LYNC), "--yes"]) == 0
    edited = tmp_path / "lynclab.yaml"
    edited.write_text(
        LYNC.read_text().replace(
            "MicrosoftSQLServer:sql2022-ws2022:standard-gen2:latest",
            "MicrosoftSQLServer:sql2022-ws2022:enterprise-gen2:latest",
        )
    )
    capsys.readouterr()
    assert main(["apply", str(edited), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "sql01 needs replacing" in err and "--replace sql01" in err
    assert main(["apply", str(edited), "--yes", "--replace", "sql01"]) == 0
    assert main(["plan", str(edited), "--detailed-exitcode"]) == 0


def _add_vm_by_hand(sandbox: Sandbox) -> None:
    """A VM, NIC and disk someone made in the portal: same group, no azlab tag."""

    async def go() -> None:
        target = Target(sandbox.subscription, sandbox.endpoint, str(sandbox.ca_file), 0.02)
        async with AzureSession(target) as s:
            rg = "rg-lynclab-wus2"
            subnet = (await s.network.subnets.get(rg, "vnet-wus2-10-2", "core")).id
            nic = await (
                await s.network.network_interfaces.begin_create_or_update(
                    rg,
                    "jump01-nic",
                    {
                        "location": "westus2",
                        "properties": {
                            "ipConfigurations": [
                                {"name": "ip", "properties": {"subnet": {"id": subnet}}}
                            ]
                        },
                    },
                )
            ).result()
            await (
                await s.compute.virtual_machines.begin_create_or_update(
                    rg,
                    "jump01",
                    {
                        "location": "westus2",
                        "tags": {"owner": "someone"},
                        "properties": {
                            "hardwareProfile": {"vmSize": "Standard_B1s"},
                            "storageProfile": {
                                "imageReference": {
                                    "publisher": "Canonical",
                                    "offer": "o",
                                    "sku": "s",
                                    "version": "latest",
                                },
                                "osDisk": {"createOption": "FromImage"},
                            },
                            "osProfile": {"adminUsername": "u", "adminPassword": "p"},
                            "networkProfile": {"networkInterfaces": [{"id": nic.id}]},
                        },
                    },
                )
            ).result()

    asyncio.run(go())


def test_unmanaged_vm_survives_prune_and_destroy(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["apply", str(LYNC), "--yes"]) == 0
    _add_vm_by_hand(sandbox)
    text = LYNC.read_text()
    smaller = tmp_path / "lynclab.yaml"
    smaller.write_text(text[: text.index("      - name: edge01")])  # the plan drops edge01

    code, view = run_json(capsys, "plan", str(smaller))
    assert code == 0
    actions = {c["name"]: c["action"] for c in view["changes"]}
    assert actions["edge01"] == "orphan"
    assert actions["jump01"] == "not-managed"

    code, pruned = run_json(capsys, "apply", str(smaller), "--yes", "--prune")
    assert code == 0
    deleted = {o["name"] for o in pruned["outcomes"]}
    assert "edge01" in deleted and "jump01" not in deleted

    code, gone = run_json(capsys, "destroy", str(smaller), "--yes")
    assert code == 0 and gone["ok"]
    resources = sandbox.emulator.state.resources
    names = {r["name"] for r in resources.values()}
    assert {"jump01", "jump01-nic"} <= names  # the hand-made VM and its NIC are untouched
    assert "dc01" not in names and "sql01-data0" not in names
    # The group and the vNet the stray NIC uses stay, because something unmanaged lives there.
    assert "rg-lynclab-wus2" in names


def test_missing_secret_stops_before_any_change(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LAB_ADMIN_PASSWORD")
    writes_before = [r for r in sandbox.emulator.log if r.method != "GET"]
    assert main(["apply", str(LYNC), "--yes"]) == 2
    assert "LAB_ADMIN_PASSWORD" in capsys.readouterr().err
    assert [r for r in sandbox.emulator.log if r.method != "GET"] == writes_before


def test_apply_without_terminal_or_yes_refuses(
    sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["apply", str(LYNC)]) == 2
    assert "pass --yes" in capsys.readouterr().err
