"""Schedule semantics across DST in several zones, skip dates, enforce windows, missed ticks."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azlab.power_state import PowerState
from azlab.schedule.desired import desired_state
from azlab.schedule.events import events_between, resolve_local
from azlab.schedule.forecast import next_transitions, week_figures
from azlab.schedule.model import Rule, Schedule, parse_days
from azlab.schedule.overrides import hold_value, override

UTC = timezone.utc
WEEKDAYS = parse_days("weekdays")
DAILY = parse_days("daily")


def office(
    zone: str, *, enforce: timedelta | None = None, skip: frozenset[date] = frozenset()
) -> Schedule:
    return Schedule(
        "office",
        zone,
        (Rule("start", time(8, 0), WEEKDAYS), Rule("stop", time(18, 0), DAILY)),
        enforce,
        skip,
    )


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        # 2026-03-08: Los Angeles jumps 02:00 PST -> 03:00 PDT; 02:30 fires at 03:00 PDT = 10:00 UTC.
        ("America/Los_Angeles", date(2026, 3, 8), datetime(2026, 3, 8, 10, 0, tzinfo=UTC)),
        # 2026-03-29: London jumps 01:00 GMT -> 02:00 BST; 01:30 fires at 02:00 BST = 01:00 UTC.
        ("Europe/London", date(2026, 3, 29), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # 2026-10-04: Sydney jumps 02:00 AEST -> 03:00 AEDT; 02:30 fires at 03:00 AEDT = 16:00 UTC the day before.
        ("Australia/Sydney", date(2026, 10, 4), datetime(2026, 10, 3, 16, 0, tzinfo=UTC)),
    ],
)
def test_time_in_the_spring_gap_fires_at_the_first_instant_after_it(
    zone: str, day: date, expected_utc: datetime
) -> None:
    wall = time(2, 30) if zone != "Europe/London" else time(1, 30)
    assert resolve_local(datetime.combine(day, wall), ZoneInfo(zone)) == expected_utc


@pytest.mark.parametrize(
    ("zone", "day", "wall", "first_utc"),
    [
        # 2026-11-01: Los Angeles 01:30 happens at 08:30 UTC (PDT) and 09:30 UTC (PST): the first.
        (
            "America/Los_Angeles",
            date(2026, 11, 1),
            time(1, 30),
            datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
        ),
        # 2026-10-25: London 01:30 happens at 00:30 UTC (BST) and 01:30 UTC (GMT): the first.
        (
            "Europe/London",
            date(2026, 10, 25),
            time(1, 30),
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        ),
        # 2026-04-05: Sydney 02:30 happens at 15:30 UTC (AEDT) and 16:30 UTC (AEST) on 04-04: the first.
        (
            "Australia/Sydney",
            date(2026, 4, 5),
            time(2, 30),
            datetime(2026, 4, 4, 15, 30, tzinfo=UTC),
        ),
    ],
)
def test_time_that_happens_twice_fires_once_at_its_first_occurrence(
    zone: str, day: date, wall: time, first_utc: datetime
) -> None:
    schedule = Schedule("s", zone, (Rule("stop", wall, DAILY),))
    events = events_between(
        schedule, first_utc - timedelta(hours=3), first_utc + timedelta(hours=3)
    )
    assert [e.at for e in events] == [first_utc]


def test_kolkata_has_no_dst_and_half_hour_offset() -> None:
    events = events_between(
        office("Asia/Kolkata"),
        local("Asia/Kolkata", 2026, 11, 23),
        local("Asia/Kolkata", 2026, 11, 24),
    )
    assert [e.at for e in events] == [
        datetime(2026, 11, 23, 2, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
    ]


def test_desired_state_is_the_latest_event_and_catches_up_missed_ticks() -> None:
    zone = "America/Los_Angeles"
    schedule = office(zone)
    monday_0805 = local(zone, 2026, 11, 23, 8, 5)
    assert desired_state(schedule, monday_0805).power == PowerState.RUNNING
    # A tick missed at 18:00 is caught up at 23:40, and on Saturday too.
    assert (
        desired_state(schedule, local(zone, 2026, 11, 23, 23, 40)).power == PowerState.DEALLOCATED
    )
    assert desired_state(schedule, local(zone, 2026, 11, 28, 12, 0)).power == PowerState.DEALLOCATED
    # Exactly at the event, its kind holds.
    assert desired_state(schedule, local(zone, 2026, 11, 23, 18, 0)).power == PowerState.DEALLOCATED


def test_enforce_window_leaves_a_vm_started_by_hand_alone() -> None:
    zone = "Europe/London"
    schedule = office(zone, enforce=timedelta(hours=2))
    assert (
        desired_state(schedule, local(zone, 2026, 11, 23, 19, 30)).power == PowerState.DEALLOCATED
    )
    late = desired_state(schedule, local(zone, 2026, 11, 23, 21, 0))
    assert late.power is None and "enforce window" in late.reason


def test_skip_dates_cancel_starts_only() -> None:
    zone = "America/Los_Angeles"
    schedule = office(zone, skip=frozenset({date(2026, 12, 24), date(2026, 12, 25)}))
    assert desired_state(schedule, local(zone, 2026, 12, 24, 10, 0)).power == PowerState.DEALLOCATED
    assert desired_state(schedule, local(zone, 2026, 12, 23, 10, 0)).power == PowerState.RUNNING
    kinds = [
        e.kind
        for e in events_between(schedule, local(zone, 2026, 12, 24), local(zone, 2026, 12, 26))
    ]
    assert kinds == ["stop", "stop"]


def test_no_schedule_or_no_recent_event_means_no_desired_state() -> None:
    assert desired_state(None, datetime(2026, 1, 1, tzinfo=UTC)).power is None
    # Starts on Mondays only, and the one Monday in the last eight days is skipped.
    rare = Schedule(
        "rare",
        "UTC",
        (Rule("start", time(8), frozenset({0})),),
        None,
        frozenset({date(2026, 11, 23)}),
    )
    assert desired_state(rare, datetime(2026, 11, 25, 8, tzinfo=UTC)).power is None


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
    st.sampled_from(["America/Los_Angeles", "Europe/London", "Australia/Sydney", "Asia/Kolkata"]),
)
def test_desired_state_never_changes_between_consecutive_events(
    moment: datetime, zone: str
) -> None:
    schedule = office(zone)
    now = moment.replace(tzinfo=UTC)
    state = desired_state(schedule, now).power
    following = events_between(schedule, now + timedelta(seconds=1), now + timedelta(days=3))
    if following:
        just_before = following[0].at - timedelta(seconds=1)
        if just_before > now:
            assert desired_state(schedule, just_before).power == state
        assert desired_state(schedule, following[0].at).power == (
            PowerState.RUNNING if following[0].kind == "start" else PowerState.DEALLOCATED
        )


@given(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31)),
    st.sampled_from(["America/Los_Angeles", "Europe/London", "Australia/Sydney"]),
)
def test_every_local_day_has_each_rule_once(day: date, zone: str) -> None:
    schedule = Schedule(
        "s", zone, (Rule("stop", time(1, 30), DAILY), Rule("start", time(2, 30), DAILY))
    )
    start = datetime.combine(day, time(0)).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    events = [
        e
        for e in events_between(schedule, start - timedelta(days=1), start + timedelta(days=2))
        if e.local.date() == day
    ]
    assert sorted(e.kind for e in events) == ["start", "stop"]


def test_weekly_running_hours_and_savings() -> None:
    week = week_figures(office("Europe/London"), date(2026, 11, 23))
    assert week.hours == 168
    assert week.running_hours == 50  # five days of 08:00-18:00
    assert round(week.saved_share, 3) == 0.702


def test_week_with_a_dst_change_has_its_real_length() -> None:
    # The week of 2026-03-02 (Mon) .. 03-09 contains the 03-08 spring forward in Los Angeles.
    week = week_figures(office("America/Los_Angeles"), date(2026, 3, 2))
    assert week.hours == 167
    assert week.running_hours == 50


def test_next_transitions_list_only_changes() -> None:
    zone = "America/Los_Angeles"
    # Friday evening to Monday evening: the weekend's stops change nothing.
    changes = next_transitions(office(zone), local(zone, 2026, 11, 27, 19, 0), days=3)
    assert [(e.kind, e.local) for e in changes] == [
        ("start", datetime(2026, 11, 30, 8, 0)),
        ("stop", datetime(2026, 11, 30, 18, 0)),
    ]


def test_exclude_and_hold_tags() -> None:
    now = datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert override({"azlab-exclude": "true"}, now) is not None
    assert override({"azlab-hold-until": hold_value(now + timedelta(hours=3))}, now) is not None
    assert override({"azlab-hold-until": hold_value(now - timedelta(minutes=1))}, now) is None
    assert override({"azlab-hold-until": "tomorrow"}, now) is None
    assert override({}, now) is None


def test_holiday_calendars_cancel_starts_and_name_the_holiday() -> None:
    from dataclasses import replace

    from azlab.schedule.events import skip_reason, skipped_days

    zone = "America/Los_Angeles"
    schedule = replace(office(zone, skip=frozenset({date(2026, 12, 24)})), holidays=("US-CA",))
    # Thanksgiving (Thu 26 Nov 2026) and the day after, a California state holiday.
    assert desired_state(schedule, local(zone, 2026, 11, 26, 10, 0)).power == PowerState.DEALLOCATED
    assert desired_state(schedule, local(zone, 2026, 11, 27, 10, 0)).power == PowerState.DEALLOCATED
    assert desired_state(schedule, local(zone, 2026, 11, 25, 10, 0)).power == PowerState.RUNNING
    assert skip_reason(schedule, date(2026, 11, 26)) == "Thanksgiving Day (US-CA)"
    assert skip_reason(schedule, date(2026, 12, 24)) == "skip date"
    days = skipped_days(schedule, date(2026, 12, 20), date(2026, 12, 31))
    # Weekdays only (the start rule's days): the 24th by date, the 25th by calendar.
    assert [(d.isoformat(), r) for d, r in days] == [
        ("2026-12-24", "skip date"),
        ("2026-12-25", "Christmas Day (US-CA)"),
    ]
    # A subdivision's own holiday: Cesar Chavez Day is California's, not the nation's.
    national = replace(schedule, holidays=("US",))
    assert skip_reason(schedule, date(2026, 3, 31)) == "Cesar Chavez Day (US-CA)"
    assert skip_reason(national, date(2026, 3, 31)) is None


def test_plan_skip_accepts_dates_and_calendars_in_either_form() -> None:
    from azlab.plan.model import Schedule as PlanSchedule
    from azlab.schedule.model import from_plan

    listed = PlanSchedule.model_validate(
        {"name": "o", "timezone": "UTC", "skip": [date(2026, 12, 24), {"holidays": "US-CA"}]}
    )
    mapped = PlanSchedule.model_validate(
        {"name": "o", "timezone": "UTC", "skip": {"dates": ["2026-12-24"], "holidays": ["US-CA"]}}
    )
    for plan_schedule in (listed, mapped):
        model = from_plan(plan_schedule)
        assert model.skip == frozenset({date(2026, 12, 24)})
        assert model.holidays == ("US-CA",)
