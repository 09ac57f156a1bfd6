"""Folding the ledger, forecasting the month, and the budget's decision: plain data, given now."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from azlab.money.budget import Flags, decide, flags
from azlab.money.costs import month_cost
from azlab.money.ledger import Entry, parse_lines
from azlab.money.meters import VmMeter
from azlab.money.pricing import PlanPrices, VmPrice
from azlab.money.usage import fold
from azlab.plan.model import Plan

UTC = timezone.utc
T0 = datetime(2026, 11, 2, 0, 0, tzinfo=UTC)  # a Monday


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def seen(hours: float, vm: str, power: str, kind: str = "seen") -> Entry:
    return Entry(at(hours), "tick", kind, vm, "g", power)


def test_state_holds_until_the_next_entry_and_stopped_still_bills() -> None:
    entries = [
        seen(-5, "a", "running"),  # before the span: the state it begins in
        seen(2, "a", "deallocated", "power"),
        seen(4, "a", "starting"),
        seen(5, "a", "stopped"),  # stopped, not deallocated: compute is still billed
        seen(7, "a", "deallocated"),
        seen(3, "b", "running"),
        Entry(at(6), "destroy", "gone"),
    ]
    usage = fold(entries, ["a", "B"], at(0), at(10))
    assert usage["a"].billed_hours == pytest.approx(2 + 2)
    assert usage["a"].present_hours == pytest.approx(6 + 3)  # seen again after the destroy
    assert usage["b"].billed_hours == pytest.approx(3)
    assert usage["b"].present_hours == pytest.approx(3)
    assert not usage["b"].present_now


def test_equal_times_keep_their_order_seen_then_power() -> None:
    entries = [seen(1, "a", "running"), seen(1, "a", "deallocated", "power")]
    assert fold(entries, ["a"], at(0), at(3))["a"].billed_hours == 0


def test_a_torn_line_is_skipped() -> None:
    good = seen(1, "a", "running").line()
    assert len(parse_lines(good + '{"at": "2026-11-0' + "\n" + good)) == 2


def lab(budget: dict[str, Any] | None = None, priorities: tuple[int, int] = (0, 0)) -> Plan:
    def vm(name: str) -> dict[str, Any]:
        return {"name": name, "size": "s", "os": "linux", "image": "a:b:c:d", "subnet": "n/s",
                "admin": {"username": "u"}}  # fmt: skip

    return Plan.model_validate(
        {
            "version": 1,
            "name": "p",
            "subscription": "s",
            "resource_group": "rg",
            "location": "westus2",
            "budget": budget,
            "schedules": [
                {
                    "name": "office",
                    "timezone": "UTC",
                    "start": [{"at": "08:00", "days": "weekdays"}],
                    "stop": [{"at": "18:00"}],
                }
            ],
            "groups": [
                {"name": "core", "schedule": "office", "priority": priorities[0], "vms": [vm("a")]},
                {
                    "name": "apps",
                    "schedule": "office",
                    "priority": priorities[1],
                    "depends_on": ["core"],
                    "vms": [vm("b")],
                },
            ],
        }
    )


PRICES = PlanPrices(
    "USD",
    {
        "a": VmPrice("a", "core", VmMeter("s", "westus2"), 1.0, 73.0, 0.0),  # fixed 0.1/h
        "b": VmPrice("b", "apps", VmMeter("s", "westus2"), 2.0, 0.0, 0.0),
    },
)


def test_month_to_date_and_forecast_from_the_schedule() -> None:
    plan = lab()
    entries = [seen(8, "a", "running"), seen(8, "b", "running"), seen(18, "a", "deallocated"),
               seen(18, "b", "deallocated")]  # fmt: skip
    now = at(24 + 8)  # Tuesday 08:00, not yet started
    cost = month_cost(plan, PRICES, entries, "2026-11", now)
    a, b = cost.vms
    assert a.running_hours == 10 and a.compute == 10 and a.fixed == pytest.approx(0.1 * 24)
    assert b.compute == 20
    # November 3 to 30: 20 weekdays of 10 hours (Tue 3rd .. Mon 30th), from Tue 08:00.
    assert a.forecast_running_hours == pytest.approx(200)
    hours_left = (datetime(2026, 12, 1, tzinfo=UTC) - now).total_seconds() / 3600
    assert a.forecast_fixed == pytest.approx(0.1 * hours_left)
    assert cost.month_end == pytest.approx(10 + 2.4 + 200 + 0.1 * hours_left + 20 + 400)
    stopped = month_cost(plan, PRICES, entries, "2026-11", now, stopped_groups={"apps": True})
    assert stopped.vms[1].forecast_compute == 0


def test_warnings_fire_once_per_threshold() -> None:
    plan = lab({"monthly": 500, "warn_at": ["50%", 0.8]})
    cost = month_cost(plan, PRICES, [seen(8, "a", "running")], "2026-11", at(9))
    first = decide(plan, plan.budget, cost, Flags())  # type: ignore[arg-type]
    assert first.crossed == (0.5,) and first.warn == (0.5,) and not first.stop
    warned = flags([Entry(at(9), "budget", "budget-warn", detail="0.5000")], T0)
    assert decide(plan, plan.budget, cost, warned).warn == ()  # type: ignore[arg-type]


def test_at_the_limit_everything_stops_until_released() -> None:
    plan = lab({"monthly": 20})
    entries = [seen(0, "a", "running"), seen(0, "b", "running")]
    below = month_cost(plan, PRICES, entries, "2026-11", at(6))  # 18 + 0.6 spent
    assert not decide(plan, plan.budget, below, Flags()).stop  # type: ignore[arg-type]
    over = month_cost(plan, PRICES, entries, "2026-11", at(7))  # 21 + 0.7
    assert decide(plan, plan.budget, over, Flags()).stop  # type: ignore[arg-type]
    released = flags([Entry(at(6.5), "budget", "budget-stop"),
                      Entry(at(6.8), "budget", "budget-release")], T0)  # fmt: skip
    assert not decide(plan, plan.budget, over, released).stop  # type: ignore[arg-type]
    # A stop recorded stays in force though a cheaper price list would put spend under.
    stopped = flags([Entry(at(6.5), "budget", "budget-stop")], T0)
    assert decide(plan, plan.budget, below, stopped).stop  # type: ignore[arg-type]


def test_shedding_stops_the_lowest_priority_first_and_what_depends_on_it() -> None:
    entries = [seen(0, "a", "deallocated"), seen(0, "b", "deallocated")]
    # Forecast: a runs 210 h at 1 (210) + fixed 69.6; b 210 h at 2 (420): over 650.
    plan = lab({"monthly": 650, "at_limit": "shed"}, priorities=(5, 1))
    cost = month_cost(plan, PRICES, entries, "2026-11", at(1))
    assert decide(plan, plan.budget, cost, Flags()).shed == ("apps",)  # type: ignore[arg-type]
    plan = lab({"monthly": 100, "at_limit": "shed"}, priorities=(0, 9))
    decision = decide(plan, plan.budget, cost, Flags())  # type: ignore[arg-type]
    assert set(decision.shed) == {"core", "apps"}  # apps needs core
