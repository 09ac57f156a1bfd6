"""Microsoft.ComputeSchedule's batch operations: one per VM of an execute request.

An execute request (start, deallocate, hibernate) carries up to 100 VM ids;
each accepted VM gets an operation of its own, run as the compute model runs a
power action (`VirtualMachines.act`), so it takes the usual operation time and
fails as a per-VM call would (`AllocationFailed`). A VM the request cannot act
on (missing, in another region or subscription, busy with another operation,
hibernation not enabled) is answered in the same 200 with an error code of its
own and no operation. A failed attempt is tried again, after a pause in which
the operation is `PendingExecution` (and can be cancelled), while the
request's retry policy allows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from azlab.sandbox.arm.compute_vms import VM_TYPE, VirtualMachines
from azlab.sandbox.arm.core import ArmError, Json, State, id_key, iso_time
from azlab.sandbox.arm.regions import same_region

MAX_IDS = 100
# The documented bounds of a request's retry policy.
MAX_RETRY_COUNT = 7
MAX_RETRY_WINDOW_MINUTES = 120
OP_TYPES = {"start": "Start", "deallocate": "Deallocate", "hibernate": "Hibernate"}
TERMINAL = frozenset({"Succeeded", "Failed", "Cancelled"})


def bad_request(message: str, target: str | None = None) -> ArmError:
    return ArmError(400, "BadRequest", message, target)


@dataclass
class BatchOp:
    id: str
    resource_id: str
    action: str  # start | deallocate | hibernate
    subscription: str
    location: str
    retry_count: int
    retry_window: float  # seconds
    created: float
    state: str = "Executing"
    attempts: int = 0
    compute_op: str | None = None  # the running attempt
    error_code: str | None = None
    error_details: str | None = None
    completed_at: float | None = None

    def as_json(self) -> Json:
        found: Json = {
            "operationId": self.id,
            "resourceId": self.resource_id,
            "opType": OP_TYPES[self.action],
            "subscriptionId": self.subscription,
            "deadline": iso_time(self.created),
            "deadlineType": "InitiateAt",
            "state": self.state,
            "timeZone": "UTC",
            "retryPolicy": {
                "retryCount": self.retry_count,
                "retryWindowInMinutes": int(self.retry_window // 60),
            },
        }
        if self.error_code is not None:
            found["resourceOperationError"] = {
                "errorCode": self.error_code,
                "errorDetails": self.error_details or "",
            }
        if self.completed_at is not None:
            found["completedAt"] = iso_time(self.completed_at)
        return found


def _retry_policy(params: Json) -> tuple[int, float]:
    policy = params.get("retryPolicy") or {}
    if not isinstance(policy, dict):
        raise bad_request("executionParameters.retryPolicy must be an object.")
    count = policy.get("retryCount", 0)
    window = policy.get("retryWindowInMinutes", 0)
    if not isinstance(count, int) or not 0 <= count <= MAX_RETRY_COUNT:
        raise bad_request(
            f"retryCount must be a whole number from 0 to {MAX_RETRY_COUNT}.", "retryCount"
        )
    if not isinstance(window, int) or not 0 <= window <= MAX_RETRY_WINDOW_MINUTES:
        raise bad_request(
            f"retryWindowInMinutes must be a whole number from 0 to {MAX_RETRY_WINDOW_MINUTES}.",
            "retryWindowInMinutes",
        )
    return count, window * 60.0


def correlation_of(body: Json) -> str:
    value = body.get("correlationid")
    if not isinstance(value, str) or not value:
        raise bad_request("The request needs a correlationid.", "correlationid")
    return value


def ids_of(body: Json, key: str) -> list[str]:
    """The id list of a request (`resources.ids` or `operationIds`), 1 to 100 of them."""
    holder = body.get("resources") if key == "ids" else body
    values = holder.get(key) if isinstance(holder, dict) else None
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise bad_request(f"The request needs a non-empty list of {key}.", key)
    if len(values) > MAX_IDS:
        raise bad_request(
            f"A request can name at most {MAX_IDS} {key}; this one names {len(values)}.", key
        )
    return list(values)


class BatchOperations:
    def __init__(self, state: State, vms: VirtualMachines) -> None:
        self.state = state
        self.vms = vms
        self.ops: dict[str, BatchOp] = {}
        self.active: dict[str, str] = {}  # VM id key -> its latest operation
        # Why the caller may not perform (action, on VM id), or None: the service acts on
        # each VM with the caller's permissions, so a VM its roles do not cover is refused.
        self.authorize: Callable[[str, str], str | None] = lambda action, scope: None

    def execute(self, subscription: str, location: str, action: str, body: Json) -> list[Json]:
        """Validate the request, then act on each VM; one result per id, in order."""
        correlation_of(body)
        params = body.get("executionParameters")
        if not isinstance(params, dict):
            raise bad_request("The request needs executionParameters.", "executionParameters")
        retry_count, retry_window = _retry_policy(params)
        results: list[Json] = []
        for resource_id in ids_of(body, "ids"):
            problem = self._refusal(subscription, location, action, resource_id)
            if problem is not None:
                code, details = problem
                results.append(
                    {"resourceId": resource_id, "errorCode": code, "errorDetails": details}
                )
                continue
            op = BatchOp(
                uuid.uuid4().hex,
                resource_id,
                action,
                subscription,
                location,
                retry_count,
                retry_window,
                self.state.now(),
            )
            refused = self._attempt(op)
            if refused is not None:  # busy with an operation of its own, or cannot hibernate
                code = (
                    "OperationConflict"
                    if refused.status == 409 and "middle of another" in refused.message
                    else refused.code
                )
                results.append(
                    {"resourceId": resource_id, "errorCode": code, "errorDetails": refused.message}
                )
                continue
            self.ops[op.id] = op
            self.active[id_key(resource_id)] = op.id
            results.append({"resourceId": resource_id, "operation": op.as_json()})
        return results

    def _refusal(
        self, subscription: str, location: str, action: str, resource_id: str
    ) -> tuple[str, str] | None:
        parts = id_key(resource_id).split("/")
        if len(parts) != 9 or "/".join(parts[5:8]) != "providers/microsoft.compute/virtualmachines":
            return "InvalidResourceId", f"{resource_id} is not a virtual machine id."
        if parts[2] != subscription.lower():
            return (
                "SubscriptionMismatch",
                f"{resource_id} is not in subscription {subscription}, which the request is for.",
            )
        vm = self.state.get(resource_id)
        if vm is None or vm.get("type") != VM_TYPE:
            return "ResourceNotFound", f"The virtual machine {resource_id} was not found."
        if not same_region(vm["location"], location):
            return (
                "ResourceLocationMismatch",
                f"The virtual machine is in {vm['location']}; the request is for {location}.",
            )
        verb = "deallocate" if action == "hibernate" else action
        denied = self.authorize(f"Microsoft.Compute/virtualMachines/{verb}/action", vm["id"])
        if denied is not None:
            return "AuthorizationFailed", denied
        if action == "hibernate":
            capabilities = vm["properties"].get("additionalCapabilities") or {}
            if not capabilities.get("hibernationEnabled"):
                return (
                    "OperationNotAllowed",
                    f"Hibernation is not enabled on the virtual machine {vm['name']}.",
                )
        other = self.ops.get(self.active.get(id_key(resource_id), ""))
        if other is not None and other.state not in TERMINAL:
            return (
                "OperationConflict",
                f"Operation {other.id} ({OP_TYPES[other.action]}) is already in progress on {vm['name']}.",
            )
        return None

    def _attempt(self, op: BatchOp) -> ArmError | None:
        """Run one attempt through the compute model, as a per-VM call would.

        The first attempt's refusal (another operation runs on the VM) is returned, so
        the request answers it for that VM; a later one counts as a failed attempt.
        """
        vm = self.state.get(op.resource_id)
        if vm is None:
            self._end(op, "Failed", "ResourceNotFound", "The virtual machine was deleted.")
            return None
        try:
            if op.action == "hibernate":
                compute = self.vms.act(vm, "deallocate", hibernate=True)
            else:
                compute = self.vms.act(vm, op.action)
        except ArmError as exc:
            if op.attempts == 0:
                return exc
            op.attempts += 1
            self._failed_attempt(op, exc.code, exc.message)
            return None
        op.attempts += 1
        op.state, op.compute_op = "Executing", compute.id
        done = compute.on_done

        def finished() -> None:
            if done is not None:
                done()
            if op.state != "Executing" or op.compute_op != compute.id:
                return
            if compute.error is None:
                self._end(op, "Succeeded")
            else:
                self._failed_attempt(op, compute.error.code, compute.error.message)

        compute.on_done = finished
        return None

    def _failed_attempt(self, op: BatchOp, code: str, details: str) -> None:
        op.error_code, op.error_details = code, details
        retries_left = op.attempts <= op.retry_count
        in_window = self.state.now() - op.created < op.retry_window
        if not (retries_left and in_window):
            self._end(op, "Failed", code, details)
            return
        op.state, op.compute_op = "PendingExecution", None

        def again() -> None:
            if op.state == "PendingExecution":
                self._attempt(op)

        # The pause is an operation on the batch operation, not on the VM: others may act on it.
        self.state.start_operation(f"computeschedule/{op.id}", on_done=again)

    def _end(
        self, op: BatchOp, state: str, code: str | None = None, details: str | None = None
    ) -> None:
        op.state = state
        if code is not None:
            op.error_code, op.error_details = code, details
        op.completed_at = self.state.now()

    def status(self, operation_ids: list[str]) -> list[Json]:
        return [self._result(op_id) for op_id in operation_ids]

    def cancel(self, operation_ids: list[str]) -> list[Json]:
        """Cancel what has not begun (an attempt waiting to be retried); the rest is answered as is."""
        results = []
        for op_id in operation_ids:
            op = self.ops.get(op_id)
            if op is not None and op.state == "PendingExecution":
                self._end(op, "Cancelled")
            elif op is not None and op.state not in TERMINAL:
                results.append(
                    {
                        "resourceId": op.resource_id,
                        "errorCode": "OperationCannotBeCancelled",
                        "errorDetails": f"Operation {op.id} is already executing.",
                        "operation": op.as_json(),
                    }
                )
                continue
            results.append(self._result(op_id))
        return results

    def _result(self, op_id: str) -> Json:
        op = self.ops.get(op_id)
        if op is None:
            return {
                "errorCode": "OperationNotFound",
                "errorDetails": f"No operation {op_id} is known.",
            }
        return {"resourceId": op.resource_id, "operation": op.as_json()}

    def reset(self) -> None:
        self.ops.clear()
        self.active.clear()
