"""`make soak` at heavier fault rates: 10% and 20% of answers failing, one kind at a time
(500s, 503s, dropped connections), on ARM for apply and tick and on ARM and storage for copy.

Each run must converge as in `test_faults.py` (apply: nothing left to change; tick: every
VM in the schedule's state; copy: byte for byte); the figures add the time lost per fault:
the run's time over the same run without faults, divided by the faults it met.
AZLAB_SOAK_RATE_RUNS sets the runs per case (default 5).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from tests.reliability.support import FaultCount, Figures
from tests.reliability.test_faults import (  # noqa: F401 - fixtures used by name
    apply_under_faults,
    copy_under_faults,
    lab,
    storage,
    ticks_under_faults,
)

RUNS = int(os.environ.get("AZLAB_SOAK_RATE_RUNS", "5"))
KINDS = {"500": "500={rate}", "503": "503={rate}", "dropped": "drop={rate}"}
RATES = (0.1, 0.2)
CASES = [
    pytest.param(kind, rate, run, id=f"{kind}-{int(rate * 100)}pct-run{run}")
    for kind in KINDS
    for rate in RATES
    for run in range(RUNS)
]


def _mix(kind: str, rate: float) -> tuple[str, str]:
    spec = KINDS[kind].format(rate=rate)
    return spec, spec


def _seed(base: int, kind: str, rate: float, run: int) -> int:
    return base + list(KINDS).index(kind) * 1000 + int(rate * 100) * 10 + run


def _label(command: str, kind: str, rate: float) -> str:
    return f"rate {command} {int(rate * 100)}% {kind}"


@pytest.mark.soak
@pytest.mark.parametrize(("kind", "rate", "run"), CASES)
def test_soak_apply_converges_at_heavy_fault_rates(
    kind: str,
    rate: float,
    run: int,
    sandbox: Sandbox,
    lab: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    seed = _seed(10000, kind, rate, run)
    label = _label("apply", kind, rate)
    apply_under_faults(seed, sandbox, lab, capsys, faults_seen, figures, label, _mix(kind, rate))


@pytest.mark.soak
@pytest.mark.parametrize(("kind", "rate", "run"), CASES)
def test_soak_tick_reaches_the_schedule_at_heavy_fault_rates(
    kind: str,
    rate: float,
    run: int,
    sandbox: Sandbox,
    lab: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    seed = _seed(20000, kind, rate, run)
    label = _label("tick", kind, rate)
    ticks_under_faults(seed, sandbox, lab, capsys, faults_seen, figures, label, _mix(kind, rate))


@pytest.mark.soak
@pytest.mark.parametrize(("kind", "rate", "run"), CASES)
def test_soak_copy_is_byte_identical_at_heavy_fault_rates(
    kind: str,
    rate: float,
    run: int,
    storage: Sandbox,  # noqa: F811
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    seed = _seed(30000, kind, rate, run)
    label = _label("copy", kind, rate)
    copy_under_faults(seed, storage, clients, capsys, faults_seen, figures, label, _mix(kind, rate))
