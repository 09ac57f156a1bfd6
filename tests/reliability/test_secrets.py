"""With DEBUG logging on, no secret reaches any output, journal or journal blob of any command.

Every command runs as `python -m azlab` against the sandbox, the way a user or a
CI job runs it. What they print, every file they leave under AZLAB_STATE_DIR and
the migration journal blobs are searched for the admin password, every key of
every storage account in the group, every SAS signature the test made, any
unredacted `sig=` value and any Authorization header value.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from azure.core.pipeline.policies import HttpLoggingPolicy
from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from azlab.redact import redact
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.testing.queues import queue_sas_url
from tests.reliability.support import EVENING, LYNC, MORNING

RG = "rg-lynclab-wus2"
WEST, EAST = "stwus2lynclab01", "steuslynclab01"
MOVE = ["edge01", "--to-location", "eastus", "--to-subnet", "vnet-eus-10-3/edge"]
MOVE += ["--to-storage", EAST]
FAST = ["--wait-delay", "0.2", "--retry-delay", "0.2"]  # the worker's pauses, for the sandbox
MARKER = redact("sig=x").split("=", 1)[1]  # what azlab writes in place of a signature
# ...and what the SDK's request log writes in place of a header or query value.
REDACTED = {MARKER, HttpLoggingPolicy.REDACTED_PLACEHOLDER}
SIG = re.compile(r"sig=([^&\s\"']+)", re.IGNORECASE)
# A header value in any of the shapes a log shows: `Authorization: Bearer x`, `'Authorization': 'x'`.
AUTHORIZATION = re.compile(r"\bauthorization['\"]?\s*[:=]\s*['\"]?([^'\"\r\n,}]+)", re.IGNORECASE)
BEARER = re.compile(r"\bbearer\s+([^\s'\",]+)", re.IGNORECASE)


@dataclass
class Run:
    argv: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    @property
    def what(self) -> str:
        return "azlab " + redact(" ".join(self.argv))  # failure messages hold no signature


def spawn(argv: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "azlab", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(child: subprocess.Popen[str], argv: list[str]) -> Run:
    out, err = child.communicate(timeout=180)
    return Run(argv, child.returncode, out, err)


def signature(sas: str) -> str:
    [value] = SIG.findall(sas)
    return unquote(value)


def leaks(text: str, named: dict[str, str]) -> list[str]:
    """The name of every secret in `text`, as given or URL-encoded, and every signature
    or Authorization value that is not the redaction marker."""
    found = []
    for name, value in named.items():
        if any(form in text for form in {value, quote(value, safe=""), quote(value)}):
            found.append(name)
    found += [f"sig={v[:6]}..." for v in SIG.findall(text) if v not in REDACTED]
    found += [
        f"Authorization: {v[:12]}..." for v in AUTHORIZATION.findall(text) if v not in REDACTED
    ]
    # The sandbox's challenge header says `Bearer authorization_uri=...`: not a token.
    tokens = [v for v in BEARER.findall(text) if not v.startswith("authorization_uri")]
    found += [f"Bearer {v[:6]}..." for v in tokens if v not in REDACTED]
    return found


def test_no_command_leaks_a_secret_with_debug_logging(
    sandbox: Sandbox, clients: Clients, tmp_path: Path
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    password = f"Lab-{secrets.token_urlsafe(12)}"  # distinctive: any hit is a leak
    state = tmp_path / "state"
    env = {
        **os.environ,
        "AZLAB_LOG_LEVEL": "DEBUG",
        "LAB_ADMIN_PASSWORD": password,
        "AZLAB_STATE_DIR": str(state),
    }
    plan = tmp_path / "lynclab.yaml"  # migrate rewrites the plan it is given
    plan.write_text(LYNC.read_text())
    p = str(plan)
    runs: list[Run] = []

    def azlab(*argv: str, codes: tuple[int, ...] = (0,)) -> Run:
        run = finish(spawn(list(argv), env), list(argv))
        runs.append(run)
        assert run.code in codes, f"{run.what}: exit {run.code}\n{run.text[-3000:]}"
        return run

    # The commands that need no lab run beside the ones that build it.
    offline = [
        ["validate", p],
        ["schema"],
        ["schedule", "show", p, "--at", EVENING],
        ["rehearse", p, "--week-of", "2026-11-23"],
    ]
    background = [(argv, spawn(argv, env)) for argv in offline]
    try:
        azlab("plan", p)
        azlab("apply", p, "--yes")
        azlab("status", p, "--output", "json")

        accounts = [
            str(a.name) for a in clients.storage.storage_accounts.list_by_resource_group(RG)
        ]
        assert sorted(accounts) == sorted([WEST, EAST])
        named = {"admin password": password}
        for a in accounts:
            for k in clients.storage.storage_accounts.list_keys(RG, a).as_dict()["keys"]:
                named[f"{a} {k['keyName']}"] = k["value"]
        key = named[f"{WEST} key1"]
        service = clients.blob_service(WEST, resource_group=RG)
        source = service.get_blob_client("vhds", "a.vhd")
        source.create_page_blob(4 * 1024 * 1024)
        source.upload_page(os.urandom(65536), offset=1024 * 1024, length=65536)
        expiry = datetime.now(timezone.utc) + timedelta(hours=1)
        read_sas = generate_blob_sas(
            WEST, "vhds", "a.vhd", account_key=key, permission="r", expiry=expiry
        )
        write_sas = generate_blob_sas(
            WEST,
            "vhds",
            "e.vhd",
            account_key=key,
            permission=BlobSasPermissions(read=True, write=True, create=True),
            expiry=expiry,
        )
        queue = queue_sas_url(clients, RG, WEST, "azlab-power")
        named |= {"read SAS": signature(read_sas), "write SAS": signature(write_sas)}
        named["queue SAS"] = signature(queue)
        destination = service.get_blob_client("vhds", "e.vhd").url

        sas_copy = azlab(
            "copy", f"{source.url}?{read_sas}", f"{WEST}/vhds/b.vhd", "--verify", "--output", "json"
        )
        azlab("copy", f"{WEST}/vhds/a.vhd", f"{WEST}/vhds/c.vhd", "--verify")
        azlab("copy", f"{WEST}/vhds/a.vhd", f"{destination}?{write_sas}", "--output", "json")
        azlab("copy", f"{source.url}?{read_sas}", f"{WEST}/vhds/d.vhd", "--mode", "async")
        azlab("copy", f"disk:{RG}/sql01-data0", f"{WEST}/vhds/f.vhd", "--output", "json")

        # A signature the service refuses: error paths print URLs too.
        forged = generate_blob_sas(
            WEST,
            "vhds",
            "a.vhd",
            account_key=base64.b64encode(os.urandom(64)).decode(),
            permission="r",
            expiry=expiry,
        )
        named["forged SAS"] = signature(forged)
        azlab("copy", f"{source.url}?{forged}", f"{WEST}/vhds/g.vhd", codes=(1, 2))

        azlab("tick", p, "--at", EVENING, "--queue", queue)
        worker = azlab(
            "worker", p, "--queue", queue, "--drain", "--at", EVENING, *FAST, "--output", "json"
        )
        # The queue carried work, read and deleted with its SAS.
        assert any(o["result"] == "done" for o in json.loads(worker.stdout)), worker.stdout
        azlab("up", p, "core", "lync", "--output", "json")
        azlab("hold", p, "lync", "--for", "1h")
        azlab("down", p, "lync")
        azlab("tick", p, "--at", MORNING, "--output", "json")

        azlab("migrate", p, *MOVE, "--dry-run")
        azlab("migrate", p, *MOVE, "--yes", "--output", "json")
        # The journal's copy beside the VHDs; read now, as destroy deletes the account.
        vhds = clients.blob_service(EAST, resource_group=RG).get_container_client("vhds")
        blobs = {
            b.name: vhds.download_blob(b.name).readall().decode(errors="replace")
            for b in vhds.list_blobs(name_starts_with="azlab-migrations/")
        }
        assert blobs
        azlab("status", p)
        azlab("plan", p, "--detailed-exitcode")
        azlab("destroy", p, "--yes")
    except BaseException:
        for _, child in background:
            child.kill()
            child.wait()
        raise
    runs += [finish(child, argv) for argv, child in background]
    for run in runs[-len(offline) :]:
        assert run.code == 0, f"{run.what}: exit {run.code}\n{run.text[-3000:]}"

    # What the commands left behind: local journals.
    files = {str(f): f.read_text(errors="replace") for f in state.rglob("*") if f.is_file()}
    assert any("migrations" in name for name in files), sorted(files)

    assert len(named) == 1 + 2 * len(accounts) + 4
    for run in runs:
        found = leaks(run.text, named)
        assert not found, f"{run.what} leaked {found}"
    for name, text in {**files, **blobs}.items():
        assert not (found := leaks(text, named)), f"{name} leaked {found}"
    # Logging was on at DEBUG, requests logged, in every command that talked to Azure.
    for run in runs:
        if run.argv[0] not in ("validate", "schema", "schedule"):
            assert " DEBUG " in run.stderr, f"{run.what}: no DEBUG line"
            assert "Request URL:" in run.stderr, f"{run.what}: no request log"
    # The signatures were there to leak: the SAS copy's output names its source, redacted.
    assert f"sig={MARKER}" in sas_copy.stdout
