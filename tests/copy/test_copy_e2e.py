"""`azlab copy` against the sandbox's storage gateway, with the real azure-storage-blob client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobClient, BlobSasPermissions, BlobServiceClient, generate_blob_sas

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

MIB = 1024 * 1024


@pytest.fixture
def storage(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    yield sandbox
    sandbox.emulator.apply_settings(Settings(page_size=5))


def account(c: Clients, name: str) -> BlobServiceClient:
    c.storage_account(name)
    service: BlobServiceClient = c.blob_service(name)
    service.create_container("vhds")
    return service


def sparse(
    service: BlobServiceClient, name: str, size: int, extents: list[tuple[int, int]]
) -> BlobClient:
    blob = service.get_blob_client("vhds", name)
    blob.create_page_blob(size)
    for offset, length in extents:
        for start in range(offset, offset + length, 4 * MIB):
            n = min(4 * MIB, offset + length - start)
            blob.upload_page(os.urandom(n), offset=start, length=n)
    return blob


def allocated(blob: BlobClient) -> int:
    return sum(r.end + 1 - r.start for r in blob.list_page_ranges() if not r.cleared)


def run_copy(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, list[dict[str, Any]], str]:
    capsys.readouterr()
    code = main(["copy", *args, "--output", "json"])
    out, err = capsys.readouterr()
    events = [json.loads(line) for line in out.splitlines() if line.startswith('{"event"')]
    done = out[out.find('{\n  "event": "done"') :] if '"event": "done"' in out else ""
    if done:
        events.append(json.loads(done))
    return code, events, out + err


def test_sparse_copy_moves_only_allocated_bytes_and_verifies(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    source = sparse(
        account(clients, "stcpsrc01"),
        "dc01.vhd",
        64 * MIB,
        [(0, 2 * MIB), (20 * MIB, 6 * MIB), (63 * MIB, MIB)],
    )
    account(clients, "stcpdst01")
    code, events, text = run_copy(
        capsys, "stcpsrc01/vhds/dc01.vhd", "stcpdst01/vhds/dc01-copy.vhd", "--verify"
    )
    assert code == 0, text
    progress = [e for e in events if e["event"] == "progress"]
    done = events[-1]
    assert done["allocated"] == allocated(source) == 9 * MIB  # 9 MiB of work in a 64 MiB disk
    assert done["copied"] == 9 * MIB and done["verified_content"] is True
    assert [e["percent"] for e in progress] == sorted(e["percent"] for e in progress)
    assert progress[-1]["percent"] == 100.0 and all(e["total"] == 9 * MIB for e in progress)
    copy = account_blob(clients, "stcpdst01", "dc01-copy.vhd")
    assert copy.download_blob().readall() == source.download_blob().readall()
    assert allocated(copy) == 9 * MIB


def account_blob(c: Clients, name: str, blob: str) -> BlobClient:
    client: BlobClient = c.blob_service(name).get_blob_client("vhds", blob)
    return client


def test_a_storm_of_503s_slows_the_copy_but_it_completes(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    source = sparse(account(clients, "ststorm01"), "a.vhd", 32 * MIB, [(0, 32 * MIB)])
    storage.emulator.apply_settings(
        Settings(page_size=5).with_changes({"storage_faults": "503=0.3@put-page-from-url,seed=5"})
    )
    code, events, text = run_copy(capsys, "ststorm01/vhds/a.vhd", "ststorm01/vhds/b.vhd")
    assert code == 0, text
    assert events[-1]["throttled"] > 0 and events[-1]["copied"] == 32 * MIB
    storage.emulator.apply_settings(Settings(page_size=5))
    copy = account_blob(clients, "ststorm01", "b.vhd")
    assert copy.download_blob().readall() == source.download_blob().readall()


def test_sas_urls_are_accepted_and_never_printed(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    service = account(clients, "stsas01")
    source = sparse(service, "a.vhd", 8 * MIB, [(MIB, MIB)])
    credential: Any = service.credential
    sas = generate_blob_sas(
        "stsas01",
        "vhds",
        "a.vhd",
        account_key=credential.account_key,
        permission=BlobSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    signature = next(p for p in sas.split("&") if p.startswith("sig=")).split("=", 1)[1]
    code, _events, text = run_copy(capsys, f"{source.url}?{sas}", "stsas01/vhds/b.vhd")
    assert code == 0, text
    assert signature not in text and "sig=REDACTED" in text


def test_async_mode_reports_the_services_progress(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    storage.emulator.apply_settings(Settings(page_size=5).with_changes({"copy_speed": "16MiB/s"}))
    source = sparse(
        account(clients, "stasync01"), "a.vhd", 16 * MIB, [(0, 4 * MIB), (12 * MIB, MIB)]
    )
    capsys.readouterr()
    from azlab.copy import run as copy_run

    options = copy_run.CopyOptions(mode="async", poll_interval=0.1)
    seen: list[tuple[int, int]] = []

    async def go() -> Any:
        from azlab.azure.session import AzureSession, Target

        async with AzureSession(Target.from_env(None)) as session:
            return await copy_run.copy(
                "stasync01/vhds/a.vhd",
                "stasync01/vhds/b.vhd",
                options,
                session=session,
                on_progress=lambda p: seen.append((p.copied, p.total)),
            )

    import asyncio

    result = asyncio.run(go())
    assert result.copied == result.allocated == 16 * MIB  # the service copies the whole blob
    assert len(seen) >= 3 and seen == sorted(seen)
    copy = account_blob(clients, "stasync01", "b.vhd")
    assert copy.download_blob().readall() == source.download_blob().readall()


def _spawn_copy(source: str, destination: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "azlab",
            "copy",
            source,
            destination,
            "--parallelism",
            "2",
            "--output",
            "json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_killed_copy_resumes_with_what_is_missing(
    storage: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str]
) -> None:
    source = sparse(account(clients, "stkill01"), "a.vhd", 48 * MIB, [(0, 48 * MIB)])
    storage.emulator.apply_settings(Settings(page_size=5).with_changes({"blob_limits": "8MiB/s"}))
    child = _spawn_copy("stkill01/vhds/a.vhd", "stkill01/vhds/b.vhd", dict(os.environ))
    deadline = time.monotonic() + 30
    assert child.stdout is not None
    for line in child.stdout:  # wait until a third of it is copied
        if line.startswith('{"event"') and json.loads(line)["percent"] >= 33:
            break
        assert time.monotonic() < deadline
    time.sleep(2.5)  # the journal is written every 2 seconds
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    storage.emulator.apply_settings(Settings(page_size=5))
    code, events, text = run_copy(capsys, "stkill01/vhds/a.vhd", "stkill01/vhds/b.vhd")
    assert code == 0, text
    done = events[-1]
    assert done["resumed"] >= 16 * MIB and done["copied"] + done["resumed"] == 48 * MIB
    copy = account_blob(clients, "stkill01", "b.vhd")
    assert copy.download_blob().readall() == source.download_blob().readall()


def test_a_source_that_changes_during_the_copy_fails_cleanly(
    storage: Sandbox, clients: Clients
) -> None:
    source = sparse(account(clients, "stchange01"), "a.vhd", 48 * MIB, [(0, 48 * MIB)])
    storage.emulator.apply_settings(Settings(page_size=5).with_changes({"blob_limits": "8MiB/s"}))
    child = _spawn_copy("stchange01/vhds/a.vhd", "stchange01/vhds/b.vhd", dict(os.environ))
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith('{"event"'):
            break
    source.upload_page(b"\x07" * 512, offset=512, length=512)  # someone writes to the disk
    _out, err = child.communicate(timeout=60)
    assert child.returncode == 1
    assert "the source blob changed during the copy" in err
    assert "Traceback" not in err


def test_a_managed_disk_is_exported_copied_and_access_revoked(
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    lync = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(lync), "--yes"]) == 0
    capsys.readouterr()
    code, events, text = run_copy(
        capsys, "disk:rg-lynclab-wus2/dc01-osdisk", "stwus2lynclab01/vhds/dc01-os.vhd", "--verify"
    )
    assert code == 0, text
    assert events[-1]["allocated"] > 0 and events[-1]["copied"] == events[-1]["allocated"]
    disk = clients.compute.disks.get("rg-lynclab-wus2", "dc01-osdisk")
    assert disk.disk_state != "ActiveSAS"  # access was revoked after the copy
    grant = [r for r in storage.emulator.log if r.path.lower().endswith("/begingetaccess")]
    revoke = [r for r in storage.emulator.log if r.path.lower().endswith("/endgetaccess")]
    assert len(grant) == 1 and len(revoke) == 1


def test_bad_arguments_are_refused_before_anything_talks_to_azure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    assert main(["copy", "not-a-blob", "stx01/vhds/a.vhd"]) == 2
    assert "'not-a-blob' is not a blob" in capsys.readouterr().err
    assert main(["copy", "stx01/vhds/a.vhd", "stx02/vhds/b.vhd", "--mode", "fast"]) == 2
    assert "--mode 'fast'" in capsys.readouterr().err
