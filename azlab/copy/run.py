"""One `azlab copy`: resolve both ends, pick the engine, export and revoke disks, resume."""

from __future__ import annotations

import hashlib
import os
import random
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.core.credentials_async import AsyncTokenCredential
from azure.mgmt.compute.models import GrantAccessData
from azure.storage.blob.aio import BlobClient, ExponentialRetry
from tenacity import wait_exponential

from azlab.azure.busy import resend_if_dropped
from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.copy.access import Renew, SourceAccess
from azlab.copy.async_copy import copy_blob_async
from azlab.copy.endpoints import BlobEndpoint, copy_expiry, resolve
from azlab.copy.engine import DEFAULT_PARALLELISM, CopyResult, copy_page_blob, verify
from azlab.copy.journal import ChunkJournal
from azlab.copy.progress import CopyProgress
from azlab.errors import UsageError
from azlab.redact import redact
from azlab.retry import wait_after

EXPORT_SECONDS = 6 * 3600
STORAGE_WAIT = wait_exponential(multiplier=0.5)  # 0.5, 1, 2, 4 s before retries 1 to 4


@dataclass(frozen=True)
class CopyOptions:
    mode: str = "fromurl"  # fromurl | async
    parallelism: int = DEFAULT_PARALLELISM
    verify_content: bool = False
    timeout: float = 6 * 3600
    poll_interval: float = 2.0
    # Seconds each SAS or disk access azlab makes for the source lasts; a new one is made
    # when it runs out. None: sized to the copy, so none runs out.
    sas_lifetime: float | None = None


def state_dir() -> Path:
    """Where resume journals live: AZLAB_STATE_DIR, or ~/.azlab."""
    return Path(os.environ.get("AZLAB_STATE_DIR") or Path.home() / ".azlab")


def journal_path(source: BlobEndpoint, destination: BlobEndpoint) -> Path:
    key = hashlib.sha256(f"{source.url}\n{destination.url}".encode()).hexdigest()[:24]
    return state_dir() / "copies" / f"{key}.json"


class QuickRetry(ExponentialRetry):
    """Retries after about 0.5, 1, 2 and 4 s.

    The SDK's default waits 15 s before the first retry of a transient error (and its
    arithmetic makes even a small initial backoff at least 2 s, with 3 s of jitter either
    way); a copy makes thousands of requests and verifies by reading ranges one after
    another, so each wait is paid in full.
    """

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        base = wait_after(STORAGE_WAIT, int(settings["count"]))
        return base * random.uniform(0.8, 1.2)


def _client(
    endpoint: BlobEndpoint,
    token: AsyncTokenCredential | None,
    stack: AsyncExitStack,
    *,
    retries: int = 4,
) -> BlobClient:
    credential = endpoint.credential
    if credential == "token":
        credential = token
    policy = QuickRetry(retry_total=retries)
    client = BlobClient.from_blob_url(endpoint.sas_url, credential=credential, retry_policy=policy)
    stack.push_async_callback(client.close)
    return client


async def _grant(endpoint: BlobEndpoint, session: Any, seconds: int) -> None:
    """Ask Azure for read access to the managed disk: its SAS URL becomes the endpoint's."""
    assert endpoint.disk is not None
    group, name = endpoint.disk

    async def grant() -> Any:
        poller = await session.compute.disks.begin_grant_access(
            group, name, GrantAccessData(access="Read", duration_in_seconds=seconds)
        )
        return await poller.result()

    access = await resend_if_dropped(grant)
    url = str(access.access_sas)
    base, _, query = url.partition("?")
    endpoint.url, endpoint.sas = base, query


async def _export_disk(
    endpoint: BlobEndpoint, session: Any, stack: AsyncExitStack, seconds: int = EXPORT_SECONDS
) -> None:
    """Grant read access to a managed disk for the copy; revoke it when the copy ends."""
    assert endpoint.disk is not None
    group, name = endpoint.disk
    await _grant(endpoint, session, seconds)

    async def revoke() -> None:
        async def send() -> None:
            await (await session.compute.disks.begin_revoke_access(group, name)).result()

        await resend_if_dropped(send)

    stack.push_async_callback(revoke)


async def copy(
    source_text: str,
    destination_text: str,
    options: CopyOptions,
    *,
    session: AzureSession | None,
    token: AsyncTokenCredential | None = None,
    on_progress: Callable[[CopyProgress], None] | None = None,
) -> CopyResult:
    where = f"copy {redact(source_text)} to {redact(destination_text)}"
    with azure_errors(resource=where):
        return await _copy(
            source_text,
            destination_text,
            options,
            session=session,
            token=token,
            on_progress=on_progress,
        )


async def _copy(
    source_text: str,
    destination_text: str,
    options: CopyOptions,
    *,
    session: Any | None,
    token: Any | None,
    on_progress: Callable[[CopyProgress], None] | None,
) -> CopyResult:
    async with AsyncExitStack() as stack:
        source = await resolve(source_text, session)
        destination = await resolve(destination_text, session)
        if destination.disk is not None:
            raise UsageError(
                "a managed disk cannot be a copy's destination",
                hint="copy to a blob, then `azlab migrate` imports it into a disk",
            )
        lifetime = options.sas_lifetime
        if source.disk is not None:
            await _export_disk(source, session, stack, int(lifetime or EXPORT_SECONDS))
        source_blob = _client(source, token, stack)
        target = _client(destination, token, stack)
        props = await source_blob.get_blob_properties()

        def expiry() -> datetime:
            if lifetime is None:
                return copy_expiry(int(props.size))
            # A SAS names whole seconds: round up, or it lasts up to a second less.
            end = datetime.now(timezone.utc) + timedelta(seconds=lifetime)
            return end.replace(microsecond=0) + timedelta(seconds=1)

        read_url = source.read_url(expiry())
        access = _source_access(source, read_url, source_blob, expiry, session, token, stack)
        if options.mode == "async":
            progress = await copy_blob_async(
                read_url,
                target,
                timeout=options.timeout,
                poll_interval=options.poll_interval,
                on_progress=on_progress,
            )
            if props.blob_type == "PageBlob":
                from azlab.copy.engine import allocated_ranges

                ranges = await allocated_ranges(source_blob)
                await verify(
                    source_blob, target, int(props.size), ranges, content=options.verify_content
                )
            return CopyResult(
                size=int(props.size),
                allocated=progress.total,
                copied=progress.copied,
                resumed=0,
                chunks=0,
                throttled=0,
                seconds=0.0,
                verified_content=options.verify_content,
            )
        if props.blob_type != "PageBlob":
            raise UsageError(
                f"{source.described} is a {props.blob_type}; "
                "the default mode copies page blobs (VHDs)",
                hint="use --mode async for other blobs",
            )
        journal = ChunkJournal(
            journal_path(source, destination), source_etag=props.etag, destination=destination.url
        )
        return await copy_page_blob(
            source_blob,
            read_url,
            target,
            parallelism=options.parallelism,
            journal=journal,
            on_progress=on_progress,
            verify_content=options.verify_content,
            access=access,
        )


def _source_access(
    source: BlobEndpoint,
    read_url: str,
    reader: BlobClient,
    expiry: Callable[[], datetime],
    session: Any,
    token: AsyncTokenCredential | None,
    stack: AsyncExitStack,
) -> SourceAccess:
    """How the copy reads the source, and how it gets a new SAS: a SAS signed with the
    account key again, or the disk's access granted again; none for a SAS the user gave."""
    renew: Renew | None = None
    if source.disk is not None:
        seconds = max(1, int((expiry() - datetime.now(timezone.utc)).total_seconds()))

        async def regrant() -> tuple[str, Any]:
            await _grant(source, session, seconds)
            return source.sas_url, _client(source, token, stack)

        renew = regrant
    elif source.account_key is not None:

        async def resign() -> tuple[str, Any]:
            return source.read_url(expiry()), None

        renew = resign
    return SourceAccess(read_url, reader, renew, described=source.described or "the source")
