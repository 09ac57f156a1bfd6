"""Put Page From URL, which Azurite does not implement: read the source range, Put Page it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from aiohttp import web
from azure.storage.extensions import checksums

from azlab.sandbox.storage import sharedkey
from azlab.sandbox.storage.gateway_auth import Refused, authorize, expired_sas
from azlab.sandbox.storage.gateway_errors import VERSION, base_headers, storage_error

if TYPE_CHECKING:
    from azlab.sandbox.storage.gateway import StorageGateway

PAGE = 512
MAX_PAGES_BYTES = 4 * 1024 * 1024
# Azurite hashes a ranged read of 4 MiB or less before sending it, reading it twice;
# asking for one byte more skips that and halves what a copy costs it.
AZURITE_HASHED_READ = 4 * 1024 * 1024
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


def _query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def crc64(data: bytes) -> str:
    """`x-ms-content-crc64` as the service sends it: CRC-64 with the polynomial Azure Storage
    uses (0x9A6C9329AC4BC9B5 reflected, the NVMe one), little-endian, base64. Computed by the
    native library azure-storage-blob itself validates CRC64 with."""
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
        _check_source_content(request, data)
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


def _source_error(status: int, reason: str | None) -> Refused:
    if status in (304, 412):
        return Refused(
            storage_error(
                412,
                "SourceConditionNotMet",
                "The source condition specified using HTTP conditional header(s) is not met.",
            )
        )
    if status == 416:
        return Refused(storage_error(416, "InvalidRange", "The source range is not satisfiable."))
    return Refused(
        storage_error(
            status if status in (401, 403, 404, 409) else 400,
            "CannotVerifyCopySource",
            f"The source answered {status} {reason}.",
        )
    )


async def _read_source(
    gateway: StorageGateway, request: web.Request, source: tuple[int, int]
) -> bytes:
    assert gateway.client is not None
    given = request.headers["x-ms-copy-source"]
    expired = expired_sas(_query_of(given), code="CannotVerifyCopySource")
    if expired is not None:
        raise expired
    url = gateway.to_upstream(given)
    length = source[1] - source[0]
    end = source[1]
    if url != given and AZURITE_HASHED_READ // 2 < length <= AZURITE_HASHED_READ:
        end = source[0] + AZURITE_HASHED_READ + 1
    headers = {
        "x-ms-range": f"bytes={source[0]}-{end - 1}",
        "x-ms-version": request.headers.get("x-ms-version", VERSION),
    }
    for ours, theirs in SOURCE_CONDITIONS.items():
        if ours in request.headers:
            headers[theirs] = request.headers[ours]
    async with gateway.client.get(url, headers=headers) as answer:
        if answer.status >= 300:
            raise _source_error(answer.status, answer.reason)
        try:
            data = await answer.content.readexactly(length)
        except asyncio.IncompleteReadError:
            raise Refused(
                storage_error(416, "InvalidRange", "The source range is past its end.")
            ) from None
        while await answer.content.readany():  # drop the padding, keep the connection
            pass
    return data


def _check_source_content(request: web.Request, data: bytes) -> None:
    md5 = request.headers.get("x-ms-source-content-md5")
    if md5 is not None and base64.b64decode(md5) != hashlib.md5(data).digest():
        raise Refused(
            storage_error(
                400,
                "Md5Mismatch",
                "The MD5 value specified in the request did not match with the MD5 value "
                "calculated by the server.",
            )
        )
    crc = request.headers.get("x-ms-source-content-crc64")
    if crc is not None and base64.b64decode(crc) != base64.b64decode(crc64(data)):
        raise Refused(
            storage_error(
                400,
                "Crc64Mismatch",
                "The CRC64 value specified in the request did not match with the CRC64 value "
                "calculated by the server.",
            )
        )


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
    query = dict(request.query)
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
    gateway.pages_from_url_bytes += len(data)
    out["x-ms-content-crc64"] = crc64(data)
    out["x-ms-request-server-encrypted"] = "true"
    if "x-ms-source-content-md5" in request.headers:
        out["Content-MD5"] = request.headers["x-ms-source-content-md5"]
    return web.Response(status=201, headers=out)
