"""Durations in plans: `30s`, `5m`, `2h`, `1d`."""

from __future__ import annotations

import re
from datetime import timedelta

PATTERN = r"^[0-9]+[smhd]$"
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str) or not re.match(PATTERN, value.strip()):
        raise ValueError(f"{value!r} is not a duration such as 30s, 5m, 2h or 1d")
    text = value.strip()
    return timedelta(**{_UNITS[text[-1]]: int(text[:-1])})


def format_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
