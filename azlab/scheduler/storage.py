"""The scheduler's own storage account, data plane: the fan-out queue and the plan blob.

Deploy reaches them with the account's key (the deploying user may list it); the hosted
app reaches them with its identity and the data roles deploy assigns.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobSasPermissions, ContentSettings, generate_blob_sas
from azure.storage.blob.aio import BlobServiceClient
from azure.storage.queue.aio import QueueServiceClient

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.azure.storage import account_key
from azlab.scheduler.names import CONTAINER, PLAN_BLOB, SCHEDULER_TAG, Names

DIGEST_KEY = "azlab_sha256"  # blob metadata: the plan's digest, compared on a second deploy


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class DataPlane:
    blobs: BlobServiceClient
    queues: QueueServiceClient
    account: str
    key: str

    async def queue_metadata(self, queue: str) -> dict[str, str] | None:
        try:
            props = await self.queues.get_queue_client(queue).get_queue_properties()
        except ResourceNotFoundError:
            return None
        return dict(props.metadata or {})

    async def ensure_queue(self, queue: str, plan: str) -> None:
        client = self.queues.get_queue_client(queue)
        try:
            await client.create_queue(metadata={SCHEDULER_TAG: plan})
        except ResourceExistsError:
            await client.set_queue_metadata({SCHEDULER_TAG: plan})

    async def plan_digest(self) -> str | None:
        blob = self.blobs.get_blob_client(CONTAINER, PLAN_BLOB)
        try:
            props = await blob.get_blob_properties()
        except ResourceNotFoundError:
            return None
        return str((props.metadata or {}).get(DIGEST_KEY, ""))

    async def upload_plan(self, data: bytes) -> None:
        blob = self.blobs.get_blob_client(CONTAINER, PLAN_BLOB)
        await blob.upload_blob(
            data,
            overwrite=True,
            metadata={DIGEST_KEY: sha256(data)},
            content_settings=ContentSettings(content_type="application/yaml"),
        )

    async def upload_wheel(self, name: str, data: bytes) -> str:
        """Upload a package wheel; its URL with a read-only SAS valid for a day (a secret)."""
        blob = self.blobs.get_blob_client(CONTAINER, f"packages/{name}")
        await blob.upload_blob(data, overwrite=True, metadata={DIGEST_KEY: sha256(data)})
        sas = generate_blob_sas(
            self.account,
            CONTAINER,
            f"packages/{name}",
            account_key=self.key,
            permission=BlobSasPermissions(read=True),
            expiry=datetime.now(timezone.utc) + timedelta(days=1),
        )
        return f"{blob.url}?{sas}"

    async def delete_queue(self, queue: str) -> None:
        with suppress(ResourceNotFoundError):
            await self.queues.get_queue_client(queue).delete_queue()


@asynccontextmanager
async def data_plane(
    session: AzureSession, names: Names, blob_endpoint: str, queue_endpoint: str
) -> AsyncIterator[DataPlane]:
    with azure_errors(resource=f"storage account {names.storage_account}"):
        key = await account_key(session, names.resource_group, names.storage_account)
    credential = {"account_name": names.storage_account, "account_key": key}
    # A target with a CA of its own (the sandbox) serves storage with it too.
    verify: dict[str, Any] = (
        {"connection_verify": session.target.ca_file} if session.target.ca_file else {}
    )
    async with (
        BlobServiceClient(blob_endpoint, credential=credential, **verify) as blobs,
        QueueServiceClient(queue_endpoint, credential=credential, **verify) as queues,
    ):
        yield DataPlane(blobs, queues, names.storage_account, key)
