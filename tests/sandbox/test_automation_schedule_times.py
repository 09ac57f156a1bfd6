"""When an Automation schedule fires: plain data, no server."""

from __future__ import annotations

from datetime import datetime, timezone

from azlab.sandbox.arm.automation_runbooks import NEVER, next_run, next_runs


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def schedule(frequency: str, start: str, interval: int = 1, **extra: object) -> dict[str, object]:
    props = {
        "startTime": f"{start}+00:00",
        "expiryTime": NEVER,
        "frequency": frequency,
        "interval": interval,
        "isEnabled": True,
        **extra,
    }
    return {"properties": props}


def test_before_its_start_a_schedule_fires_at_its_start() -> None:
    assert next_run(schedule("Hour", "2026-03-02T08:30:00"), at("2026-03-01T00:00:00")) == at(
        "2026-03-02T08:30:00"
    )


def test_recurrences_step_by_interval_from_the_start() -> None:
    every_two_hours = schedule("Hour", "2026-03-02T08:30:00", 2)
    assert next_run(every_two_hours, at("2026-03-02T09:00:00")) == at("2026-03-02T10:30:00")
    assert next_run(every_two_hours, at("2026-03-02T10:30:00")) == at("2026-03-02T10:30:00")
    daily = schedule("Day", "2026-03-02T19:00:00")
    assert next_runs(daily, at("2026-03-02T19:00:01"), 2) == [
        at("2026-03-03T19:00:00"),
        at("2026-03-04T19:00:00"),
    ]
    weekly = schedule("Week", "2026-03-02T07:00:00")
    assert next_run(weekly, at("2026-03-03T00:00:00")) == at("2026-03-09T07:00:00")


def test_months_keep_the_day_or_take_the_months_last() -> None:
    monthly = schedule("Month", "2026-01-31T06:00:00")
    assert next_runs(monthly, at("2026-02-01T00:00:00"), 3) == [
        at("2026-02-28T06:00:00"),
        at("2026-03-31T06:00:00"),
        at("2026-04-30T06:00:00"),
    ]


def test_one_time_expired_and_disabled_schedules_end() -> None:
    once = schedule("OneTime", "2026-03-02T08:00:00")
    assert next_runs(once, at("2026-03-01T00:00:00"), 3) == [at("2026-03-02T08:00:00")]
    assert next_run(once, at("2026-03-02T08:00:01")) is None
    ending = schedule("Hour", "2026-03-02T08:00:00", expiryTime="2026-03-02T10:30:00+00:00")
    assert next_runs(ending, at("2026-03-02T08:00:00"), 9) == [
        at("2026-03-02T08:00:00"),
        at("2026-03-02T09:00:00"),
        at("2026-03-02T10:00:00"),
    ]
    off = schedule("Hour", "2026-03-02T08:00:00", isEnabled=False)
    assert next_run(off, at("2026-03-01T00:00:00")) is None
