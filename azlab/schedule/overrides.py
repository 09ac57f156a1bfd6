"""Per-VM overrides by tag: `azlab-exclude=true` and `azlab-hold-until=<UTC ISO>`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

EXCLUDE_TAG = "azlab-exclude"
HOLD_TAG = "azlab-hold-until"


def override(tags: Mapping[str, str], now: datetime) -> str | None:
    """Why schedules must leave this VM alone now, or None."""
    if str(tags.get(EXCLUDE_TAG, "")).lower() == "true":
        return "excluded (azlab-exclude=true)"
    hold = tags.get(HOLD_TAG)
    if hold:
        try:
            until = datetime.fromisoformat(hold.replace("Z", "+00:00"))
        except ValueError:
            return None  # a malformed hold is ignored
        if until.tzinfo is None:
            until = until.replace(tzinfo=timezone.utc)
        if until > now:
            return f"held until {until:%Y-%m-%d %H:%M} UTC"
    return None


def hold_value(until: datetime) -> str:
    return until.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
