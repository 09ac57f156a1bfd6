"""What a tick tells people: warnings before stops, failures, hand starts, the budget. Pure,
but for `after_tick`, which sends and keeps what was sent.

- before_stop: a group with a VM running (and not held past it) whose scheduled
  stop is within a channel's lead; once per group and stop.
- failure: a VM that did not reach its state, with Azure's error code; once per
  VM, code and schedule window.
- deviation: a VM running while its schedule has it off, with no hold, that an
  earlier tick saw deallocated in this off window (so a stop still to come is
  not one); once per VM and window.
- budget: a warning threshold crossed, or groups stopped for the budget; once a month.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from azlab.money.budget import Decision
from azlab.notify.deliver import FIRST_WAIT, Delivery
from azlab.notify.message import Link, Message
from azlab.notify.send import send
from azlab.notify.sent import SentLog
from azlab.plan.model import Plan
from azlab.power.enforce import Result, VmResult
from azlab.power_state import PowerState, VmState
from azlab.schedule.desired import LOOKBACK
from azlab.schedule.events import events_between
from azlab.schedule.forecast import next_transitions
from azlab.schedule.model import from_plan
from azlab.schedule.overrides import override

log = logging.getLogger("azlab.notify")

_CODE = re.compile(r"\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+)\b")  # CamelCase: Azure's error codes
SnoozeLinks = Mapping[str, tuple[Link, ...]]  # group -> links for its warning


def azure_code(detail: str) -> str:
    found = _CODE.search(detail)
    return found.group(1) if found else "unknown"


def _local(at: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(zone)).strftime("%a %H:%M %Z")


def before_stop(
    plan: Plan, states: Mapping[str, VmState], now: datetime, links: SnoozeLinks | None = None
) -> list[Message]:
    lead = max((c.lead for c in plan.notify if "before_stop" in c.events), default=None)
    if lead is None:
        return []
    found = []
    for group in plan.groups:
        schedule = plan.schedule(group.schedule) if group.schedule else None
        if schedule is None:
            continue
        model = from_plan(schedule)
        stop = next((e for e in next_transitions(model, now, 1) if e.kind == "stop"), None)
        if stop is None or stop.at - now > lead or stop.at <= now:
            continue
        running = [
            vm.name
            for vm in group.vms
            if (s := states.get(vm.name.lower())) is not None
            and s.power == PowerState.RUNNING
            and override(s.tags, stop.at) is None
        ]
        if not running:
            continue
        minutes = round((stop.at - now).total_seconds() / 60)
        found.append(
            Message(
                "before_stop",
                plan.name,
                f"{group.name} stops in {minutes} min",
                f"Schedule {schedule.name} deallocates {', '.join(running)} at "
                f"{_local(stop.at, model.timezone)}. Save your work, or keep it running.",
                (("group", group.name), ("stops at", stop.at.isoformat(timespec="minutes"))),
                (links or {}).get(group.name, ()),
                key=f"before_stop|{group.name}|{stop.at.isoformat()}",
                due=stop.at,
                data={"group": group.name, "stop": stop.at.isoformat()},
            )
        )
    return found


def _window(plan: Plan, group_name: str, now: datetime) -> tuple[str, datetime] | None:
    """The kind and instant of the group's schedule's latest event."""
    group = next(g for g in plan.groups if g.name == group_name)
    schedule = plan.schedule(group.schedule) if group.schedule else None
    if schedule is None:
        return None
    events = events_between(from_plan(schedule), now - LOOKBACK, now)
    return (events[-1].kind, events[-1].at) if events else None


def failures(plan: Plan, results: Mapping[str, VmResult], now: datetime) -> list[Message]:
    found = []
    for r in results.values():
        if r.result is not Result.FAILED:
            continue
        code = azure_code(r.detail)
        window = _window(plan, r.group, now)
        since = window[1].isoformat() if window else now.isoformat()
        blocked = [b.vm for b in results.values() if b.result is Result.BLOCKED]
        text = f"{r.vm} did not become {r.want}: {r.detail or code}"
        if blocked:
            text += f". Left alone because of the failure: {', '.join(blocked)}"
        found.append(
            Message(
                "failure",
                plan.name,
                f"{r.vm} failed to become {r.want} ({code})",
                text,
                (("vm", r.vm), ("group", r.group), ("error code", code)),
                key=f"failure|{r.vm}|{r.want}|{code}|{since}",
                data={"vm": r.vm, "group": r.group, "code": code},
            )
        )
    return found


def deviations(
    plan: Plan, states: Mapping[str, VmState], seen: Mapping[str, str], now: datetime
) -> list[Message]:
    found = []
    for group, vm in plan.all_vms():
        state = states.get(vm.name.lower())
        if state is None or state.power != PowerState.RUNNING:
            continue
        window = _window(plan, group.name, now)
        if window is None or window[0] != "stop" or override(state.tags, now) is not None:
            continue
        if seen.get(vm.name) != PowerState.DEALLOCATED:
            continue  # not seen off in this window yet: the schedule's own stop is coming
        found.append(
            Message(
                "deviation",
                plan.name,
                f"{vm.name} is running outside its schedule",
                f"{vm.name} (group {group.name}) was started after the "
                f"{window[1]:%a %H:%M} UTC stop, with no hold. Hold it with "
                f"`azlab hold PLAN {vm.name} --for 2h` to keep it running.",
                (("vm", vm.name), ("group", group.name)),
                key=f"deviation|{vm.name}|{window[1].isoformat()}",
                data={"vm": vm.name, "group": group.name},
            )
        )
    return found


def budget(plan: Plan, decision: Decision, now: datetime) -> list[Message]:
    """Messages for a budget decision: thresholds crossed, groups stopped."""
    month = now.strftime("%Y-%m")
    found = []
    spent, forecast, monthly = decision.spent, decision.forecast, decision.monthly
    facts = (
        ("spent", f"{spent or 0:.2f} {plan.currency}"),
        ("forecast", f"{forecast or 0:.2f} {plan.currency}"),
        ("budget", f"{monthly:.2f} {plan.currency}"),
    )
    for share in decision.warn:
        found.append(
            Message(
                "budget",
                plan.name,
                f"{plan.name}: forecast at {share:.0%} of the monthly budget",
                f"The month-end forecast is {forecast or 0:.2f} {plan.currency} of {monthly:.2f}.",
                facts,
                key=f"budget|warn|{month}|{share}",
            )
        )
    stopped = "all groups" if decision.stop else ""
    shed = decision.shed
    if stopped or shed:
        what = stopped or ", ".join(shed)
        found.append(
            Message(
                "budget",
                plan.name,
                f"{plan.name}: {what} stopped for the budget",
                f"Spent {spent or 0:.2f} of {monthly:.2f} {plan.currency}; "
                "`azlab budget release` lets the schedules run again.",
                facts,
                key=f"budget|stop|{month}|{what}",
            )
        )
    return found


def remember_seen(
    log_: SentLog, states: Mapping[str, VmState], results: Mapping[str, VmResult]
) -> None:
    for state in states.values():
        log_.seen[state.name] = state.power
    for r in results.values():
        if r.result in (Result.DONE, Result.ALREADY):
            log_.seen[r.vm] = r.want


def with_snooze_links(
    plan: Plan, messages: list[Message], env: Mapping[str, str] | None = None
) -> list[Message]:
    """Warnings with "keep running" links, when AZLAB_SNOOZE_URL and AZLAB_SNOOZE_KEY are set;
    each link can be used until half an hour after the stop."""
    from azlab.power.snooze import LENGTHS, TITLES, link, new_token

    env = os.environ if env is None else env
    base, key = env.get("AZLAB_SNOOZE_URL"), env.get("AZLAB_SNOOZE_KEY", "")
    if not base or len(key) < 16:
        return messages
    found = []
    for message in messages:
        if message.due is None or message.links:
            found.append(message)
            continue
        group, expires = message.data["group"], message.due + timedelta(minutes=30)
        links = tuple(
            Link(TITLES[n], link(base, new_token(key.encode(), plan.name, group, n, expires)))
            for n in LENGTHS
        )
        found.append(replace(message, links=links))
    return found


async def after_tick(
    plan: Plan,
    states: Mapping[str, VmState],
    results: Mapping[str, VmResult],
    decision: Decision | None,
    now: datetime,
    *,
    links: SnoozeLinks | None = None,
    first_wait: float | None = None,
    extra: Sequence[Message] = (),
) -> list[Delivery]:
    """Send this tick's messages (and `extra`, e.g. failed guest hooks); a dead channel or an
    unwritable state file is logged."""
    sent = SentLog.load(plan.name)
    messages = [
        *with_snooze_links(plan, before_stop(plan, states, now, links)),
        *failures(plan, results, now),
        *deviations(plan, states, sent.seen, now),
        *(budget(plan, decision, now) if decision is not None else []),
        *extra,
    ]
    deliveries = await send(
        plan, messages, sent, now, first_wait=FIRST_WAIT if first_wait is None else first_wait
    )
    remember_seen(sent, states, results)
    try:
        sent.save(now)
    except OSError as exc:
        log.warning("could not keep what was sent in %s: %s", sent.path, exc)
    for d in deliveries:
        if not d.ok:
            log.warning("channel %s: %s not delivered: %s", d.channel, d.event, d.detail)
    return deliveries
