"""How many requests a blob copy keeps in flight: cut on throttling, grow when quiet.

Multiplicative decrease on a 503 or 500 (the service's throttling signals),
additive increase after a quiet spell, and a hold while a Retry-After runs.
Time is passed in so the rules are tested without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Pacer:
    limit: float = 16.0
    ceiling: int = 16
    floor: int = 1
    cut: float = 0.65
    quiet_seconds: float = 1.0
    _last_change: float = 0.0
    hold_until: float = 0.0
    throttled: int = 0

    @property
    def window(self) -> int:
        return max(self.floor, min(self.ceiling, int(self.limit)))

    def on_throttle(self, now: float, retry_after: float | None = None) -> None:
        self.throttled += 1
        # One cut per quiet spell: a burst of 503s from requests already in flight is one signal.
        if now - self._last_change >= self.quiet_seconds / 4:
            self.limit = max(float(self.floor), self.limit * self.cut)
            self._last_change = now
        if retry_after:
            self.hold_until = max(self.hold_until, now + retry_after)

    def on_success(self, now: float) -> None:
        if now - self._last_change >= self.quiet_seconds and self.limit < self.ceiling:
            self.limit = min(float(self.ceiling), self.limit + 1)
            self._last_change = now

    def wait_time(self, now: float) -> float:
        return max(0.0, self.hold_until - now)
