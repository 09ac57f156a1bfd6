"""Run Command: scripts run inside a running VM's guest through its agent.

Two forms, as Azure has them (ComputeRP.json):

- the `runCommand` action (`POST .../virtualMachines/{vm}/runCommand`, a
  `RunCommandInput`): long-running; its result is `value[]` of
  InstanceViewStatus with the script's streams, one status with both streams
  on Linux (`Enable succeeded: [stdout] ... [stderr] ...`), a StdOut and a
  StdErr status on Windows; one at a time per VM;
- managed run commands (`.../virtualMachines/{vm}/runCommands/{name}`), child
  resources whose `$expand=instanceView` shows `executionState`, `exitCode`,
  `output`, `error` and the start and end times; `timeoutInSeconds` ends a
  script that runs too long (TimedOut), and unless `asyncExecution` the PUT's
  operation lasts as long as the script.

What a script does is not run but told: the control API sets, per VM (and
optionally per run command name), a list of results (exit code, output,
error, seconds of the sandbox clock, or `hangs`) that successive runs take in
turn, the last one repeating; the default is exit 0 at once. Every run is
logged for `GET /_sandbox/run-commands`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from azlab.sandbox.arm import lro
from azlab.sandbox.arm.compute_agent import agent_ready
from azlab.sandbox.arm.compute_model import status
from azlab.sandbox.arm.compute_vms import VM_TYPE, vm_id
from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    iso_time,
    page,
    resource_not_found,
)
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route

RUN_COMMAND_TYPE = "Microsoft.Compute/virtualMachines/runCommands"
VM = PROVIDERS + "/microsoft.compute/virtualmachines/{name}"
MANAGED = VM + "/runcommands/{command}"
COMMANDS = {"windows": "RunPowerShellScript", "linux": "RunShellScript"}
NEVER = 10.0**9  # seconds: a script that hangs


@dataclass(frozen=True)
class ScriptResult:
    exit_code: int = 0
    output: str = ""
    error: str = ""
    seconds: float = 0.0
    hangs: bool = False

    @classmethod
    def from_dict(cls, value: Json) -> ScriptResult:
        return cls(
            exit_code=int(value.get("exit_code", 0)),
            output=str(value.get("output", "")),
            error=str(value.get("error", "")),
            seconds=max(0.0, float(value.get("seconds", 0.0))),
            hangs=bool(value.get("hangs", False)),
        )


class ScriptResults:
    """What the next script on a VM does, as the control API set it."""

    def __init__(self) -> None:
        self._queues: dict[tuple[str, str], list[ScriptResult]] = {}
        self.runs: list[Json] = []

    def set(self, vm: str, results: list[ScriptResult], name: str = "") -> None:
        self._queues[(vm.lower(), name.lower())] = list(results) or [ScriptResult()]

    def take(self, vm: str, name: str) -> ScriptResult:
        queue = self._queues.get((vm.lower(), name.lower())) or self._queues.get((vm.lower(), ""))
        if not queue:
            return ScriptResult()
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def log(self, vm: str, name: str, script: str, at: float, result: ScriptResult) -> None:
        self.runs.append({"vm": vm, "name": name, "script": script, "at": at, **asdict(result)})

    def reset(self) -> None:
        self._queues.clear()
        self.runs.clear()


def not_running(vm: Json) -> ArmError:
    return ArmError(
        409,
        "OperationNotAllowed",
        f"The operation requires the VM to be running (or set to run). VM: {vm['name']}.",
    )


def agent_unreachable(vm: Json) -> ArmError:
    return ArmError(
        409,
        "VMAgentStatusCommunicationError",
        f"VM '{vm['name']}' has not reported status for VM agent or extensions. Verify that "
        "the OS is up and healthy, the VM has a running VM agent, and that it can establish "
        "outbound connections to Azure storage.",
    )


class RunCommands:
    def __init__(self, state: State) -> None:
        self.state = state
        self.results = ScriptResults()

    def routes(self) -> list[Route]:
        return [
            route(
                "POST", VM + "/runcommand", self.run_action, compute="action", op="vm.runCommand"
            ),
            route("PUT", MANAGED, self.put, compute="action", op="vm.runCommands.put"),
            route("GET", MANAGED, self.get, compute="get", op="vm.runCommands.get"),
            route("DELETE", MANAGED, self.delete, compute="action", op="vm.runCommands.delete"),
            route("GET", VM + "/runcommands", self.list, compute="list", op="vm.runCommands.list"),
        ]

    # shared checks
    def _vm(self, p: dict[str, str]) -> Json:
        vm = self.state.get(vm_id(rg_id(p), p["name"]))
        if vm is None:
            raise resource_not_found(VM_TYPE, p["name"], p["rg"])
        return vm

    def _runnable(self, vm: Json) -> bool:
        """Refuse a VM that is not running; False when its agent is not Ready."""
        extra = self.state.extra(vm["id"])
        if extra.get("transient") or extra.get("power", "running") != "running":
            raise not_running(vm)
        return agent_ready(vm["name"], extra, self.state.settings, self.state.now())

    @staticmethod
    def _os(vm: Json) -> str:
        return str(vm["properties"]["storageProfile"]["osDisk"].get("osType", "Linux")).lower()

    # the runCommand action
    def run_action(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self._vm(p)
        body = body_of(req)
        command = str(body.get("commandId") or "")
        os_type = self._os(vm)
        if command not in COMMANDS.values():
            raise ArmError(
                400, "InvalidParameter", f"Command id '{command}' is not valid.", "commandId"
            )
        if command != COMMANDS[os_type]:
            raise ArmError(
                400,
                "InvalidParameter",
                f"Command id '{command}' is not supported on a {os_type.capitalize()} VM.",
                "commandId",
            )
        ready = self._runnable(vm)
        extra = self.state.extra(vm["id"])
        running = self.state.operations.get(str(extra.get("run_command_op", "")))
        if running is not None and running.status == "InProgress":
            raise ArmError(
                409,
                "Conflict",
                "Run command extension execution is in progress. Please wait for completion "
                "before invoking a run command.",
            )
        now = self.state.now()
        script = "\n".join(str(line) for line in body.get("script") or [])
        if not ready:
            op = self.state.start_operation(
                vm["id"] + "/runCommand", error=agent_unreachable(vm), duration=0
            )
        else:
            result = self.results.take(vm["name"], command)
            self.results.log(vm["name"], command, script, now, result)
            op = self.state.start_operation(
                vm["id"] + "/runCommand",
                result={"value": _streams(os_type, result)},
                duration=NEVER if result.hangs else result.seconds,
            )
        extra["run_command_op"] = op.id
        return lro.accepted(req, op, p["sub"], lro.COMPUTE, vm["location"])

    # managed run commands
    def _id(self, p: dict[str, str]) -> str:
        return f"{vm_id(rg_id(p), p['name'])}/runCommands/{p['command']}"

    def put(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self._vm(p)
        body = body_of(req)
        props = body.get("properties") or {}
        source = props.get("source") or {}
        if not any(source.get(k) for k in ("script", "scriptUri", "commandId")):
            raise ArmError(
                400,
                "InvalidParameter",
                "A run command needs a source: script, scriptUri or commandId.",
                "properties.source",
            )
        ready = self._runnable(vm)
        resource_id = self._id(p)
        existing = self.state.get(resource_id)
        now = self.state.now()
        timeout = max(0, int(props.get("timeoutInSeconds") or 0))
        waits = not props.get("asyncExecution", False)
        fails_deployment = bool(props.get("treatFailureAsDeploymentFailure", False))
        kept = {
            k: v
            for k, v in props.items()
            if k not in ("protectedParameters", "runAsPassword", "instanceView")
        }
        resource: Json = {
            "id": resource_id,
            "name": p["command"],
            "type": RUN_COMMAND_TYPE,
            "location": vm["location"],
            "tags": dict(body.get("tags") or {}),
            "properties": {
                **kept,
                "source": {k: v for k, v in source.items() if k != "scriptUriManagedIdentity"},
                "asyncExecution": not waits,
                "timeoutInSeconds": timeout,
                "treatFailureAsDeploymentFailure": fails_deployment,
                "provisioningState": "Updating" if existing else "Creating",
            },
        }
        self.state.put(resource_id, resource)
        extra = self.state.extra(resource_id)
        extra.clear()
        extra.update({"started": now, "timeout": timeout})
        if not ready:
            extra["agent_error"] = agent_unreachable(vm).message
            error: ArmError | None = agent_unreachable(vm)
            duration = 0.0
        else:
            result = self.results.take(vm["name"], p["command"])
            script = str(source.get("script") or source.get("commandId") or source["scriptUri"])
            self.results.log(vm["name"], p["command"], script, now, result)
            extra["result"] = asdict(result)
            ends = _ends(extra)
            duration = 0.0 if not waits else NEVER if ends is None else ends - now
            error = None
            if fails_deployment and _outcome(extra) != "Succeeded":
                error = ArmError(
                    409,
                    "VMExtensionProvisioningError",
                    f"VM has reported a failure when processing extension 'RunCommand "
                    f"{p['command']}'. Execution state: {_outcome(extra)}.",
                )

        def done() -> None:
            current = self.state.get(resource_id)
            if current is not None:
                current["properties"]["provisioningState"] = "Failed" if error else "Succeeded"

        op = self.state.start_operation(resource_id, on_done=done, error=error, duration=duration)
        return lro.in_progress(
            self.state, req, 200 if existing else 201, resource, op, p["sub"], lro.COMPUTE
        )

    def _answer(self, resource: Json, expand: str) -> Json:
        if "instanceview" not in expand.lower():
            return resource
        view = _instance_view(self.state.extra(resource["id"]), self.state.now())
        return {**resource, "properties": {**resource["properties"], "instanceView": view}}

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        self._vm(p)
        resource = self.state.get(self._id(p))
        if resource is None:
            raise resource_not_found(RUN_COMMAND_TYPE, f"{p['name']}/{p['command']}", p["rg"])
        return Reply(200, self._answer(resource, req.query.get("$expand", "")))

    def list(self, req: Request, p: dict[str, str]) -> Reply:
        vm = self._vm(p)
        found = self.state.children(vm["id"], "runCommands")
        expand = req.query.get("$expand", "")
        return page(req, [self._answer(r, expand) for r in found], self.state.settings.page_size)

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        self._vm(p)
        return lro.remove(self.state, req, p["sub"], self._id(p), monitor=lro.COMPUTE)

    # control API
    def control(self, method: str, body: Any) -> Json:
        """`POST {"vm", "name"?, "results": [...]}` sets results; GET lists the runs."""
        if method == "POST":
            results = [ScriptResult.from_dict(r) for r in body.get("results") or [{}]]
            self.results.set(str(body["vm"]), results, str(body.get("name") or ""))
        return {"runs": list(self.results.runs)}


def _streams(os_type: str, result: ScriptResult) -> list[Json]:
    """The action's `value[]`: Windows gives each stream a status, Linux one for both."""
    if os_type == "windows":
        return [
            {**status("ComponentStatus/StdOut/succeeded", "Provisioning succeeded"),
             "message": result.output},
            {**status("ComponentStatus/StdErr/succeeded", "Provisioning succeeded"),
             "message": result.error},
        ]  # fmt: skip
    message = f"Enable succeeded: \n[stdout]\n{result.output}\n[stderr]\n{result.error}"
    return [{**status("ProvisioningState/succeeded", "Provisioning succeeded"), "message": message}]


def _ends(extra: Json) -> float | None:
    """When the script stops (its end or its timeout); None: never."""
    result = ScriptResult.from_dict(extra.get("result") or {})
    started, timeout = float(extra["started"]), int(extra.get("timeout") or 0)
    natural = None if result.hangs else started + result.seconds
    if timeout and (natural is None or natural > started + timeout):
        return started + timeout
    return natural


def _outcome(extra: Json) -> str:
    """The execution state the script ends in."""
    result = ScriptResult.from_dict(extra.get("result") or {})
    timeout = int(extra.get("timeout") or 0)
    if timeout and (result.hangs or result.seconds > timeout):
        return "TimedOut"
    return "Succeeded" if result.exit_code == 0 else "Failed"


def _instance_view(extra: Json, now: float) -> Json:
    started = float(extra.get("started", now))
    if "agent_error" in extra:
        return {
            "executionState": "Failed",
            "executionMessage": extra["agent_error"],
            "statuses": [],
        }
    view: Json = {"executionState": "Running", "startTime": iso_time(started), "statuses": []}
    ends = _ends(extra)
    if ends is None or now < ends:
        return view
    result = ScriptResult.from_dict(extra.get("result") or {})
    outcome = _outcome(extra)
    view.update({"executionState": outcome, "endTime": iso_time(ends)})
    if outcome == "TimedOut":
        view["executionMessage"] = (
            f"The script did not finish within timeoutInSeconds ({extra['timeout']})."
        )
        return view
    view.update(
        {
            "exitCode": result.exit_code,
            "output": result.output,
            "error": result.error,
            "executionMessage": "Execution completed"
            if outcome == "Succeeded"
            else f"Execution failed with exit code {result.exit_code}",
        }
    )
    return view
