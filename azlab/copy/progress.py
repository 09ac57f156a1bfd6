"""Progress measured against the bytes that really have to move: the allocated ranges.

A 127 GiB disk holding 60 GiB of data is 60 GiB of work; the share shown is
copied / allocated, and the rate and ETA come from a moving average.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CopyProgress:
    total: int
    copied: int = 0
    started: float = 0.0
    _samples: list[tuple[float, int]] = field(default_factory=list)
    window_seconds: float = 5.0

    def add(self, now: float, nbytes: int) -> None:
        self.copied += nbytes
        self._samples.append((now, self.copied))
        while self._samples and now - self._samples[0][0] > self.window_seconds:
            self._samples.pop(0)

    @property
    def fraction(self) -> float:
        return 1.0 if self.total == 0 else min(1.0, self.copied / self.total)

    def rate(self, now: float) -> float:
        """Bytes per second over the recent window (or since the start)."""
        if len(self._samples) >= 2:
            (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
            if t1 > t0:
                return (b1 - b0) / (t1 - t0)
        elapsed = now - self.started
        return self.copied / elapsed if elapsed > 0 else 0.0

    def eta(self, now: float) -> float | None:
        rate = self.rate(now)
        if self.copied >= self.total:
            return 0.0
        return (self.total - self.copied) / rate if rate > 0 else None

    def as_event(self, now: float) -> dict[str, float | int | None]:
        eta = self.eta(now)
        return {
            "copied": self.copied,
            "total": self.total,
            "percent": round(100 * self.fraction, 2),
            "rate_bytes_per_s": round(self.rate(now), 1),
            "eta_s": None if eta is None else round(eta, 1),
        }
