"""The ledger in the plan's storage account: one append blob a month, `<plan>/<YYYY-MM>.jsonl`.

An append blob's blocks are added atomically at its end, so writers on
several machines at once (ticks, workers, a person's `azlab up`) each add
their entries whole and none is lost.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.azure.storage import blob_access, find_account
from azlab.errors import UsageError
from azlab.money.ledger import Entry, FileStore, Store, default_folder, parse_lines
from azlab.plan.model import Plan


class BlobStore:
    def __init__(self, endpoint: str, account: str, key: str, container: str, plan: str) -> None:
        self.endpoint, self.account, self.key = endpoint, account, key
        self.container, self.plan = container, plan
        self.where = f"{account}/{container}/{plan}/"
        self._made: set[str] = set()

    def _service(self) -> Any:
        from azure.storage.blob.aio import BlobServiceClient

        credential = {"account_name": self.account, "account_key": self.key}
        return BlobServiceClient(self.endpoint, credential=credential)

    def _name(self, month: str) -> str:
        return f"{self.plan}/{month}.jsonl"

    async def append(self, month: str, entries: Iterable[Entry]) -> None:
        data = "".join(e.line() for e in entries).encode()
        if not data:
            return
        with azure_errors(resource=f"ledger {self.where}{month}.jsonl"):
            async with self._service() as service:
                blob = service.get_blob_client(self.container, self._name(month))
                if month not in self._made:
                    await self._create(service, blob)
                    self._made.add(month)
                await blob.append_block(data)

    async def _create(self, service: Any, blob: Any) -> None:
        with contextlib.suppress(ResourceExistsError):
            await service.get_container_client(self.container).create_container()
        # Another writer may have made it first: then append to theirs.
        with contextlib.suppress(ResourceExistsError):
            await blob.create_append_blob(if_none_match="*")

    async def read(self, month: str) -> list[Entry]:
        with azure_errors(resource=f"ledger {self.where}{month}.jsonl"):
            async with self._service() as service:
                blob = service.get_blob_client(self.container, self._name(month))
                try:
                    body = await (await blob.download_blob()).readall()
                except ResourceNotFoundError:
                    return []
        return parse_lines(bytes(body).decode("utf-8", errors="replace"))


async def open_store(plan: Plan, session: AzureSession | None) -> Store:
    """The plan's ledger: its `ledger:` container, else a local file per month."""
    if plan.ledger is None:
        return FileStore(default_folder(), plan.name)
    if session is None:
        raise UsageError("the plan's ledger is in a storage account: this command needs Azure")
    name = plan.ledger.storage_account
    account = await find_account(session, name)
    if account is None:
        raise UsageError(
            f"ledger.storage_account: storage account {name} does not exist",
            hint="run azlab apply to create it",
        )
    endpoint, key = await blob_access(session, account.resource_group, account.name)
    return BlobStore(endpoint, account.name, key, plan.ledger.container, plan.name)
