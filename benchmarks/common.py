"""Helpers every benchmark shares: medians with their spread, progress notes, peak memory."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
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


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user and system) of this process, or of another one on this machine."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    # Fields 14 and 15 of /proc/PID/stat, after the command name in parentheses.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_env(**extra: str) -> dict[str, str]:
    """This process's environment for a child that imports `benchmarks`, wherever it starts."""
    env = {**os.environ, **extra}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env
