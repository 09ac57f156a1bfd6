"""The sandbox's storage gateway: Azurite behind it, plus what Azurite lacks.

Every storage account's blob endpoint points here. Requests pass through to
Azurite untouched and streamed, authenticated by Azurite as before, except:
- Put Page From URL, which Azurite does not implement: the gateway reads the
  source range through its URL and writes it with a Put Page (`gateway_pages`);
- Copy Blob, which Azurite finishes at once: the gateway shows it `pending`
  with a growing `x-ms-copy-progress`, and supports abort and failure
  (`gateway_copy`), in blob properties and in List Blobs (`gateway_listing`);
- per-blob throughput limits answered with 503 ServerBusy, and injected faults;
- bearer tokens (`gateway_bearer`), over HTTPS: given the sandbox's TLS context,
  it also listens with TLS for blobs and for queues (Azurite's queue service
  behind it), and with the `storage_tls` setting accounts report those.
It runs on its own thread and event loop, so bulk data never stalls ARM.
"""

from __future__ import annotations

import asyncio
import random
import ssl
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web

from azlab.sandbox.serving import LoopThread, listen
from azlab.sandbox.storage import gateway_listing, sharedkey
from azlab.sandbox.storage.data_actions import blob_needs, queue_needs
from azlab.sandbox.storage.gateway_auth import expired_sas
from azlab.sandbox.storage.gateway_bearer import (
    KEY,
    BearerRefused,
    DataAccess,
    check_bearer,
    is_bearer,
)
from azlab.sandbox.storage.gateway_copy import CopyTracker
from azlab.sandbox.storage.gateway_errors import storage_error
from azlab.sandbox.storage.gateway_pages import put_page_from_url
from azlab.sandbox.storage.gateway_settings import GatewaySettings
from azlab.sandbox.storage.limits import BlobBuckets

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-authenticate",
    "host",
    "content-length",
}
STREAM_CHUNK = 256 * 1024
# Writes that replace a blob's content; metadata, lease and tier changes keep its copy state.
CONTENT_WRITES = ("", "page", "block", "blocklist", "appendblock")


def operation_kind(request: web.Request) -> str:
    comp = request.query.get("comp", "")
    if request.method in ("GET", "HEAD"):
        return "get"
    if request.method == "PUT" and comp == "page":
        return "put-page-from-url" if "x-ms-copy-source" in request.headers else "put-page"
    if request.method == "PUT" and (
        (not comp and "x-ms-copy-source" in request.headers) or comp == "copy"
    ):
        return "copy"
    return "other"


def blob_path(path: str) -> tuple[str, str, str]:
    """`/account/container/blob/name` -> (account, container, blob); blanks where absent."""
    parts = path.lstrip("/").split("/", 2)
    parts += [""] * (3 - len(parts))
    return parts[0], parts[1], parts[2]


class StorageGateway:
    def __init__(
        self,
        upstream_port: Callable[[], int],
        accounts: Mapping[str, str],
        settings: GatewaySettings | None = None,
        *,
        queue_port: Callable[[], int] = lambda: 0,
    ) -> None:
        self._upstream_port = upstream_port
        self._queue_port = queue_port
        self.accounts = accounts  # name -> key, shared with the backend
        self.settings = settings or GatewaySettings()
        self.port = 0
        self.tls_port = 0  # blobs over HTTPS; 0: not listening
        self.queue_tls_port = 0  # queues over HTTPS
        self.access: DataAccess | None = None  # judges bearer tokens and their roles
        self._tls: ssl.SSLContext | None = None
        self._runners: list[web.AppRunner] = []
        self.random = random.Random(self.settings.faults.seed)
        self.buckets = BlobBuckets(self.settings.limits)
        self.copies = CopyTracker(self)
        self.pages_from_url_bytes = 0  # written by Put Page From URL: what copies moved
        self.client: ClientSession | None = None
        self._thread = LoopThread("storage gateway", self._serve, self._close)

    # lifecycle
    def start(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self._thread.start()

    async def _serve(self) -> None:
        self.client = ClientSession(
            connector=TCPConnector(limit=0, force_close=False),
            timeout=ClientTimeout(total=None, sock_connect=10),
            auto_decompress=False,
            skip_auto_headers=("Content-Type", "User-Agent", "Accept-Encoding", "Accept"),
        )
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        runner, self.port = await listen(app)
        self._runners.append(runner)
        if self._tls is not None:
            runner, self.tls_port = await listen(app, ssl_context=self._tls)
            self._runners.append(runner)
            queues = web.Application(client_max_size=64 * 1024**2)
            queues.router.add_route("*", "/{tail:.*}", self.handle_queue)
            runner, self.queue_tls_port = await listen(queues, ssl_context=self._tls)
            self._runners.append(runner)

    async def _close(self) -> None:
        if self.client is not None:
            await self.client.close()
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()

    def stop(self) -> None:
        self._thread.stop()

    def configure(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self.random.seed(settings.faults.seed)
        self.buckets = BlobBuckets(settings.limits)

    # addresses
    @property
    def upstream(self) -> str:
        return f"http://127.0.0.1:{self._upstream_port()}"

    @property
    def tls(self) -> bool:
        """Whether accounts report the HTTPS endpoints."""
        return self.settings.tls and self.tls_port != 0

    def endpoint(self, account: str) -> str:
        if self.tls:
            return f"https://127.0.0.1:{self.tls_port}/{account}/"
        return f"http://127.0.0.1:{self.port}/{account}/"

    def queue_endpoint(self, account: str) -> str:
        if self.tls:
            return f"https://127.0.0.1:{self.queue_tls_port}/{account}/"
        return f"http://127.0.0.1:{self._queue_port()}/{account}/"  # Azurite's own

    def _ours(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.hostname in ("127.0.0.1", "localhost") and parts.port in (
            self.port,
            self.tls_port or None,
        )

    def to_upstream(self, url: str) -> str:
        """A URL of this gateway, pointed at Azurite instead (other URLs unchanged)."""
        if self._ours(url):
            parts = urlsplit(url)
            netloc = f"127.0.0.1:{self._upstream_port()}"
            return urlunsplit(parts._replace(scheme="http", netloc=netloc))
        return url

    def plain(self, url: str) -> str:
        """A URL of this gateway over plain HTTP (the sandbox's own reads need no CA)."""
        if self._ours(url):
            parts = urlsplit(url)
            return urlunsplit(parts._replace(scheme="http", netloc=f"127.0.0.1:{self.port}"))
        return url

    def from_upstream(self, url: str) -> str:
        """An Azurite URL (as Azurite reports copy sources), pointed at this gateway."""
        parts = urlsplit(url)
        if parts.hostname == "127.0.0.1" and parts.port == self._upstream_port():
            scheme, port = ("https", self.tls_port) if self.tls else ("http", self.port)
            return urlunsplit(parts._replace(scheme=scheme, netloc=f"127.0.0.1:{port}"))
        return url

    # requests
    async def handle(self, request: web.Request) -> web.StreamResponse:
        kind = operation_kind(request)
        account, container, blob = blob_path(request.path)
        refusal = await self._inject(request, kind)
        if refusal is not None:
            return refusal
        if is_bearer(request.headers):
            needed = blob_needs(request.method, request.query, container, blob)
            try:
                request[KEY] = check_bearer(
                    self.access, request, account, self.accounts.get(account), needed
                )
            except BearerRefused as refused:
                return refused.answer
        expired = expired_sas(request.query)
        if expired is not None:
            return expired.answer
        if blob and self.settings.limits.on:
            cost = int(request.headers.get("Content-Length") or 0)
            if kind == "put-page-from-url":
                cost = _range_length(request.headers.get("x-ms-source-range", ""))
            elif kind == "get":
                ranged = request.headers.get("x-ms-range") or request.headers.get("Range") or ""
                cost = _range_length(ranged)
            if not self.buckets.admit(f"{account}/{container}/{blob}", cost):
                return storage_error(503, "ServerBusy", "The server is busy.")
        if kind == "put-page-from-url":
            return await put_page_from_url(self, request, account)
        if kind == "copy" and request.query.get("comp") == "copy":
            return await self.copies.abort(request, account, container, blob)
        if kind == "copy":
            return await self.copies.start(request, account, container, blob)
        if request.method == "DELETE" or (
            request.method == "PUT" and request.query.get("comp", "") in CONTENT_WRITES
        ):
            self.copies.forget(account, container, blob)  # the copy's outcome no longer shows
        if kind == "get" and not blob and gateway_listing.lists_copies(request):
            return await self.forward(
                request,
                rewrite=lambda body: gateway_listing.rewrite(
                    body,
                    lambda name: self.copies.properties(account, container, name),
                    self.from_upstream,
                ),
            )
        alter = None
        if kind == "get" and blob and "comp" not in request.query:
            alter = self._blob_properties(account, container, blob)
        return await self.forward(request, alter=alter)

    def _blob_properties(
        self, account: str, container: str, blob: str
    ) -> Callable[[dict[str, str]], None]:
        copy_state = self.copies.headers_for(account, container, blob)

        def alter(headers: dict[str, str]) -> None:
            if "x-ms-copy-source" in headers:
                headers["x-ms-copy-source"] = self.from_upstream(headers["x-ms-copy-source"])
            if copy_state is not None:
                copy_state(headers)

        return alter

    async def handle_queue(self, request: web.Request) -> web.StreamResponse:
        """Queues over HTTPS: passed to Azurite's queue service, bearer tokens checked here."""
        account, _, below = request.path.lstrip("/").partition("/")
        if is_bearer(request.headers):
            needed = queue_needs(request.method, request.query, below)
            try:
                request[KEY] = check_bearer(
                    self.access, request, account, self.accounts.get(account), needed
                )
            except BearerRefused as refused:
                return refused.answer
        return await self.forward(request, service=f"http://127.0.0.1:{self._queue_port()}")

    async def _inject(self, request: web.Request, kind: str) -> web.StreamResponse | None:
        faults = self.settings.faults
        delay = faults.rate(faults.delay, kind)
        if delay:
            await asyncio.sleep(delay)
        if self.random.random() < faults.rate(faults.drop, kind):
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError("dropped by fault injection")
        for status, table in ((500, faults.error_500), (503, faults.error_503)):
            if self.random.random() < faults.rate(table, kind):
                code = "InternalError" if status == 500 else "ServerBusy"
                return storage_error(status, code, f"Injected {status} for {kind}.")
        return None

    async def forward(
        self,
        request: web.Request,
        *,
        alter: Callable[[dict[str, str]], None] | None = None,
        replace: Mapping[str, str] | None = None,
        sign_as: tuple[str, str] | None = None,
        rewrite: Callable[[bytes], bytes] | None = None,
        service: str | None = None,
    ) -> web.StreamResponse:
        """Send the request to Azurite's blob service (or `service`) as it came (or with
        `replace`d headers, signed again with `sign_as` = (account, key) when it used Shared
        Key or a bearer token), and stream the answer back (`alter`ing its headers; read whole
        and `rewrite`n when it is a 200)."""
        assert self.client is not None
        if sign_as is None and KEY in request:
            sign_as = (request.path.lstrip("/").split("/", 1)[0], request[KEY])
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        if replace:
            headers.update(replace)
        body: Any = None
        length = request.headers.get("Content-Length")
        if request.body_exists:
            headers["Content-Length"] = length or "0"
            body = request.content.iter_chunked(STREAM_CHUNK)
        if sign_as is not None:
            headers.pop("Authorization", None)
            path = request.raw_path.split("?", 1)[0]
            headers = sharedkey.sign(
                request.method, sign_as[0], path, dict(request.query), headers, sign_as[1]
            )
        async with self.client.request(
            request.method,
            (service or self.upstream) + str(request.rel_url),
            headers=headers,
            data=body,
            allow_redirects=False,
        ) as upstream:
            answer = {k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP}
            if alter is not None:
                alter(answer)
            if rewrite is not None and upstream.status == 200:
                body = rewrite(await upstream.read())
                answer.pop("Content-MD5", None)
                return web.Response(status=200, body=body, headers=answer)
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            response.headers.update(answer)
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            if request.method != "HEAD":
                async for chunk in upstream.content.iter_chunked(STREAM_CHUNK):
                    await response.write(chunk)
            await response.write_eof()
            return response


def _range_length(header: str) -> int:
    try:
        start, end = header.split("=", 1)[1].split("-")
        return int(end) - int(start) + 1
    except (IndexError, ValueError):
        return 0
