"""Blob storage behind the ARM emulator: accounts with real endpoints, containers, disk bytes.

Storage accounts created through ARM become Azurite accounts at once, with the
keys `listKeys` returns, so their blob endpoints work with those keys and with
SAS. Managed disks keep their bytes in page blobs of an internal account: a
disk made from an image holds a sparse pattern derived from the image and the
disk, a disk imported from a VHD holds the VHD's bytes, and grant access
answers a read-only SAS URL to the disk's blob.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import ssl
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

from azlab.sandbox.arm.storage_backend import derived_key
from azlab.sandbox.storage.azurite import Azurite
from azlab.sandbox.storage.gateway import StorageGateway
from azlab.sandbox.storage.gateway_settings import GatewaySettings

DISK_ACCOUNT = "azlabsandboxdisks"
DISK_CONTAINER = "disks"
PAGE = 512
CHUNK = 4 * 1024 * 1024


def image_extents(image: str, disk_key: str, size: int) -> list[tuple[int, bytes]]:
    """A few extents of pseudo-random bytes, the same for the same image and disk."""
    seed = hashlib.sha256(f"{image}|{disk_key}".encode()).digest()
    extents = []
    for i in range(4):
        block = hashlib.sha256(seed + bytes([i])).digest()
        length = PAGE * (64 + block[0] % 192)  # 32-128 KiB
        offset = (int.from_bytes(block[1:9], "big") % max(1, (size - length) // PAGE)) * PAGE
        data = b"".join(
            hashlib.sha256(block + n.to_bytes(4, "big")).digest() for n in range(length // 32)
        )
        extents.append((offset, data[:length]))
    return sorted(extents)


class AzuriteBackend:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.accounts_file = data_dir / "accounts.json"
        accounts = self._load_accounts()
        accounts.setdefault(DISK_ACCOUNT, derived_key(DISK_ACCOUNT, 1))
        self.azurite = Azurite(data_dir, accounts)
        self.gateway = StorageGateway(
            lambda: self.azurite.port,
            self.azurite.accounts,
            queue_port=lambda: self.azurite.queue_port,
        )
        self._clients: dict[str, BlobServiceClient] = {}

    def _load_accounts(self) -> dict[str, str]:
        try:
            data: dict[str, str] = json.loads(self.accounts_file.read_text())
            return data
        except (OSError, ValueError):
            return {}

    def _save_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps(self.azurite.accounts))

    def start(self, tls: ssl.SSLContext | None = None) -> None:
        """`tls`: the gateway also serves HTTPS with it (see the `storage_tls` setting)."""
        self.azurite.start()
        self.gateway.start(tls)
        self._service(DISK_ACCOUNT).get_container_client(
            DISK_CONTAINER
        ).create_container() if not self._exists() else None

    def _exists(self) -> bool:
        return bool(self._service(DISK_ACCOUNT).get_container_client(DISK_CONTAINER).exists())

    def stop(self) -> None:
        # Open keep-alive connections would hold Azurite's shutdown for its 5 s timeout.
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self.gateway.stop()
        self.azurite.stop()

    def reset(self) -> None:
        for name in [n for n in self.azurite.accounts if n != DISK_ACCOUNT]:
            self.remove_account(name)

    # accounts
    def add_account(self, name: str) -> tuple[str, str]:
        key = derived_key(name, 1)
        self.azurite.add_account(name, key)
        self._save_accounts()
        return key, derived_key(name, 2)

    def remove_account(self, name: str) -> None:
        self.azurite.remove_account(name)
        self._save_accounts()

    def configure(self, settings: GatewaySettings) -> None:
        self.gateway.configure(settings)

    def blob_endpoint(self, name: str) -> str:
        """What ARM reports and users reach: the gateway in front of Azurite."""
        return self.gateway.endpoint(name)

    def _azurite_endpoint(self, name: str) -> str:
        # The sandbox's own disk writes go straight to Azurite: no limits, no faults.
        return f"http://127.0.0.1:{self.azurite.port}/{name}/"

    def queue_endpoint(self, name: str) -> str:
        return self.gateway.queue_endpoint(name)

    def _service(self, name: str) -> BlobServiceClient:
        client = self._clients.get(name)
        if client is None:
            key = self.azurite.accounts[name]
            client = BlobServiceClient(
                self._azurite_endpoint(name), credential={"account_name": name, "account_key": key}
            )
            self._clients[name] = client
        return client

    def create_container(self, account: str, name: str) -> None:
        with contextlib.suppress(ResourceExistsError):
            self._service(account).create_container(name)

    def delete_container(self, account: str, name: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            self._service(account).delete_container(name)

    # disks
    def _disk(self, disk_key: str) -> Any:
        return self._service(DISK_ACCOUNT).get_blob_client(DISK_CONTAINER, disk_key)

    def create_disk_blob(self, disk_key: str, size_bytes: int, *, image: str | None = None) -> None:
        blob = self._disk(disk_key)
        blob.create_page_blob(size_bytes)
        if image:
            for offset, data in image_extents(image, disk_key, size_bytes):
                blob.upload_page(data, offset=offset, length=len(data))

    def import_disk_blob(
        self, disk_key: str, source_url: str, *, account_key: tuple[str, str] | None = None
    ) -> int:
        """Copy a VHD into a disk's blob; ARM reads it with the account's key, not a SAS."""
        from azure.storage.blob import BlobClient

        credential = (
            {"account_name": account_key[0], "account_key": account_key[1]}
            if account_key and "?" not in source_url
            else None
        )
        with BlobClient.from_blob_url(
            self.gateway.plain(source_url), credential=credential
        ) as source:
            return self._copy_pages(source, disk_key)

    def _copy_pages(self, source: Any, disk_key: str) -> int:
        size = int(source.get_blob_properties().size)
        target = self._disk(disk_key)
        target.create_page_blob(size)
        for page_range in source.list_page_ranges():
            if page_range.cleared:
                continue
            start, end = int(page_range.start or 0), int(page_range.end or 0) + 1
            for offset in range(start, end, CHUNK):
                length = min(CHUNK, end - offset)
                data = source.download_blob(offset=offset, length=length).readall()
                target.upload_page(data, offset=offset, length=length)
        return size

    def copy_disk_blob(self, source_disk_key: str, disk_key: str) -> int:
        return self.import_disk_blob(
            disk_key,
            self.disk_access_url(source_disk_key, datetime.now(timezone.utc) + timedelta(hours=1)),
        )

    def disk_access_url(self, disk_key: str, expiry: datetime) -> str:
        sas = generate_blob_sas(
            DISK_ACCOUNT,
            DISK_CONTAINER,
            disk_key,
            account_key=self.azurite.accounts[DISK_ACCOUNT],
            permission=BlobSasPermissions(read=True),
            expiry=expiry,
        )
        return f"{self.blob_endpoint(DISK_ACCOUNT)}{DISK_CONTAINER}/{disk_key}?{sas}"

    def delete_disk_blob(self, disk_key: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            self._disk(disk_key).delete_blob()
