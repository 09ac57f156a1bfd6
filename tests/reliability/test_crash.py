"""SIGKILL `azlab apply` and `azlab tick` at random points; a re-run converges and no disk
loses a byte.

Each command is one entry of CASES. A run prepares a lab in the sandbox
(writing a few pages into every existing disk, as the VMs would), starts the
command in its own process, kills it with SIGKILL once the sandbox has
answered a random number of its requests (0 up to what an uninterrupted run
makes, measured once per variant), runs the command again and checks the
result: the re-run exits 0, the subscription matches, and every disk that
existed before holds the same bytes (a disk made from an image holds that
image's bytes).

The fast part runs each variant once; `make soak` runs AZLAB_SOAK_RUNS (50)
per command. A failure names the seed, which `AZLAB_CRASH_SEED` replays.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from azlab.cli.main import main
from azlab.sandbox.arm.compute import GIB, disk_key
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from azlab.sandbox.storage.backend import image_extents
from tests.reliability.support import (
    EVENING,
    LYNC,
    MORNING,
    PASSWORD,
    SOAK_RUNS,
    Figures,
    Zygote,
    assert_clean_output,
    assert_no_disk_lost,
    disk_container,
    disk_hashes,
    kill_after_requests,
    power_states,
    settle_disk_writes,
    write_user_data,
)

RG = "rg-lynclab-wus2"
QUIET = Settings(page_size=5)
# Operations and power transitions take a moment, so kills land while they run.
BUSY = Settings(page_size=5, op_time=0.3)


@dataclass
class Run:
    sandbox: Sandbox
    tmp_path: Path
    rng: random.Random
    capsys: pytest.CaptureFixture[str]

    def azlab(self, *argv: str) -> tuple[int, str]:
        """Run a command in this process (the re-runs); its exit code and output."""
        self.capsys.readouterr()
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        return code, out + err

    def plan_file(self, edit: Callable[[dict[str, Any]], None]) -> Path:
        data = yaml.safe_load(LYNC.read_text())
        edit(data)
        path = self.tmp_path / "lynclab.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    def applied(self) -> None:
        code, text = self.azlab("apply", str(LYNC), "--yes")
        assert code == 0, text


@dataclass(frozen=True)
class Variant:
    """One way to prepare the lab, the command that gets killed, and what convergence is."""

    name: str
    prepare: Callable[[Run], list[str]]  # the lab before; returns the command's argv
    converged: Callable[[Run, list[str]], None]  # re-run done; asserts the end state


@dataclass(frozen=True)
class Case:
    command: str
    variants: tuple[Variant, ...]


# apply


def _bigger(data: dict[str, Any]) -> None:
    core, lync = data["groups"]
    core["vms"][0]["size"] = "Standard_B4ms"  # dc01: an update
    core["vms"][0]["data_disks"] = [{"lun": 0, "size_gb": 32}]  # and a new disk
    new = dict(lync["vms"][0], name="fe02", private_ip="10.2.1.11")
    lync["vms"].append(new)  # a new VM
    data["tags"]["purpose"] = "changed"  # a tag on everything


def _without_edge(data: dict[str, Any]) -> None:
    data["groups"][1]["vms"] = [v for v in data["groups"][1]["vms"] if v["name"] != "edge01"]


def _apply_fresh(run: Run) -> list[str]:
    return ["apply", str(LYNC), "--yes"]


def _apply_change(run: Run) -> list[str]:
    run.applied()
    return ["apply", str(run.plan_file(_bigger)), "--yes"]


def _apply_prune(run: Run) -> list[str]:
    run.applied()
    return ["apply", str(run.plan_file(_without_edge)), "--yes", "--prune"]


def _apply_converged(run: Run, argv: list[str]) -> None:
    code, text = run.azlab(*argv)
    assert code == 0, f"the re-run of apply did not finish the job:\n{text}"
    plan = ["plan", argv[1], "--detailed-exitcode", *(["--prune"] if "--prune" in argv else [])]
    code, text = run.azlab(*plan)
    assert code == 0, f"after the re-run, plan still shows changes:\n{text}"
    states = power_states(run.sandbox, RG)
    assert set(states.values()) == {"running"}, states
    # Disks made from an image hold that image's bytes, however the apply was cut.
    plan_data = yaml.safe_load(Path(argv[1]).read_text())
    container = disk_container(run.sandbox)
    for group in plan_data["groups"]:
        for vm in group["vms"]:
            disk_id = f"/subscriptions/{run.sandbox.subscription}/resourceGroups/{RG}/providers/Microsoft.Compute/disks/{vm['name']}-osdisk"
            size = int(vm.get("os_disk", {}).get("size_gb", 127)) * GIB
            blob = container.get_blob_client(disk_key(disk_id))
            for offset, data in image_extents(vm["image"], disk_key(disk_id), size):
                read = blob.download_blob(offset=offset, length=len(data)).readall()
                assert read == data, f"{vm['name']}-osdisk does not hold its image's bytes"


APPLY = Case(
    "apply",
    (
        Variant("fresh", _apply_fresh, _apply_converged),
        Variant("change", _apply_change, _apply_converged),
        Variant("prune", _apply_prune, _apply_converged),
    ),
)


# tick


def _tick_evening(run: Run) -> list[str]:
    run.applied()
    return ["tick", str(LYNC), "--at", EVENING]


def _tick_morning(run: Run) -> list[str]:
    run.applied()
    code, text = run.azlab("tick", str(LYNC), "--at", EVENING)
    assert code == 0, text
    return ["tick", str(LYNC), "--at", MORNING]


def _tick_converged(run: Run, argv: list[str]) -> None:
    code, text = run.azlab(*argv, "--output", "json")
    assert code == 0, f"the re-run of tick failed:\n{text}"
    want = "running" if argv[-1] == MORNING else "deallocated"
    states = power_states(run.sandbox, RG)
    assert states == dict.fromkeys(("dc01", "sql01", "fe01", "edge01"), want), states


def _per_vm(prepare: Callable[[Run], list[str]]) -> Callable[[Run], list[str]]:
    """The same tick through the per-VM calls (the batch API's fallback), re-run alike."""

    def prepared(run: Run) -> list[str]:
        argv = prepare(run)
        return [*argv[:2], "--no-batch", *argv[2:]]

    return prepared


# The fast part kills the batch ticks (runs 0 and 1); the soak cycles through all four.
TICK = Case(
    "tick",
    (
        Variant("evening", _tick_evening, _tick_converged),
        Variant("morning", _tick_morning, _tick_converged),
        Variant("evening per VM", _per_vm(_tick_evening), _tick_converged),
        Variant("morning per VM", _per_vm(_tick_morning), _tick_converged),
    ),
)

# migrate

MOVE = ["edge01", "--to-location", "eastus", "--to-subnet", "vnet-eus-10-3/edge"]
MOVE += ["--to-storage", "steuslynclab01"]


def _migrate_edge(run: Run) -> list[str]:
    plan = run.tmp_path / "lynclab.yaml"  # migrate rewrites the plan it is given
    plan.write_text(LYNC.read_text())
    code, text = run.azlab("apply", str(plan), "--yes")
    assert code == 0, text
    return ["migrate", str(plan), *MOVE, "--yes"]


def _vm_location(run: Run, name: str) -> str:
    vm = run.sandbox.emulator.state.get(
        f"/subscriptions/{run.sandbox.subscription}/resourceGroups/{RG}/providers/Microsoft.Compute/virtualMachines/{name}"
    )
    assert vm is not None, f"vm {name} is gone"
    return str(vm["location"])


def _migrate_converged(run: Run, argv: list[str]) -> None:
    code, text = run.azlab(*argv[:-1], "--resume")
    if code == 2 and "no unfinished migration" in text and _vm_location(run, "edge01") != "eastus":
        # Killed before the migration's journal was written: the user starts it again.
        code, text = run.azlab(*argv)
    assert code == 0, f"migrate --resume did not finish the job:\n{text}"
    assert _vm_location(run, "edge01") == "eastus"
    code, text = run.azlab("plan", argv[1], "--detailed-exitcode")
    assert code == 0, f"after the migration, plan shows changes:\n{text}"
    assert set(power_states(run.sandbox, RG).values()) == {"running"}


def _migrate_copies(before: dict[str, str], after: dict[str, str]) -> None:
    """The moved VM's new disk holds what its old disk held."""
    old = next(d for d in before if d.endswith("/disks/edge01-osdisk"))
    assert after.get(f"{old}-eastus") == before[old], "edge01's disk copy differs from the source"


MIGRATE = Case("migrate", (Variant("edge to East US", _migrate_edge, _migrate_converged),))

CASES = {case.command: case for case in (APPLY, TICK, MIGRATE)}

# Requests an uninterrupted run of each variant makes, measured once per session.
_CALIBRATED: dict[str, int] = {}


def _calibrate(run: Run, zygote: Zygote, variant: Variant, argv: list[str]) -> int:
    """The requests an uninterrupted run makes from the prepared state, which is kept."""
    if variant.name not in _CALIBRATED:
        state = run.sandbox.emulator.state
        saved = state.snapshot()
        plan = Path(argv[1])
        plan_text = plan.read_text()
        run.sandbox.emulator.apply_settings(BUSY)
        before = len(run.sandbox.emulator.log)
        env = {**os.environ, "AZLAB_STATE_DIR": str(run.tmp_path / "calibration")}
        child = zygote.run(*argv, env=env)
        assert child.code == 0, child.stdout + child.stderr
        _CALIBRATED[variant.name] = len(run.sandbox.emulator.log) - before
        settle_disk_writes(run.sandbox)
        state.restore(saved)
        plan.write_text(plan_text)
        run.sandbox.emulator.apply_settings(QUIET)
    return _CALIBRATED[variant.name]


def crash_once(
    run: Run, zygote: Zygote, case: Case, index: int, figures: Figures, label: str
) -> None:
    variant = case.variants[index % len(case.variants)]
    argv = variant.prepare(run)
    requests = _calibrate(run, zygote, variant, argv)
    write_user_data(run.sandbox, run.rng)
    before = disk_hashes(run.sandbox)
    run.sandbox.emulator.apply_settings(BUSY)
    kill_at = run.rng.randrange(0, requests)
    jitter = run.rng.uniform(0, 0.05)
    began = time.monotonic()
    child = zygote.spawn(*argv)
    made = kill_after_requests(run.sandbox, child, kill_at, jitter)
    killed = child.code == -9
    if not killed:
        assert_clean_output(child, f"{case.command} ({variant.name})")
    variant.converged(run, argv)
    after = disk_hashes(run.sandbox)
    lost = assert_no_disk_lost(before, after, f"{label} {variant.name}")
    if case is MIGRATE:
        _migrate_copies(before, after)
    figures.add(
        label,
        seconds=time.monotonic() - began,
        data_lost=lost,
        killed=int(killed),
        requests_before_kill=made,
    )


def _seed(command: str, index: int) -> int:
    return (
        int(os.environ.get("AZLAB_CRASH_SEED", "0")) * 1000
        + index
        + (0 if command == "apply" else 500)
    )


def _crash(
    command: str,
    index: int,
    sandbox: Sandbox,
    zygote: Zygote,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    figures: Figures,
    label: str,
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    seed = _seed(command, index)
    run = Run(sandbox, tmp_path, random.Random(seed), capsys)
    try:
        crash_once(run, zygote, CASES[command], index, figures, label)
    except BaseException:
        figures.add(label, failed=True)
        print(f"seed {seed} (AZLAB_CRASH_SEED={seed // 1000}, run {index})")
        raise


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))  # copy and migrate journals


# Two runs of each command: the fresh apply is killed in tests/reconcile too, and the soak
# cycles through every variant.
FAST = [("apply", 1), ("apply", 2), ("tick", 0), ("tick", 1), ("migrate", 0)]


@pytest.mark.parametrize(("command", "index"), FAST, ids=[f"{c}-{i}" for c, i in FAST])
def test_killed_command_converges_on_rerun_without_data_loss(
    command: str,
    index: int,
    sandbox: Sandbox,
    zygote: Zygote,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    figures: Figures,
) -> None:
    _crash(command, index, sandbox, zygote, tmp_path, capsys, figures, f"crash {command}")


SOAK = [(c, i) for c in CASES for i in range(SOAK_RUNS)]


@pytest.mark.soak
@pytest.mark.parametrize(("command", "index"), SOAK, ids=[f"{c}-{i}" for c, i in SOAK])
def test_soak_killed_command_converges_on_rerun_without_data_loss(
    command: str,
    index: int,
    sandbox: Sandbox,
    zygote: Zygote,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    figures: Figures,
) -> None:
    _crash(command, index, sandbox, zygote, tmp_path, capsys, figures, f"soak crash {command}")
