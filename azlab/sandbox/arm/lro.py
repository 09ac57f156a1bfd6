"""Long-running operations as Azure answers them: status URLs, retry hints, 201/202 shapes.

A model starts an `Operation` (`State.start_operation`) and returns it; the
handler answers with one of the functions here, so every provider's LRO
answers are built in one place. The status and result URLs themselves are
served by `resources.py`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from azlab.sandbox.arm.core import Json, Operation, Reply, Request, State

DEFAULT_API_VERSION = "2024-01-01"


def operation_headers(request: Request, op: Operation, subscription: str) -> dict[str, str]:
    """`Azure-AsyncOperation` and `Location` URLs for `op`, with a hint of when to poll."""
    base = (
        f"{request.base_url}/subscriptions/{subscription}"
        "/providers/Microsoft.Sandbox/locations/local"
    )
    api = request.query.get("api-version", DEFAULT_API_VERSION)
    headers = {
        "Azure-AsyncOperation": f"{base}/operations/{op.id}?api-version={api}",
        "Location": f"{base}/operationResults/{op.id}?api-version={api}",
    }
    headers.update(retry_hint(op, op.started))
    return headers


def retry_hint(op: Operation, now: float) -> dict[str, str]:
    """When to poll again: the time left, in milliseconds, which azure-core honours.

    An operation that is done, or nearly, gets no hint: the client's own
    polling interval applies.
    """
    remaining = op.due - now
    if op.status != "InProgress" or remaining <= 0.005:
        return {}
    return {"retry-after-ms": str(math.ceil(remaining * 1000) + 5)}


def accepted(request: Request, op: Operation, subscription: str) -> Reply:
    """202 with no body: the client polls the operation (deletes, actions, disk writes)."""
    return Reply(202, None, operation_headers(request, op, subscription))


def accepted_location_only(request: Request, op: Operation, subscription: str) -> Reply:
    """202 with only a `Location` URL, which answers the resource once done (storage accounts)."""
    return Reply(202, None, {"Location": operation_headers(request, op, subscription)["Location"]})


def in_progress(
    request: Request, status: int, resource: Json, op: Operation, subscription: str
) -> Reply:
    """201 or 200 with the resource as it is now, and the operation that finishes it."""
    return Reply(status, resource, operation_headers(request, op, subscription))


def provision(
    state: State, req: Request, subscription: str, resource: Json, *, created: bool
) -> Reply:
    """Store `resource`; with an operation time, answer as an LRO that finishes later."""
    props = resource.setdefault("properties", {})
    state.put(resource["id"], resource)
    if state.settings.op_time <= 0:
        props["provisioningState"] = "Succeeded"
        return Reply(201 if created else 200, resource)
    props["provisioningState"] = "Creating" if created else "Updating"

    def done() -> None:
        current = state.get(resource["id"])
        if current is not None:
            current.setdefault("properties", {})["provisioningState"] = "Succeeded"

    op = state.start_operation(resource["id"], on_done=done)
    return in_progress(req, 201 if created else 200, resource, op, subscription)


def remove(
    state: State,
    req: Request,
    subscription: str,
    resource_id: str,
    release: Callable[[], object] | None = None,
) -> Reply:
    """Delete as an LRO (202 + status URLs), or at once without an operation time.

    `release` does the deleting (a resource linked to others unlinks them);
    by default the resource is simply dropped.
    """
    if state.get(resource_id) is None:
        return Reply(204)
    done = release or (lambda: state.delete(resource_id))
    if state.settings.op_time <= 0:
        done()
        return Reply(200)
    op = state.start_operation(resource_id, on_done=done)
    return accepted(req, op, subscription)
