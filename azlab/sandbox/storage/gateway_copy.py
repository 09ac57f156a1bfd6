"""Server-side copies the gateway supplies: Put Page From URL and an asynchronous Copy Blob."""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from aiohttp import web
from azure.storage.extensions import checksums

from azlab.sandbox.storage import sharedkey
from azlab.sandbox.storage.gateway_errors import VERSION, base_headers, storage_error

if TYPE_CHECKING:
    from azlab.sandbox.storage.gateway import StorageGateway

PAGE = 512
MAX_PAGES_BYTES = 4 * 1024 * 1024
SOURCE_CONDITIONS = {
    "x-ms-source-if-match": "If-Match",
    "x-ms-source-if-none-match": "If-None-Match",
    "x-ms-source-if-modified-since": "If-Modified-Since",
    "x-ms-source-if-unmodified-since": "If-Unmodified-Since",
}
DESTINATION_CONDITIONS = (
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "x-ms-lease-id",
    "x-ms-if-sequence-number-le",
    "x-ms-if-sequence-number-lt",
    "x-ms-if-sequence-number-eq",
)


def crc64(data: bytes) -> str:
    """`x-ms-content-crc64` as the service sends it: CRC-64 (NVMe polynomial), little-endian."""
    return base64.b64encode(checksums.crc64.compute(data, 0).to_bytes(8, "little")).decode()


def parse_range(header: str | None) -> tuple[int, int] | None:
    """`bytes=0-511` -> (0, 512), half-open; None when absent or malformed."""
    if not header or not header.startswith("bytes="):
        return None
    try:
        start, end = (int(x) for x in header[len("bytes=") :].split("-", 1))
    except ValueError:
        return None
    return (start, end + 1) if end >= start >= 0 else None


class Refused(Exception):
    def __init__(self, answer: web.Response) -> None:
        self.answer = answer


def authorize(gateway: StorageGateway, request: web.Request, account: str) -> str | None:
    """The account key to sign forwarded requests with, or None for SAS (Azurite checks it)."""
    if "sig" in request.query:
        return None
    key = gateway.accounts.get(account)
    authorization = request.headers.get("Authorization", "")
    if key is None or not authorization:
        raise Refused(
            storage_error(
                401 if not authorization else 403,
                "NoAuthenticationInformation" if not authorization else "AuthenticationFailed",
                "Server failed to authenticate the request.",
            )
        )
    if not sharedkey.verify(
        authorization,
        request.method,
        account,
        request.raw_path.split("?", 1)[0],
        dict(request.query),
        dict(request.headers),
        key,
    ):
        raise Refused(
            storage_error(
                403,
                "AuthenticationFailed",
                "Server failed to authenticate the request. Make sure the value of "
                "Authorization header is formed correctly including the signature.",
            )
        )
    return key


async def put_page_from_url(
    gateway: StorageGateway, request: web.Request, account: str
) -> web.Response:
    try:
        key = authorize(gateway, request, account)
        destination = parse_range(request.headers.get("x-ms-range") or request.headers.get("Range"))
        source = parse_range(request.headers.get("x-ms-source-range"))
        _check_ranges(destination, source)
        assert destination is not None and source is not None
        data = await _read_source(gateway, request, source)
    except Refused as refused:
        return refused.answer
    return await _write_pages(gateway, request, account, key, destination, data)


def _check_ranges(destination: tuple[int, int] | None, source: tuple[int, int] | None) -> None:
    if destination is None or source is None:
        raise Refused(
            storage_error(
                400, "InvalidHeaderValue", "x-ms-range and x-ms-source-range are required."
            )
        )
    length = destination[1] - destination[0]
    if (
        destination[0] % PAGE
        or length % PAGE
        or source[0] % PAGE
        or source[1] - source[0] != length
        or length > MAX_PAGES_BYTES
    ):
        raise Refused(
            storage_error(416, "InvalidPageRange", "The page range specified is invalid.")
        )


async def _read_source(
    gateway: StorageGateway, request: web.Request, source: tuple[int, int]
) -> bytes:
    assert gateway.client is not None
    url = gateway.to_upstream(request.headers["x-ms-copy-source"])
    headers = {
        "x-ms-range": f"bytes={source[0]}-{source[1] - 1}",
        "x-ms-version": request.headers.get("x-ms-version", VERSION),
    }
    for ours, theirs in SOURCE_CONDITIONS.items():
        if ours in request.headers:
            headers[theirs] = request.headers[ours]
    async with gateway.client.get(url, headers=headers) as answer:
        if answer.status in (304, 412):
            raise Refused(
                storage_error(
                    412,
                    "SourceConditionNotMet",
                    "The source condition specified using HTTP conditional header(s) is not met.",
                )
            )
        if answer.status == 416:
            raise Refused(
                storage_error(416, "InvalidRange", "The source range is not satisfiable.")
            )
        if answer.status >= 400:
            raise Refused(
                storage_error(
                    answer.status if answer.status in (401, 403, 404, 409) else 400,
                    "CannotVerifyCopySource",
                    f"The source answered {answer.status} {answer.reason}.",
                )
            )
        data = await answer.read()
    if len(data) != source[1] - source[0]:
        raise Refused(storage_error(416, "InvalidRange", "The source range is past its end."))
    return data


async def _write_pages(
    gateway: StorageGateway,
    request: web.Request,
    account: str,
    key: str | None,
    destination: tuple[int, int],
    data: bytes,
) -> web.Response:
    assert gateway.client is not None
    path = request.raw_path.split("?", 1)[0]
    query = {k: v for k, v in request.query.items()}
    headers = {
        "x-ms-range": f"bytes={destination[0]}-{destination[1] - 1}",
        "x-ms-page-write": "update",
        "x-ms-version": request.headers.get("x-ms-version", VERSION),
        "Content-Length": str(len(data)),
    }
    for name in DESTINATION_CONDITIONS:
        if name in request.headers:
            headers[name] = request.headers[name]
    if key is not None:
        headers = sharedkey.sign("PUT", account, path, query, headers, key)
    url = gateway.upstream + path
    async with gateway.client.put(url, params=query, headers=headers, data=data) as answer:
        body = await answer.read()
        if answer.status != 201:
            passthrough = {
                k: v
                for k, v in answer.headers.items()
                if k.lower().startswith(("x-ms-", "content-type"))
            }
            return web.Response(status=answer.status, body=body, headers=passthrough)
        out = base_headers()
        for name in ("ETag", "Last-Modified", "x-ms-blob-sequence-number", "x-ms-request-id"):
            if name in answer.headers:
                out[name] = answer.headers[name]
    out["x-ms-content-crc64"] = crc64(data)
    out["x-ms-request-server-encrypted"] = "true"
    return web.Response(status=201, headers=out)


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

    def headers_for(self, account: str, container: str, blob: str) -> Any:
        job = self.jobs.get((account, container, blob))
        if job is None:
            return None

        def alter(headers: dict[str, str]) -> None:
            state, copied = job.state(time.monotonic())
            headers["x-ms-copy-id"] = job.copy_id
            headers["x-ms-copy-status"] = state
            headers["x-ms-copy-progress"] = f"{copied}/{job.total}"
            if state == "failed":
                headers["x-ms-copy-status-description"] = "500 InternalError Copy failed."
            if state in ("aborted", "failed"):
                headers["x-ms-copy-completion-time"] = formatdate(job.ended_at, usegmt=True)
            elif state == "pending":
                headers.pop("x-ms-copy-completion-time", None)

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
