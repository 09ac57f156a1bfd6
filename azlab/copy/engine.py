"""Copy one page blob server side: Put Page From URL per allocated chunk, in parallel.

The source ETag is pinned on every request, so a source that changes mid-copy
fails the copy (412) instead of producing a torn disk. A chunk refused because
the source's SAS ran out is sent again with a new one (`azlab.copy.access`). The SDK's own retries
are off for the chunk writes: their throttling is handled here, once, by the
pacer. Every other request (the destination's create, verification reads) is
retried by the SDK.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)

from azlab.copy.access import SourceAccess, expired_refusal
from azlab.copy.chunks import Chunk, chunk_ranges, covered
from azlab.copy.journal import ChunkJournal
from azlab.copy.pacing import Pacer
from azlab.copy.progress import CopyProgress
from azlab.errors import AzlabError, CredentialError, SourceChangedError, VerifyError

DEFAULT_PARALLELISM = 16


@dataclass(frozen=True)
class CopyResult:
    size: int
    allocated: int
    copied: int
    resumed: int
    chunks: int
    throttled: int
    seconds: float
    verified_content: bool
    sas_renewals: int = 0


async def allocated_ranges(blob: Any) -> list[tuple[int, int]]:
    """Half-open allocated ranges of a page blob."""
    ranges: list[tuple[int, int]] = []
    async for r in blob.list_page_ranges():
        if not r.cleared:
            ranges.append((int(r.start), int(r.end) + 1))
    return ranges


async def copy_page_blob(
    source: Any,
    source_url: str,
    destination: Any,
    *,
    parallelism: int = DEFAULT_PARALLELISM,
    global_slots: asyncio.Semaphore | None = None,
    journal: ChunkJournal | None = None,
    on_progress: Callable[[CopyProgress], None] | None = None,
    verify_content: bool = False,
    clock: Callable[[], float] = time.monotonic,
    access: SourceAccess | None = None,
) -> CopyResult:
    """Copy `source` (read through `source_url`, a SAS URL) to `destination`.

    With `access`, the service reads through `access.url` instead, renewed when its SAS
    runs out, and azlab reads the source with `access.reader`.
    """
    if access is None:
        access = SourceAccess(source_url, source)
    begin = clock()
    props = await source.get_blob_properties()
    etag: str = props.etag
    size = int(props.size)
    ranges = await allocated_ranges(source)
    chunks = chunk_ranges(ranges)
    allocated = sum(c.length for c in chunks)
    if journal is not None and journal.source_etag != etag:
        journal = None
    done = set(journal.done) if journal else set()
    await _prepare_destination(destination, size, resume=bool(done))
    todo = [c for c in chunks if c.offset not in done]
    progress = CopyProgress(total=allocated, started=begin)
    resumed = allocated - sum(c.length for c in todo)
    progress.copied = resumed
    pacer = Pacer(limit=float(parallelism), ceiling=parallelism)
    queue: asyncio.Queue[Chunk] = asyncio.Queue()
    for chunk in todo:
        queue.put_nowait(chunk)
    in_flight = 0
    changed = asyncio.Event()
    failure: list[BaseException] = []

    async def copy_one(chunk: Chunk) -> None:
        nonlocal in_flight
        url = access.url
        try:
            await destination.upload_pages_from_url(
                url,
                offset=chunk.offset,
                length=chunk.length,
                source_offset=chunk.offset,
                source_etag=etag,
                source_match_condition=MatchConditions.IfNotModified,
                retry_total=0,
            )
        except HttpResponseError as exc:
            status = exc.status_code or 0
            if status == 412:
                failure.append(
                    SourceChangedError(
                        "the source blob changed during the copy",
                        hint="stop whatever writes to it (deallocate the VM) and copy again",
                    )
                )
            elif status in (500, 503):
                pacer.on_throttle(clock(), _retry_after(exc))
                queue.put_nowait(chunk)
            elif _source_refused(exc) and expired_refusal(exc, url):
                # Refused before a byte was written: send the chunk again with a new SAS.
                try:
                    await access.renewed(url)
                except (AzlabError, HttpResponseError) as renewal:
                    failure.append(renewal)
                else:
                    queue.put_nowait(chunk)
            elif expired_refusal(exc, str(getattr(destination, "url", ""))):
                failure.append(
                    CredentialError(
                        "the SAS of the destination expired",
                        hint="give a URL with a new SAS and run the same command: "
                        "the copy goes on from its journal",
                    )
                )
            else:
                failure.append(exc)
        except (ServiceRequestError, ServiceResponseError):
            # A dropped connection: the chunk is idempotent, so send it again, more gently.
            pacer.on_throttle(clock())
            queue.put_nowait(chunk)
        else:
            access.used()
            pacer.on_success(clock())
            progress.add(clock(), chunk.length)
            if journal is not None:
                journal.mark(chunk.offset)
            if on_progress is not None:
                on_progress(progress)
        finally:
            in_flight -= 1
            changed.set()

    tasks: set[asyncio.Task[None]] = set()
    last_save = clock()
    while (not queue.empty() or in_flight) and not failure:
        wait = pacer.wait_time(clock())
        if wait > 0:
            await asyncio.sleep(wait)
        while not queue.empty() and in_flight < pacer.window and not failure:
            chunk = queue.get_nowait()
            in_flight += 1
            if global_slots is not None:
                await global_slots.acquire()
            task = asyncio.create_task(copy_one(chunk))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            if global_slots is not None:
                task.add_done_callback(lambda _t: global_slots.release())
        changed.clear()
        if in_flight:
            await changed.wait()
        if journal is not None and clock() - last_save > 2:
            journal.save()
            last_save = clock()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    if journal is not None:
        journal.save()
    if failure:
        raise failure[0]
    await verify(
        source,
        destination,
        size,
        ranges,
        content=verify_content,
        digest_source=lambda chunk: access.read(lambda reader: _digest(reader, chunk)),
    )
    if journal is not None:
        journal.remove()
    return CopyResult(
        size=size,
        allocated=allocated,
        copied=progress.copied - resumed,
        resumed=resumed,
        chunks=len(chunks),
        throttled=pacer.throttled,
        seconds=clock() - begin,
        verified_content=verify_content,
        sas_renewals=access.renewals,
    )


async def _prepare_destination(destination: Any, size: int, *, resume: bool) -> None:
    if resume:
        try:
            props = await destination.get_blob_properties()
            if int(props.size) == size:
                return
        except ResourceNotFoundError:
            pass
    await destination.create_page_blob(size)


async def verify(
    source: Any,
    destination: Any,
    size: int,
    source_ranges: list[tuple[int, int]],
    *,
    content: bool,
    digest_source: Callable[[Chunk], Awaitable[str]] | None = None,
) -> None:
    """The destination has the source's length, and its ranges cover the source's.

    `digest_source` reads the source's chunks instead of `source` (with a SAS renewed
    as it runs out)."""
    props = await destination.get_blob_properties()
    if int(props.size) != size:
        raise VerifyError(f"destination is {props.size} bytes, source is {size}")
    if not covered(await allocated_ranges(destination), source_ranges):
        raise VerifyError("destination is missing some of the source's allocated ranges")
    if not content:
        return
    for chunk in chunk_ranges(source_ranges):
        theirs = await (digest_source(chunk) if digest_source else _digest(source, chunk))
        ours = await _digest(destination, chunk)
        if theirs != ours:
            raise VerifyError(f"content differs at bytes {chunk.offset}-{chunk.end - 1}")


async def _digest(blob: Any, chunk: Chunk) -> str:
    stream = await blob.download_blob(offset=chunk.offset, length=chunk.length)
    return hashlib.sha256(await stream.readall()).hexdigest()


def _source_refused(exc: HttpResponseError) -> bool:
    """Whether the service says it could not read the source (not that it refused us)."""
    code = getattr(exc, "error_code", None) or ""
    return str(getattr(code, "value", code)) in ("", "CannotVerifyCopySource")


def _retry_after(exc: HttpResponseError) -> float | None:
    response: Any = exc.response
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None
