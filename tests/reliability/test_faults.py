"""With 5% of ARM answers failing and Azure's published throttling, apply converges, ticks
reach the schedule's power state and copies are byte for byte; retries and time lost counted.

ARM faults: 2% 500s, 2% 503s and 1% dropped connections on every kind of
request, throttling at Azure's limits (`throttle azure`). Storage faults on the
gateway: the same rates on every blob operation. Retries are what the sandbox
injected or throttled (its request log, and a count of dropped connections,
which never reach the log); time lost is the run's time over the same run
without faults. The fast part runs each once; `make soak` AZLAB_SOAK_RUNS times
with a new fault seed each. A failure names its seed.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobClient, BlobServiceClient

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from azlab.testing.plangen import write_synthetic_plan
from tests.reliability.support import (
    EVENING,
    LYNC,
    MORNING,
    PASSWORD,
    SOAK_RUNS,
    FaultCount,
    Figures,
    power_states,
    retry_wait,
)

MIB = 1024 * 1024
ARM_FAULTS = "500=0.02,503=0.02,drop=0.01"
STORAGE_FAULTS = "500=0.02,503=0.02,drop=0.01"
VMS = 24  # 4 groups of two tiers: about 250 ARM requests to apply, 100 per tick
RG = "rg-faults"
# Time each kind of run takes without faults, measured once per session.
_BASELINE: dict[str, float] = {}


# A run's faults: (ARM spec, storage spec); None is the mix above.
Mix = tuple[str, str] | None


def settings(seed: int | None, mix: Mix = None) -> Settings:
    """Azure's throttling, operations that take a moment, and faults when seeded."""
    base = Settings(page_size=5, op_time=0.2, throttle="azure")
    if seed is None:
        return base
    arm, storage = mix or (ARM_FAULTS, STORAGE_FAULTS)
    return base.with_changes(
        {"faults": f"{arm},seed={seed}", "storage_faults": f"{storage},seed={seed}"}
    )


def fresh_buckets(sandbox: Sandbox, seed: int | None, mix: Mix = None) -> None:
    """Full throttling buckets, as for a subscription nobody used for a while."""
    sandbox.emulator.apply_settings(Settings(page_size=5))
    sandbox.emulator.apply_settings(settings(seed, mix))


def azlab(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, float]:
    capsys.readouterr()
    began = time.monotonic()
    code = main(list(argv))
    seconds = time.monotonic() - began
    out, err = capsys.readouterr()
    return code, out + err, seconds


@pytest.fixture
def lab(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LAB_SSH_KEY", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIReliabilityTests")
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    return write_synthetic_plan(
        tmp_path / "faults.yaml", VMS, groups=4, name="faults", data_disks=True
    )


def _record(
    figures: Figures,
    label: str,
    seen: FaultCount,
    sandbox: Sandbox,
    seconds: float,
    base: float | None,
) -> None:
    seen.add_log(sandbox)
    lost = 0.0 if base is None else max(0.0, seconds - base)
    figures.add(
        label,
        retries=seen.retries,
        seconds=seconds,
        time_lost=lost,
        lost_per_fault_s=round(lost / seen.retries, 3) if seen.retries else 0.0,
        retry_wait=round(retry_wait(sandbox, seen), 2),
        **{f"arm {k}": v for k, v in seen.arm.items()},
        **{f"storage {k}": v for k, v in seen.storage.items()},
    )


def _baseline(kind: str, measure: Any) -> float:
    """The faster of two runs without faults: the first of a session also warms up."""
    if kind not in _BASELINE:
        _BASELINE[kind] = min(measure(), measure())
    return _BASELINE[kind]


# apply


def apply_under_faults(
    seed: int,
    sandbox: Sandbox,
    lab: Path,
    capsys: pytest.CaptureFixture[str],
    seen: FaultCount,
    figures: Figures,
    label: str,
    mix: Mix = None,
) -> None:
    def measure() -> float:
        fresh_buckets(sandbox, None)
        code, text, seconds = azlab(capsys, "apply", str(lab), "--yes")
        assert code == 0, text
        sandbox.emulator.state.reset()
        return seconds

    base = _baseline("apply", measure)
    fresh_buckets(sandbox, seed, mix)
    seen.log_from = len(sandbox.emulator.log)
    code, text, seconds = azlab(capsys, "apply", str(lab), "--yes")
    assert code == 0, f"apply did not converge under faults (seed {seed}):\n{text[-3000:]}"
    # Still under faults: nothing is left to change.
    code, text, _ = azlab(capsys, "plan", str(lab), "--detailed-exitcode")
    assert code == 0, f"plan after apply shows changes or failed (seed {seed}):\n{text[-3000:]}"
    sandbox.emulator.apply_settings(Settings(page_size=5))
    assert set(power_states(sandbox, RG).values()) == {"running"}
    _record(figures, label, seen, sandbox, seconds, base)


@pytest.mark.parametrize("seed", [1])
def test_apply_converges_under_faults_and_throttling(
    seed: int,
    sandbox: Sandbox,
    lab: Path,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    apply_under_faults(seed, sandbox, lab, capsys, faults_seen, figures, "faults apply")


@pytest.mark.soak
@pytest.mark.parametrize("seed", range(100, 100 + SOAK_RUNS))
def test_soak_apply_converges_under_faults_and_throttling(
    seed: int,
    sandbox: Sandbox,
    lab: Path,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    apply_under_faults(seed, sandbox, lab, capsys, faults_seen, figures, "soak faults apply")


# tick


def ticks_under_faults(
    seed: int,
    sandbox: Sandbox,
    lab: Path,
    capsys: pytest.CaptureFixture[str],
    seen: FaultCount,
    figures: Figures,
    label: str,
    mix: Mix = None,
) -> None:
    sandbox.emulator.apply_settings(Settings(page_size=5))
    code, text, _ = azlab(capsys, "apply", str(lab), "--yes")
    assert code == 0, text

    def evening_and_morning() -> float:
        total = 0.0
        for at, want in ((EVENING, "deallocated"), (MORNING, "running")):
            code, text, seconds = azlab(capsys, "tick", str(lab), "--at", at, "--output", "json")
            assert code == 0, f"tick at {at} failed (seed {seed}):\n{text[-3000:]}"
            report = json.loads(text[: text.rindex("}") + 1])
            assert report["ok"], report
            states = power_states(sandbox, RG)
            assert set(states.values()) == {want} and len(states) == VMS, (seed, at, states)
            total += seconds
        return total

    def measure() -> float:
        fresh_buckets(sandbox, None)
        return evening_and_morning()

    base = _baseline("tick", measure)
    fresh_buckets(sandbox, seed, mix)
    seen.log_from = len(sandbox.emulator.log)
    seconds = evening_and_morning()
    _record(figures, label, seen, sandbox, seconds, base)


@pytest.mark.parametrize("seed", [2])
def test_tick_reaches_the_schedule_under_faults_and_throttling(
    seed: int,
    sandbox: Sandbox,
    lab: Path,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    ticks_under_faults(seed, sandbox, lab, capsys, faults_seen, figures, "faults tick")


@pytest.mark.soak
@pytest.mark.parametrize("seed", range(200, 200 + SOAK_RUNS))
def test_soak_tick_reaches_the_schedule_under_faults_and_throttling(
    seed: int,
    sandbox: Sandbox,
    lab: Path,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    ticks_under_faults(seed, sandbox, lab, capsys, faults_seen, figures, "soak faults tick")


@pytest.mark.parametrize(
    ("power_path", "first_start"), [("per-vm", "/dc01/start"), ("batch", "ExecuteStart")]
)
def test_a_start_whose_connection_drops_is_sent_again(
    sandbox: Sandbox,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    power_path: str,
    first_start: str,
) -> None:
    """The SDK does not retry a POST on a broken connection; the tick must, or the VM's whole
    tier fails and every later tier is blocked. The same for a batch request of starts."""
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_BATCH_POWER", "on" if power_path == "batch" else "off")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    assert main(["down", str(LYNC), "core", "lync"]) == 0
    emulator = sandbox.emulator
    emulator.apply_settings(Settings(page_size=5, op_time=0.1))
    check = emulator._maybe_fail
    dropped: list[str] = []

    def drop_first_start(request: Any, route: Any) -> None:
        if request.method == "POST" and request.path.endswith(first_start) and not dropped:
            dropped.append(request.path)
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError("dropped by the test")
        check(request, route)

    monkeypatch.setattr(emulator, "_maybe_fail", drop_first_start)
    code, text, _ = azlab(capsys, "up", str(LYNC), "core", "lync", "--output", "json")
    assert dropped and code == 0, text
    assert set(power_states(sandbox, "rg-lynclab-wus2").values()) == {"running"}


# copy


@pytest.fixture
def storage(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    yield sandbox


# A 128 MiB disk image with 40 MiB written, some of it off the 4 MiB chunk grid.
EXTENTS = [(0, 6), (10, 4), (20.5, 3), (40, 12), (70, 8), (100, 6), (127, 1)]
ALLOCATED = sum(length for _, length in EXTENTS) * MIB


def _sparse_source(clients: Clients, account: str, seed: int) -> BlobClient:
    clients.storage_account(account)
    service: BlobServiceClient = clients.blob_service(account)
    if not service.get_container_client("vhds").exists():
        service.create_container("vhds")
    blob = service.get_blob_client("vhds", f"src-{seed}.vhd")
    blob.create_page_blob(128 * MIB)
    rng = random.Random(seed)
    for start, length in EXTENTS:
        for offset in range(int(start * MIB), int((start + length) * MIB), 4 * MIB):
            size = min(4 * MIB, int((start + length) * MIB) - offset)
            blob.upload_page(rng.randbytes(size), offset=offset, length=size)
    return blob


def _copy(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str, float]:
    code, text, seconds = azlab(capsys, "copy", *args, "--output", "json")
    done = text[text.find('{\n  "event": "done"') :] if '"event": "done"' in text else ""
    report = json.loads(done[: done.rindex("}") + 1]) if done else {}
    return code, report, text, seconds


def _allocated_bytes(blob: BlobClient) -> list[tuple[int, bytes]]:
    """(offset, bytes) of each run of allocated pages, adjacent ranges joined (a copy writes
    in 4 MiB chunks, so the service may list one source range as two)."""
    runs: list[tuple[int, bytes]] = []
    for r in blob.list_page_ranges():
        if r.cleared:
            continue
        data = blob.download_blob(offset=r.start, length=r.end + 1 - r.start).readall()
        if runs and runs[-1][0] + len(runs[-1][1]) == r.start:
            runs[-1] = (runs[-1][0], runs[-1][1] + data)
        else:
            runs.append((int(r.start), data))
    return runs


def copy_under_faults(
    seed: int,
    sandbox: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    seen: FaultCount,
    figures: Figures,
    label: str,
    mix: Mix = None,
) -> None:
    sandbox.emulator.apply_settings(Settings(page_size=5))
    source = _sparse_source(clients, "stfaults01", seed)
    src = f"stfaults01/vhds/src-{seed}.vhd"

    def measure() -> float:
        fresh_buckets(sandbox, None)
        # With --verify like the run under faults, so time lost is the faults' alone.
        code, _, text, seconds = _copy(capsys, src, f"stfaults01/vhds/base-{seed}.vhd", "--verify")
        assert code == 0, text
        return seconds

    base = _baseline("copy", measure)
    fresh_buckets(sandbox, seed, mix)
    seen.log_from = len(sandbox.emulator.log)
    code, report, text, seconds = _copy(capsys, src, f"stfaults01/vhds/copy-{seed}.vhd", "--verify")
    assert code == 0, f"copy failed under faults (seed {seed}):\n{text[-3000:]}"
    assert report["verified_content"] is True and report["copied"] == ALLOCATED, report
    sandbox.emulator.apply_settings(Settings(page_size=5))
    copy = clients.blob_service("stfaults01").get_blob_client("vhds", f"copy-{seed}.vhd")
    assert copy.get_blob_properties().size == 128 * MIB
    assert _allocated_bytes(copy) == _allocated_bytes(source), f"copy differs (seed {seed})"
    _record(figures, label, seen, sandbox, seconds, base)


@pytest.mark.parametrize("seed", [3])
def test_copy_is_byte_identical_under_storage_and_arm_faults(
    seed: int,
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    copy_under_faults(seed, storage, clients, capsys, faults_seen, figures, "faults copy")


@pytest.mark.soak
@pytest.mark.parametrize("seed", range(300, 300 + SOAK_RUNS))
def test_soak_copy_is_byte_identical_under_storage_and_arm_faults(
    seed: int,
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    copy_under_faults(seed, storage, clients, capsys, faults_seen, figures, "soak faults copy")


def test_a_disk_export_copies_byte_for_byte_under_faults(
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    faults_seen: FaultCount,
    figures: Figures,
) -> None:
    """Grant access, the copy and revoke, all under faults: the VHD holds the disk's bytes."""
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    assert main(["apply", str(LYNC), "--yes"]) == 0
    seed = int(os.environ.get("AZLAB_FAULT_SEED", "4"))
    fresh_buckets(storage, seed)
    faults_seen.log_from = len(storage.emulator.log)
    code, _, text, seconds = _copy(
        capsys, "disk:rg-lynclab-wus2/dc01-osdisk", "stwus2lynclab01/vhds/dc01.vhd", "--verify"
    )
    assert code == 0, f"disk copy failed under faults (seed {seed}):\n{text[-3000:]}"
    storage.emulator.apply_settings(Settings(page_size=5))
    disk = clients.compute.disks.get("rg-lynclab-wus2", "dc01-osdisk")
    assert disk.disk_state != "ActiveSAS"  # access was revoked after the copy
    access = clients.compute.disks.begin_grant_access(
        "rg-lynclab-wus2", "dc01-osdisk", {"access": "Read", "durationInSeconds": 600}
    ).result()
    vhd = clients.blob_service("stwus2lynclab01", resource_group="rg-lynclab-wus2")
    copied = vhd.get_blob_client("vhds", "dc01.vhd")
    assert _allocated_bytes(copied) == _allocated_bytes(BlobClient.from_blob_url(access.access_sas))
    clients.compute.disks.begin_revoke_access("rg-lynclab-wus2", "dc01-osdisk").result()
    _record(figures, "faults disk copy", faults_seen, storage, seconds, None)


def test_one_transient_error_on_a_read_costs_seconds_not_the_copy(
    storage: Sandbox,
    clients: Clients,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only the chunk writes are paced by the copy itself; every other request (the
    destination's create and verification reads, the source's properties) is retried by the
    SDK, after a second or so rather than the SDK's default 15."""
    from azlab.sandbox.storage.gateway_errors import storage_error

    source = _sparse_source(clients, "sttransient01", 5)
    gateway = storage.storage.gateway  # type: ignore[union-attr]
    inject = gateway._inject
    failed: list[str] = []

    async def once_each(request: Any, kind: str) -> Any:
        key = f"{request.method} {request.path} {request.query.get('comp', '')}"
        first_of = (
            "HEAD /sttransient01/vhds/src-5.vhd ",
            "GET /sttransient01/vhds/dst.vhd pagelist",
        )
        if key in first_of and key not in failed:
            failed.append(key)
            return storage_error(500, "InternalError", "Injected once by the test.")
        return await inject(request, kind)

    monkeypatch.setattr(gateway, "_inject", once_each)
    code, _, text, seconds = _copy(
        capsys, "sttransient01/vhds/src-5.vhd", "sttransient01/vhds/dst.vhd"
    )
    assert code == 0, text
    assert len(failed) == 2, failed
    assert seconds < 12, f"two transient errors cost {seconds:.1f}s"
    copy = clients.blob_service("sttransient01").get_blob_client("vhds", "dst.vhd")
    assert _allocated_bytes(copy) == _allocated_bytes(source)
