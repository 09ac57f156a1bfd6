"""`azlab hold`: tag VMs so schedules leave them alone until a moment (azlab-hold-until)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime

from azlab.azure.errors import azure_errors
from azlab.azure.power import list_states
from azlab.azure.session import AzureSession
from azlab.errors import UsageError
from azlab.money.gate import budget_stopped
from azlab.money.record import Recorder
from azlab.plan.model import Plan
from azlab.power.lease import group_leases
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


class BudgetStopsHold(UsageError):
    """The plan's budget keeps the lab stopped this month; a hold would let it spend past it."""

    def __init__(self, plan: Plan, now: datetime) -> None:
        super().__init__(
            f"the budget of {plan.name} has stopped the lab for {now:%Y-%m}: a hold would let "
            "its VMs run and spend past it",
            hint="`azlab hold --over-budget` holds anyway; `azlab budget release` lifts the stop",
        )


async def hold_within_budget(
    session: AzureSession,
    plan: Plan,
    groups: Iterable[str],
    names: Sequence[str],
    until: str,
    now: datetime,
    *,
    command: str,
    wait: float,
    over_budget: bool = False,
    claim: Callable[[], Awaitable[None]] | None = None,
) -> dict[str, VmState]:
    """Hold as every way in (`azlab hold`, a snooze link) does: under the groups' leases,
    refused while the budget stops the lab unless `over_budget`, recorded in the ledger.
    `claim` runs once the hold is allowed and before any VM is tagged (a link marks itself
    used there, so a refused hold leaves it unused)."""
    async with group_leases(session, plan, groups, command=command, wait=wait):
        ledger = Recorder(plan, command)
        if not over_budget and await budget_stopped(ledger, session, now):
            raise BudgetStopsHold(plan, now)
        if claim is not None:
            await claim()
        states = await hold(session, plan.resource_group, plan.name, names, until)
        await ledger.record(session, now, {n: s.power for n, s in states.items()}, {})
    return states
