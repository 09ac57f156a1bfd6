"""Hours a VM will run from now to a moment, as its group's schedule says. Pure.

Level-triggered like the tick: between a start and the next stop the group
runs. Before the first event, and for a group without a schedule, the VM is
taken to stay as it is now.
"""

from __future__ import annotations

from datetime import datetime

from azlab.schedule.desired import LOOKBACK
from azlab.schedule.events import events_between
from azlab.schedule.model import Schedule


def running_seconds(
    schedule: Schedule | None, start: datetime, end: datetime, running_now: bool
) -> float:
    if end <= start:
        return 0.0
    if schedule is None:
        return (end - start).total_seconds() if running_now else 0.0
    before = [e for e in events_between(schedule, start - LOOKBACK, start) if e.at < start]
    running = before[-1].kind == "start" if before else running_now
    position, seconds = start, 0.0
    for event in events_between(schedule, start, end):
        if event.at >= end:
            break
        if running:
            seconds += (event.at - position).total_seconds()
        running, position = event.kind == "start", event.at
    if running:
        seconds += (end - position).total_seconds()
    return seconds
