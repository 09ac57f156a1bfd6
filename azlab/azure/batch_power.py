"""Power actions on up to 100 VMs per request through Microsoft.ComputeSchedule.

`execute` sends `virtualMachinesExecuteStart` / `...ExecuteDeallocate` /
`...ExecuteHibernate` for one region and returns, per VM, the operation id or
why the batch refused it; `statuses` reads operations back by id
(`virtualMachinesGetOperationStatus`), `cancel` cancels them. Each request
carries a correlation id (one per tick, so Azure's logs tie its requests
together) and is sent again, by azlab's retry policy, when it is throttled
(429, after `Retry-After`; azure-core never resends a POST on 429) or its
connection broke. A request the provider cannot take at all (namespace not
registered in the subscription, not offered in the region) raises
`BatchUnavailable`: the caller falls back to the per-VM call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from azure.core.exceptions import HttpResponseError
from azure.mgmt.computeschedule.models import ResourceOperation
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError, AzureOperationError, NetworkError

MAX_IDS = 100  # the API's limit per request
ACTIONS = ("start", "deallocate", "hibernate")
# Codes that say the provider is not there for this subscription or region.
UNAVAILABLE = frozenset(
    {
        "missingsubscriptionregistration",
        "noregisteredproviderfound",
        "locationnotavailableforresourcetype",
        "invalidresourcetype",
        "subscriptionnotregistered",
    }
)
SEND_ATTEMPTS = 6
RETRY_AFTER_CAP = 60.0
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
T = TypeVar("T")


class BatchUnavailable(AzlabError):
    """The batch API cannot be used in this subscription or region."""


@dataclass(frozen=True)
class Submitted:
    """One VM of an execute request: its operation id, or why the batch refused it."""

    resource_id: str
    operation_id: str | None
    error: str | None = None


@dataclass(frozen=True)
class OpStatus:
    operation_id: str
    resource_id: str
    state: str  # Executing, PendingExecution, Succeeded, Failed, Cancelled, ...
    error_code: str | None = None
    error_details: str | None = None

    @property
    def done(self) -> bool:
        return self.state.lower() in TERMINAL


@dataclass(frozen=True)
class RetryPolicy:
    """What the service itself retries before it reports an operation failed."""

    count: int = 2
    window_minutes: int = 20


class _Throttled(Exception):
    def __init__(self, wait: float) -> None:
        super().__init__(f"throttled for {wait:.0f}s")
        self.wait = wait


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, (_Throttled, NetworkError))


async def _send(region: str, what: str, call: Callable[[], Awaitable[T]]) -> T:
    """Await `call()` under the retry policy; map errors; raise BatchUnavailable when absent."""
    retrying = AsyncRetrying(
        stop=stop_after_attempt(SEND_ATTEMPTS),
        wait=wait_exponential(multiplier=0.5, max=8),
        retry=retry_if_exception(_retryable),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            try:
                with azure_errors(resource=f"{what} in {region}"):
                    try:
                        return await call()
                    except HttpResponseError as exc:
                        if exc.status_code == 429:
                            wait = _retry_after(exc)
                            await asyncio.sleep(wait)
                            raise _Throttled(wait) from None
                        raise
            except AzureOperationError as exc:
                if (exc.code or "").lower() in UNAVAILABLE:
                    raise BatchUnavailable(exc.message) from None
                raise
    raise AssertionError("unreachable: the last attempt's error is raised")


def _retry_after(exc: HttpResponseError) -> float:
    headers = getattr(exc.response, "headers", None) or {}
    header = str(headers.get("Retry-After", "1"))
    return min(float(header) if header.strip().isdigit() else 1.0, RETRY_AFTER_CAP)


async def execute(
    session: AzureSession,
    region: str,
    action: str,
    resource_ids: Sequence[str],
    correlation_id: str,
    retry: RetryPolicy,
) -> list[Submitted]:
    """One execute request for at most 100 VMs of `region`."""
    if action not in ACTIONS or not 0 < len(resource_ids) <= MAX_IDS:
        raise ValueError(f"{action} of {len(resource_ids)} VMs is not one batch request")
    ops = session.schedule.scheduled_actions
    send = {
        "start": ops.virtual_machines_execute_start,
        "deallocate": ops.virtual_machines_execute_deallocate,
        "hibernate": ops.virtual_machines_execute_hibernate,
    }[action]
    body = {
        "executionParameters": {
            "retryPolicy": {
                "retryCount": retry.count,
                "retryWindowInMinutes": retry.window_minutes,
            }
        },
        "resources": {"ids": list(resource_ids)},
        "correlationid": correlation_id,
    }
    answer = await _send(region, f"batch {action}", lambda: send(region, body))
    found: dict[str, Submitted] = {}
    for result in answer.results or []:
        operation = result.operation
        resource_id = str(result.resource_id or (operation.resource_id if operation else ""))
        if result.error_code or operation is None:
            why = f"{result.error_code or 'Refused'}: {result.error_details or 'no operation'}"
            found[resource_id.lower()] = Submitted(resource_id, None, why)
        else:
            found[resource_id.lower()] = Submitted(resource_id, str(operation.operation_id))
    return [
        found.get(r.lower(), Submitted(r, None, "no result for this VM in the answer"))
        for r in resource_ids
    ]


async def statuses(
    session: AzureSession, region: str, operation_ids: Sequence[str], correlation_id: str
) -> list[OpStatus]:
    """The operations' states; at most 100 ids per request."""
    if not 0 < len(operation_ids) <= MAX_IDS:
        raise ValueError(f"{len(operation_ids)} operation ids is not one status request")
    ops = session.schedule.scheduled_actions
    body = {"operationIds": list(operation_ids), "correlationid": correlation_id}
    answer = await _send(
        region, "batch status", lambda: ops.virtual_machines_get_operation_status(region, body)
    )
    return _statuses(answer.results or [])


async def cancel(
    session: AzureSession, region: str, operation_ids: Sequence[str], correlation_id: str
) -> list[OpStatus]:
    ops = session.schedule.scheduled_actions
    body = {"operationIds": list(operation_ids), "correlationid": correlation_id}
    answer = await _send(
        region, "batch cancel", lambda: ops.virtual_machines_cancel_operations(region, body)
    )
    return _statuses(answer.results or [])


def _text(value: object) -> str:
    """An SDK enum member's value (str() of one is its qualified name), or the text itself."""
    return str(getattr(value, "value", value) or "")


def _statuses(results: Sequence[ResourceOperation]) -> list[OpStatus]:
    found = []
    for result in results:
        operation = result.operation
        if operation is None:
            continue
        error = operation.resource_operation_error
        found.append(
            OpStatus(
                str(operation.operation_id),
                str(operation.resource_id or result.resource_id or ""),
                _text(operation.state) or "Unknown",
                str(error.error_code) if error is not None and error.error_code else None,
                str(error.error_details) if error is not None and error.error_details else None,
            )
        )
    return found
