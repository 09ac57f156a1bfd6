"""Level-triggered desired state: the kind of the latest event at or before an instant.

With `enforce: <duration>` the state is enforced only within that long after
the event, so a VM started by hand in the evening is left alone, while a
missed or failed tick is still caught up inside the window. With no event in
the last 8 days, or no schedule, there is no desired state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from azlab.power_state import PowerState
from azlab.schedule.events import Event, events_between
from azlab.schedule.model import Schedule

LOOKBACK = timedelta(days=8)


@dataclass(frozen=True)
class DesiredState:
    power: str | None  # running, deallocated, or None: leave alone
    event: Event | None
    reason: str


def desired_state(schedule: Schedule | None, now: datetime) -> DesiredState:
    if schedule is None:
        return DesiredState(None, None, "no schedule")
    events = events_between(schedule, now - LOOKBACK, now)
    if not events:
        return DesiredState(None, None, "no event in the last 8 days")
    latest = events[-1]
    if schedule.enforce is not None and now - latest.at > schedule.enforce:
        return DesiredState(None, latest, f"outside the enforce window of the {latest.kind} event")
    power = PowerState.RUNNING if latest.kind == "start" else PowerState.DEALLOCATED
    return DesiredState(power, latest, f"{latest.kind} at {latest.local:%a %H:%M} local")
