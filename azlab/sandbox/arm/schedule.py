"""Microsoft.ComputeSchedule's batch routes (api-version 2025-05-01), parsed and answered.

`virtualMachinesExecuteStart`, `...ExecuteDeallocate` and `...ExecuteHibernate`
act on up to 100 VMs of one region; `virtualMachinesGetOperationStatus`,
`...CancelOperations` and `...GetOperationErrors` follow the operations by id.
All are POSTs under `/subscriptions/{id}/providers/Microsoft.ComputeSchedule/locations/{region}/`,
answered 200 with one result per id. ARM refuses them with 409
`MissingSubscriptionRegistration` while the namespace is not registered in the
subscription, and with 400 `LocationNotAvailableForResourceType` in a region the
provider is not offered in. The operations themselves live in `schedule_ops.py`.
"""

from __future__ import annotations

from azlab.sandbox.arm.compute import Compute
from azlab.sandbox.arm.core import ArmError, Json, Reply, Request, State, body_of
from azlab.sandbox.arm.providers import offered_in, registration
from azlab.sandbox.arm.regions import normalise_region
from azlab.sandbox.arm.routes import Handler, Route, route
from azlab.sandbox.arm.schedule_ops import BatchOperations, correlation_of, ids_of

NAMESPACE = "Microsoft.ComputeSchedule"
BASE = "/subscriptions/{sub}/providers/microsoft.computeschedule/locations/{location}"
EXECUTE = {"start": "Start", "deallocate": "Deallocate", "hibernate": "Hibernate"}
DESCRIPTION = {
    "start": "Start Resource request",
    "deallocate": "Deallocate Resource request",
    "hibernate": "Hibernate Resource request",
}


class ComputeSchedule:
    def __init__(self, state: State, compute: Compute) -> None:
        self.state = state
        self.batch = BatchOperations(state, compute.vms)

    def routes(self) -> list[Route]:
        routes = [
            route(
                "POST",
                f"{BASE}/virtualmachines{verb.lower()}",
                handler,
                compute=kind,
                op=f"schedule.{name}",
            )
            for verb, handler, kind, name in [
                *(
                    (f"Execute{title}", self._execute(action), "schedule-execute", action)
                    for action, title in EXECUTE.items()
                ),
                ("GetOperationStatus", self.status, "schedule-read", "status"),
                ("CancelOperations", self.cancel, "schedule-read", "cancel"),
                ("GetOperationErrors", self.errors, "schedule-read", "errors"),
            ]
        ]
        return routes

    def _check(self, p: dict[str, str]) -> str:
        """The region of the request, once ARM would let it through to the provider."""
        state = registration(self.state, p["sub"], NAMESPACE)
        if state != "Registered":
            raise ArmError(
                409,
                "MissingSubscriptionRegistration",
                f"The subscription is not registered to use namespace '{NAMESPACE}'. See https://aka.ms/rps-not-found for how to register subscriptions.",
            )
        region = normalise_region(p["location"])
        if not offered_in(NAMESPACE, "locations", region):
            raise ArmError(
                400,
                "LocationNotAvailableForResourceType",
                f"The provided location '{p['location']}' is not available for resource type '{NAMESPACE}/locations'.",
            )
        return region

    def _execute(self, action: str) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            region = self._check(p)
            results = self.batch.execute(p["sub"], region, action, body_of(req))
            return Reply(
                200,
                {
                    "description": DESCRIPTION[action],
                    "type": "VirtualMachines",
                    "location": region,
                    "results": results,
                },
            )

        return handler

    def status(self, req: Request, p: dict[str, str]) -> Reply:
        self._check(p)
        body = body_of(req)
        correlation_of(body)
        return Reply(200, {"results": self.batch.status(ids_of(body, "operationIds"))})

    def cancel(self, req: Request, p: dict[str, str]) -> Reply:
        self._check(p)
        body = body_of(req)
        correlation_of(body)
        return Reply(200, {"results": self.batch.cancel(ids_of(body, "operationIds"))})

    def errors(self, req: Request, p: dict[str, str]) -> Reply:
        self._check(p)
        results = []
        for op_id in ids_of(body_of(req), "operationIds"):
            op = self.batch.ops.get(op_id)
            found: Json = {"operationId": op_id}
            if op is not None and op.error_code is not None:
                found["operationErrors"] = [
                    {"errorCode": op.error_code, "errorDetails": op.error_details or ""}
                ]
            results.append(found)
        return Reply(200, {"results": results})
