"""Where storage accounts keep their data: the blob backend ARM creates accounts in.

In memory by default (accounts and keys only), or Azurite when the sandbox
runs one (`azlab/sandbox/storage/backend.py`).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol


class BlobBackend(Protocol):
    def add_account(self, name: str) -> tuple[str, str]: ...
    def remove_account(self, name: str) -> None: ...
    def blob_endpoint(self, name: str) -> str: ...
    def queue_endpoint(self, name: str) -> str: ...


class KeysOnlyBackend:
    """Accounts with stable keys and an endpoint, no data: enough for plans and power."""

    def __init__(self, endpoint: str = "https://{name}.{service}.sandbox.invalid/") -> None:
        self.endpoint = endpoint

    def add_account(self, name: str) -> tuple[str, str]:
        return derived_key(name, 1), derived_key(name, 2)

    def remove_account(self, name: str) -> None:
        return None

    def blob_endpoint(self, name: str) -> str:
        return self.endpoint.format(name=name, service="blob")

    def queue_endpoint(self, name: str) -> str:
        return self.endpoint.format(name=name, service="queue")


def endpoints(backend: BlobBackend, name: str) -> dict[str, str]:
    return {"blob": backend.blob_endpoint(name), "queue": backend.queue_endpoint(name)}


def derived_key(name: str, number: int) -> str:
    return base64.b64encode(
        hashlib.sha512(f"azlab-sandbox/{name}/{number}".encode()).digest()
    ).decode()
