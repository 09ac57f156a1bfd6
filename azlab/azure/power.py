"""Every VM's power state in a resource group from one paged `list_all(statusOnly=true)`.

The one read of power states: ticks, holds, migrations and apply's report all share it,
so a round costs a few list pages however many VMs there are, never a GET per VM.
"""

from __future__ import annotations

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from azlab.azure.errors import azure_errors
from azlab.azure.observe import json_body
from azlab.azure.session import AzureSession
from azlab.power_state import VmState, parse_status_list_item

# Read as REST JSON, not SDK models: a VM with its instance view is a deep model, and
# building 1,000 of them each watch round doubled a tick's client CPU.
API_VERSION = "2024-07-01"


async def list_states(session: AzureSession, resource_group: str) -> dict[str, VmState]:
    """Every VM of the resource group by lower-case name."""
    marker = f"/resourcegroups/{resource_group.lower()}/"
    states: dict[str, VmState] = {}
    url: str | None = (
        f"/subscriptions/{session.subscription}/providers/Microsoft.Compute/virtualMachines"
        f"?api-version={API_VERSION}&statusOnly=true"
    )
    with azure_errors(resource=f"resource group {resource_group}"):
        while url:
            response = await session.compute.send_request(HttpRequest("GET", url))
            await response.read()
            if response.status_code >= 400:
                raise HttpResponseError(response=response)
            page = await json_body(response)
            for item in page.get("value", []):
                if marker in str(item.get("id", "")).lower():
                    state = parse_status_list_item(item)
                    states[state.name.lower()] = state
            url = page.get("nextLink")
    return states


async def power_states(session: AzureSession, resource_group: str) -> dict[str, str]:
    """VM name (lower case) -> power state (`running`, `deallocated`, ...)."""
    return {
        name: state.power for name, state in (await list_states(session, resource_group)).items()
    }
