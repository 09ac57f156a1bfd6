"""Where storage accounts keep their data: the blob backend ARM creates accounts in.

In memory by default (accounts and keys only), or Azurite when the sandbox
runs one (`azlab/sandbox/storage/backend.py`).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit


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


def _unserved(blob: str, name: str, service: str) -> str:
    """An endpoint of a service the sandbox does not serve, shaped like the blob one:
    `{name}.{service}.` for host-style URLs, `/{name}-{service}/` for path-style ones."""
    parts = urlsplit(blob)
    if parts.hostname and parts.hostname.startswith(f"{name}.blob."):
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(".blob.", f".{service}.", 1)))
    return urlunsplit(parts._replace(path=f"/{name}-{service}/"))


def endpoints(backend: BlobBackend, name: str) -> dict[str, str]:
    """Every primary endpoint Azure lists; only blob and queue are served."""
    blob = backend.blob_endpoint(name)
    found = {"blob": blob, "queue": backend.queue_endpoint(name)}
    for service in ("table", "file", "web", "dfs"):
        found[service] = _unserved(blob, name, service)
    return found


def secondary_endpoints(backend: BlobBackend, name: str) -> dict[str, str]:
    """The read-only secondary of a read-access geo-redundant account (no file share)."""
    found = endpoints(backend, f"{name}-secondary")
    return {k: v for k, v in found.items() if k != "file"}


def derived_key(name: str, number: int) -> str:
    return base64.b64encode(
        hashlib.sha512(f"azlab-sandbox/{name}/{number}".encode()).digest()
    ).decode()
