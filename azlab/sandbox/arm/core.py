"""What every provider uses: the request, errors, the store, long-running operations, paging.

State changes that take time (provisioning, power transitions) are not run by
timers: each pending operation has a due time, and `State.settle()` applies
every operation that is due, at the start of each request. The sandbox clock
(`State.now()`) is the wall clock plus an offset tests can move.
"""

from __future__ import annotations

import copy
import heapq
import itertools
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from azlab.sandbox.settings import Settings

Json = dict[str, Any]


class ArmError(Exception):
    """An answer in ARM's error shape: `{"error": {"code", "message", "target"}}`."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        target: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.headers = dict(headers or {})
        self.status = status
        self.code = code
        self.message = message
        self.target = target

    def body(self) -> Json:
        error: Json = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        return {"error": error}


def not_found(kind: str, resource_id: str) -> ArmError:
    name = resource_id.rstrip("/").rsplit("/", 1)[-1]
    code = "ResourceGroupNotFound" if kind == "resource group" else "ResourceNotFound"
    return ArmError(404, code, f"The {kind} '{name}' was not found.")


def resource_not_found(type_name: str, name: str, group: str) -> ArmError:
    """ARM's 404 for a GET of a typed resource, such as `Microsoft.Compute/disks`."""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{type_name}/{name}' under resource group '{group}' was not found.",
    )


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, without the query
    query: Mapping[str, str]  # keys lower-cased
    body: Any
    base_url: str  # scheme://host:port, from the Host header


def body_of(req: Request) -> Json:
    """The request's JSON object, or an empty one (no body, or not an object)."""
    return req.body if isinstance(req.body, dict) else {}


@dataclass(frozen=True)
class Text:
    """An answer that is plain text, not JSON (a runbook's content)."""

    text: str
    content_type: str = "text/plain"


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Operation:
    """A long-running operation: its status, due time, and what happens when it ends."""

    id: str
    resource_id: str
    due: float
    on_done: Callable[[], object] | None = None
    error: ArmError | None = None
    result: Any = None  # body the Location URL answers when done (None: 204 / resource GET)
    status: str = "InProgress"
    started: float = 0.0
    ended: float | None = None
    links: dict[str, str] = field(default_factory=dict)  # the URLs its answers named


def resource_id_of(path: str) -> str:
    return path.rstrip("/")


def id_key(resource_id: str) -> str:
    """How ARM matches ids: case-insensitively, with or without the leading `/`."""
    return "/" + resource_id.strip().strip("/").lower()


def iso_time(epoch: float) -> str:
    """A sandbox time as ARM writes times: ISO 8601 in UTC."""
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat()


class State:
    """Every resource and operation of the sandbox; snapshot and restore as plain JSON."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.clock_offset = 0.0
        self.resources: dict[str, Json] = {}  # lower-cased ARM id -> resource JSON
        self.private: dict[str, Json] = {}  # lower-cased ARM id -> emulator-only data
        self.operations: dict[str, Operation] = {}
        # Lower-cased resource id -> its operations' ids, in the order they started: what
        # `pending_on` reads, so a VM's state costs the same however many operations ran.
        self._by_resource: dict[str, list[str]] = {}
        self._due: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        # Run after every settle: what happens at a time of day (a schedule that fires).
        self.tickers: list[Callable[[], None]] = []
        # Told of each resource deleted (a group's resources one by one, then the group):
        # what hangs on a resource without being under its id (role assignments) goes too.
        self.deleted: list[Callable[[Json], None]] = []

    # clock
    def now(self) -> float:
        return time.time() + self.clock_offset

    # resources
    def get(self, resource_id: str) -> Json | None:
        return self.resources.get(id_key(resource_id))

    def referenced(self, resource_id: str, by: str) -> Json:
        """The resource another one points at, or ARM's error for a dangling reference."""
        found = self.get(resource_id)
        if found is None:
            raise ArmError(
                400,
                "InvalidResourceReference",
                f"Resource {resource_id} referenced by resource {by} was not found.",
            )
        return found

    def put(self, resource_id: str, resource: Json) -> Json:
        self.resources[id_key(resource_id)] = resource
        # When it was created and last written: the generic resource list's `$expand`.
        stamps = self.extra(resource_id)
        stamps.setdefault("createdTime", self.now())
        stamps["changedTime"] = self.now()
        return resource

    def delete(self, resource_id: str) -> Json | None:
        self.private.pop(id_key(resource_id), None)
        gone = self.resources.pop(id_key(resource_id), None)
        if gone is not None:
            for listener in self.deleted:
                listener(gone)
        return gone

    def extra(self, resource_id: str) -> Json:
        return self.private.setdefault(id_key(resource_id), {})

    def children(self, prefix: str, type_segment: str) -> list[Json]:
        """Direct children of `prefix` of one type, such as a group's virtual networks."""
        start = f"{id_key(prefix)}/{type_segment.lower()}/"
        return [
            r
            for key, r in self.resources.items()
            if key.startswith(start) and "/" not in key[len(start) :]
        ]

    def under(self, prefix: str) -> list[str]:
        start = id_key(prefix) + "/"
        return [key for key in self.resources if key.startswith(start)]

    # operations
    def start_operation(
        self,
        resource_id: str,
        *,
        on_done: Callable[[], object] | None = None,
        error: ArmError | None = None,
        result: Any = None,
        duration: float | None = None,
    ) -> Operation:
        now = self.now()
        op = Operation(
            id=uuid.uuid4().hex,
            resource_id=resource_id,
            due=now + (self.settings.op_time if duration is None else duration),
            on_done=on_done,
            error=error,
            result=result,
            started=now,
        )
        self.operations[op.id] = op
        self._by_resource.setdefault(id_key(resource_id), []).append(op.id)
        heapq.heappush(self._due, (op.due, next(self._seq), op.id))
        return op

    def settle(self) -> None:
        """Finish every operation that is due."""
        now = self.now()
        while self._due and self._due[0][0] <= now:
            _, _, op_id = heapq.heappop(self._due)
            op = self.operations.get(op_id)
            if op is None or op.status != "InProgress":
                continue
            self.finish(op)
        for ticker in self.tickers:
            ticker()

    def finish(self, op: Operation) -> None:
        op.ended = self.now()
        if op.error is not None:
            op.status = "Failed"
        else:
            op.status = "Succeeded"
        if op.on_done is not None:
            op.on_done()

    def pending_on(self, resource_id: str) -> Operation | None:
        ids = self._by_resource.get(id_key(resource_id))
        if not ids:
            return None
        found = None
        running = []
        for op_id in ids:
            op = self.operations.get(op_id)
            if op is not None and op.status == "InProgress":
                running.append(op_id)
                found = found or op
        ids[:] = running  # finished ones are never pending again
        return found

    # snapshot
    def snapshot(self) -> Json:
        self.settle()
        return {
            "resources": copy.deepcopy(self.resources),
            "private": copy.deepcopy(self.private),
            "clock_offset": self.clock_offset,
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        self.resources = copy.deepcopy(dict(data.get("resources", {})))
        self.private = copy.deepcopy(dict(data.get("private", {})))
        self.clock_offset = float(data.get("clock_offset", 0.0))
        self.operations.clear()
        self._by_resource.clear()
        self._due.clear()

    def reset(self) -> None:
        self.restore({})


def page(
    request: Request,
    items: Iterable[Json],
    page_size: int,
    render: Callable[[Json], Json] | None = None,
) -> Reply:
    """One page of a list, with an absolute `nextLink` when more remain.

    `render` turns each item of the page, and only of the page, into what is answered
    (a VM with its instance view), so a page costs the same however long the list."""
    everything = list(items)
    try:
        skip = max(0, int(request.query.get("$skiptoken", "0")))
    except ValueError:
        skip = 0
    chunk = everything[skip : skip + page_size]
    if render is not None:
        chunk = [render(item) for item in chunk]
    body: Json = {"value": chunk}
    if skip + page_size < len(everything):
        query = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "$skiptoken")
        sep = "&" if query else ""
        body["nextLink"] = (
            f"{request.base_url}{request.path}?{query}{sep}$skiptoken={skip + page_size}"
        )
    return Reply(200, body)


def new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'
