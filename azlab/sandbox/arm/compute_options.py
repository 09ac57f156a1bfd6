"""A VM's cheaper ways to run: Spot priority, Azure Hybrid Benefit and hibernation.

Pure rules over the VM's JSON: what a create may ask for, what an update may
change (and only while the VM is deallocated), and what the instance view says
of a hibernated or evicted VM. The refusals answer with the codes Azure uses.
"""

from __future__ import annotations

from typing import Any

from azlab.sandbox.arm.catalog_data import SIZES
from azlab.sandbox.arm.core import ArmError, Json

# Azure's licenseType values for a VM, by the OS they may be given for.
WINDOWS_LICENSES = frozenset({"windows_server", "windows_client"})
LINUX_LICENSES = frozenset({"rhel_byos", "sles_byos", "ubuntu_pro", "rhel_eus", "sles_sap"})
HIBERNATION_SIZES = frozenset(s.name.lower() for s in SIZES if s.hibernation)
HIBERNATE_HELP = "For more information, see https://aka.ms/hibernate-resume/errors."


def create_options(props: Json, size: str, os_type: str | None, name: str) -> Json:
    """The priority, eviction policy, billing profile, licence and capabilities a new VM keeps."""
    out: Json = {}
    priority = str(props.get("priority") or "Regular")
    if priority.lower() not in ("regular", "spot", "low"):
        raise ArmError(
            400,
            "InvalidParameter",
            f"The value '{priority}' of parameter 'priority' is not allowed.",
            "priority",
        )
    spot = priority.lower() in ("spot", "low")
    if props.get("evictionPolicy") and not spot:
        raise ArmError(
            400,
            "InvalidParameter",
            "Eviction policy can be set only on Spot virtual machines.",
            "evictionPolicy",
        )
    if props.get("billingProfile") and not spot:
        raise ArmError(
            400,
            "InvalidParameter",
            "Billing profile can be set only on Spot virtual machines.",
            "billingProfile",
        )
    if spot:
        out["priority"] = "Spot"
        out["evictionPolicy"] = str(props.get("evictionPolicy") or "Deallocate")
        out["billingProfile"] = {"maxPrice": max_price(props.get("billingProfile"))}
    license_type = props.get("licenseType")
    if license_type and license_type != "None":
        check_license(str(license_type), os_type)
        out["licenseType"] = license_type
    capabilities = props.get("additionalCapabilities") or {}
    if capabilities:
        if capabilities.get("hibernationEnabled"):
            check_hibernation_size(size)
            if spot:
                raise ArmError(
                    400,
                    "BadRequest",
                    f"Hibernation is not supported on Spot virtual machines. {HIBERNATE_HELP}",
                    "additionalCapabilities.hibernationEnabled",
                )
        out["additionalCapabilities"] = {
            "hibernationEnabled": bool(capabilities.get("hibernationEnabled")),
            **{k: v for k, v in capabilities.items() if k != "hibernationEnabled"},
        }
    return out


def max_price(profile: Any) -> float:
    price = (profile or {}).get("maxPrice") if isinstance(profile, dict) else None
    if price is None:
        return -1
    value = float(price)
    if value != -1 and value <= 0:
        raise ArmError(
            400,
            "InvalidParameter",
            f"The value {price} of parameter 'billingProfile.maxPrice' is invalid: use -1 or a price greater than zero.",
            "billingProfile.maxPrice",
        )
    return value


def check_license(license_type: str, os_type: str | None) -> None:
    allowed = WINDOWS_LICENSES if os_type == "windows" else LINUX_LICENSES
    if license_type.lower() not in allowed:
        raise ArmError(
            400,
            "InvalidParameter",
            f"The license type {license_type} is not valid for a {(os_type or 'linux').capitalize()} virtual machine.",
            "licenseType",
        )


def check_hibernation_size(size: str) -> None:
    if size.lower() not in HIBERNATION_SIZES:
        raise ArmError(
            400,
            "BadRequest",
            f"Hibernation is not supported on VM size '{size}'. {HIBERNATE_HELP}",
            "additionalCapabilities.hibernationEnabled",
        )


def update_options(vm: Json, props: Json, power: str) -> None:
    """Apply an update's priority, price, licence and hibernation to the stored VM.

    Priority never changes on an existing VM; the spot price and hibernation change
    only while it is deallocated.
    """
    current = vm["properties"]
    stopped = power == "deallocated"
    priority = props.get("priority")
    if priority and str(priority).lower() != str(current.get("priority", "Regular")).lower():
        raise ArmError(
            409,
            "PropertyChangeNotAllowed",
            "Changing property 'priority' is not allowed.",
            "priority",
        )
    if "billingProfile" in props:
        if current.get("priority") != "Spot":
            raise ArmError(
                400,
                "InvalidParameter",
                "Billing profile can be set only on Spot virtual machines.",
                "billingProfile",
            )
        price = max_price(props["billingProfile"])
        if price != current.get("billingProfile", {}).get("maxPrice") and not stopped:
            raise ArmError(
                409,
                "PropertyChangeNotAllowed",
                "The maximum price of a Spot virtual machine can change only while it is deallocated.",
                "billingProfile.maxPrice",
            )
        current["billingProfile"] = {"maxPrice": price}
    if "licenseType" in props:
        license_type = props.get("licenseType")
        if license_type in (None, "", "None"):
            current.pop("licenseType", None)
        else:
            os_type = str(current["storageProfile"]["osDisk"].get("osType", "")).lower()
            check_license(str(license_type), os_type or None)
            current["licenseType"] = license_type
    capabilities = props.get("additionalCapabilities")
    if isinstance(capabilities, dict) and "hibernationEnabled" in capabilities:
        wanted = bool(capabilities["hibernationEnabled"])
        had = bool((current.get("additionalCapabilities") or {}).get("hibernationEnabled"))
        if wanted != had:
            if not stopped:
                raise ArmError(
                    409,
                    "PropertyChangeNotAllowed",
                    f"Hibernation can be enabled or disabled only while the virtual machine is deallocated. {HIBERNATE_HELP}",
                    "additionalCapabilities.hibernationEnabled",
                )
            if wanted:
                check_hibernation_size(current["hardwareProfile"]["vmSize"])
        current["additionalCapabilities"] = {
            **(current.get("additionalCapabilities") or {}),
            "hibernationEnabled": wanted,
        }


def hibernation_enabled(vm: Json) -> bool:
    return bool((vm["properties"].get("additionalCapabilities") or {}).get("hibernationEnabled"))


def check_can_hibernate(vm: Json) -> None:
    if not hibernation_enabled(vm):
        raise ArmError(
            400,
            "OperationNotAllowed",
            f"The virtual machine '{vm['name']}' cannot be hibernated: hibernation is not enabled on it. {HIBERNATE_HELP}",
        )


def is_spot(vm: Json) -> bool:
    return str(vm["properties"].get("priority", "")).lower() in ("spot", "low")
