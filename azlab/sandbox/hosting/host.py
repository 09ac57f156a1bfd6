"""The sandbox's Functions host: each deployed app in a process of its own, on the sandbox clock.

For every site with a deployed package the host unpacks the zip into the
sandbox's data folder (`hosting/sites/<site>/wwwroot`), starts a worker
process (azlab.sandbox.hosting.worker) and, on a thread of the site's own,
fires its triggers: timers when the sandbox clock passes an occurrence of
their NCRONTAB schedule, queue triggers when their queue has messages. When
the clock is moved past several occurrences at once, the timer runs once,
past due, as the Functions host does after downtime. `wait_idle` returns
when nothing is due, running or queued, so a caller that moves the clock can
then look at what the runs did.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

from azlab.errors import SandboxError
from azlab.sandbox.credential import SandboxCredential
from azlab.sandbox.hosting.app import (
    HostedApp,
    HostedFunction,
    HostOptions,
    functions_of,
    unpack,
)
from azlab.sandbox.hosting.automation import AccountHost, HostedAccount
from azlab.sandbox.hosting.passes import IDLE_POLL, PassLoop
from azlab.sandbox.hosting.process import WorkerError, WorkerProcess
from azlab.sandbox.hosting.queues import QueueSource
from azlab.sandbox.hosting.runs import RunLog, iso, redact, secret_values

log = logging.getLogger(__name__)
Clock = Callable[[], float]
QUEUE_POLL = 0.05  # between looks at a queue whose messages are not visible yet
MOST_COUNTED = 100_000  # occurrences counted when the clock jumps far


class SiteHost(PassLoop):
    """One site: its worker process and the thread that fires its triggers."""

    def __init__(
        self,
        app: HostedApp,
        folder: Path,
        clock: Clock,
        runs: RunLog,
        platform: Mapping[str, str],
        ca_file: str,
    ) -> None:
        self.app = app
        self.clock = clock
        self.runs = runs
        self.folder = folder
        self.functions: list[HostedFunction] = []
        self.error = ""  # what keeps the app, or one of its functions, from running
        self.secrets = [*secret_values(app.settings), app.identity_header]
        self._last: dict[str, float] = {}
        self._queues: list[tuple[HostedFunction, QueueSource]] = []
        self._init_passes()
        self._invoking = threading.Lock()
        wwwroot = folder / "wwwroot"
        env = {
            "WEBSITE_SITE_NAME": app.name,
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "FUNCTIONS_EXTENSION_VERSION": "~4",
            **platform,
            **app.settings,
            # The platform's, whatever the settings say, as on App Service.
            "IDENTITY_ENDPOINT": app.identity_endpoint,
            "IDENTITY_HEADER": app.identity_header,
        }
        self.process = WorkerProcess(wwwroot, env, folder / "worker.log")
        try:
            unpack(app.package, wwwroot)
            self.options = HostOptions.read(wwwroot)
            described = self.process.start()
            self.functions, errors = functions_of(described, app.settings)
            credential = SandboxCredential(app.identity_endpoint, app.identity_header)
            for function in list(self.functions):
                if function.trigger == "queueTrigger":
                    try:
                        source = QueueSource(
                            function, app.settings, credential, self.options, ca_file
                        )
                    except SandboxError as exc:
                        errors.append(exc.message)
                        self.functions.remove(function)
                        continue
                    self._queues.append((function, source))
            self.error = redact("; ".join(errors), self.secrets)
        except (SandboxError, WorkerError) as exc:
            self.error = redact(exc.message if isinstance(exc, SandboxError) else str(exc))
            self.process.stop()
            self.functions = []
        now = clock()
        self._last = {f.name: now for f in self.functions if f.schedule is not None}
        self._start_passes(f"host-{app.name}")

    # the thread
    def _one_pass(self) -> tuple[bool, bool]:
        worked = self._fire_timers()
        worked = self._take_messages() or worked
        return worked, not worked and all(s.pending() == 0 for _, s in self._queues)

    def _wait(self, quiet: bool) -> float:
        return IDLE_POLL if quiet else QUEUE_POLL

    def _fire_timers(self) -> bool:
        worked = False
        for function in self.functions:
            if function.schedule is None:
                continue
            now = self.clock()
            last = self._last[function.name]
            if now < last:  # the clock was set back: nothing passed
                self._last[function.name] = now
                continue
            passed = list(itertools.islice(function.schedule.between(last, now), MOST_COUNTED))
            if not passed:
                continue
            self._last[function.name] = now
            trigger = {
                "type": "timerTrigger",
                "past_due": len(passed) > 1,
                "schedule_status": {
                    "Last": iso(last),
                    "Next": iso(passed[0]),
                    "LastUpdated": iso(last),
                },
            }
            self._run(
                function,
                trigger,
                scheduled=passed[0],
                past_due=len(passed) > 1,
                occurrences=len(passed),
            )
            worked = True
        return worked

    def _take_messages(self) -> bool:
        worked = False
        for function, source in self._queues:
            for taken in source.take():
                worked = True
                at = self.clock()
                answer = self._invoke(function.name, taken.trigger())
                fate = source.settle(taken, answer["outcome"] == "succeeded")
                self._record(
                    function,
                    answer,
                    "queue",
                    at,
                    message=fate,
                    dequeue_count=taken.message.dequeue_count or 0,
                )
        return worked

    def _invoke(self, name: str, trigger: dict[str, Any]) -> dict[str, Any]:
        with self._invoking:
            offset = self.clock() - time.time()
            return self.process.invoke(name, trigger, offset, self.options.function_timeout)

    def _run(self, function: HostedFunction, trigger: dict[str, Any], **fields: Any) -> None:
        at = self.clock()
        answer = self._invoke(function.name, trigger)
        self._record(function, answer, "timer", at, **fields)

    def _record(
        self,
        function: HostedFunction,
        answer: Mapping[str, Any],
        trigger: str,
        started: float,
        *,
        scheduled: float | None = None,
        **fields: Any,
    ) -> None:
        self.runs.add(
            app=self.app.name,
            function=function.name,
            trigger=trigger,
            scheduled=iso(started if scheduled is None else scheduled),
            started=iso(started),
            seconds=float(answer.get("seconds", 0.0)),
            outcome=str(answer["outcome"]),
            error=redact(str(answer.get("error", "")), self.secrets),
            logs=[redact(str(line), self.secrets) for line in answer.get("logs", [])],
            **fields,
        )

    def http(self, route: str, request: dict[str, Any]) -> dict[str, Any]:
        """Invoke the HTTP-triggered function of that route; its answer (status, body)."""
        function = next(
            (f for f in self.functions if f.trigger == "httpTrigger" and f.route == route), None
        )
        if function is None:
            return {"status": 404, "body": "", "mimetype": "text/plain"}
        at = self.clock()
        answer = self._invoke(function.name, {"type": "httpTrigger", **request})
        self._record(function, answer, "http", at)
        if answer["outcome"] != "succeeded":
            return {"status": 500, "body": "", "mimetype": "text/plain"}
        http: dict[str, Any] = answer.get("http") or {"status": 204, "body": ""}
        return http

    # from other threads
    def describe(self) -> dict[str, Any]:
        return {
            "name": self.app.name,
            "error": self.error,
            "functions": [
                {
                    "name": f.name,
                    "trigger": f.trigger,
                    **({"schedule": f.schedule.expression} if f.schedule else {}),
                    **({"queue": f.queue} if f.queue else {}),
                    **({"route": f.route} if f.route else {}),
                }
                for f in self.functions
            ],
        }

    def stop(self) -> None:
        self._stop_passes()
        self.process.stop()


class FunctionHost:
    """Every hosted site of one sandbox."""

    def __init__(self, folder: Path, clock: Clock, platform: Callable[[], Mapping[str, str]]):
        self.folder = folder
        self.clock = clock
        self.platform = platform  # the sandbox's endpoint and CA, known once it listens
        self.runs = RunLog()
        self.sites: dict[str, SiteHost] = {}
        self.accounts: dict[str, AccountHost] = {}  # Automation accounts with job schedules
        self._lock = threading.Lock()
        # Deployments told of on the sandbox's event loop, carried out in order off it.
        self._deployer = ThreadPoolExecutor(1, thread_name_prefix="host-deploy")
        self._later: list[Future[None]] = []
        self._generations: dict[str, int] = {}

    def host_account(self, account: HostedAccount | None, name: str) -> None:
        """Run `account`'s job schedules from now on, in place of what it had (None: stop)."""
        key = name.lower()
        with self._lock:
            old = self.accounts.pop(key, None)
            if old is not None:
                old.stop()
            if account is not None and account.job_schedules:
                folder = self.folder / "automation" / key
                platform = dict(self.platform())
                self.accounts[key] = AccountHost(account, folder, self.clock, self.runs, platform)

    def later(self, name: str, app: Callable[[], HostedApp] | None) -> None:
        """Host `app()` (None: stop hosting `name`) soon, on the host's own thread."""
        if app is None:
            self.later_call(name, lambda: self.remove(name))
        else:
            self.later_call(name, lambda: self.deploy(app()))

    def later_call(self, key: str, work: Callable[[], object]) -> None:
        """Do `work` soon on the host's own thread; of the changes waiting under one `key`,
        only the last is carried out (a zip deploy then new settings start one process)."""
        key = key.lower()
        generation = self._generations.get(key, 0) + 1
        self._generations[key] = generation

        def latest() -> None:
            if self._generations.get(key) != generation:
                return  # superseded by a later change
            try:
                work()
            except Exception:  # the host goes on with the others
                log.exception("hosting %s failed", key)

        self._later = [f for f in self._later if not f.done()]
        with suppress(RuntimeError):  # the host was closed: the sandbox is stopping
            self._later.append(self._deployer.submit(latest))

    def deploy(self, app: HostedApp) -> SiteHost:
        """Host `app`, replacing what ran for that site before (a new package or new settings)."""
        key = app.name.lower()
        with self._lock:
            old = self.sites.pop(key, None)
            if old is not None:
                old.stop()
            env = dict(self.platform())
            site = SiteHost(
                app,
                self.folder / "sites" / key,
                self.clock,
                self.runs,
                env,
                env.get("AZLAB_CA_FILE", ""),
            )
            self.sites[key] = site
            return site

    def remove(self, name: str) -> None:
        with self._lock:
            site = self.sites.pop(name.lower(), None)
        if site is not None:
            site.stop()

    def _hosted(self) -> list[SiteHost | AccountHost]:
        return [*self.sites.values(), *self.accounts.values()]

    def poke(self) -> None:
        """The clock moved: look at the timers now."""
        for hosted in self._hosted():
            hosted.poke()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout
        for future in list(self._later):
            try:
                future.result(max(0.0, deadline - time.monotonic()))
            except futures.TimeoutError:
                return False
        return all(hosted.wait_idle(deadline) for hosted in self._hosted())

    def describe(self) -> list[dict[str, Any]]:
        return [hosted.describe() for hosted in self._hosted()]

    def reset(self) -> None:
        for future in list(self._later):
            future.cancel()
        # One already (re)starting a site would host it again after the removal below.
        futures.wait(self._later, timeout=60)
        self._later = []
        for name in list(self.sites):
            self.remove(name)
        for name in list(self.accounts):
            self.host_account(None, name)
        self.runs.clear()

    def close(self) -> None:
        self.reset()
        self._deployer.shutdown(wait=True, cancel_futures=True)
