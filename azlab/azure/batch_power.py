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

The requests go through the SDK client's pipeline (its credential, retries,
logging) with `send_request`, and the answers are read as REST JSON: a wave's
answers are thousands of per-VM results, and building SDK models of them cost
more client CPU than everything else in a tick of 5,000 VMs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from azlab.azure.errors import azure_errors
from azlab.azure.observe import json_body
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError, AzureOperationError, NetworkError

MAX_IDS = 100  # the API's limit per request
API_VERSION = "2025-05-01"  # what azure-mgmt-computeschedule speaks
VERBS = {
    "start": "virtualMachinesExecuteStart",
    "deallocate": "virtualMachinesExecuteDeallocate",
    "hibernate": "virtualMachinesExecuteHibernate",
    "status": "virtualMachinesGetOperationStatus",
    "cancel": "virtualMachinesCancelOperations",
}
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


async def _post(
    session: AzureSession, region: str, verb: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """One POST of the API through the SDK client's pipeline; its answer as REST JSON."""
    url = (
        f"/subscriptions/{session.subscription}/providers/Microsoft.ComputeSchedule"
        f"/locations/{region}/{VERBS[verb]}?api-version={API_VERSION}"
    )
    response = await session.schedule.send_request(HttpRequest("POST", url, json=dict(body)))
    await response.read()
    if response.status_code >= 400:
        raise HttpResponseError(response=response)
    return await json_body(response)


def _results(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    results = answer.get("results")
    return [r for r in results if isinstance(r, dict)] if isinstance(results, list) else []


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
    answer = await _send(region, f"batch {action}", lambda: _post(session, region, action, body))
    found: dict[str, Submitted] = {}
    for result in _results(answer):
        operation = result.get("operation")
        operation = operation if isinstance(operation, dict) else None
        resource_id = str(result.get("resourceId") or (operation or {}).get("resourceId") or "")
        code = result.get("errorCode")
        if code or operation is None or not operation.get("operationId"):
            why = f"{code or 'Refused'}: {result.get('errorDetails') or 'no operation'}"
            found[resource_id.lower()] = Submitted(resource_id, None, why)
        else:
            found[resource_id.lower()] = Submitted(resource_id, str(operation["operationId"]))
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
    body = {"operationIds": list(operation_ids), "correlationid": correlation_id}
    answer = await _send(region, "batch status", lambda: _post(session, region, "status", body))
    return _statuses(_results(answer))


async def cancel(
    session: AzureSession, region: str, operation_ids: Sequence[str], correlation_id: str
) -> list[OpStatus]:
    body = {"operationIds": list(operation_ids), "correlationid": correlation_id}
    answer = await _send(region, "batch cancel", lambda: _post(session, region, "cancel", body))
    return _statuses(_results(answer))


def _statuses(results: Sequence[Mapping[str, Any]]) -> list[OpStatus]:
    found = []
    for result in results:
        operation = result.get("operation")
        if not isinstance(operation, dict) or not operation.get("operationId"):
            continue
        error = operation.get("resourceOperationError")
        error = error if isinstance(error, dict) else {}
        found.append(
            OpStatus(
                str(operation["operationId"]),
                str(operation.get("resourceId") or result.get("resourceId") or ""),
                str(operation.get("state") or "Unknown"),
                str(error["errorCode"]) if error.get("errorCode") else None,
                str(error["errorDetails"]) if error.get("errorDetails") else None,
            )
        )
    return found
