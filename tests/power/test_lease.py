"""Group leases: a blob lease in the plan's storage account, a file lock without one."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from azlab.azure.session import AzureSession, Target
from azlab.cli.main import main
from azlab.errors import BusyError
from azlab.plan import load_plan
from azlab.power import lease
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
ACCOUNT = "stwus2lynclab01"


def lync_plan(**changes: Any) -> Any:
    plan = load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": "x"}).plan
    return plan.model_copy(update=changes)


@pytest.fixture
def lab(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_LOCK_DIR", str(tmp_path / "locks"))
    assert main(["apply", str(LYNC), "--yes"]) == 0
    return sandbox


def lease_state(clients: Clients, group: str) -> str:
    service: BlobServiceClient = clients.blob_service(ACCOUNT, resource_group="rg-lynclab-wus2")
    blob = service.get_blob_client(lease.CONTAINER, f"lynclab/{group}")
    return str(blob.get_blob_properties().lease.state)


async def race_for(plan: Any, groups: list[str], wait: float) -> tuple[str, str]:
    """Hold `groups` as `up` while a `tick` tries for them for `wait` seconds."""
    target = Target.from_env(plan.subscription)
    async with AzureSession(target) as session:
        async with lease.group_leases(session, plan, groups, command="up") as where:
            with pytest.raises(BusyError) as busy:
                async with lease.group_leases(
                    session, plan, ["lync", *groups], command="tick", wait=wait
                ):
                    pass
        # Released: the tick gets them now.
        async with lease.group_leases(session, plan, groups, command="tick", wait=0):
            pass
    return where, busy.value.message


def test_a_blob_lease_is_held_reported_and_released(lab: Sandbox, clients: Clients) -> None:
    plan = lync_plan()
    where, message = asyncio.run(race_for(plan, ["core"], 0.5))
    assert where == f"blob leases in {ACCOUNT}/{lease.CONTAINER}"
    assert message.startswith("group core is busy: azlab up on ")
    assert "waited 0.5s" in message and ACCOUNT in message
    # All or none: the tick's lease on lync was given back when core was busy.
    assert lease_state(clients, "core") == "available"
    assert lease_state(clients, "lync") == "available"


def test_a_held_lease_is_renewed_past_its_duration(
    lab: Sandbox, clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lease, "LEASE_SECONDS", 15)  # Azure's shortest
    monkeypatch.setattr(lease, "RENEW_SECONDS", 2.0)
    plan = lync_plan()

    async def hold_long() -> str:
        async with (
            AzureSession(Target.from_env(plan.subscription)) as session,
            lease.group_leases(session, plan, ["core"], command="up"),
        ):
            await asyncio.sleep(17)
            return lease_state(clients, "core")

    assert asyncio.run(hold_long()) == "leased"
    assert lease_state(clients, "core") == "available"


def test_without_storage_a_file_lock_guards_the_group(lab: Sandbox, tmp_path: Path) -> None:
    plan = lync_plan(storage_accounts=[])
    where, message = asyncio.run(race_for(plan, ["core", "lync"], 0.3))
    assert where == f"file locks in {tmp_path / 'locks'}"
    assert "group core is busy: azlab up on " in message
    assert (tmp_path / "locks" / "lynclab.core.lock").exists()


def test_a_busy_group_fails_up_with_one_line(
    lab: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = lync_plan()

    async def up_while_held() -> int:
        async with (
            AzureSession(Target.from_env(plan.subscription)) as session,
            lease.group_leases(session, plan, ["core"], command="tick"),
        ):
            return await asyncio.to_thread(main, ["up", str(LYNC), "core", "--lock-wait", "1s"])

    capsys.readouterr()
    assert asyncio.run(up_while_held()) == 1
    err = capsys.readouterr().err
    assert "group core is busy: azlab tick on " in err and "Traceback" not in err
