"""Fixtures of the reliability tests; the helpers themselves are in support.py.

`make soak` runs the tests marked `soak`; AZLAB_SOAK_RUNS sets how many runs
each makes (default 50). Figures (runs, failures, retries, time lost, data
lost) are printed at the end of the session and, with AZLAB_RELIABILITY_FIGURES
set to a path, written there as JSON.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from azlab.sandbox.runner import Sandbox
from tests.reliability.support import FIGURES, FaultCount, Figures, Zygote, count_faults


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A command line `-m` replaces the default `-m 'not soak'` (make test-fast passes
    `-m "not slow"`): soak tests still run only when the expression names them."""
    if "soak" in (config.option.markexpr or ""):
        return
    kept = [i for i in items if i.get_closest_marker("soak") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    z = Zygote(tmp_path_factory.mktemp("azlab-runs"))
    yield z
    z.close()


@pytest.fixture
def faults_seen(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> FaultCount:
    return count_faults(sandbox, monkeypatch)


@pytest.fixture
def figures() -> Figures:
    return FIGURES


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES.rows:
        return
    terminalreporter.section("reliability figures")
    terminalreporter.write_line(
        f"{'test':<34} {'runs':>5} {'fail':>5} {'retries':>8} {'seconds':>9} {'lost s':>8} {'data lost':>9}"
    )
    for row in FIGURES.rows.values():
        terminalreporter.write_line(
            f"{row.test:<34} {row.runs:>5} {row.failures:>5} {row.retries:>8} "
            f"{row.seconds:>9.1f} {row.time_lost:>8.1f} {row.data_lost:>9}"
            + (f"  {json.dumps(row.detail, default=str)}" if row.detail else "")
        )
    target = os.environ.get("AZLAB_RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(
            json.dumps([asdict(r) for r in FIGURES.rows.values()], indent=2) + "\n"
        )
