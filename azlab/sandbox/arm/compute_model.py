"""Pure rules of the compute emulator: image OS types, OS profiles, power transitions, statuses."""

from __future__ import annotations

from azlab.sandbox.arm.catalog import image_os as image_os  # the catalog knows each image's OS
from azlab.sandbox.arm.core import ArmError, Json

WINDOWS_COMPUTER_NAME_MAX = 15

# action -> (power state while it runs, power state after it)
TRANSITIONS = {
    "start": ("starting", "running"),
    "deallocate": ("deallocating", "deallocated"),
    "powerOff": ("stopping", "stopped"),
    "restart": ("starting", "running"),
    "create": ("starting", "running"),
    "resize": ("starting", "running"),
    "hibernate": ("deallocating", "deallocated"),
}
DISPLAY = {
    "running": "VM running",
    "starting": "VM starting",
    "stopping": "VM stopping",
    "stopped": "VM stopped",
    "deallocating": "VM deallocating",
    "deallocated": "VM deallocated",
}


def status(code: str, display: str, level: str = "Info") -> dict[str, str]:
    return {"code": code, "level": level, "displayStatus": display}


def validate_profile(
    name: str, os_type: str | None, os_profile: Json | None, image: Json | None
) -> None:
    """The checks Azure makes of a new VM's osProfile against its image's OS."""
    if os_profile is None:
        if image is not None:
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'osProfile' is missing (null).",
                "osProfile",
            )
        return
    computer = os_profile.get("computerName") or name
    if os_type == "windows":
        if len(computer) > WINDOWS_COMPUTER_NAME_MAX:
            raise ArmError(
                400,
                "InvalidParameter",
                f"The value of parameter windowsConfiguration.computerName is invalid: Windows computer name cannot be more than 15 characters long, be entirely numeric, or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] {{ }} \\ | ; : . ' \" , < > / ?. ('{computer}')",
                "computerName",
            )
        if "linuxConfiguration" in os_profile:
            raise ArmError(
                400,
                "InvalidParameter",
                "The image is a Windows image but the request has a linuxConfiguration.",
                "osProfile.linuxConfiguration",
            )
        if not os_profile.get("adminPassword"):
            raise ArmError(
                400,
                "InvalidParameter",
                "Required parameter 'adminPassword' is missing (null).",
                "adminPassword",
            )
    elif os_type == "linux":
        if "windowsConfiguration" in os_profile:
            raise ArmError(
                400,
                "InvalidParameter",
                "The image is a Linux image but the request has a windowsConfiguration.",
                "osProfile.windowsConfiguration",
            )
        linux = os_profile.get("linuxConfiguration") or {}
        keys = (linux.get("ssh") or {}).get("publicKeys") or []
        if not os_profile.get("adminPassword") and not keys:
            raise ArmError(
                400,
                "InvalidParameter",
                "Linux VMs need an admin password or an SSH public key.",
                "osProfile",
            )
