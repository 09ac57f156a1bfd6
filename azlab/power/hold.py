"""`azlab hold`: tag VMs so schedules leave them alone until a moment (azlab-hold-until)."""

from __future__ import annotations

from collections.abc import Sequence

from azlab.azure.errors import azure_errors
from azlab.azure.power import list_states
from azlab.azure.session import AzureSession
from azlab.errors import UsageError
from azlab.power_state import VmState
from azlab.reconcile.model import PLAN_TAG
from azlab.schedule.overrides import HOLD_TAG


async def hold(
    session: AzureSession, resource_group: str, plan_name: str, names: Sequence[str], until: str
) -> dict[str, VmState]:
    """Tag every named VM with `until`; every VM is checked before any is tagged.
    Returns the power states seen (for the spend ledger)."""
    states = await list_states(session, resource_group)
    # No half-held group: a missing or foreign VM stops the command before any write.
    for name in names:
        state = states.get(name.lower())
        if state is None:
            raise UsageError(f"vm {name} does not exist in Azure yet", hint="run azlab apply")
        if state.tags.get(PLAN_TAG) != plan_name:
            raise UsageError(
                f"vm {name} is not managed by plan {plan_name}: it lacks the tag "
                f"{PLAN_TAG}={plan_name}",
                hint="azlab changes only what its plan owns",
            )
    vms = session.compute.virtual_machines
    for name in names:
        tags = {**states[name.lower()].tags, HOLD_TAG: until}
        with azure_errors(resource=f"vm {name}"):
            await (await vms.begin_update(resource_group, name, {"tags": tags})).result()
    return states
