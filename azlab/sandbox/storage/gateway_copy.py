"""Asynchronous Copy Blob with the states Azure shows: Azurite copies at once, the gateway
reports the copy `pending` with growing progress, and supports abort and failure."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import web

from azlab.sandbox.storage import sharedkey
from azlab.sandbox.storage.gateway_auth import Refused, authorize
from azlab.sandbox.storage.gateway_errors import VERSION, base_headers, storage_error
from azlab.sandbox.storage.gateway_pages import PAGE

if TYPE_CHECKING:
    from azlab.sandbox.storage.gateway import StorageGateway


@dataclass
class CopyJob:
    copy_id: str
    total: int
    started: float
    speed: float
    fail_at: int | None  # bytes copied when an injected failure strikes
    blob_type: str
    ended: str | None = None  # aborted | failed
    ended_at: float = 0.0
    copied_at_end: int = 0

    def state(self, now: float) -> tuple[str, int]:
        if self.ended:
            return self.ended, self.copied_at_end
        copied = min(self.total, int((now - self.started) * self.speed))
        if self.fail_at is not None and copied >= self.fail_at:
            return "failed", self.fail_at
        return ("success" if copied >= self.total else "pending"), copied


class CopyTracker:
    """Copies Azurite finished at once, shown as the service shows a copy in progress."""

    def __init__(self, gateway: StorageGateway) -> None:
        self.gateway = gateway
        self.jobs: dict[tuple[str, str, str], CopyJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def forget(self, account: str, container: str, blob: str) -> None:
        self.jobs.pop((account, container, blob), None)

    async def start(
        self, request: web.Request, account: str, container: str, blob: str
    ) -> web.StreamResponse:
        speed = self.gateway.settings.copy_speed
        self.forget(account, container, blob)
        try:
            key = authorize(self.gateway, request, account)
        except Refused as refused:
            return refused.answer
        # Azurite copies between its accounts only when the source names Azurite itself.
        source = {"x-ms-copy-source": self.gateway.to_upstream(request.headers["x-ms-copy-source"])}
        sign_as = None if key is None else (account, key)
        if speed <= 0 or request.headers.get("x-ms-requires-sync", "").lower() == "true":
            return await self.gateway.forward(request, replace=source, sign_as=sign_as)
        props: dict[str, str] = {}

        def pending(headers: dict[str, str]) -> None:
            props.update(headers)
            if "x-ms-copy-status" in headers:
                headers["x-ms-copy-status"] = "pending"

        answer = await self.gateway.forward(request, alter=pending, replace=source, sign_as=sign_as)
        if answer.status == 202 and "x-ms-copy-id" in props:
            total, blob_type = await self._size(account, container, blob)
            faults = self.gateway.settings.faults
            fail_at = None
            if faults.copy_fail and self.gateway.random.random() < faults.copy_fail:
                fail_at = int(total * (0.2 + 0.6 * self.gateway.random.random())) // PAGE * PAGE
            job = CopyJob(props["x-ms-copy-id"], total, time.monotonic(), speed, fail_at, blob_type)
            self.jobs[(account, container, blob)] = job
            if fail_at is not None:
                self._later(fail_at / speed, account, container, blob, job)
        return answer

    def _later(self, delay: float, account: str, container: str, blob: str, job: CopyJob) -> None:
        loop = asyncio.get_running_loop()

        def strike() -> None:
            if self.jobs.get((account, container, blob)) is job and not job.ended:
                job.ended, job.copied_at_end = "failed", job.fail_at or 0
                job.ended_at = time.time()
                task = loop.create_task(self._truncate(account, container, blob, job.blob_type))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

        loop.call_later(delay, strike)

    async def abort(
        self, request: web.Request, account: str, container: str, blob: str
    ) -> web.Response:
        try:
            authorize_abort = authorize(self.gateway, request, account)
        except Refused as refused:
            return refused.answer
        if authorize_abort is None and not await self._sas_allows(request):
            return storage_error(
                403, "AuthenticationFailed", "Server failed to authenticate the request."
            )
        job = self.jobs.get((account, container, blob))
        state = job.state(time.monotonic())[0] if job else None
        if job is None or state != "pending":
            return storage_error(
                409, "NoPendingCopyOperation", "There is currently no pending copy operation."
            )
        if request.query.get("copyid") != job.copy_id:
            return storage_error(
                409,
                "CopyIdMismatch",
                "The specified copy ID did not match the copy ID for the pending copy operation.",
            )
        job.ended, job.copied_at_end = "aborted", job.state(time.monotonic())[1]
        job.ended_at = time.time()
        await self._truncate(account, container, blob, job.blob_type)
        return web.Response(status=204, headers=base_headers())

    async def _sas_allows(self, request: web.Request) -> bool:
        """A SAS request is checked by Azurite: ask it for the blob's properties with that SAS."""
        assert self.gateway.client is not None
        query = {k: v for k, v in request.query.items() if k not in ("comp", "copyid")}
        url = self.gateway.upstream + request.raw_path.split("?", 1)[0]
        async with self.gateway.client.head(
            url, params=query, headers={"x-ms-version": VERSION}
        ) as r:
            return r.status < 400

    def properties(self, account: str, container: str, blob: str) -> dict[str, str] | None:
        """The copy properties Azure would show for the blob now, by header; None when the
        gateway follows no copy to it. A pending copy has no completion time."""
        job = self.jobs.get((account, container, blob))
        if job is None:
            return None
        state, copied = job.state(time.monotonic())
        shown = {
            "x-ms-copy-id": job.copy_id,
            "x-ms-copy-status": state,
            "x-ms-copy-progress": f"{copied}/{job.total}",
        }
        if state == "failed":
            shown["x-ms-copy-status-description"] = "500 InternalError Copy failed."
        if state in ("aborted", "failed"):
            shown["x-ms-copy-completion-time"] = formatdate(job.ended_at, usegmt=True)
        return shown

    def blobs_in(self, account: str, container: str) -> set[str]:
        return {b for (a, c, b) in self.jobs if (a, c) == (account, container)}

    def headers_for(
        self, account: str, container: str, blob: str
    ) -> Callable[[dict[str, str]], None] | None:
        if (account, container, blob) not in self.jobs:
            return None

        def alter(headers: dict[str, str]) -> None:
            shown = self.properties(account, container, blob) or {}
            if shown.get("x-ms-copy-status") == "pending":
                headers.pop("x-ms-copy-completion-time", None)
            headers.update(shown)

        return alter

    async def _size(self, account: str, container: str, blob: str) -> tuple[int, str]:
        answer = await self._signed("HEAD", account, container, blob, {})
        return int(answer.get("Content-Length", "0")), answer.get("x-ms-blob-type", "BlockBlob")

    async def _truncate(self, account: str, container: str, blob: str, blob_type: str) -> None:
        """Leave a zero-length blob, as the service does after a failed or aborted copy."""
        headers = {"x-ms-blob-type": blob_type, "Content-Length": "0"}
        if blob_type == "PageBlob":
            headers["x-ms-blob-content-length"] = "0"
        await self._signed("PUT", account, container, blob, headers)

    async def _signed(
        self, method: str, account: str, container: str, blob: str, headers: dict[str, str]
    ) -> dict[str, str]:
        assert self.gateway.client is not None
        path = "/" + quote(f"{account}/{container}/{blob}")
        headers = sharedkey.sign(
            method,
            account,
            path,
            {},
            {"x-ms-version": VERSION, **headers},
            self.gateway.accounts[account],
        )
        async with self.gateway.client.request(
            method,
            self.gateway.upstream + path,
            headers=headers,
            data=b"" if method == "PUT" else None,
        ) as answer:
            await answer.read()
            return dict(answer.headers)
