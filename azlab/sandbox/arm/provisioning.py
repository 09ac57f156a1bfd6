"""The shared shape of a write: store the resource as provisioning, settle it later."""

from __future__ import annotations

from azlab.sandbox.arm.core import Json, Reply, Request, State, operation_headers


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
    return Reply(201 if created else 200, resource, operation_headers(req, op, subscription))


def remove(state: State, req: Request, subscription: str, resource_id: str) -> Reply:
    """Delete as an LRO (202 + status URLs), or at once without an operation time."""
    if state.get(resource_id) is None:
        return Reply(204)
    if state.settings.op_time <= 0:
        state.delete(resource_id)
        return Reply(200)
    op = state.start_operation(resource_id, on_done=lambda: state.delete(resource_id))
    return Reply(202, None, operation_headers(req, op, subscription))
