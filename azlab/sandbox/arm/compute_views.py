"""What Azure adds to a VM it answers: profile defaults, and the instance view's guest report.

Pure functions of the VM's JSON and its power and provisioning states; the
times are sandbox times, written as ARM writes them (ISO 8601).
"""

from __future__ import annotations

from azlab.sandbox.arm.compute_agent import agent_view
from azlab.sandbox.arm.compute_model import DISPLAY, status
from azlab.sandbox.arm.core import Json, iso_time


def os_profile_out(os_profile: Json, name: str, os_type: str | None) -> Json:
    """The osProfile a VM answers: no secrets given back, and the OS's configuration filled in."""
    out = {k: v for k, v in os_profile.items() if k not in ("adminPassword", "customData")}
    out.setdefault("computerName", name)
    out.setdefault("secrets", [])
    out.setdefault("allowExtensionOperations", True)
    if os_type == "windows":
        windows = dict(out.get("windowsConfiguration") or {})
        windows.setdefault("provisionVMAgent", True)
        windows.setdefault("enableAutomaticUpdates", True)
        windows.setdefault("patchSettings", {"patchMode": "AutomaticByOS"})
        out["windowsConfiguration"] = windows
    elif os_type == "linux":
        linux = dict(out.get("linuxConfiguration") or {})
        linux.setdefault("disablePasswordAuthentication", not os_profile.get("adminPassword"))
        linux.setdefault("provisionVMAgent", True)
        linux.setdefault("patchSettings", {"patchMode": "ImageDefault"})
        out["linuxConfiguration"] = linux
    return out


def guest_os(vm: Json) -> tuple[str, str]:
    """The OS name and version the guest agent reports, from the VM's image."""
    image = vm["properties"]["storageProfile"].get("imageReference") or {}
    os_type = vm["properties"]["storageProfile"]["osDisk"].get("osType", "Linux")
    if not image:
        return os_type, ""
    if os_type == "Windows":
        sku = str(image.get("sku", "")).split("-")[0]
        return f"Windows Server {sku} Datacenter".replace("  ", " "), "10.0"
    return str(image.get("offer", os_type)), str(image.get("exactVersion", ""))


def instance_view(
    vm: Json,
    power: str,
    provisioning: str,
    *,
    since: float,
    now: float,
    generation: str,
    agent_ready: bool = False,
    notes: tuple[Json, ...] = (),
) -> Json:
    """The instance view: statuses with their times, the guest agent, each disk, the OS.

    `agent_ready`: whether the guest agent reports Ready (`compute_agent.py`); `notes` are
    statuses after the power state: a hibernated or an evicted VM's."""
    when = iso_time(since)
    if provisioning.startswith("failed"):
        prov = status(f"ProvisioningState/{provisioning}", "Provisioning failed", "Error")
    else:
        prov = status(f"ProvisioningState/{provisioning}", f"Provisioning {provisioning}")
    storage = vm["properties"]["storageProfile"]
    disks = [storage["osDisk"], *storage.get("dataDisks", [])]
    running = power == "running"
    view: Json = {
        "computerName": vm["properties"].get("osProfile", {}).get("computerName", vm["name"]),
        "vmAgent": agent_view(agent_ready, now),
        "disks": [
            {
                "name": d["name"],
                "statuses": [
                    {
                        **status("ProvisioningState/succeeded", "Provisioning succeeded"),
                        "time": when,
                    }
                ],
            }
            for d in disks
        ],
        "hyperVGeneration": generation,
        "statuses": [
            {**prov, "time": when},
            status(f"PowerState/{power}", DISPLAY.get(power, power)),
            *notes,
        ],
    }
    if running:
        view["osName"], view["osVersion"] = guest_os(vm)
    return view
