"""One power run at a time per group: a lease per group, held while a run acts on it.

tick, worker, up, down and hold take the leases of the groups they change, so a
hand `up` racing a tick's stop runs after it (or before it), never through it.
With a storage account in the plan, the lease is a blob lease on
`azlab-leases/<plan>/<group>` in the plan's first account (30 s, renewed every
10 s while held, so a killed run frees it within 30 s); without one, it is a
file lock under $AZLAB_LOCK_DIR (default ~/.cache/azlab/locks), which guards
one machine only.

A run takes all its groups' leases or none (a busy one releases the rest and
tries again after a back-off), so two runs over overlapping groups never
deadlock. A lease held past the wait is reported with who holds it.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import random
import socket
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager, suppress
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Protocol

from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    ServiceRequestError,
)
from azure.storage.blob.aio import BlobLeaseClient, ContainerClient

from azlab.azure.session import AzureSession
from azlab.azure.storage import blob_access
from azlab.errors import BusyError
from azlab.plan.model import Plan

log = logging.getLogger("azlab.lease")

CONTAINER = "azlab-leases"
LEASE_SECONDS = 30  # Azure allows 15-60 s or infinite; a crashed holder frees it in 30 s
RENEW_SECONDS = 10.0
DEFAULT_WAIT = 300.0


def owner_label(command: str) -> str:
    since = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"azlab {command} on {socket.gethostname()} (pid {os.getpid()}) since {since}"


class _Held(Protocol):
    async def renew(self) -> None: ...
    async def release(self) -> None: ...


class _Locks(Protocol):
    where: str

    async def try_take(self, group: str, owner: str) -> _Held | None: ...
    async def holder(self, group: str) -> str: ...


class _BlobHeld:
    def __init__(self, lease: BlobLeaseClient) -> None:
        self.lease = lease

    async def renew(self) -> None:
        await self.lease.renew()

    async def release(self) -> None:
        with suppress(HttpResponseError):
            await self.lease.release()


class _BlobLocks:
    def __init__(self, container: ContainerClient, plan: str, where: str) -> None:
        self.container, self.plan, self.where = container, plan, where

    async def try_take(self, group: str, owner: str) -> _Held | None:
        blob = self.container.get_blob_client(f"{self.plan}/{group}")
        lease = BlobLeaseClient(blob)
        try:
            await lease.acquire(lease_duration=LEASE_SECONDS)
        except ResourceNotFoundError:
            with suppress(ResourceExistsError, HttpResponseError):
                await blob.upload_blob(b"", overwrite=False)
            return await self.try_take(group, owner)
        except HttpResponseError as exc:
            if exc.status_code == 409:  # LeaseAlreadyPresent
                return None
            raise
        await blob.set_blob_metadata({"owner": owner}, lease=lease)
        return _BlobHeld(lease)

    async def holder(self, group: str) -> str:
        blob = self.container.get_blob_client(f"{self.plan}/{group}")
        try:
            return (await blob.get_blob_properties()).metadata.get("owner", "another run")
        except HttpResponseError:
            return "another run"


class _FileHeld:
    def __init__(self, handle: IO[str]) -> None:
        self.handle = handle

    async def renew(self) -> None:
        return None

    async def release(self) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


class _FileLocks:
    def __init__(self, directory: Path, plan: str) -> None:
        self.directory, self.plan = directory, plan
        self.where = f"file locks in {directory}"

    def _path(self, group: str) -> Path:
        return self.directory / f"{self.plan}.{group}.lock"

    async def try_take(self, group: str, owner: str) -> _Held | None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle = open(self._path(group), "a+", encoding="utf-8")  # noqa: SIM115 - held open
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return None
        handle.seek(0)
        handle.truncate()
        handle.write(owner)
        handle.flush()
        return _FileHeld(handle)

    async def holder(self, group: str) -> str:
        try:
            return self._path(group).read_text(encoding="utf-8").strip() or "another run"
        except OSError:
            return "another run"


def lock_directory() -> Path:
    configured = os.environ.get("AZLAB_LOCK_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "azlab" / "locks"


async def open_lease_container(session: AzureSession, plan: Plan) -> ContainerClient | None:
    """The lease container in the plan's first storage account (the caller closes it), or
    None when the plan has no account, it is not there yet, or its blob service cannot
    be reached."""
    if not plan.storage_accounts:
        return None
    account = plan.storage_accounts[0].name
    try:
        endpoint, key = await blob_access(session, plan.resource_group, account)
    except ResourceNotFoundError:
        log.info("storage account %s is not there yet: file locks instead", account)
        return None
    container = ContainerClient(
        endpoint, CONTAINER, credential={"account_name": account, "account_key": key}
    )
    try:
        with suppress(ResourceExistsError):
            await container.create_container()
    except (ServiceRequestError, HttpResponseError) as exc:
        # Blob service unreachable or refused (network rules): this machine only.
        log.warning("no blob leases in %s (%s): file locks instead", account, exc)
        await container.close()
        return None
    return container


async def _locks(session: AzureSession, plan: Plan, stack: AsyncExitStack) -> _Locks:
    """Blob leases in the plan's first storage account, or file locks without one."""
    container = await open_lease_container(session, plan)
    if container is None:
        return _FileLocks(lock_directory(), plan.name)
    stack.push_async_callback(container.close)
    where = f"blob leases in {plan.storage_accounts[0].name}/{CONTAINER}"
    return _BlobLocks(container, plan.name, where)


async def _take_all(locks: _Locks, groups: list[str], owner: str, wait: float) -> dict[str, _Held]:
    deadline = time.monotonic() + wait
    pause = 0.1
    while True:
        taken = await asyncio.gather(*(locks.try_take(g, owner) for g in groups))
        held = {g: h for g, h in zip(groups, taken, strict=True) if h is not None}
        if len(held) == len(groups):
            return held
        await asyncio.gather(*(h.release() for h in held.values()))
        busy = next(g for g, h in zip(groups, taken, strict=True) if h is None)
        if time.monotonic() >= deadline:
            raise BusyError(
                f"group {busy} is busy: {await locks.holder(busy)} holds its lease "
                f"({locks.where}); waited {wait:g}s",
                hint="let that run finish and try again, or wait longer with --lock-wait",
            )
        await asyncio.sleep(
            min(pause * (0.5 + random.random()), max(deadline - time.monotonic(), 0))
        )
        pause = min(pause * 2, 5.0)


async def _renew(held: dict[str, _Held]) -> None:
    while True:
        await asyncio.sleep(RENEW_SECONDS)
        for group, lease in held.items():
            try:
                await lease.renew()
            except HttpResponseError as exc:  # lost: logged; the run finishes what it started
                log.warning("lease of group %s could not be renewed: %s", group, exc.message)


@asynccontextmanager
async def group_leases(
    session: AzureSession,
    plan: Plan,
    groups: Iterable[str],
    *,
    command: str,
    wait: float = DEFAULT_WAIT,
) -> AsyncIterator[str]:
    """Hold the leases of `groups` for the block; yields where they are kept."""
    chosen = sorted(set(groups))
    if not chosen:
        yield "no group to lease"
        return
    async with AsyncExitStack() as stack:
        locks = await _locks(session, plan, stack)
        held = await _take_all(locks, chosen, owner_label(command), wait)
        renewer = asyncio.create_task(_renew(held))
        try:
            yield locks.where
        finally:
            renewer.cancel()
            with suppress(asyncio.CancelledError):
                await renewer
            await asyncio.gather(*(h.release() for h in held.values()))
