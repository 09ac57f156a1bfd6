"""A simulated week of schedule ticks against the sandbox, checked from outside.

Every 5 minutes of simulated time, each group's desired state is evaluated
and azlab's tick runs at that instant. A tick depends only on its inputs: the
desired states, each VM's observed power and provisioning state, and which
VMs a hold or exclusion tag protects at that instant. When they equal those of
the last tick that sent nothing, the tick would send nothing again, so it is
not run; this keeps a quiet tick free and a week of a 50-VM plan in seconds.

After every tick the VMs must be where their group's schedule wants them. The
observation (one list call) is taken again only when the sandbox's request log
shows a write since the last one; nothing else changes a VM in the sandbox.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from azlab.azure.session import AzureSession
from azlab.money.record import Recorder
from azlab.plan.model import Plan
from azlab.power import tick as ticking
from azlab.power_state import PowerState
from azlab.rehearse.checks import action_problems, order_problems
from azlab.rehearse.observe import RequestLog, Seen, power_states
from azlab.schedule.desired import desired_state
from azlab.schedule.forecast import week_figures
from azlab.schedule.model import Schedule, from_plan
from azlab.schedule.overrides import EXCLUDE_TAG, HOLD_TAG, override

TICK_MINUTES = 5
STEP = timedelta(minutes=TICK_MINUTES)
HOUR = timedelta(hours=1)
# Power operations finish at once in the rehearsal's sandbox; a VM that keeps failing
# (an injected AllocationFailed) must not hold every tick for Azure's long deadline.
TICK_DEADLINE = 10.0
TickInputs = tuple[tuple[tuple[str, str | None], ...], tuple[tuple[str, str, str, str | None], ...]]


@dataclass
class GroupWeek:
    group: str
    vms: int
    week_hours: float
    schedule: str | None = None
    scheduled_hours: float | None = None  # what the schedule alone gives (forecast)
    running_ticks: int = 0  # ticks after which at least one VM of the group ran
    vm_ticks: int = 0  # VMs running, summed over ticks
    transitions: int = 0
    cost: float | None = None  # the week's estimate from the spend ledger
    always_on_cost: float | None = None  # every VM of the group running all week
    # Where at least one VM ran, as observed after the ticks: [start, end) in UTC.
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)

    def ran(self, at: datetime) -> None:
        """Running after the tick at `at`, until the next one."""
        if self.windows and self.windows[-1][1] == at:
            self.windows[-1] = (self.windows[-1][0], at + STEP)
        else:
            self.windows.append((at, at + STEP))

    @property
    def running_hours(self) -> float:
        return self.running_ticks * TICK_MINUTES / 60

    @property
    def vm_hours(self) -> float:
        return self.vm_ticks * TICK_MINUTES / 60

    @property
    def saved_share(self) -> float:
        """Compute hours saved against every VM of the group running all week."""
        always_on = self.vms * self.week_hours
        return 0.0 if always_on == 0 else 1 - self.vm_hours / always_on


@dataclass
class WeekResult:
    start: datetime  # UTC
    end: datetime
    zone: str
    ticks: int = 0
    ticks_run: int = 0  # ticks azlab ran (the others had the inputs of a quiet one)
    ticks_acted: int = 0
    observations: int = 0  # the rehearsal's own status lists
    requests: int = 0  # every ARM request of the week, the ticks' and the observations'
    groups: dict[str, GroupWeek] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    currency: str | None = None  # set when the week was priced

    @property
    def ok(self) -> bool:
        return not self.problems


def week_zone(plan: Plan) -> ZoneInfo:
    """The first schedule's time zone, or UTC for a plan without schedules."""
    return ZoneInfo(plan.schedules[0].timezone if plan.schedules else "UTC")


def week_bounds(plan: Plan, week_of: date) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 local: 167 or 169 hours across a DST change."""
    zone = week_zone(plan)
    monday = week_of - timedelta(days=week_of.weekday())
    start = datetime.combine(monday, time(0, 0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0, 0), tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


class Wants:
    """Each group's desired state at an instant, evaluated once per schedule."""

    def __init__(self, plan: Plan) -> None:
        self.schedules: dict[str, Schedule] = {s.name: from_plan(s) for s in plan.schedules}
        self.group_schedule = {g.name: g.schedule for g in plan.groups}

    def at(self, at: datetime) -> tuple[dict[str, str | None], dict[str, str]]:
        states = {name: desired_state(s, at) for name, s in self.schedules.items()}
        wants: dict[str, str | None] = {}
        reasons: dict[str, str] = {}
        for group, name in self.group_schedule.items():
            if name is None or name not in states:
                wants[group], reasons[group] = None, "no schedule"
            else:
                wants[group], reasons[group] = states[name].power, states[name].reason
        return wants, reasons


def overrides(seen: Mapping[str, Seen], at: datetime) -> dict[str, str]:
    """VMs a hold or exclusion tag protects at `at`, with why."""
    found = {}
    for vm, state in seen.items():
        if EXCLUDE_TAG in state.tags or HOLD_TAG in state.tags:
            why = override(state.tags, at)
            if why is not None:
                found[vm] = why
    return found


def tick_inputs(
    wants: Mapping[str, str | None], seen: Mapping[str, Seen], protected: Mapping[str, str]
) -> TickInputs:
    return (
        tuple(sorted(wants.items())),
        tuple(sorted((vm, s.power, s.provisioning, protected.get(vm)) for vm, s in seen.items())),
    )


class Misplaced:
    """Runs of ticks in which a VM was not where its schedule wanted it, one problem per run."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.open: dict[str, tuple[datetime, datetime, str, str]] = {}
        self.problems: list[str] = []

    def see(self, at: datetime, wrong: Mapping[str, tuple[str, str]]) -> None:
        for vm in [v for v in self.open if v not in wrong]:
            self._close(vm)
        for vm, (state, want) in wrong.items():
            first, _, was, wanted = self.open.get(vm, (at, at, state, want))
            if (was, wanted) != (state, want):
                self._close(vm)
                first = at
            self.open[vm] = (first, at, state, want)

    def close(self) -> None:
        for vm in list(self.open):
            self._close(vm)

    def _close(self, vm: str) -> None:
        first, last, state, want = self.open.pop(vm)
        span = f"at {self.when(first)}"
        if last > first:
            span = f"from {self.when(first)} to {self.when(last + STEP)}"
        self.problems.append(f"{vm} was {state} {span} while its schedule wanted {want}")

    def when(self, at: datetime) -> str:
        return at.astimezone(self.zone).strftime("%a %Y-%m-%d %H:%M %Z")


class WeekWatch:
    """What both weeks (in process and hosted) keep between ticks, and the look after each:
    the result, the wanted states, VMs out of place, and the last power states read."""

    def __init__(self, plan: Plan, start: datetime, end: datetime, log: RequestLog) -> None:
        self.plan = plan
        self.zone = week_zone(plan)
        self.result = WeekResult(start, end, self.zone.key)
        self.members = {g.name: [vm.name.lower() for vm in g.vms] for g in plan.groups}
        _groups(self.result, plan, start, end)
        self.wants_at = Wants(plan)
        self.misplaced = Misplaced(self.zone)
        self.log = log
        self.first_request = log.mark()
        self.seen: dict[str, Seen] = {}
        self.observed_at = 0
        self.last_wanted: dict[str, str] = {}

    async def observe(self, session: AzureSession) -> None:
        self.seen = await power_states(session, self.plan.resource_group)
        self.observed_at = self.log.mark()
        self.result.observations += 1

    def settle(
        self, at: datetime, wants: Mapping[str, str | None], protected: Mapping[str, str]
    ) -> None:
        """After the tick at `at`: which VMs are not where they are wanted, and the hours."""
        seen = self.seen
        wrong = {
            vm: (seen[vm].power if vm in seen else "missing", want)
            for group, want in wants.items()
            if want is not None
            for vm in self.members[group]
            if vm not in protected and (vm not in seen or seen[vm].power != want)
        }
        self.misplaced.see(at, wrong)
        _tally(self.result, self.members, seen, wants, self.last_wanted, at)

    def midnight(self, at: datetime, end: datetime) -> bool:
        """Whether `at` (the next tick) begins a new local day of the week: time for a line."""
        return at < end and at.astimezone(self.zone).time() == time(0, 0)

    def finish(self) -> WeekResult:
        self.misplaced.close()
        self.result.problems += self.misplaced.problems
        self.result.requests = self.log.mark() - self.first_request
        return self.result


async def simulate_week(
    session: AzureSession,
    plan: Plan,
    start: datetime,
    end: datetime,
    log: RequestLog,
    progress: Callable[[str], None] = lambda _: None,
    *,
    deadline: float = TICK_DEADLINE,
    ledger: Recorder | None = None,
) -> WeekResult:
    watch = WeekWatch(plan, start, end, log)
    result = watch.result
    await watch.observe(session)
    quiet: TickInputs | None = None
    at = start
    while at < end:
        result.ticks += 1
        wants, reasons = watch.wants_at.at(at)
        if log.writes_since(watch.observed_at):
            await watch.observe(session)
        seen = watch.seen
        protected = overrides(seen, at)
        inputs = tick_inputs(wants, seen, protected)
        if inputs != quiet:
            result.ticks_run += 1
            mark = log.mark()
            report = await ticking.enforce(
                session,
                plan,
                wants,
                reasons,
                at,
                deadline_seconds=deadline,
                poll_interval=0.01,
                retry_delay=0.05,
                ledger=ledger,
            )
            actions = log.actions_since(mark)
            stamp = watch.misplaced.when(at)
            found = action_problems(plan, wants, seen, protected, actions)
            found += order_problems(plan, actions)
            found += [
                f"{r.vm}: {r.result}" + (f" ({r.detail})" if r.detail else "")
                for r in report.results.values()
                if r.result in ("failed", "blocked")
            ]
            result.problems += [f"{stamp}: {p}" for p in found]
            if log.writes_since(mark):
                result.ticks_acted += 1
                await watch.observe(session)
            else:
                quiet = inputs
        watch.settle(at, wants, protected)
        at += STEP
        if watch.midnight(at, end):
            progress(
                f"simulated up to {watch.misplaced.when(at)}, {result.ticks_acted} tick(s) acted"
            )
    return watch.finish()


def _groups(result: WeekResult, plan: Plan, start: datetime, end: datetime) -> None:
    hours = (end - start) / HOUR
    monday = start.astimezone(week_zone(plan)).date()
    for group in plan.groups:
        week = GroupWeek(group.name, len(group.vms), hours, group.schedule)
        schedule = plan.schedule(group.schedule) if group.schedule else None
        # The forecast covers the schedule's own local week: comparable when the zones agree.
        if schedule is not None and schedule.timezone == result.zone:
            week.scheduled_hours = week_figures(from_plan(schedule), monday).running_hours
        result.groups[group.name] = week


def _tally(
    result: WeekResult,
    members: Mapping[str, list[str]],
    seen: Mapping[str, Seen],
    wants: Mapping[str, str | None],
    last: dict[str, str],
    at: datetime,
) -> None:
    for group, vms in members.items():
        running = sum(1 for vm in vms if vm in seen and seen[vm].power == PowerState.RUNNING)
        week = result.groups[group]
        week.vm_ticks += running
        if running:
            week.running_ticks += 1
            week.ran(at)
        want = wants.get(group)
        if want is not None:
            # A change of what the schedule wants, across any stretch without a desired state.
            if last.get(group, want) != want:
                week.transitions += 1
            last[group] = want
