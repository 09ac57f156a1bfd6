"""A managed disk's bytes: a page blob of the blob backend, written off the event loop.

Without a backend that holds page blobs (Azurite), disks are metadata only and
every call here does nothing.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from azlab.sandbox.arm.core import ArmError, Json

GIB = 1024**3


@runtime_checkable
class DiskBlobs(Protocol):
    def create_disk_blob(
        self, disk_key: str, size_bytes: int, *, image: str | None = None
    ) -> None: ...
    def import_disk_blob(
        self, disk_key: str, source_url: str, *, account_key: tuple[str, str] | None = None
    ) -> int: ...
    def copy_disk_blob(self, source_disk_key: str, disk_key: str) -> int: ...
    def disk_access_url(self, disk_key: str, expiry: datetime) -> str: ...
    def delete_disk_blob(self, disk_key: str) -> None: ...


def disk_key(disk_id: str) -> str:
    """The name of a disk's page blob: stable for the disk's ARM id."""
    return hashlib.sha1(disk_id.lower().encode()).hexdigest()


class DiskBytes:
    def __init__(self, backend: object = None) -> None:
        self.blobs = backend if isinstance(backend, DiskBlobs) else None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-disks")
        self._writing: dict[str, Future[None]] = {}

    def write(
        self,
        disk: Json,
        *,
        image: str | None = None,
        source_url: str | None = None,
        source_key: tuple[str, str] | None = None,
        source_disk: str | None = None,
    ) -> None:
        """Fill a new disk: from an image, a VHD's URL (sizing the disk to it) or another disk."""
        if self.blobs is None:
            return
        key = disk_key(disk["id"])
        try:
            if source_url:
                size = self.blobs.import_disk_blob(key, source_url, account_key=source_key)
                disk["properties"]["diskSizeGB"] = max(1, -(-size // GIB))
                disk["properties"]["diskSizeBytes"] = size
            elif source_disk:
                self._settle(disk_key(source_disk))
                self.blobs.copy_disk_blob(disk_key(source_disk), key)
            else:
                # Writing an image's extents takes a few Azurite calls; do it off the event
                # loop, and wait for it only when the bytes are needed.
                size = int(disk["properties"]["diskSizeGB"]) * GIB
                self._writing[key] = self._pool.submit(
                    self.blobs.create_disk_blob, key, size, image=image
                )
        except ArmError:
            raise
        except Exception as exc:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Cannot read the disk's source: {str(exc).splitlines()[0]}",
                "sourceUri",
            ) from None

    def access_url(self, disk_id: str, seconds: int) -> str | None:
        """A read-only SAS URL to the disk's blob, valid for `seconds`; None without bytes."""
        if self.blobs is None:
            return None
        self._settle(disk_key(disk_id))
        expiry = datetime.now(timezone.utc) + timedelta(seconds=seconds)
        return self.blobs.disk_access_url(disk_key(disk_id), expiry)

    def drop(self, disk_id: str) -> None:
        if self.blobs is not None:
            self._settle(disk_key(disk_id))
            self.blobs.delete_disk_blob(disk_key(disk_id))

    def settle_all(self) -> None:
        """Wait for every write in flight (tests read disk blobs straight from Azurite)."""
        for key in list(self._writing):
            self._settle(key)

    def close(self) -> None:
        # Disk bytes not yet written are dropped: a stopping sandbox must not wait on
        # thousands of queued writes (a 500-VM lab), nor send them to a stopped Azurite.
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _settle(self, key: str) -> None:
        writing = self._writing.pop(key, None)
        if writing is not None:
            writing.result()
