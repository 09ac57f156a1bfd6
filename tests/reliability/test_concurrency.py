"""Two azlab commands at once on the same lab: two ticks, two queue workers, and `up` or
`down` by hand during a tick. Both exit 0 with no traceback, and every VM ends settled in
the power state the test names. Each command holds the lease of the groups it changes, so
the second waits for the first and acts on what it left: no power action is refused.

Each command runs in its own process against the sandbox, whose starts and deallocates
take OP_TIME seconds, so both commands are in flight together. The processes import azlab
first and wait to be released, so the test picks the instant each one begins: together,
or at a given step of the other. The sandbox's request log shows that the two met: a
power action refused with 409 would be one command acting on a VM the other was moving.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.rehearse.observe import power_actions
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from azlab.testing.queues import queue_sas_url
from tests.reliability.support import EVENING, LYNC, MORNING, PASSWORD, ROOT, power_states

RG = "rg-lynclab-wus2"
OP_TIME = 1.0  # seconds a start or deallocate takes; a released command acts in ~0.2 s
RACING = Settings(page_size=5, op_time=OP_TIME, latency=0.02)
# Tiers bottom-up, dependencies first: the order of starts (stops go the other way).
START_ORDER = ["dc01", "sql01", "fe01", "edge01"]
STOP_ORDER = START_ORDER[::-1]

# Imports what commands load lazily, says so, and runs the command once told to go.
PRIMED = """
import sys
import azure.mgmt.compute.aio, azure.mgmt.network.aio, azure.mgmt.resource.resources.aio
import azure.mgmt.storage.aio, azure.storage.queue.aio
from azlab.cli import commands
from azlab.cli.main import main
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    raise SystemExit(3)
raise SystemExit(main(sys.argv[1:]))
"""


@dataclass
class Finished:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str
    seconds: float  # from release to exit

    def json(self) -> Any:
        return json.loads(self.out)


class Azlab:
    """One azlab command in its own process, held after its imports until `go`."""

    def __init__(self, *argv: str) -> None:
        self.argv = argv
        self.process = subprocess.Popen(
            [sys.executable, "-c", PRIMED, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=dict(os.environ),
        )
        self.released = 0.0

    def ready(self) -> None:
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            _, err = self.process.communicate()
            raise AssertionError(f"azlab {' '.join(self.argv)} did not load:\n{err}")

    def go(self) -> None:
        assert self.process.stdin is not None
        self.released = time.monotonic()
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = 40) -> Finished:
        try:
            out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
            raise AssertionError(
                f"azlab {' '.join(self.argv)} still ran {timeout}s after release:\n{out}{err}"
            ) from None
        seconds = time.monotonic() - self.released
        return Finished(self.argv, self.process.returncode, out, err, seconds)


@pytest.fixture
def azlab() -> Iterator[Callable[..., Azlab]]:
    """Starts commands; any still running when the test ends is killed."""
    started: list[Azlab] = []

    def start(*argv: str) -> Azlab:
        started.append(Azlab(*argv))
        return started[-1]

    yield start
    for command in started:
        if command.process.poll() is None:
            command.process.kill()
            command.process.communicate()


def released_together(*commands: Azlab) -> list[Finished]:
    for command in commands:
        command.ready()
    for command in commands:
        command.go()
    return [command.finish() for command in commands]


def assert_clean(run: Finished) -> None:
    """Exit 0, and nothing a person could not act on: no traceback, no unexpected error."""
    text = run.out + run.err
    what = " ".join(run.argv[:1] + run.argv[2:])
    assert "Traceback" not in text, f"{what}: traceback\n{text[-3000:]}"
    assert "failed unexpectedly" not in text, f"{what}:\n{text[-3000:]}"
    assert run.code == 0, f"{what} exited {run.code}:\n{text[-3000:]}"


def results(run: Finished) -> dict[str, tuple[str, int]]:
    """VM -> (result, attempts) from a tick, up or down JSON report."""
    return {v["vm"]: (v["result"], v["attempts"]) for v in run.json()["vms"]}


def tick(at: str) -> tuple[str, ...]:
    return ("tick", str(LYNC), "--at", at, "--output", "json", "--deadline", "30s")


def accepted(sandbox: Sandbox) -> list[tuple[str, str]]:
    """(VM, action) of every power action the sandbox accepted, per VM or in a batch, in order."""
    return [(a.vm, a.verb) for a in power_actions(list(sandbox.emulator.log)) if a.status == 202]


def refused(sandbox: Sandbox) -> list[tuple[str, str]]:
    """(VM, action) of every power action refused with 409 (or, in a batch, refused for that
    VM): the VM was already moving."""
    return [(a.vm, a.verb) for a in power_actions(list(sandbox.emulator.log)) if a.status == 409]


def settled(sandbox: Sandbox) -> dict[str, str]:
    """VM -> power state, once no operation is left on any VM."""
    states = power_states(sandbox, RG)
    assert not [s for s in states.values() if "busy" in s], f"operations still running: {states}"
    return states


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.005)


@pytest.fixture(params=["batch", pytest.param("per-vm", marks=pytest.mark.soak)])
def lab(
    request: pytest.FixtureRequest,
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Sandbox:
    """The lab applied, racing settings on; the commands act through the batch API, or
    (under make soak) through the per-VM calls the batch API falls back to."""
    monkeypatch.setenv("AZLAB_BATCH_POWER", "on" if request.param == "batch" else "off")
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    assert main(["apply", str(LYNC), "--yes"]) == 0
    sandbox.emulator.apply_settings(RACING)
    sandbox.emulator.log.clear()
    return sandbox


def test_two_ticks_at_the_same_instant_reach_the_schedule(
    lab: Sandbox, azlab: Callable[..., Azlab]
) -> None:
    # All four load now: the morning pair's imports overlap the evening race.
    evening = azlab(*tick(EVENING)), azlab(*tick(EVENING))
    morning = azlab(*tick(MORNING)), azlab(*tick(MORNING))

    for run in released_together(*evening):
        assert_clean(run)
        assert {r for r, _ in results(run).values()} <= {"done", "already"}, run.out
    assert set(settled(lab).values()) == {"deallocated"}
    # The second tick waited for the first's leases and found nothing left to do.
    assert accepted(lab) == [(vm, "deallocate") for vm in STOP_ORDER]
    assert not refused(lab), "the two ticks acted on the same VM at once"

    lab.emulator.log.clear()
    for run in released_together(*morning):
        assert_clean(run)
        assert {r for r, _ in results(run).values()} <= {"done", "already"}, run.out
    assert set(settled(lab).values()) == {"running"}
    assert accepted(lab) == [(vm, "start") for vm in START_ORDER]
    assert not refused(lab), "the two ticks acted on the same VM at once"


def test_two_workers_drain_one_queue(
    lab: Sandbox, clients: Clients, azlab: Callable[..., Azlab], capsys: pytest.CaptureFixture[str]
) -> None:
    if lab.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    url = queue_sas_url(clients, RG, "stwus2lynclab01", "azlab-power")
    # The timer fired twice: each group's message is there twice, so both workers can
    # hold the same group's work at the same time.
    for _ in range(2):
        capsys.readouterr()
        assert main(["tick", str(LYNC), "--at", EVENING, "--queue", url, "--output", "json"]) == 0
        enqueued = json.loads(capsys.readouterr().out)["actions"]
        assert sorted(a["group"] for a in enqueued) == ["core", "lync"]
    argv = ("worker", str(LYNC), "--queue", url, "--drain", "--at", EVENING)
    # One message at a time each, so the two workers share the four messages.
    options = ("--concurrency", "1", "--wait-delay", "1", "--retry-delay", "1", "--output", "json")
    runs = released_together(azlab(*argv, *options), azlab(*argv, *options))

    handled = []
    for run in runs:
        assert_clean(run)
        mine = run.json()
        assert mine, f"a worker handled no message:\n{run.out}"
        handled += mine
    # Core's messages wait (go back to the queue) until lync is deallocated; a group's
    # twin message waits while the other worker holds that group's lease.
    assert {h["result"] for h in handled} <= {"done", "waiting"}, handled
    assert {h["group"] for h in handled if h["result"] == "done"} == {"core", "lync"}
    assert set(settled(lab).values()) == {"deallocated"}
    assert accepted(lab) == [(vm, "deallocate") for vm in STOP_ORDER]
    assert not refused(lab), "the two workers acted on the same VM at once"


def test_up_by_hand_while_a_tick_stops_that_group(
    lab: Sandbox, azlab: Callable[..., Azlab]
) -> None:
    """The evening tick is stopping core's last VM, dc01, when someone runs `up core`.

    `up` waits for the tick's lease on core, then finds core deallocated and starts it,
    tier by tier, each VM once. Promise: the group ends whole, in the state of the command
    that ran last; here core runs and lync, which only the tick touched, is deallocated.
    Neither command waits out its deadline. (Without the lease, released one step
    earlier, `up` found dc01 running and left it, the tick then stopped it, and sql01 ended
    running without dc01.)
    """
    ticking = azlab(*tick(EVENING))
    up = azlab("up", str(LYNC), "core", "--output", "json")
    ticking.ready()
    up.ready()
    ticking.go()
    wait_for(lambda: ("dc01", "deallocate") in accepted(lab), "the tick stopping dc01")
    up.go()
    ticked, upped = ticking.finish(), up.finish()

    assert_clean(ticked)
    assert_clean(upped)
    assert not refused(lab), "up acted on core while the tick held it"
    assert results(ticked) == dict.fromkeys(STOP_ORDER, ("done", 1))
    assert results(upped) == {"dc01": ("done", 1), "sql01": ("done", 1)}
    # About 3 s (the tick's last stop, then two starts), not up's 20-minute deadline.
    assert upped.seconds < 15, f"up took {upped.seconds:.1f}s"
    states = settled(lab)
    assert states == {
        "dc01": "running",
        "sql01": "running",
        "fe01": "deallocated",
        "edge01": "deallocated",
    }
    assert accepted(lab)[-2:] == [("dc01", "start"), ("sql01", "start")]
    last = {vm: action for vm, action in accepted(lab)}
    assert last == {"dc01": "start", "sql01": "start", "fe01": "deallocate", "edge01": "deallocate"}


def test_down_by_hand_while_a_tick_stops_the_same_group(
    lab: Sandbox, azlab: Callable[..., Azlab]
) -> None:
    """`down core` is released as the evening tick starts stopping fe01: it waits for the
    tick's lease on core, then finds core already deallocated. Each VM is stopped once,
    nothing is refused, and the whole lab is deallocated."""
    ticking = azlab(*tick(EVENING))
    down = azlab("down", str(LYNC), "core", "--output", "json")
    ticking.ready()
    down.ready()
    ticking.go()
    wait_for(lambda: ("fe01", "deallocate") in accepted(lab), "the tick stopping fe01")
    down.go()
    ticked, downed = ticking.finish(), down.finish()

    assert_clean(ticked)
    assert_clean(downed)
    assert not refused(lab), "down acted on core while the tick held it"
    assert results(ticked) == dict.fromkeys(STOP_ORDER, ("done", 1))
    assert {r for r, _ in results(downed).values()} == {"already"}, downed.out
    assert accepted(lab) == [(vm, "deallocate") for vm in STOP_ORDER]
    assert set(settled(lab).values()) == {"deallocated"}
