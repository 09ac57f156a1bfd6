"""Guest hooks and probes as reported: one `GuestRun` per script a power run ran in a VM.

A failing `before_stop` keeps its VM running only with `required: true`; the
VM's result then says `BeforeStopFailed` and the failure is notified with it.
Every other failed script (a `before_stop` that is not required, an
`after_start`) leaves power alone and is notified here, once per VM, hook and
tick time. Reports carry how a script ended and the first line of its error
stream, redacted, never the script.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from azlab.notify.message import Message

HOOK_NAMES = {
    "ready": "azlab-ready",
    "before_stop": "azlab-before-stop",
    "after_start": "azlab-after-start",
}
CODES = {"before_stop": "BeforeStopFailed", "after_start": "AfterStartFailed"}


@dataclass(frozen=True)
class GuestRun:
    vm: str
    group: str
    hook: str  # ready | before_stop | after_start
    ok: bool
    detail: str = ""  # how it ended: "exit code 0", "timed out", "not run: OperationNotAllowed"
    seconds: float = 0.0
    attempts: int = 1
    blocked: bool = False  # a required before_stop that failed: the VM was not stopped

    def as_dict(self) -> dict[str, object]:
        return {
            "vm": self.vm,
            "group": self.group,
            "hook": self.hook,
            "ok": self.ok,
            "detail": self.detail,
            "seconds": round(self.seconds, 1),
            "attempts": self.attempts,
            "blocked": self.blocked,
        }


def as_sent(script: str) -> str:
    """The script as the guest gets it: `$${` in a plan is a literal `${`."""
    return script.replace("$${", "${")


def hook_failures(plan: str, runs: Iterable[GuestRun], at: datetime) -> list[Message]:
    """`failure` messages for the failed hooks that changed no power result."""
    found = []
    for run in runs:
        if run.ok or run.blocked or run.hook not in CODES:
            continue
        code = CODES[run.hook]
        outcome = "the VM was stopped anyway" if run.hook == "before_stop" else "it stays running"
        found.append(
            Message(
                "failure",
                plan,
                f"{run.vm}: {run.hook} failed ({code})",
                f"{run.vm}'s {run.hook} script failed: {run.detail}; {outcome}",
                (("vm", run.vm), ("group", run.group), ("error code", code)),
                key=f"hook|{run.vm}|{run.hook}|{at.isoformat()}",
                data={"vm": run.vm, "group": run.group, "code": code},
            )
        )
    return found
