"""A small client for the sandbox's control API, for tests, benchmarks and `azlab sandbox`."""

from __future__ import annotations

import json
import ssl
import urllib.request
from typing import Any

from azlab.errors import SandboxError


class SandboxControl:
    def __init__(self, url: str, ca_file: str) -> None:
        self.url = url.rstrip("/")
        self.context = ssl.create_default_context(cafile=ca_file)

    def call(self, action: str, body: Any = None, *, method: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        verb = method or ("POST" if body is not None else "GET")
        request = urllib.request.Request(
            f"{self.url}/{action}",
            data=data,
            method=verb,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=30) as answer:
                return json.loads(answer.read() or b"{}")
        except OSError as exc:
            raise SandboxError(
                f"cannot reach the sandbox at {self.url}: {exc}",
                hint='start it with `eval "$(azlab sandbox start)"`',
            ) from None

    def reset(self) -> None:
        self.call("reset", {})

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.call(f"requests?since={since}")["requests"]
        return result

    def request_count(self) -> int:
        return int(self.call("requests?since=0")["count"])

    def clear_requests(self) -> None:
        self.call("requests", method="DELETE")

    def settings(self, **changes: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.call("settings", changes if changes else None)
        return result

    def advance_clock(self, seconds: float) -> None:
        self.call("clock", {"advance": seconds})

    def set_clock(self, epoch_seconds: float) -> None:
        self.call("clock", {"at": epoch_seconds})

    def evict(self, vm: str) -> list[str]:
        """Evict the running Spot VM(s) of that name now; the ids of those evicted."""
        result: list[str] = self.call("evict", {"vm": vm})["evicted"]
        return result

    def snapshot(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("snapshot")
        return result

    def restore(self, state: dict[str, Any]) -> None:
        self.call("restore", state)
