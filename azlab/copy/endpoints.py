"""Where a copy reads and writes: blob URLs, `account/container/blob` names, managed disks.

- A blob URL is used as given (its SAS, or the Azure sign-in when it has none).
- `account/container/blob` is found through the subscription: the storage
  account is looked up with ARM and its key signs a SAS.
- `disk:RESOURCE_GROUP/NAME` is a managed disk, exported with grant access
  (read only, for as long as the copy needs) and revoked afterwards.

A source always gets a read-only SAS sized to the copy: Put Page From URL and
Copy Blob read it from the service's side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

from azure.storage.blob import BlobSasPermissions, generate_blob_sas

from azlab.azure.session import AzureSession
from azlab.azure.storage import account_key, find_account
from azlab.errors import UsageError
from azlab.redact import redact

NAME = re.compile(r"^([a-z0-9]{3,24})/([a-z0-9][a-z0-9-]{1,62})/(.+)$")
DISK = re.compile(r"^disk:([^/]+)/([^/]+)$", re.IGNORECASE)


@dataclass
class BlobEndpoint:
    """A blob with a URL to address it and a credential for the SDK client."""

    url: str  # without a query
    sas: str = ""  # query string of a SAS, if any
    account_name: str = ""
    account_key: str | None = None
    disk: tuple[str, str] | None = None  # (resource group, name) of an exported disk
    described: str = ""  # how the user named it, for messages

    @property
    def credential(self) -> Any:
        if self.sas:
            return None
        if self.account_key:
            return {"account_name": self.account_name, "account_key": self.account_key}
        return "token"  # replaced by the caller's token credential

    @property
    def sas_url(self) -> str:
        return f"{self.url}?{self.sas}" if self.sas else self.url

    def read_url(self, expiry: datetime) -> str:
        """A URL the service can read the blob through: read-only SAS until `expiry`."""
        if self.sas:
            return self.sas_url
        if self.account_key is None:
            raise UsageError(
                f"{self.described}: cannot make a SAS for the source",
                hint="give a blob URL with a read SAS, or an account/container/blob name",
            )
        _, container, blob = split_blob_url(self.url)
        sas = generate_blob_sas(
            self.account_name,
            container,
            blob,
            account_key=self.account_key,
            permission=BlobSasPermissions(read=True),
            expiry=expiry,
        )
        return f"{self.url}?{sas}"

    def __repr__(self) -> str:
        return f"BlobEndpoint({redact(self.sas_url)})"


def copy_expiry(allocated_bytes: int, *, floor_rate: float = 8 * 1024 * 1024) -> datetime:
    """Long enough for the copy at a slow rate, plus an hour: a SAS must not expire mid-copy."""
    seconds = allocated_bytes / floor_rate + 3600
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def split_blob_url(url: str) -> tuple[str, str, str]:
    """(account, container, blob) of a blob URL; emulators put the account in the path."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    path = unquote(parts.path).strip("/").split("/")
    if host in ("127.0.0.1", "localhost"):
        account, path = path[0], path[1:]
    else:
        account = host.split(".")[0]
    return account, path[0] if path else "", "/".join(path[1:])


def check_form(text: str) -> None:
    """Refuse what is none of the three forms before anything talks to Azure."""
    if text.startswith(("https://", "http://")) or DISK.match(text) or NAME.match(text):
        return
    raise UsageError(
        f"{text!r} is not a blob",
        hint="use a blob URL, ACCOUNT/CONTAINER/BLOB, or disk:RESOURCE_GROUP/NAME",
    )


async def resolve(text: str, session: AzureSession | None) -> BlobEndpoint:
    """Turn what the user wrote into a blob endpoint (ARM is asked only when needed)."""
    if text.startswith(("https://", "http://")):
        parts = urlsplit(text)
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        return BlobEndpoint(base, parts.query, split_blob_url(text)[0], described=redact(text))
    disk = DISK.match(text)
    if disk:
        if session is None:
            raise UsageError(f"{text}: a managed disk needs Azure credentials")
        return BlobEndpoint("", disk=(disk.group(1), disk.group(2)), described=text)
    name = NAME.match(text)
    if not name:
        raise UsageError(
            f"{text!r} is not a blob",
            hint="use a blob URL, ACCOUNT/CONTAINER/BLOB, or disk:RESOURCE_GROUP/NAME",
        )
    if session is None:
        raise UsageError(f"{text}: finding the storage account needs Azure credentials")
    account, container, blob = name.groups()
    found = await find_account(session, account)
    if found is None:
        raise UsageError(
            f"storage account {account} is not in subscription {session.target.subscription}",
            hint="check the name, or pass --subscription",
        )
    key = await account_key(session, found.resource_group, account)
    endpoint = found.blob_endpoint
    return BlobEndpoint(
        f"{endpoint.rstrip('/')}/{container}/{blob}", "", account, key, described=text
    )
