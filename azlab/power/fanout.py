"""Queue fan-out: the timer evaluates and enqueues group actions; workers carry them out.

One message per group whose VMs are not where its schedule wants them. A worker
re-evaluates before acting, so a repeated, replayed or stale message changes
nothing: a message whose group no longer wants that state is dropped as
superseded, and acting on VMs already there sends no request. Order across
groups holds without coordination between workers: a start waits (the message
comes back later) until the groups it `depends_on` run, a stop until the
groups depending on it are deallocated, up to the message's `not_after`; a start
also waits while a VM of those groups has a guest agent not yet Ready (their
`ready:` probes run in their own group's worker).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from azlab.plan.model import Plan
from azlab.power_state import PowerState, VmState
from azlab.schedule.overrides import override

FORMAT = 1


class BadMessage(ValueError):
    """A message no worker can ever carry out; it goes to the poison queue at once."""


@dataclass(frozen=True)
class GroupAction:
    plan: str
    group: str
    want: str  # running | deallocated
    at: datetime  # the evaluation that asked for it
    reason: str
    not_after: datetime  # give up waiting for dependencies after this

    def to_json(self) -> str:
        return json.dumps(
            {
                "azlab": FORMAT,
                "plan": self.plan,
                "group": self.group,
                "want": self.want,
                "at": self.at.isoformat(),
                "reason": self.reason,
                "not_after": self.not_after.isoformat(),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> GroupAction:
        try:
            data = json.loads(text)
            if data.get("azlab") != FORMAT:
                raise BadMessage(f"not an azlab group action (format {data.get('azlab')!r})")
            action = cls(
                plan=str(data["plan"]),
                group=str(data["group"]),
                want=str(data["want"]),
                at=datetime.fromisoformat(data["at"]),
                reason=str(data.get("reason", "")),
                not_after=datetime.fromisoformat(data["not_after"]),
            )
        except BadMessage:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BadMessage(f"unreadable group action: {exc}") from None
        if action.want not in (PowerState.RUNNING, PowerState.DEALLOCATED):
            raise BadMessage(f"unknown power state {action.want!r}")
        if action.at.tzinfo is None or action.not_after.tzinfo is None:
            raise BadMessage("times in a group action must carry a UTC offset")
        return action


def _members(plan: Plan, group: str) -> list[str]:
    return [vm.name.lower() for g in plan.groups if g.name == group for vm in g.vms]


def _pending(
    plan: Plan, group: str, want: str, states: Mapping[str, VmState], now: datetime
) -> bool:
    """Whether a VM of `group` that schedules may touch is not yet in `want`."""
    for name in _members(plan, group):
        state = states.get(name)
        if state is not None and override(state.tags, now) is None and state.power != want:
            return True
    return False


def actions_to_enqueue(
    plan: Plan,
    wants: Mapping[str, str | None],
    reasons: Mapping[str, str],
    states: Mapping[str, VmState],
    at: datetime,
    *,
    patience: timedelta,
) -> list[GroupAction]:
    """One action per group whose VMs are not all where its schedule wants them."""
    return [
        GroupAction(plan.name, group, want, at, reasons.get(group, ""), at + patience)
        for group, want in wants.items()
        if want is not None and _pending(plan, group, want, states, at)
    ]


def waiting_on(
    plan: Plan,
    action: GroupAction,
    wants: Mapping[str, str | None],
    states: Mapping[str, VmState],
    now: datetime,
) -> list[str]:
    """Groups that must get there first: dependencies to start, dependents to stop.

    As in a tick, only groups that want the same state now are waited for.
    """
    if action.want == PowerState.RUNNING:
        first = next(g for g in plan.groups if g.name == action.group).depends_on
    else:
        first = [g.name for g in plan.groups if action.group in g.depends_on]
    return [
        g
        for g in first
        if wants.get(g) == action.want
        and (
            _pending(plan, g, action.want, states, now)
            or (action.want == PowerState.RUNNING and _agent_not_ready(plan, g, states, now))
        )
    ]


def _agent_not_ready(plan: Plan, group: str, states: Mapping[str, VmState], now: datetime) -> bool:
    """Whether a running VM of `group` has a guest agent not yet Ready (the health gate)."""
    for name in _members(plan, group):
        state = states.get(name)
        if state is not None and override(state.tags, now) is None and state.agent == "not ready":
            return True
    return False


def check_plan_matches(plan: Plan, action: GroupAction) -> None:
    if action.plan != plan.name:
        raise BadMessage(f"the message is for plan {action.plan!r}, this worker runs {plan.name!r}")
    if action.group not in {g.name for g in plan.groups}:
        raise BadMessage(f"plan {plan.name!r} has no group {action.group!r}")
