"""Retry policies in tenacity's terms, for retries that something else carries out.

Most retries run under `tenacity.AsyncRetrying` where the call is made. Two are carried
out elsewhere with the same vocabulary: the storage SDK's own retry policy sleeps for
what a tenacity wait says (`azlab.copy.run.QuickRetry`), and the fan-out's queue makes a
failed message visible again after the wait and poisons it once the stop says so
(`azlab.power.worker`).
"""

from __future__ import annotations

from tenacity import RetryCallState, Retrying
from tenacity.stop import stop_base
from tenacity.wait import wait_base


def _after(attempts: int) -> RetryCallState:
    state = RetryCallState(Retrying(), None, (), {})
    state.attempt_number = max(1, attempts)
    return state


def wait_after(wait: wait_base, attempts: int) -> float:
    """How long `wait` pauses after `attempts` attempts have failed."""
    return float(wait(_after(attempts)))


def stops_after(stop: stop_base, attempts: int) -> bool:
    """Whether `stop` ends the retries once `attempts` attempts have failed."""
    return bool(stop(_after(attempts)))
