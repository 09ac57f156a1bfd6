"""Send again what is safe to send again: a write refused while another operation runs
on the resource, and a read whose connection dropped.

A process killed mid-operation (Ctrl-C, SIGKILL, a lost network) leaves its
operation running in Azure; the command run again to finish the job meets a
409 ("is in the middle of another operation ... Retry after it completes").
That refusal says exactly what to do, so resuming work waits and sends again.
Power actions (tick, up, down) do not use this: they treat the 409 as a sign
that someone else is acting on the VM (azlab.power.enforce).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_fixed,
    wait_incrementing,
)

T = TypeVar("T")
log = logging.getLogger(__name__)

BUSY_CODES = frozenset({"anotheroperationinprogress", "operationnotallowed", "conflict"})
LIMIT_SECONDS = 1800.0  # about Azure's own limit for a VM operation


def is_busy(exc: HttpResponseError) -> bool:
    """A 409 that names another operation in progress (not a real conflict of values)."""
    if exc.status_code != 409:
        return False
    code = str(getattr(exc.error, "code", "") or "").lower()
    text = str(exc.message or exc).lower()
    return code in BUSY_CODES and ("another operation" in text or "in progress" in text)


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, HttpResponseError) and is_busy(exc)


async def when_free(
    send: Callable[[], Awaitable[T]],
    *,
    interval: float = 2.0,
    limit: float = LIMIT_SECONDS,
) -> T:
    """`await send()`, sent again every `interval` seconds while Azure says it is busy."""
    retrying = AsyncRetrying(
        retry=retry_if_exception(_busy),
        wait=wait_fixed(interval),
        stop=stop_before_delay(limit),
        before_sleep=lambda state: log.info(
            "busy with another operation; sending again in %.1fs", interval
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await send()
    raise AssertionError("unreachable: the last attempt's error is raised")


async def resend_if_dropped(
    send: Callable[[], Awaitable[T]], *, attempts: int = 4, delay: float = 1.0
) -> T:
    """`await send()` again when the connection broke before an answer came.

    The SDK's retry policy resends a POST only after a 5xx answer, never after a dropped
    connection, as a POST may not be safe to repeat; the POSTs given here (list keys, grant
    or revoke access) are. Waits grow by `delay` each time (1, 2, 3 s).
    """
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((ServiceRequestError, ServiceResponseError)),
        wait=wait_incrementing(start=delay, increment=delay),
        stop=stop_after_attempt(attempts),
        before_sleep=lambda state: log.info(
            "connection dropped; sending again in %.1fs", state.upcoming_sleep
        ),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await send()
    raise AssertionError("unreachable: the last attempt's error is raised")
