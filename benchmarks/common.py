"""Helpers every benchmark shares: medians with their spread, progress notes, peak memory."""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections.abc import Sequence
from typing import Any

_STARTED = time.monotonic()


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Median, best and worst of repeated runs, with the runs themselves."""
    runs = [float(v) for v in values]
    return {
        "median": statistics.median(runs),
        "min": min(runs),
        "max": max(runs),
        "runs": runs,
    }


def spread(values: Sequence[float], digits: int = 2) -> str:
    return ", ".join(f"{v:.{digits}f}" for v in values)


def note(message: str) -> None:
    """A progress line on stderr, so long benchmarks show they are alive."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
