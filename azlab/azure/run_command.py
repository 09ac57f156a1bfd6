"""Scripts inside a VM through managed run commands, and the guest agent's own report.

A managed run command (`virtualMachines/{vm}/runCommands/{name}`) rather than
the `runCommand` action: only its instance view carries the script's exit
code, and `timeoutInSeconds` has Azure end a script that hangs. azlab reuses
one name per purpose (`azlab-ready`, `azlab-before-stop`, `azlab-after-start`):
a PUT to it runs the script again, so no run command is left behind per run.
A run costs one PUT and one GET per `poll` until the script ends.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from azure.core.exceptions import HttpResponseError

from azlab.azure.errors import azure_errors, error_code
from azlab.azure.session import AzureSession
from azlab.errors import AzlabError
from azlab.redact import redact

DONE = ("Succeeded", "Failed", "TimedOut", "Canceled")
MAX_TEXT = 300  # characters of a script's streams kept for reports


@dataclass(frozen=True)
class ScriptRun:
    """How one script run ended."""

    state: str  # Succeeded | Failed | TimedOut | Canceled | NotRun | Unknown
    exit_code: int | None = None
    output: str = ""
    error: str = ""
    seconds: float = 0.0
    code: str = ""  # Azure's error code when the script could not be run

    @property
    def ok(self) -> bool:
        return self.state == "Succeeded" and self.exit_code == 0

    @property
    def summary(self) -> str:
        """One line: how it ended, with the first line of its error stream."""
        if self.code:
            return f"not run: {self.code}"
        if self.state == "TimedOut":
            return "timed out"
        text = f"exit code {self.exit_code}" if self.exit_code is not None else self.state
        first = self.error.strip().splitlines()[0] if self.error.strip() else ""
        return f"{text}: {first}" if first else text


def _short(text: str | None) -> str:
    return redact(text or "")[:MAX_TEXT]


async def run_script(
    session: AzureSession,
    resource_group: str,
    vm: str,
    location: str,
    name: str,
    script: str,
    *,
    timeout: float,
    poll: float,
) -> ScriptRun:
    """Run `script` as the managed run command `name` and wait (at most `timeout` and a
    poll more) for it to end. Never raises for what Azure answers: a refusal is `NotRun`."""
    commands = session.compute.virtual_machine_run_commands
    seconds = max(1, int(timeout))
    body = {
        "location": location,
        "properties": {
            "source": {"script": script},
            "timeoutInSeconds": seconds,
            "asyncExecution": False,
            "treatFailureAsDeploymentFailure": False,
        },
    }
    began = time.monotonic()
    try:
        with azure_errors(resource=f"vm {vm}"):
            try:
                await commands.begin_create_or_update(resource_group, vm, name, body, polling=False)
            except HttpResponseError as exc:
                return ScriptRun("NotRun", code=error_code(exc))
    except AzlabError as exc:
        return ScriptRun("NotRun", code=exc.message)
    give_up = began + seconds + max(poll, 1.0)
    while True:
        try:
            with azure_errors(resource=f"vm {vm}"):
                found = await commands.get_by_virtual_machine(
                    resource_group, vm, name, expand="instanceView"
                )
        except AzlabError:
            found = None  # read again next round
        view = found.instance_view if found is not None else None
        # An enum of str: its value, not its repr ("ExecutionState.SUCCEEDED").
        raw = view.execution_state if view is not None else None
        state = str(getattr(raw, "value", raw) or "Unknown")
        if view is not None and state in DONE:
            spent = time.monotonic() - began
            if view.start_time is not None and view.end_time is not None:
                spent = (view.end_time - view.start_time).total_seconds()
            if view.exit_code is None and state == "Failed" and view.execution_message:
                return ScriptRun(state, None, "", _short(view.execution_message), spent)
            return ScriptRun(state, view.exit_code, _short(view.output), _short(view.error), spent)
        if time.monotonic() >= give_up:
            return ScriptRun("TimedOut", seconds=time.monotonic() - began)
        await asyncio.sleep(poll)


async def agent_ready(session: AzureSession, resource_group: str, vm: str) -> bool:
    """Whether the VM's guest agent reports Ready, from its instance view (one GET)."""
    with azure_errors(resource=f"vm {vm}"):
        view = await session.compute.virtual_machines.instance_view(resource_group, vm)
    agent = view.vm_agent
    statuses = (agent.statuses or []) if agent is not None else []
    return any(str(s.display_status or "").lower() == "ready" for s in statuses)
