"""With DEBUG logging on, no SAS signature or account key reaches any output."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.testing.queues import queue_sas_url

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"


def azlab(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "azlab", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_debug_logs_of_copy_tick_and_worker_hold_no_secret(
    sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    env = {
        **os.environ,
        "AZLAB_LOG_LEVEL": "DEBUG",
        "LAB_ADMIN_PASSWORD": "Sandbox-only-1",
        "AZLAB_STATE_DIR": str(tmp_path),
    }
    assert azlab("apply", str(LYNC), "--yes", env=env).returncode == 0
    key = clients.storage.storage_accounts.list_keys(
        "rg-lynclab-wus2", "stwus2lynclab01"
    ).as_dict()["keys"][0]["value"]
    endpoint = clients.storage.storage_accounts.get_properties(
        "rg-lynclab-wus2", "stwus2lynclab01"
    ).primary_endpoints.blob
    service = BlobServiceClient(
        endpoint, credential={"account_name": "stwus2lynclab01", "account_key": key}
    )
    blob = service.get_blob_client("vhds", "a.vhd")
    blob.create_page_blob(1024 * 1024)
    blob.upload_page(b"\1" * 4096, offset=0, length=4096)
    sas = generate_blob_sas(
        "stwus2lynclab01",
        "vhds",
        "a.vhd",
        account_key=key,
        permission=BlobSasPermissions(read=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    queue = queue_sas_url(clients, "rg-lynclab-wus2", "stwus2lynclab01", "azlab-power")
    signatures = [
        p.split("=", 1)[1] for url in (sas, queue) for p in url.split("&") if p.startswith("sig=")
    ]
    runs = [
        azlab("copy", f"{blob.url}?{sas}", "stwus2lynclab01/vhds/b.vhd", "--verify", env=env),
        azlab("copy", "stwus2lynclab01/vhds/a.vhd", "stwus2lynclab01/vhds/c.vhd", env=env),
        azlab("tick", str(LYNC), "--at", "2026-11-23T18:05-08:00", "--queue", queue, env=env),
        azlab(
            "worker",
            str(LYNC),
            "--queue",
            queue,
            "--drain",
            "--at",
            "2026-11-23T18:05-08:00",
            env=env,
        ),
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        text = run.stdout + run.stderr
        assert "DEBUG" in run.stderr  # logging was on
        for secret in [*signatures, key]:
            assert secret not in text
    assert "REDACTED" in runs[0].stdout + runs[0].stderr
