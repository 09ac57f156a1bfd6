"""The text forms of sandbox settings: durations and `NAME=VALUE[@KIND],...` fault specs.

ARM faults (`settings.py`) and storage faults (`storage/gateway_settings.py`)
share one spelling, so one parser reads both; each says what its names mean.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from azlab.errors import UsageError

_DURATION = re.compile(r"^([0-9]*\.?[0-9]+)(ms|s|m)?$")
F = TypeVar("F")


def parse_seconds(text: str | float | int) -> float:
    """`20ms`, `2s`, `1.5`, `1m` -> seconds."""
    if isinstance(text, int | float):
        return float(text)
    match = _DURATION.match(text.strip())
    if not match:
        raise UsageError(f"{text!r} is not a duration such as 20ms, 2s or 1m")
    value, unit = float(match.group(1)), match.group(2) or "s"
    return value / 1000 if unit == "ms" else value * 60 if unit == "m" else value


@dataclass(frozen=True)
class FaultItem:
    """One `NAME=VALUE[@KIND]` of a spec."""

    text: str  # as written, for messages
    name: str
    value: str  # all after `=`
    rate: str  # the value before `@`
    kind: str  # after `@`; `*` (every kind) when absent


def parse_fault_spec(
    spec: str, start: F, apply: Callable[[F, FaultItem], F], *, what: str = "fault"
) -> F:
    """Fold each item of `spec` into `start` with `apply`.

    A `ValueError` from `apply` (a rate that is not a number) becomes a usage
    error naming the item, in the words `what` gives.
    """
    faults = start
    if not spec.strip():
        return faults
    for part in spec.split(","):
        name, _, value = part.strip().partition("=")
        if not value:
            raise UsageError(f"{what} {part!r}: write NAME=VALUE")
        rate, _, kind = value.partition("@")
        try:
            faults = apply(faults, FaultItem(part.strip(), name, value, rate, kind or "*"))
        except UsageError:
            raise
        except ValueError:
            raise UsageError(f"{what} {part!r}: {rate!r} is not a number") from None
    return faults
