"""Every VM's power state in a resource group from one paged `list_all(statusOnly=true)`.

The one read of power states: ticks, holds, migrations and apply's report all share it,
so a round costs a few list pages however many VMs there are, never a GET per VM.
"""

from __future__ import annotations

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.power_state import VmState, parse_status_list_item


async def list_states(session: AzureSession, resource_group: str) -> dict[str, VmState]:
    """Every VM of the resource group by lower-case name."""
    marker = f"/resourcegroups/{resource_group.lower()}/"
    states: dict[str, VmState] = {}
    with azure_errors(resource=f"resource group {resource_group}"):
        async for vm in session.compute.virtual_machines.list_all(status_only="true"):
            item = vm.as_dict()
            if marker in str(item.get("id", "")).lower():
                state = parse_status_list_item(item)
                states[state.name.lower()] = state
    return states


async def power_states(session: AzureSession, resource_group: str) -> dict[str, str]:
    """VM name (lower case) -> power state (`running`, `deallocated`, ...)."""
    return {
        name: state.power for name, state in (await list_states(session, resource_group)).items()
    }
