"""A copy that outlives its SAS: a new one is made and the copy goes on, no byte moved twice.

The storage gateway refuses an expired SAS as Azure does (403 with the time frame in
`AuthenticationErrorDetail`; `CannotVerifyCopySource` when Put Page From URL reads a
source through one), and throttles each blob (`blob_limits`) so a copy takes longer
than its SAS lasts. "No byte twice" is the gateway's count of bytes Put Page From URL
wrote, against the source's allocated bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.copy.test_copy_e2e import MIB, account, allocated, run_copy, sparse
from tests.reliability.support import Figures


@pytest.fixture
def storage(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    yield sandbox
    sandbox.emulator.apply_settings(Settings(page_size=5))


def _moved(sandbox: Sandbox) -> int:
    gateway = sandbox.storage.gateway  # type: ignore[union-attr]
    return int(gateway.pages_from_url_bytes)


def _throttle(sandbox: Sandbox, rate: str) -> None:
    sandbox.emulator.apply_settings(Settings(page_size=5).with_changes({"blob_limits": rate}))


def _same(a: Any, b: Any) -> bool:
    return bool(a.download_blob().readall() == b.download_blob().readall())


def copy_outliving_its_sas(
    sandbox: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    figures: Figures,
    *,
    lifetime: str,
    allocated_mib: int,
    rate: str,
    label: str,
) -> None:
    service = account(clients, "stsasexp01")
    extents = [(i * 4 * MIB, 4 * MIB) for i in range(allocated_mib // 4)]
    source = sparse(service, "src.vhd", 2 * allocated_mib * MIB, extents)
    _throttle(sandbox, rate)
    before = _moved(sandbox)
    code, events, text = run_copy(
        capsys, "stsasexp01/vhds/src.vhd", "stsasexp01/vhds/dst.vhd", "--sas-lifetime", lifetime
    )
    assert code == 0, text[-2000:]
    done = events[-1]
    moved = _moved(sandbox) - before
    assert done["copied"] == done["allocated"] == allocated(source)
    assert done["sas_renewals"] >= 1, f"the copy took {done['seconds']}s, never past its SAS"
    assert moved == done["allocated"], f"{moved} bytes moved for {done['allocated']} allocated"
    _throttle(sandbox, "off")
    assert _same(source, service.get_blob_client("vhds", "dst.vhd"))
    figures.add(
        label,
        seconds=done["seconds"],
        sas_renewals=done["sas_renewals"],
        bytes_moved=moved,
        allocated=done["allocated"],
    )


def test_a_copy_outlives_a_2s_sas(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    copy_outliving_its_sas(
        storage,
        clients,
        capsys,
        figures,
        lifetime="2s",
        allocated_mib=24,
        rate="4MiB/s",
        label="copy, 2 s SAS, ~6 s copy",
    )


@pytest.mark.soak
def test_soak_a_copy_outlives_a_20s_sas_over_a_minute(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str], figures: Figures
) -> None:
    copy_outliving_its_sas(
        storage,
        clients,
        capsys,
        figures,
        lifetime="20s",
        allocated_mib=56,
        rate="1MiB/s",
        label="soak copy, 20 s SAS, ~1 min copy",
    )


def _user_sas(service: BlobServiceClient, blob: str, seconds: float) -> str:
    credential: Any = service.credential
    return generate_blob_sas(
        service.account_name or "",
        "vhds",
        blob,
        account_key=credential.account_key,
        permission=BlobSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(seconds=seconds),
    )


def test_a_users_sas_that_expires_stops_the_copy_and_a_new_one_resumes_it(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    service = account(clients, "stsasexp02")
    source = sparse(service, "src.vhd", 32 * MIB, [(i * 4 * MIB, 4 * MIB) for i in range(4)])
    _throttle(storage, "2MiB/s")
    before = _moved(storage)
    sas = _user_sas(service, "src.vhd", 3)
    code, _, text = run_copy(capsys, f"{source.url}?{sas}", "stsasexp02/vhds/dst.vhd")
    assert code != 0
    assert "the SAS of" in text and "expired" in text and "run the same command" in text
    assert "Traceback" not in text and sas.split("sig=")[1].split("&")[0] not in text
    _throttle(storage, "off")
    sas = _user_sas(service, "src.vhd", 3600)
    code, events, text = run_copy(capsys, f"{source.url}?{sas}", "stsasexp02/vhds/dst.vhd")
    assert code == 0, text[-2000:]
    done = events[-1]
    assert done["resumed"] > 0 and done["resumed"] + done["copied"] == done["allocated"]
    assert _moved(storage) - before == done["allocated"]  # the resumed run moved only the rest
    assert _same(source, service.get_blob_client("vhds", "dst.vhd"))


def test_a_disk_export_that_expires_is_granted_again(
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
) -> None:
    from tests.migrate.lab import RG, fill, write_plan

    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(write_plan(tmp_path)), "--yes"]) == 0
    fill(storage, clients, "dc01-osdisk", [(64 * MIB, 12 * MIB)])  # what the VM wrote
    storage.emulator.log.clear()
    _throttle(storage, "3MiB/s")
    before = _moved(storage)
    code, events, text = run_copy(
        capsys,
        f"disk:{RG}/dc01-osdisk",
        "stmigeus/vhds/dc01-export.vhd",
        "--verify",
        "--sas-lifetime",
        "2s",
    )
    assert code == 0, text[-2000:]
    done = events[-1]
    grants = [r for r in storage.emulator.log if r.path.lower().endswith("/begingetaccess")]
    assert done["sas_renewals"] >= 1 and len(grants) == 1 + done["sas_renewals"], done
    assert _moved(storage) - before == done["allocated"]
    assert clients.compute.disks.get(RG, "dc01-osdisk").disk_state != "ActiveSAS"
    figures.add("disk copy, 2 s access", seconds=done["seconds"], grants=len(grants))


@pytest.mark.soak
def test_a_migrate_whose_disk_access_expires_part_way_is_granted_again(
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    figures: Figures,
) -> None:
    from tests.migrate.lab import fill, fingerprint, write_plan

    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    plan = write_plan(tmp_path)
    assert main(["apply", str(plan), "--yes", "--output", "json"]) == 0
    fill(storage, clients, "dc01-osdisk", [(8 * MIB, 3 * MIB), (700 * MIB, MIB)])
    before = fingerprint(storage, clients, "dc01-osdisk")
    storage.emulator.log.clear()
    _throttle(storage, "1MiB/s")
    moved = _moved(storage)
    capsys.readouterr()
    move = ["--to-location", "eastus", "--to-subnet", "vnet-eus/core", "--to-storage", "stmigeus"]
    code = main(["migrate", str(plan), "dc01", *move, "--yes", "--sas-lifetime", "2s"])
    out = capsys.readouterr().out
    assert code == 0, out[-2000:]
    _throttle(storage, "off")
    grants = [r for r in storage.emulator.log if r.path.lower().endswith("/begingetaccess")]
    assert len(grants) >= 2, "the disk's access never ran out during the copy"
    assert fingerprint(storage, clients, "dc01-osdisk-eastus") == before
    vhd = clients.blob_service("stmigeus", resource_group="rg-mig").get_blob_client(
        "vhds", "dc01-os.vhd"
    )
    assert _moved(storage) - moved == allocated(vhd)  # no byte moved twice
    figures.add("migrate, 2 s disk access", grants=len(grants), bytes_moved=allocated(vhd))
