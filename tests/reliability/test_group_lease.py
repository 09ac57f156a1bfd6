"""A hand `up` racing a tick's stop ends with the group whole: all running or all deallocated.

Both runs start together (one of them, chosen at random, up to 0.4 s later, so
either may take the group's lease first); the other waits for the lease and
then acts on what the first left. The fast part runs a few races; `make soak`
AZLAB_SOAK_RUNS (default 50).
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.power import tick as ticking
from azlab.power_state import PowerState
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.reliability.support import EVENING, LYNC, MORNING, PASSWORD, SOAK_RUNS, power_states

RG = "rg-lynclab-wus2"
CORE = ("dc01", "sql01")


@pytest.fixture
def lab(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_LOCK_DIR", str(tmp_path / "locks"))
    # Per-VM actions: the race is timed on the tick's stop of sql01.
    monkeypatch.setenv("AZLAB_BATCH_POWER", "off")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.3))
    return load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": PASSWORD}).plan


def tick_stopping_sql01(sandbox: Sandbox) -> bool:
    return any(
        r.method == "POST" and r.status == 202 and r.path.endswith("/sql01/deallocate")
        for r in list(sandbox.emulator.log)
    )


async def race(
    plan: Any, stagger: float, sandbox: Sandbox | None = None
) -> tuple[ticking.TickReport, ticking.TickReport]:
    """With `sandbox`, up starts the moment the tick's stop of sql01 is accepted: the
    instant at which, without the lease, up found dc01 running and left it."""
    from azlab.azure.session import Target

    target = Target.from_env(plan.subscription)
    evening = datetime.fromisoformat(EVENING).astimezone(timezone.utc)
    up_wants = ticking.manual_wants(plan, ["core"], PowerState.RUNNING)

    async def tick() -> ticking.TickReport:
        await asyncio.sleep(max(-stagger, 0))
        return await ticking.tick_plan(plan, target, evening, deadline_seconds=60)

    async def up() -> ticking.TickReport:
        await asyncio.sleep(max(stagger, 0))
        give_up = asyncio.get_running_loop().time() + 15
        while sandbox is not None and not tick_stopping_sql01(sandbox):
            assert asyncio.get_running_loop().time() < give_up, "the tick never stopped sql01"
            await asyncio.sleep(0.002)
        return await ticking.tick_plan(
            plan, target, evening, up_wants, {}, command="up", deadline_seconds=60
        )

    stop, start = await asyncio.gather(tick(), up())
    return stop, start


def one_race(sandbox: Sandbox, plan: Any, seed: int) -> str:
    assert main(["tick", str(LYNC), "--at", MORNING]) == 0  # all running
    stagger = random.Random(seed).uniform(-0.4, 0.4)  # < 0: the tick starts later
    sandbox.emulator.log.clear()
    # Every third race releases up at the tick's stop of sql01 instead.
    stop, start = asyncio.run(race(plan, stagger, sandbox if seed % 3 == 2 else None))
    assert stop.ok and start.ok, (stop.results, start.results)
    states = power_states(sandbox, RG)
    core = {states[vm] for vm in CORE}
    assert len(core) == 1, f"seed {seed} (stagger {stagger:.2f}s): group core split: {states}"
    return core.pop()


def test_up_racing_a_tick_stop_leaves_the_group_whole(sandbox: Sandbox, lab: Any) -> None:
    # Seed 0 starts up 0.28 s after the tick, seed 1 the tick 0.29 s after up: either
    # order ends whole, in the state of the command that ran last. Seed 2 releases up as
    # the tick stops sql01, where without the lease core ended with sql01 running and dc01
    # deallocated (5 races of 5).
    endings = [one_race(sandbox, lab, seed) for seed in (0, 1, 2)]
    assert endings == ["running", "deallocated", "running"]


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_soak_up_racing_a_tick_stop_leaves_the_group_whole(sandbox: Sandbox, lab: Any) -> None:
    endings = [one_race(sandbox, lab, seed) for seed in range(SOAK_RUNS)]
    print(
        f"{SOAK_RUNS} races: group whole in all; ended running {endings.count('running')}, "
        f"deallocated {endings.count('deallocated')}"
    )
