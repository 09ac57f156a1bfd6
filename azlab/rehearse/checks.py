"""Pure checks of one tick, against the plan itself rather than azlab's step builder.

The sandbox runs power operations at once (operation time 0), so the order in
which it received the actions is the order in which the VMs arrived.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from azlab.plan.model import Plan
from azlab.power_state import PowerState
from azlab.rehearse.observe import Action, Seen

VERB_WANTS = {"start": PowerState.RUNNING, "deallocate": PowerState.DEALLOCATED}


@dataclass(frozen=True)
class Place:
    group: str
    tier: int


def places(plan: Plan) -> dict[str, Place]:
    return {vm.name.lower(): Place(g.name, vm.tier) for g in plan.groups for vm in g.vms}


def order_problems(plan: Plan, actions: Sequence[Action]) -> list[str]:
    """Actions sent before one they must follow: tiers inside a group, then `depends_on`.

    Starting goes up the tiers, and a group starts after the groups it depends
    on; stopping is the mirror image.
    """
    where = places(plan)
    depends = {g.name: set(g.depends_on) for g in plan.groups}
    problems: list[str] = []
    for verb in ("start", "deallocate"):
        sent = [(n, a.vm) for n, a in enumerate(actions) if a.verb == verb and a.vm in where]
        # The last action per (group, tier) and per group: anything that must come first
        # has to come before the action that depends on it.
        last_tier: dict[tuple[str, int], tuple[int, str]] = {}
        last_group: dict[str, tuple[int, str]] = {}
        for n, vm in sent:
            place = where[vm]
            last_tier[(place.group, place.tier)] = (n, vm)
            last_group[place.group] = (n, vm)
        for n, vm in sent:
            place = where[vm]
            before: list[tuple[int, str]] = []
            for (group, tier), last in last_tier.items():
                if group == place.group and (
                    tier < place.tier if verb == "start" else tier > place.tier
                ):
                    before.append(last)
            if verb == "start":
                before += [last_group[g] for g in depends[place.group] if g in last_group]
            else:
                before += [
                    last_group[g]
                    for g, parents in depends.items()
                    if place.group in parents and g in last_group
                ]
            late = [other for m, other in before if m > n]
            if late:
                problems.append(
                    f"{verb} {vm} was sent before {verb} {late[0]}, which must come first"
                )
    return problems


def action_problems(
    plan: Plan,
    wants: Mapping[str, str | None],
    before: Mapping[str, Seen],
    overridden: Mapping[str, str],
    actions: Sequence[Action],
) -> list[str]:
    """Actions a tick had no business sending: against the schedule, or to a VM already there."""
    where = places(plan)
    problems = []
    for action in actions:
        place = where.get(action.vm)
        if place is None:
            problems.append(f"{action.verb} sent to {action.vm}, which the plan does not list")
            continue
        want = wants.get(place.group)
        state = before.get(action.vm)
        if action.vm in overridden:
            problems.append(f"{action.verb} sent to {action.vm}, which is {overridden[action.vm]}")
        elif want is None:
            problems.append(
                f"{action.verb} sent to {action.vm} while group {place.group} has no desired state"
            )
        elif VERB_WANTS.get(action.verb) != want:
            problems.append(f"{action.verb} sent to {action.vm} while its schedule wants {want}")
        elif state is not None and state.power == want:
            problems.append(f"{action.verb} sent to {action.vm}, which was already {want}")
    return problems
