"""Public holiday calendars a schedule skips, named as COUNTRY or COUNTRY-SUBDIVISION (US-CA).

The calendars come from the `holidays` package; each is built once per code and
grows by year as dates are asked about.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays as calendars

from azlab.plan.calendars import split_code


@lru_cache(maxsize=64)
def _calendar(code: str) -> calendars.HolidayBase:
    country, subdivision = split_code(code)
    return calendars.country_holidays(country, subdiv=subdivision)


def holiday_name(codes: tuple[str, ...], day: date) -> str | None:
    """The holiday `day` is in the first of `codes` that has one, as 'name (code)'."""
    for code in codes:
        name = _calendar(code).get(day)
        if name is not None:
            return f"{name} ({code})"
    return None
