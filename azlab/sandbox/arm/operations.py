"""The status and result URLs of every long-running operation, as `lro.py` names them.

A status URL (`Azure-AsyncOperation`) answers 200 with the operation: its
`status`, ISO 8601 `startTime` and `endTime`, an `error` when it failed, and
for Compute the finished resource or result under `properties.output`. A
result URL (`Location`: the status URL with `monitor=true`, or a provider's
`operationResults`) answers 202 while the operation runs, then the final
state the spec puts there: 200 with the resource or result, or 200 without
a body when the operation has none (a delete, a power action).
"""

from __future__ import annotations

from typing import Any

from azlab.sandbox.arm.core import ArmError, Json, Operation, Reply, Request, State, iso_time
from azlab.sandbox.arm.lro import retry_hint
from azlab.sandbox.arm.routes import Route, route

PROVIDER_LOCATION = "/subscriptions/{sub}/providers/{namespace}/locations/{loc}"
RESULT_KINDS = ("operationresults", "asyncoperations")
STATUS_KINDS = ("operations", "diskoperations")


class Operations:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        routes = [route("GET", "/subscriptions/{sub}/operationresults/{op}", self.result)]
        for kind in STATUS_KINDS:
            routes.append(route("GET", f"{PROVIDER_LOCATION}/{kind}/{{op}}", self.status_or_result))
        for kind in RESULT_KINDS:
            routes.append(route("GET", f"{PROVIDER_LOCATION}/{kind}/{{op}}", self.result))
        return routes

    def _operation(self, op_id: str) -> Operation:
        op = self.state.operations.get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"Operation {op_id} was not found.")
        return op

    def status_or_result(self, req: Request, p: dict[str, str]) -> Reply:
        """Compute's one URL: the status, or with `monitor=true` the result."""
        if req.query.get("monitor", "").lower() == "true":
            return self.result(req, p)
        return self.status(req, p)

    def status(self, req: Request, p: dict[str, str]) -> Reply:
        op = self._operation(p["op"])
        body: dict[str, Any] = {
            "name": op.id,
            "status": op.status,
            "startTime": iso_time(op.started),
        }
        if op.ended is not None:
            body["endTime"] = iso_time(op.ended)
        if op.status == "Failed" and op.error is not None:
            body["error"] = op.error.body()["error"]
        elif op.status == "Succeeded" and p.get("namespace", "").lower() == "microsoft.compute":
            output = self._output(op)
            if output is not None:
                body["properties"] = {"output": output}
        return Reply(200, body, retry_hint(op, self.state.now()))

    def result(self, req: Request, p: dict[str, str]) -> Reply:
        op = self._operation(p["op"])
        if op.status == "InProgress":
            location = op.links.get("Location") or f"{req.base_url}{req.path}"
            return Reply(202, None, {"Location": location, **retry_hint(op, self.state.now())})
        if op.status == "Failed" and op.error is not None:
            raise op.error
        return Reply(200, self._output(op))

    @staticmethod
    def _output(op: Operation) -> Json | None:
        result = op.result() if callable(op.result) else op.result
        return result if isinstance(result, dict) else None
