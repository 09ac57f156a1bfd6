"""The ARM emulator's HTTP side: TLS, bearer check, request ids, latency, faults, throttling, dispatch.

Every answer carries `x-ms-request-id`; errors use ARM's `{"error": {...}}`
shape; paths match case-insensitively and any api-version is accepted. The
control API under `/_sandbox/` (no auth) resets, snapshots and restores state,
reads the request log, moves the clock and changes settings at run time.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from azlab.sandbox.arm import metadata, retail_prices
from azlab.sandbox.arm.authorization import Authorization
from azlab.sandbox.arm.automation import Automation
from azlab.sandbox.arm.bearer import authenticate
from azlab.sandbox.arm.catalog import Catalog
from azlab.sandbox.arm.compute import Compute
from azlab.sandbox.arm.compute_runcommand import RunCommands
from azlab.sandbox.arm.core import ArmError, Reply, Request, State, Text
from azlab.sandbox.arm.devtestlab import DevTestLab
from azlab.sandbox.arm.devtestlab_schedules import Schedules
from azlab.sandbox.arm.generic import GenericResources
from azlab.sandbox.arm.managed_identity import ManagedIdentity
from azlab.sandbox.arm.network import Network
from azlab.sandbox.arm.operations import Operations
from azlab.sandbox.arm.outage import Outages
from azlab.sandbox.arm.principals import Principals
from azlab.sandbox.arm.providers import Providers
from azlab.sandbox.arm.resources import ResourceGroups
from azlab.sandbox.arm.routes import Route, match
from azlab.sandbox.arm.schedule import ComputeSchedule
from azlab.sandbox.arm.storage import BlobBackend, KeysOnlyBackend, Storage
from azlab.sandbox.arm.storage_data import StorageDataAccess
from azlab.sandbox.arm.subscriptions import Subscriptions
from azlab.sandbox.arm.tags import Tags
from azlab.sandbox.arm.throttle import Throttle
from azlab.sandbox.arm.tokens import TokenIssuer
from azlab.sandbox.arm.web import Web
from azlab.sandbox.arm.web_scm import ScmEndpoint, serves_scm
from azlab.sandbox.hosting.control import hosted
from azlab.sandbox.hosting.host import FunctionHost
from azlab.sandbox.settings import Settings, throttle_scale

CONTROL = "/_sandbox"


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    at: float
    op: str
    seconds: float
    # Bodies as sent and answered (JSON text or None) and the query, so tests can check
    # both sides of every exchange against the REST specs.
    query: str = ""
    body: str | None = None
    reply: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "at": self.at,
            "op": self.op,
            "seconds": round(self.seconds, 4),
        }


def base_url(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


class ArmEmulator:
    """All state and behaviour; `app()` serves it over HTTP."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        backend: BlobBackend | None = None,
        data_file: Path | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.state = State(self.settings)
        self.backend = backend or KeysOnlyBackend()
        self.data_file = data_file
        self.log: list[LoggedRequest] = []
        self._dirty = False
        self.random = random.Random(self.settings.faults.seed)
        self.throttle: Throttle | None = None
        self.tokens = TokenIssuer()
        self.outages = Outages()
        # The Functions host, when the runner gives one (hosting/host.py): told of clock moves.
        self.hosting: FunctionHost | None = None
        self.apply_settings(self.settings)
        self.routes: list[Route] = []
        self.compute = Compute(self.state, self.backend)
        schedules = Schedules(self.state, self.compute.vms)
        self.schedule = ComputeSchedule(self.state, self.compute)
        # Managed identities (the sandbox's own and each resource's) and what they may do.
        self.principals = Principals(self.state)
        self.authorization = Authorization(self.state, self.principals)
        self.web = Web(self.state, self.principals)
        self.automation = Automation(self.state, self.principals)
        self.scm = ScmEndpoint(self.web.sites, self._authorize, self.state.now)
        self.run_commands = RunCommands(self.state)
        self._caller: str | None = None  # the object id of the request being answered
        self.schedule.batch.authorize = self._caller_may
        # The identity endpoint's tokens, for the sandbox's identity and each managed one;
        # the runner serves it and names its URL.
        self.identity = ManagedIdentity(self.tokens, self.principals)
        self.identity_endpoint = ""
        # The storage gateway asks who a bearer token is and what its roles grant.
        gateway = getattr(self.backend, "gateway", None)
        if gateway is not None:
            gateway.access = StorageDataAccess(self.tokens, self.authorization, self.state)
        # Typed routes before the generic ones, which answer only what no typed route does.
        for provider in (
            self.authorization,
            Tags(self.state),
            ResourceGroups(self.state),
            Catalog(),
            Operations(self.state),
            Network(self.state),
            Storage(self.state, self.backend),
            self.compute,
            self.run_commands,
            DevTestLab(self.state, schedules),
            self.schedule,
            self.web,
            self.automation,
            Subscriptions(self.state),
            Providers(self.state),
            GenericResources(self.state),
        ):
            self.routes += provider.routes()
        # Served without a token, as ARM serves them.
        self.public_routes = metadata.routes() + retail_prices.routes()
        if data_file is not None and data_file.exists():
            self.state.restore(json.loads(data_file.read_text()))

    def close(self) -> None:
        """Stop background work that needs the blob service; call before stopping it."""
        self.compute.close()

    def reset(self) -> None:
        """Forget every resource and operation (batch operations too: one left pending would
        refuse the next test's action on a VM of the same id), run command results and the log."""
        self.state.reset()
        self.schedule.batch.reset()
        self.run_commands.results.reset()
        self.log.clear()

    def apply_settings(self, settings: Settings) -> None:
        """Behave by `settings` from the next request on (tests change them between steps)."""
        self.settings = settings
        self.state.settings = settings
        scale = throttle_scale(settings.throttle)
        if scale is None:
            self.throttle = None
        elif self.throttle is None or self.throttle.scale != scale:
            self.throttle = Throttle(scale)
        self.random.seed(settings.faults.seed)
        self.tokens.max_lifetime = settings.token_lifetime
        self.outages.configure(settings.faults, self.state.now())
        configure = getattr(self.backend, "configure", None)
        if configure is not None:
            configure(settings.storage)

    def _save_soon(self) -> None:
        # Only marked: the runner's saver writes at most once a second, between requests.
        # Writing the whole state from a request stalled every request behind it.
        self._dirty = True

    def save(self) -> None:
        self._dirty = False
        if self.data_file is None:
            return
        self.state.settle()
        state = self.state
        # Encoded at once on this thread, so the live state needs no copy first (a deep
        # copy of a few hundred resources cost twice the encoding).
        text = json.dumps(
            {
                "resources": state.resources,
                "private": state.private,
                "clock_offset": state.clock_offset,
            }
        )
        self.data_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.data_file.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(self.data_file)

    # HTTP
    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.StreamResponse:
        started = time.monotonic()
        request_id = str(uuid.uuid4())
        path = request.path
        if path.startswith(CONTROL + "/"):
            return await self.control(request)
        if serves_scm(path):
            answer = await self.scm.handle(request, base_url(request))
            self.log.append(
                LoggedRequest(
                    request.method,
                    path,
                    answer.status,
                    self.state.now(),
                    "scm",
                    time.monotonic() - started,
                    request.query_string,
                )
            )
            answer.headers["x-ms-request-id"] = request_id
            return answer
        op = ""
        try:
            if self.settings.latency:
                await asyncio.sleep(self.settings.latency)
            reply, op = await self._dispatch(request)
        except ArmError as exc:
            reply = Reply(exc.status, exc.body(), dict(exc.headers))
        except ConnectionResetError:
            raise
        status = reply.status
        plain = reply.body if isinstance(reply.body, Text) else None
        if plain is not None:
            reply.body = None
        text = None if reply.body is None else json.dumps(reply.body)
        sent = await request.text() if request.body_exists else None
        self.log.append(
            LoggedRequest(
                request.method,
                path,
                status,
                self.state.now(),
                op,
                time.monotonic() - started,
                request.query_string,
                sent or None,
                text,
            )
        )
        headers = {
            "x-ms-request-id": request_id,
            "x-ms-correlation-request-id": request_id,
            **reply.headers,
        }
        if plain is not None:
            return web.Response(
                status=status, headers=headers, text=plain.text, content_type=plain.content_type
            )
        if text is None:
            return web.Response(status=status, headers=headers)
        return web.Response(
            status=status, headers=headers, text=text, content_type="application/json"
        )

    async def _dispatch(self, request: web.Request) -> tuple[Reply, str]:
        # Empty segments are dropped as ARM drops them: the generic API's empty
        # `parentResourcePath` makes `.../Microsoft.Compute//virtualMachines/...`.
        path = re.sub("/{2,}", "/", request.path).rstrip("/") or "/"
        public = match(self.public_routes, request.method, path)
        if public is not None:
            return self._public(request, *public)
        claims = authenticate(
            self.tokens, request.headers.get("Authorization", ""), base_url(request)
        )
        # A managed identity's token is held to its role assignments, as ARM holds it.
        partial = self.authorization.enforce(claims.object_id, request.method, path)
        found = match(self.routes, request.method, path)
        if found is None:
            raise ArmError(
                404,
                "InvalidResourceType" if "/providers/" in request.path else "NotFound",
                f"No route for {request.method} {request.path}.",
            )
        route, params = found
        op = route.op
        self._maybe_fail(request, route)
        headers: dict[str, str] = {}
        if self.throttle is not None:
            vm = (
                params.get("name")
                if route.compute_kind and "virtualmachines" in request.path.lower()
                else None
            )
            retry, headers = self.throttle.take(
                params.get("sub", ""),
                route.arm_kind,
                route.compute_kind,
                vm,
                time.monotonic(),
                params.get("location", ""),
            )
            if retry is not None:
                error = ArmError(
                    429,
                    "TooManyRequests",
                    f"The request is throttled. Retry after {retry} seconds.",
                )
                error.headers = {**headers, "Retry-After": str(retry)}
                raise error
        body: Any = None
        if request.can_read_body:
            text = await request.text()
            if request.content_type.startswith("text/"):
                body = text  # a runbook's content is sent as it is
            elif text.strip():
                try:
                    body = json.loads(text)
                except ValueError:
                    raise ArmError(
                        400, "InvalidRequestContent", "The request content is not valid JSON."
                    ) from None
        await self.outages.check(request, path, body, self.state, self.settings.faults)
        base = base_url(request)
        req = Request(
            request.method,
            path,
            {k.lower(): v for k, v in request.query.items()},
            body,
            base,
        )
        self.state.settle()
        self._caller = claims.object_id
        try:
            reply = route.handler(req, params)
        finally:
            self._caller = None
        if partial is not None and reply.status == 200 and isinstance(reply.body, dict):
            reply.body = self.authorization.visible(claims.object_id, reply.body)
        reply.headers.update(headers)
        if request.method not in ("GET", "HEAD") and self.data_file is not None:
            self._save_soon()
        return reply, op

    def _authorize(self, request: web.Request, action: str, scope: str) -> None:
        """Whether the caller may perform `action` on `scope`; raises ARM's refusal if not."""
        claims = authenticate(
            self.tokens, request.headers.get("Authorization", ""), base_url(request)
        )
        self.authorization.check(claims.object_id, action, scope)

    def _caller_may(self, action: str, scope: str) -> str | None:
        """Why the caller of the request being answered may not act on `scope`, or None."""
        if self._caller is None:
            return None
        try:
            self.authorization.check(self._caller, action, scope)
        except ArmError as refused:
            return refused.message
        return None

    def _public(
        self, request: web.Request, route: Route, params: dict[str, str]
    ) -> tuple[Reply, str]:
        query = {k.lower(): v for k, v in request.query.items()}
        req = Request(
            request.method, request.path, query, None, f"{request.scheme}://{request.host}"
        )
        return route.handler(req, params), route.op

    def _maybe_fail(self, request: web.Request, route: Route) -> None:
        faults = self.settings.faults
        kinds = (
            route.op,
            route.arm_kind,
            "action" if route.method == "POST" else route.arm_kind,
            "*",
        )
        if faults.drop and self.random.random() < faults.drop:
            transport = request.transport
            if transport is not None:
                transport.close()
            raise ConnectionResetError("dropped by fault injection")
        for status, rates in ((500, faults.error_500), (503, faults.error_503)):
            rate = next((rates[k] for k in kinds if k in rates), 0.0)
            if rate and self.random.random() < rate:
                code = "InternalServerError" if status == 500 else "ServiceUnavailable"
                raise ArmError(status, code, f"Injected {status} for {route.op}.")

    # control API
    async def control(self, request: web.Request) -> web.Response:
        action = request.path[len(CONTROL) + 1 :].strip("/")
        body: Any = {}
        if request.can_read_body:
            text = await request.text()
            body = json.loads(text) if text.strip() else {}
        if action == "reset":
            self.reset()
            self.backend_reset()
            if self.hosting is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.hosting.reset)
            return web.json_response({"ok": True})
        if action == "snapshot":
            return web.json_response(self.state.snapshot())
        if action == "restore":
            self.state.restore(body)
            return web.json_response({"ok": True})
        if action == "requests":
            if request.method == "DELETE":
                self.log.clear()
                return web.json_response({"ok": True})
            since = int(request.query.get("since", "0"))
            full = request.query.get("bodies", "") == "1"  # with query, body and answer
            entries = [asdict(r) if full else r.as_dict() for r in self.log[since:]]
            return web.json_response({"count": len(self.log), "requests": entries})
        if action == "clock":
            if request.method == "POST":
                if "offset" in body:
                    self.state.clock_offset = float(body["offset"])
                if "advance" in body:
                    self.state.clock_offset += float(body["advance"])
                if "at" in body:
                    self.state.clock_offset = float(body["at"]) - time.time()
                self.state.settle()
                if self.hosting is not None:
                    self.hosting.poke()
            return web.json_response({"offset": self.state.clock_offset, "now": self.state.now()})
        if action == "settings":
            if request.method == "POST":
                try:
                    self.apply_settings(self.settings.with_changes(body))
                except Exception as exc:
                    return web.json_response({"error": str(exc)}, status=400)
            return web.json_response(self.settings.as_dict())
        if action == "tokens" and request.method == "POST":
            if body.get("expire") == "all":
                self.tokens.expire_all()
            return web.json_response({"expired_at": self.tokens.expired_at})
        if action == "evict" and request.method == "POST":
            # A Spot VM evicted now, as Azure evicts one when it needs the capacity back.
            self.state.settle()
            evicted = self.compute.evict(str(body.get("vm", "")))
            self._save_soon()
            return web.json_response({"evicted": evicted})
        if action == "run-commands":
            # What scripts run through Run Command do, per VM; GET lists the runs so far.
            return web.json_response(self.run_commands.control(request.method, body))
        if action == "identities" or action.startswith("identities/"):
            self.state.settle()
            status, answer = self.identity.described(
                action.partition("/")[2], self.identity_endpoint
            )
            return web.json_response(answer, status=status)
        if (action == "hosted" or action.startswith("hosted/")) and self.hosting is not None:
            return await hosted(self.hosting, action, request.method, request.query, body)
        if action == "health":
            return web.json_response({"ok": True})
        return web.json_response({"error": f"unknown control action {action!r}"}, status=404)

    def backend_reset(self) -> None:
        reset = getattr(self.backend, "reset", None)
        if reset is not None:
            reset()
