"""Long-running operations as Azure answers them, per resource provider.

A model starts an `Operation` (`State.start_operation`) and returns it; the
handler answers with one of the functions here, so every provider's LRO
answers are built in one place. Each provider names its operation URLs its
own way (`Monitor`), under the provider that ran the operation:

- Microsoft.Compute: `Azure-AsyncOperation` is `.../locations/{l}/operations/{id}`
  (disks: `DiskOperations`), and `Location` is the same URL with `monitor=true`;
- Microsoft.Network: `.../locations/{l}/operations/{id}` and, for deletes,
  `.../locations/{l}/operationResults/{id}`;
- Microsoft.Storage: only a `Location`, `.../locations/{l}/asyncoperations/{id}?monitor=true`;
- resource groups: ARM's own `Location`, `/subscriptions/{s}/operationresults/{id}`.

The status and result URLs themselves are served by `operations.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from azlab.sandbox.arm.core import Json, Operation, Reply, Request, State
from azlab.sandbox.arm.regions import normalise_region

DEFAULT_API_VERSION = "2024-01-01"


@dataclass(frozen=True)
class Monitor:
    """How one resource provider names the URLs of its long-running operations."""

    namespace: str  # Microsoft.Compute; empty for ARM's own (resource groups)
    collection: str  # operations, DiskOperations, asyncoperations
    results: str | None = None  # a separate result collection; None: `monitor=true`
    async_header: bool = True  # whether answers carry `Azure-AsyncOperation`


COMPUTE = Monitor("Microsoft.Compute", "operations")
DISKS = Monitor("Microsoft.Compute", "DiskOperations")
NETWORK = Monitor("Microsoft.Network", "operations", results="operationResults")
STORAGE = Monitor("Microsoft.Storage", "asyncoperations", async_header=False)
RESOURCES = Monitor("", "operationresults", async_header=False)


def operation_headers(
    request: Request, op: Operation, subscription: str, monitor: Monitor, location: str
) -> dict[str, str]:
    """The operation's URLs as `monitor` names them, with when to poll; kept on `op`."""
    api = request.query.get("api-version", DEFAULT_API_VERSION)
    sub = f"{request.base_url}/subscriptions/{subscription}"
    if not monitor.namespace:
        op.links = {"Location": f"{sub}/operationresults/{op.id}?api-version={api}"}
    else:
        base = f"{sub}/providers/{monitor.namespace}/locations/{normalise_region(location)}"
        status = f"{base}/{monitor.collection}/{op.id}"
        if monitor.results is not None:
            result = f"{base}/{monitor.results}/{op.id}?api-version={api}"
        else:
            result = f"{status}?monitor=true&api-version={api}"
        op.links = {"Location": result}
        if monitor.async_header:
            op.links["Azure-AsyncOperation"] = f"{status}?api-version={api}"
    return {**op.links, **retry_hint(op, op.started)}


def retry_hint(op: Operation, now: float) -> dict[str, str]:
    """`Retry-After` in whole seconds, as Azure sends it, while the operation runs.

    The time left is rounded to the nearest second, so an operation of a
    second is polled once, after it; under half a second Azure's `0` means
    "poll at your own interval", which keeps short test operations short.
    """
    if op.status != "InProgress":
        return {}
    remaining = max(0.0, op.due - now)
    return {"Retry-After": str(int(remaining + 0.5))}


def accepted(
    request: Request, op: Operation, subscription: str, monitor: Monitor, location: str
) -> Reply:
    """202 with no body: the client polls the operation (deletes, actions)."""
    return Reply(202, None, operation_headers(request, op, subscription, monitor, location))


def in_progress(
    state: State,
    request: Request,
    status: int,
    resource: Json,
    op: Operation,
    subscription: str,
    monitor: Monitor,
) -> Reply:
    """201, 200 or 202 with the resource as it is now, and the operation that finishes it.

    When done, the operation's `Location` answers the resource (`final-state-via: location`).
    """
    resource_id = str(resource["id"])
    if op.result is None:
        op.result = lambda: state.get(resource_id)
    headers = operation_headers(request, op, subscription, monitor, str(resource["location"]))
    return Reply(status, resource, headers)


def provision(
    state: State,
    req: Request,
    subscription: str,
    resource: Json,
    *,
    created: bool,
    monitor: Monitor = NETWORK,
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
    reply = in_progress(state, req, 201 if created else 200, resource, op, subscription, monitor)
    # A network PUT's final state is its resource URL: only the status URL is sent.
    reply.headers.pop("Location", None)
    return reply


def remove(
    state: State,
    req: Request,
    subscription: str,
    resource_id: str,
    release: Callable[[], object] | None = None,
    monitor: Monitor = NETWORK,
) -> Reply:
    """Delete as an LRO (202 + status URLs), or at once without an operation time.

    `release` does the deleting (a resource linked to others unlinks them);
    by default the resource is simply dropped.
    """
    resource = state.get(resource_id)
    if resource is None:
        return Reply(204)
    done = release or (lambda: state.delete(resource_id))
    if state.settings.op_time <= 0:
        done()
        return Reply(200)
    op = state.start_operation(resource_id, on_done=done)
    return accepted(req, op, subscription, monitor, str(resource.get("location", "")))
