"""The fallback: the service's own asynchronous Copy Blob, polled for progress.

The service copies on its own schedule, so progress is what it reports
(`x-ms-copy-progress`). A copy that runs past its timeout, or is interrupted
(Ctrl-C), is aborted; a failed or aborted copy leaves a zero-length
destination blob, which is removed before the next attempt.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from azlab.copy.progress import CopyProgress
from azlab.errors import CopyFailedError


async def remove_failed_leftover(destination: Any) -> bool:
    """Delete the zero-length blob a failed or aborted copy leaves; True if there was one."""
    try:
        props = await destination.get_blob_properties()
    except ResourceNotFoundError:
        return False
    if props.copy.status in ("failed", "aborted") and int(props.size) == 0:
        await destination.delete_blob()
        return True
    return False


def _progress(text: str | None) -> tuple[int, int]:
    copied, _, total = (text or "0/0").partition("/")
    return int(copied or 0), int(total or 0)


async def copy_blob_async(
    source_url: str,
    destination: Any,
    *,
    timeout: float,
    poll_interval: float = 2.0,
    on_progress: Callable[[CopyProgress], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CopyProgress:
    await remove_failed_leftover(destination)
    began = clock()
    started = await destination.start_copy_from_url(source_url)
    copy_id = started["copy_id"]
    progress = CopyProgress(total=0, started=began)
    try:
        while True:
            props = await destination.get_blob_properties()
            copied, total = _progress(props.copy.progress)
            progress.total = total
            if copied > progress.copied:
                progress.add(clock(), copied - progress.copied)
            if on_progress is not None:
                on_progress(progress)
            status = props.copy.status
            if status == "success":
                return progress
            if status in ("failed", "aborted"):
                why = props.copy.status_description or "no reason given"
                raise CopyFailedError(
                    f"the service {status} the copy: {why}",
                    hint="run the same command again; the empty blob it left is removed first",
                )
            if clock() - began > timeout:
                await destination.abort_copy(copy_id)
                raise CopyFailedError(
                    f"the copy did not finish within {timeout:.0f}s and was aborted",
                    hint="raise --timeout, or use the default mode (Put Page From URL)",
                )
            await asyncio.sleep(poll_interval)
    except (asyncio.CancelledError, KeyboardInterrupt):
        # Leave nothing running in the service that the user did not ask for.
        await asyncio.shield(destination.abort_copy(copy_id))
        raise
