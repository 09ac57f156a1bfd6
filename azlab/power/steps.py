"""Pure ordering of power work: one step per tier of a group, with what each step waits for.

Starting: a group's tiers go up from the lowest, and a group starts only after
the groups it `depends_on` are fully running. Stopping is the mirror image:
tiers go down from the highest, and a group stops only after every group that
depends on it has stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from azlab.power_state import PowerState

StepKey = tuple[str, int, str]


@dataclass(frozen=True)
class PowerVm:
    name: str
    group: str
    tier: int = 0


@dataclass(frozen=True)
class Step:
    group: str
    tier: int
    want: str
    vms: tuple[str, ...]
    needs: tuple[StepKey, ...] = ()

    @property
    def key(self) -> StepKey:
        return (self.group, self.tier, self.want)

    @property
    def label(self) -> str:
        verb = "start" if self.want == PowerState.RUNNING else "stop"
        return f"{verb} {self.group} tier {self.tier} ({', '.join(self.vms)})"


def build_steps(
    vms: Iterable[PowerVm],
    wants: Mapping[str, str],
    depends_on: Mapping[str, Sequence[str]],
) -> list[Step]:
    """Steps for every group with a wanted state (`running` or `deallocated`)."""
    tiers: dict[str, dict[int, list[str]]] = {}
    for vm in vms:
        if vm.group in wants:
            tiers.setdefault(vm.group, {}).setdefault(vm.tier, []).append(vm.name)
    dependents: dict[str, list[str]] = {}
    for group, parents in depends_on.items():
        for parent in parents:
            dependents.setdefault(parent, []).append(group)

    steps: list[Step] = []
    for group, by_tier in tiers.items():
        want = wants[group]
        order = sorted(by_tier, reverse=want == PowerState.DEALLOCATED)
        # Start after the groups this one depends on; stop after the groups that depend on it.
        upstream = (
            depends_on.get(group, ()) if want == PowerState.RUNNING else dependents.get(group, ())
        )
        outer = tuple(
            (other, _last_tier(tiers[other], want), want)
            for other in upstream
            if other in tiers and wants.get(other) == want
        )
        previous: StepKey | None = None
        for tier in order:
            needs = outer if previous is None else (previous,)
            step = Step(group, tier, want, tuple(sorted(by_tier[tier])), needs)
            steps.append(step)
            previous = step.key
    return steps


def _last_tier(by_tier: Mapping[int, list[str]], want: str) -> int:
    return max(by_tier) if want == PowerState.RUNNING else min(by_tier)
