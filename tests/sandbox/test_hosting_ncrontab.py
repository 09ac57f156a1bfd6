"""NCRONTAB schedules of timer triggers: six fields with seconds, occurrences between two instants."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from azlab.sandbox.hosting.ncrontab import BadSchedule, Ncrontab


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")


def test_every_five_minutes_on_the_second_zero() -> None:
    schedule = Ncrontab.parse("0 */5 * * * *")
    found = [iso(t) for t in schedule.between(at("2026-11-24T02:03:10"), at("2026-11-24T02:20:00"))]
    # (after, until]: the instant `until` itself is an occurrence and counts.
    assert found == [
        "2026-11-24T02:05:00",
        "2026-11-24T02:10:00",
        "2026-11-24T02:15:00",
        "2026-11-24T02:20:00",
    ]
    assert list(schedule.between(at("2026-11-24T02:05:00"), at("2026-11-24T02:09:59"))) == []


def test_ranges_lists_names_and_weekdays() -> None:
    # 30 s past 08:00 and 17:00, Monday to Friday; 2026-11-27 is a Friday.
    schedule = Ncrontab.parse("30 0 8,17 * * MON-FRI")
    found = [iso(t) for t in schedule.between(at("2026-11-27T12:00:00"), at("2026-11-30T09:00:00"))]
    assert found == ["2026-11-27T17:00:30", "2026-11-30T08:00:30"]
    sundays = Ncrontab.parse("0 0 12 * * 7")  # 7 is Sunday too
    assert iso(sundays.next_after(at("2026-11-27T00:00:00")) or 0) == "2026-11-29T12:00:00"


def test_day_and_weekday_must_both_match() -> None:
    # The 13th only when it is a Friday: November 2026 has one.
    schedule = Ncrontab.parse("0 0 0 13 * FRI")
    assert iso(schedule.next_after(at("2026-01-01T00:00:00")) or 0) == "2026-02-13T00:00:00"


def test_a_schedule_that_never_matches_gives_none() -> None:
    assert Ncrontab.parse("0 0 0 30 FEB *").next_after(at("2026-01-01T00:00:00")) is None


@pytest.mark.parametrize(
    ("expression", "says"),
    [
        ("*/5 * * * *", "has 5 fields"),
        ("0 61 * * * *", "minute field"),
        ("0 */0 * * * *", "bad step"),
        ("0 0 x * * *", "not a number"),
    ],
)
def test_bad_schedules_are_refused_with_the_field(expression: str, says: str) -> None:
    with pytest.raises(BadSchedule, match=says):
        Ncrontab.parse(expression)
