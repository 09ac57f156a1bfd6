"""The storage gateway: Put Page From URL, async Copy Blob states, per-blob limits, faults.

Driven by the real azure-storage-blob client against the sandbox's Azurite.
"""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError
from azure.storage.blob import (
    BlobClient,
    BlobSasPermissions,
    BlobServiceClient,
    LinearRetry,
    generate_blob_sas,
)

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from azlab.sandbox.storage.gateway_pages import crc64, parse_range
from azlab.sandbox.storage.gateway_settings import BlobLimits, parse_limits, parse_storage_faults
from azlab.sandbox.storage.limits import BlobBuckets
from azlab.sandbox.storage.sharedkey import string_to_sign

MIB = 1024 * 1024


# pure parts


def reference_crc64(data: bytes) -> int:
    """Bit by bit, as azure-storage-net's Crc64.cs defines it: reflected polynomial
    0x9A6C9329AC4BC9B5, all ones in and out."""
    crc = 0xFFFFFFFFFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x9A6C9329AC4BC9B5 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFFFFFFFFFF


def test_crc64_is_the_services_checksum() -> None:
    # The CRC-64/NVME check value; the service's x-ms-content-crc64 is it, little-endian.
    assert crc64(b"123456789") == "iJh5CoYUi64="
    for size in (0, 1, 511, 512, 4099):
        data = os.urandom(size)
        assert base64.b64decode(crc64(data)) == reference_crc64(data).to_bytes(8, "little")


def test_ranges_and_settings_parse() -> None:
    assert parse_range("bytes=0-511") == (0, 512)
    assert parse_range("bytes=5-1") is None and parse_range("pages=0-1") is None
    assert parse_limits("azure") == BlobLimits(60 * MIB, 500)
    assert parse_limits("30MiB/s,100/s") == BlobLimits(30 * MIB, 100)
    faults = parse_storage_faults("503=0.5@put-page-from-url,drop=0.1,copy-fail=1")
    assert faults.rate(faults.error_503, "put-page-from-url") == 0.5
    assert faults.rate(faults.error_503, "get") == 0.0 and faults.copy_fail == 1.0


def test_buckets_refuse_over_the_rate_and_recover() -> None:
    now = [0.0]
    buckets = BlobBuckets(BlobLimits(bytes_per_s=8 * MIB, requests_per_s=0), clock=lambda: now[0])
    assert all(buckets.admit("a/c/b", 4 * MIB) for _ in range(3))  # one request of debt
    assert not buckets.admit("a/c/b", 4 * MIB)
    assert buckets.admit("a/c/other", 4 * MIB)  # limits are per blob
    now[0] += 1.0
    assert buckets.admit("a/c/b", 4 * MIB)


def test_shared_key_string_matches_the_sdk() -> None:
    from azure.core.pipeline import PipelineRequest
    from azure.core.pipeline.transport import HttpRequest
    from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy

    request = HttpRequest(
        "PUT",
        "http://127.0.0.1:1/acct/c/b%20x?comp=page&timeout=30",
        headers={
            "x-ms-version": "2025-01-05",
            "x-ms-date": "Sun, 22 Nov 2026 10:00:00 GMT",
            "x-ms-range": "bytes=0-511",
            "Content-Length": "0",
        },
    )
    policy = SharedKeyCredentialPolicy("acct", "a2V5")
    seen: list[str] = []
    policy._add_authorization_header = lambda req, text: seen.append(text)  # type: ignore[method-assign]
    from azure.core.pipeline import PipelineContext
    from azure.core.pipeline.transport import RequestsTransport

    policy.on_request(PipelineRequest(request, PipelineContext(RequestsTransport())))
    ours = string_to_sign(
        "PUT", "acct", "/acct/c/b%20x", {"comp": "page", "timeout": "30"}, dict(request.headers)
    )
    assert seen == [ours]


# against the sandbox


@pytest.fixture
def storage(sandbox: Sandbox) -> Iterator[Sandbox]:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    yield sandbox
    sandbox.emulator.apply_settings(Settings(page_size=5))


def account(c: Clients, name: str) -> BlobServiceClient:
    c.storage_account(name)
    service: BlobServiceClient = c.blob_service(name, retry_total=0)
    service.create_container("vhds")
    return service


def sas_url(blob: BlobClient, **permissions: bool) -> str:
    credential: Any = blob.credential
    sas = generate_blob_sas(
        blob.account_name,
        blob.container_name,
        blob.blob_name,
        account_key=credential.account_key,
        permission=BlobSasPermissions(**(permissions or {"read": True})),
        expiry=datetime.now(timezone.utc) + timedelta(hours=1),
    )
    return f"{blob.url}?{sas}"


def sparse_source(
    service: BlobServiceClient, size: int = 8 * MIB
) -> tuple[BlobClient, dict[int, bytes]]:
    source = service.get_blob_client("vhds", "source.vhd")
    source.create_page_blob(size)
    extents = {0: os.urandom(64 * 1024), 3 * MIB: os.urandom(MIB), size - 4096: os.urandom(4096)}
    for offset, data in extents.items():
        source.upload_page(data, offset=offset, length=len(data))
    return source, extents


def test_put_page_from_url_copies_ranges_across_accounts(
    storage: Sandbox, clients: Clients
) -> None:
    source, extents = sparse_source(account(clients, "stsource01"))
    target = account(clients, "sttarget01").get_blob_client("vhds", "copy.vhd")
    target.create_page_blob(8 * MIB)
    url = sas_url(source)
    etag = source.get_blob_properties().etag
    for offset, data in extents.items():
        answer = target.upload_pages_from_url(
            url,
            offset=offset,
            length=len(data),
            source_offset=offset,
            source_etag=etag,
            source_match_condition=MatchConditions.IfNotModified,
        )
        assert answer["etag"] and answer["last_modified"]
        assert answer["blob_sequence_number"] == 0 and answer["request_server_encrypted"]
        assert base64.b64encode(answer["content_crc64"]).decode() == crc64(data)
    assert target.download_blob().readall() == source.download_blob().readall()
    ranges = [(r.start, r.end) for r in target.list_page_ranges() if not r.cleared]
    assert ranges == [(r.start, r.end) for r in source.list_page_ranges() if not r.cleared]


def test_put_page_from_url_answers_like_azure_on_bad_input(
    storage: Sandbox, clients: Clients
) -> None:
    service = account(clients, "stbad01")
    source, _ = sparse_source(service)
    target = service.get_blob_client("vhds", "copy.vhd")
    target.create_page_blob(8 * MIB)
    url = sas_url(source)
    old_etag = source.get_blob_properties().etag
    source.upload_page(b"\1" * 512, offset=512, length=512)  # the source changes
    with pytest.raises(HttpResponseError) as changed:
        target.upload_pages_from_url(
            url,
            offset=0,
            length=512,
            source_offset=0,
            source_etag=old_etag,
            source_match_condition=MatchConditions.IfNotModified,
        )
    assert changed.value.status_code == 412 and changed.value.error_code == "SourceConditionNotMet"
    bad_sas = url.replace("sig=", "sig=AAAA")
    with pytest.raises(HttpResponseError) as refused:
        target.upload_pages_from_url(bad_sas, offset=0, length=512, source_offset=0)
    assert refused.value.status_code == 403 and refused.value.error_code == "CannotVerifyCopySource"
    with pytest.raises(HttpResponseError) as misaligned:
        target.upload_pages_from_url(url, offset=0, length=512, source_offset=100)
    assert misaligned.value.status_code == 416
    with pytest.raises(HttpResponseError) as past:
        target.upload_pages_from_url(url, offset=0, length=512, source_offset=9 * MIB)
    assert past.value.status_code == 416
    with pytest.raises(HttpResponseError) as tail:  # starts inside the blob, ends past it
        target.upload_pages_from_url(url, offset=0, length=4 * MIB, source_offset=6 * MIB)
    assert tail.value.status_code == 416
    with pytest.raises(HttpResponseError) as damaged:
        target.upload_pages_from_url(
            url, offset=0, length=512, source_offset=0, source_content_md5=b"0" * 16
        )
    assert damaged.value.status_code == 400 and damaged.value.error_code == "Md5Mismatch"
    first = source.download_blob(offset=0, length=512).readall()
    target.upload_pages_from_url(
        url, offset=0, length=512, source_offset=0, source_content_md5=hashlib.md5(first).digest()
    )
    assert target.download_blob(offset=0, length=512).readall() == first


def test_gateway_checksum_agrees_with_azurites(storage: Sandbox, clients: Clients) -> None:
    # Azurite computes x-ms-content-crc64 for a Put Page with code of its own.
    blob = account(clients, "stcrc01").get_blob_client("vhds", "crc.vhd")
    blob.create_page_blob(MIB)
    data = os.urandom(MIB)
    answer = blob.upload_page(data, offset=0, length=MIB)
    assert base64.b64encode(answer["content_crc64"]).decode() == crc64(data)


def test_copy_blob_is_pending_then_succeeds(storage: Sandbox, clients: Clients) -> None:
    storage.emulator.apply_settings(Settings(page_size=5).with_changes({"copy_speed": "8MiB/s"}))
    source, _ = sparse_source(account(clients, "stcopy01"))
    container = account(clients, "stcopy02").get_container_client("vhds")
    target = container.get_blob_client("copy.vhd")
    started = target.start_copy_from_url(sas_url(source))
    assert started["copy_status"] == "pending"
    progress = []
    listed = next(b for b in container.list_blobs(include=["copy"]) if b.name == "copy.vhd")
    target.set_blob_metadata({"purpose": "test"})  # not a content write: the copy goes on
    while (props := target.get_blob_properties()).copy.status == "pending":
        progress.append(int(props.copy.progress.split("/")[0]))
        time.sleep(0.1)
    assert props.copy.status == "success" and props.copy.progress == f"{8 * MIB}/{8 * MIB}"
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] > progress[0]
    assert target.download_blob().readall() == source.download_blob().readall()
    # List Blobs shows the copy as blob properties do, and names the gateway as its source.
    assert listed.copy.status == "pending" and listed.copy.id == started["copy_id"]
    assert int(listed.copy.progress.split("/")[0]) < 8 * MIB and listed.copy.completion_time is None
    gateway = source.url.rsplit("/", 3)[0]
    assert props.copy.source.startswith(gateway)
    (done,) = container.list_blobs(include=["copy"])
    assert done.copy.status == "success" and done.copy.source.startswith(gateway)


def test_abort_and_failure_leave_a_zero_length_blob(storage: Sandbox, clients: Clients) -> None:
    storage.emulator.apply_settings(Settings(page_size=5).with_changes({"copy_speed": "1MiB/s"}))
    service = account(clients, "stabort01")
    source, _ = sparse_source(service)
    target = service.get_blob_client("vhds", "aborted.vhd")
    copy = target.start_copy_from_url(sas_url(source))
    time.sleep(0.3)
    target.abort_copy(copy["copy_id"])
    props = target.get_blob_properties()
    assert props.copy.status == "aborted" and props.size == 0
    listed = next(b for b in service.get_container_client("vhds").list_blobs(include=["copy"]))
    assert listed.name == "aborted.vhd" and listed.copy.status == "aborted" and listed.size == 0
    with pytest.raises(HttpResponseError) as nothing:
        target.abort_copy(copy["copy_id"])
    assert nothing.value.error_code == "NoPendingCopyOperation"

    storage.emulator.apply_settings(
        Settings(page_size=5).with_changes(
            {"copy_speed": "32MiB/s", "storage_faults": "copy-fail=1"}
        )
    )
    failing = service.get_blob_client("vhds", "failed.vhd")
    failing.start_copy_from_url(sas_url(source))
    deadline = time.monotonic() + 5
    while (props := failing.get_blob_properties()).copy.status == "pending":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert props.copy.status == "failed" and props.copy.status_description
    time.sleep(0.2)
    assert failing.get_blob_properties().size == 0


def test_busy_blob_answers_503_and_the_sdk_retries_through(
    storage: Sandbox, clients: Clients
) -> None:
    service = account(clients, "stbusy01")
    source, _ = sparse_source(service)
    storage.emulator.apply_settings(Settings(page_size=5).with_changes({"blob_limits": "2MiB/s"}))
    target = service.get_blob_client("vhds", "busy.vhd")
    target.create_page_blob(8 * MIB)
    url = sas_url(source)
    target.upload_pages_from_url(url, offset=0, length=4 * MIB, source_offset=0)
    with pytest.raises(HttpResponseError) as busy:
        target.upload_pages_from_url(url, offset=4 * MIB, length=4 * MIB, source_offset=4 * MIB)
    assert busy.value.status_code == 503 and busy.value.error_code == "ServerBusy"
    patient = BlobClient.from_blob_url(
        target.url,
        credential=target.credential,
        retry_policy=LinearRetry(backoff=0.5, random_jitter_range=0, retry_total=10),
    )
    patient.upload_pages_from_url(url, offset=4 * MIB, length=4 * MIB, source_offset=4 * MIB)
    storage.emulator.apply_settings(Settings(page_size=5))
    assert target.download_blob().readall() == source.download_blob().readall()


def test_injected_faults_hit_the_chosen_operation(storage: Sandbox, clients: Clients) -> None:
    service = account(clients, "stfault01")
    blob = service.get_blob_client("vhds", "a.txt")
    blob.upload_blob(b"hello")
    storage.emulator.apply_settings(
        Settings(page_size=5).with_changes({"storage_faults": "500=1@get"})
    )
    with pytest.raises(HttpResponseError) as failed:
        blob.download_blob().readall()
    assert failed.value.status_code == 500
    blob.upload_blob(b"still writable", overwrite=True)  # other operations are untouched
    storage.emulator.apply_settings(
        Settings(page_size=5).with_changes({"storage_faults": "drop=1@get"})
    )
    with pytest.raises(Exception):  # noqa: B017 - the connection is closed without an answer
        blob.download_blob().readall()
    storage.emulator.apply_settings(
        Settings(page_size=5).with_changes({"storage_faults": "503=1@put-page,delay=300ms@get"})
    )
    began = time.monotonic()
    assert blob.download_blob().readall() == b"still writable"
    assert time.monotonic() - began >= 0.3
    pages = service.get_blob_client("vhds", "p.vhd")
    pages.create_page_blob(4096)  # not a put-page: untouched
    with pytest.raises(HttpResponseError) as busy:
        pages.upload_page(b"x" * 512, offset=0, length=512)
    assert busy.value.status_code == 503 and busy.value.error_code == "ServerBusy"


def test_control_api_and_cli_set_the_gateway(storage: Sandbox, tmp_path: Path) -> None:
    control = SandboxControl(storage.control_url, str(storage.ca_file))
    shown = control.settings(
        copy_speed="64MiB/s", blob_limits="azure", storage_faults="503=0.1@get,seed=4"
    )
    gateway = storage.storage.gateway if storage.storage else None
    assert gateway is not None and gateway.settings.copy_speed == 64 * MIB
    assert gateway.settings.limits == BlobLimits(60 * MIB, 500)
    assert shown["storage_faults"]["error_503"] == {"get": 0.1}
    # What the API shows, it takes back.
    again = control.settings(**{k: shown[k] for k in ("blob_limits", "storage_faults")})
    assert again == shown
    control.settings(blob_limits="off", storage_faults="", copy_speed="0")
    assert not gateway.settings.limits.on and gateway.settings.copy_speed == 0
    start = ["sandbox", "start", "--data", str(tmp_path), "--blob-limits", "fast"]
    refused = subprocess.run(
        [sys.executable, "-m", "azlab", *start],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2 and "'fast' is not a rate" in refused.stderr
