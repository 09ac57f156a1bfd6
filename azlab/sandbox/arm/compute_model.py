"""Pure rules of the compute emulator: image OS types, power transitions, instance views."""

from __future__ import annotations

from typing import Any

WINDOWS_PUBLISHERS = {
    "microsoftwindowsserver",
    "microsoftsqlserver",
    "microsoftwindowsdesktop",
    "microsoftvisualstudio",
    "microsoftsharepoint",
    "microsoftdynamicsax",
    "microsoftbiztalkserver",
}
WINDOWS_COMPUTER_NAME_MAX = 15

# action -> (power state while it runs, power state after it)
TRANSITIONS = {
    "start": ("starting", "running"),
    "deallocate": ("deallocating", "deallocated"),
    "powerOff": ("stopping", "stopped"),
    "restart": ("starting", "running"),
    "create": ("starting", "running"),
    "resize": ("starting", "running"),
}
DISPLAY = {
    "running": "VM running",
    "starting": "VM starting",
    "stopping": "VM stopping",
    "stopped": "VM stopped",
    "deallocating": "VM deallocating",
    "deallocated": "VM deallocated",
}


def image_os(image: dict[str, Any] | None) -> str | None:
    """'windows' or 'linux' for a marketplace image reference; None without one."""
    if not image:
        return None
    publisher = str(image.get("publisher", "")).lower()
    offer = str(image.get("offer", "")).lower()
    if publisher in WINDOWS_PUBLISHERS or "windows" in offer:
        return "windows"
    return "linux"


def status(code: str, display: str, level: str = "Info") -> dict[str, str]:
    return {"code": code, "level": level, "displayStatus": display}


def instance_view(name: str, power: str, provisioning: str) -> dict[str, Any]:
    if provisioning.startswith("failed"):
        prov = status(f"ProvisioningState/{provisioning}", "Provisioning failed", "Error")
    else:
        prov = status(f"ProvisioningState/{provisioning}", f"Provisioning {provisioning}")
    return {
        "computerName": name,
        "statuses": [prov, status(f"PowerState/{power}", DISPLAY.get(power, power))],
    }
