"""AzCopy, a client written elsewhere, copies a sparse page blob through the gateway.

AzCopy uses Put Page From URL per 4 MiB chunk that holds data, so the copy
agrees with the gateway's Put Page From URL, SAS handling and page ranges.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContainerSasPermissions,
    generate_blob_sas,
    generate_container_sas,
)

from azlab.copy.chunks import MAX_CHUNK, covered
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
AZCOPY = (
    ROOT / "node_modules" / "@azure-tools" / "azcopy-linux" / "dist" / "bin" / "azcopy_linux_amd64"
)
MIB = 1024 * 1024


@pytest.fixture
def azcopy(tmp_path: Path) -> Path:
    if not AZCOPY.exists():
        pytest.skip("AzCopy is not installed (make setup)")
    binary = AZCOPY
    if not os.access(binary, os.X_OK):
        binary = tmp_path / "azcopy"
        shutil.copy(AZCOPY, binary)
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def account(c: Clients, name: str) -> tuple[BlobServiceClient, str, str]:
    endpoint, key = c.storage_account(name)
    service: BlobServiceClient = c.blob_service(name)
    service.create_container("vhds")
    return service, key, endpoint


def ranges(blob: object) -> list[tuple[int, int]]:
    return [(r.start, r.end + 1) for r in blob.list_page_ranges() if not r.cleared]  # type: ignore[attr-defined]


def test_azcopy_copies_a_sparse_page_blob_between_sandbox_accounts(
    sandbox: Sandbox, clients: Clients, azcopy: Path, tmp_path: Path
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    source_service, source_key, source_endpoint = account(clients, "stazsource01")
    target_service, target_key, target_endpoint = account(clients, "stazcopy01")
    source = source_service.get_blob_client("vhds", "disk.vhd")
    source.create_page_blob(24 * MIB)
    for offset, length in ((0, 64 * 1024), (5 * MIB, 3 * MIB), (24 * MIB - 4096, 4096)):
        source.upload_page(os.urandom(length), offset=offset, length=length)
    expiry = datetime.now(timezone.utc) + timedelta(hours=1)
    read = generate_blob_sas(
        "stazsource01",
        "vhds",
        "disk.vhd",
        account_key=source_key,
        permission=BlobSasPermissions(read=True),
        expiry=expiry,
    )
    write = generate_container_sas(
        "stazcopy01",
        "vhds",
        account_key=target_key,
        permission=ContainerSasPermissions(read=True, write=True, create=True, add=True, list=True),
        expiry=expiry,
    )
    env = {
        **os.environ,
        "AZCOPY_LOG_LOCATION": str(tmp_path / "logs"),
        "AZCOPY_JOB_PLAN_LOCATION": str(tmp_path / "plans"),
    }
    done = subprocess.run(
        [
            str(azcopy),
            "copy",
            f"{source_endpoint}vhds/disk.vhd?{read}",
            f"{target_endpoint}vhds/disk.vhd?{write}",
            "--from-to",
            "BlobBlob",
            "--blob-type",
            "PageBlob",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Final Job Status: Completed" in done.stdout
    target = target_service.get_blob_client("vhds", "disk.vhd")
    assert target.get_blob_properties().size == 24 * MIB
    assert target.download_blob().readall() == source.download_blob().readall()
    # AzCopy writes whole 4 MiB chunks that hold data and skips empty ones: the
    # target's ranges cover the source's and lie only in chunks with source data.
    written, wanted = ranges(target), ranges(source)
    assert covered(written, wanted)
    chunks_with_data = {s // MAX_CHUNK for s, e in wanted} | {
        (e - 1) // MAX_CHUNK for s, e in wanted
    }
    assert {s // MAX_CHUNK for s, e in written} <= chunks_with_data
    assert sum(e - s for s, e in written) < 24 * MIB
