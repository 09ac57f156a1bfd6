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

    def call(
        self, action: str, body: Any = None, *, method: str | None = None, timeout: float = 30
    ) -> Any:
        data = None if body is None else json.dumps(body).encode()
        verb = method or ("POST" if body is not None else "GET")
        request = urllib.request.Request(
            f"{self.url}/{action}",
            data=data,
            method=verb,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self.context, timeout=timeout) as answer:
                return json.loads(answer.read() or b"{}")
        except OSError as exc:
            raise SandboxError(
                f"cannot reach the sandbox at {self.url}: {exc}",
                hint='start it with `eval "$(azlab sandbox start)"`',
            ) from None

    def reset(self) -> None:
        self.call("reset", {})

    def requests(self, since: int = 0, *, bodies: bool = False) -> list[dict[str, Any]]:
        """The request log; `bodies` adds each request's query, body and answer (JSON text)."""
        extra = "&bodies=1" if bodies else ""
        result: list[dict[str, Any]] = self.call(f"requests?since={since}{extra}")["requests"]
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

    def script_results(self, vm: str, *results: dict[str, Any], name: str = "") -> None:
        """What the next scripts run on `vm` through Run Command do, in turn (the last repeats):
        each `{"exit_code", "output", "error", "seconds", "hangs"}`; `name` narrows it to one
        managed run command (or the action's commandId)."""
        self.call("run-commands", {"vm": vm, "name": name, "results": list(results) or [{}]})

    def script_runs(self) -> list[dict[str, Any]]:
        """Every script run so far: vm, name, script, at (sandbox clock) and its result."""
        runs: list[dict[str, Any]] = self.call("run-commands")["runs"]
        return runs

    def identity(self, principal_id: str) -> dict[str, str]:
        """How to sign in as a managed identity the sandbox made (a Function app's, an
        Automation account's): `endpoint` and `header` (IDENTITY_ENDPOINT, IDENTITY_HEADER
        for it), with its `principalId`, `clientId` and `resourceId`."""
        result: dict[str, str] = self.call(f"identities/{principal_id}")
        return result

    def identities(self) -> list[dict[str, str]]:
        """Every identity the sandbox knows, its own first."""
        result: list[dict[str, str]] = self.call("identities")["value"]
        return result

    def hosted(self) -> list[dict[str, Any]]:
        """The hosted sites, their functions and errors."""
        result: list[dict[str, Any]] = self.call("hosted")["sites"]
        return result

    def hosted_runs(self, since: int = 0) -> list[dict[str, Any]]:
        """What the hosted apps ran, from the `since`-th run on."""
        result: list[dict[str, Any]] = self.call(f"hosted/runs?since={since}")["runs"]
        return result

    def wait_hosted(self, timeout: float = 60.0) -> int:
        """Until nothing hosted is due, running or queued; the number of runs so far."""
        answer = self.call("hosted/wait", {"timeout": timeout}, timeout=timeout + 30)
        if not answer["idle"]:
            raise SandboxError(f"the hosted apps were still busy after {timeout:.0f} s")
        return int(answer["count"])

    def snapshot(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("snapshot")
        return result

    def restore(self, state: dict[str, Any]) -> None:
        self.call("restore", state)
