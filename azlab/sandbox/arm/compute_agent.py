"""The guest agent inside a VM: when it reports Ready, and what its instance view shows.

Azure's agent reports Ready some time after the VM boots (the OS has to come
up first); the sandbox reports it `agent_ready_after` seconds of the sandbox
clock after the VM reached running, and never on a VM named in
`agent_never` (a guest that does not boot, or whose agent is broken).
"""

from __future__ import annotations

from typing import Any

from azlab.sandbox.arm.compute_model import status
from azlab.sandbox.arm.core import Json, iso_time
from azlab.sandbox.settings import Settings

VM_AGENT_VERSION = "2.7.41491.1102"


def agent_ready(name: str, extra: Json, settings: Settings, now: float) -> bool:
    """Whether the VM's agent reports Ready at `now` (its power and private data as stored)."""
    if extra.get("transient") or extra.get("power", "running") != "running":
        return False
    if name.lower() in settings.agent_never:
        return False
    return now >= float(extra.get("changed", now)) + settings.agent_ready_after


def agent_view(ready: bool, now: float) -> Json:
    """`vmAgent` as the instance view carries it (the messages of Azure's examples)."""
    report: dict[str, Any] = (
        {
            **status("ProvisioningState/succeeded", "Ready"),
            "message": "GuestAgent is running and accepting new configurations.",
        }
        if ready
        else {
            **status("ProvisioningState/Unavailable", "Not Ready", "Warning"),
            "message": "VM status blob is found but not yet populated.",
        }
    )
    return {
        "vmAgentVersion": VM_AGENT_VERSION if ready else "Unknown",
        "statuses": [{**report, "time": iso_time(now)}],
    }
