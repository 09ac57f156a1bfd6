"""Helpers of the reliability tests: a process zygote, disk hashes, fault counts, figures."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure.storage.blob import BlobServiceClient

from azlab.sandbox.arm.compute import disk_key
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.storage.backend import DISK_ACCOUNT, DISK_CONTAINER

SOAK_RUNS = int(os.environ.get("AZLAB_SOAK_RUNS", "50"))
ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
EVENING = "2026-11-23T18:05:00-08:00"  # Monday, after the 18:00 stop
MORNING = "2026-11-24T08:05:00-08:00"  # Tuesday, after the 08:00 start
PASSWORD = "Sandbox-only-1"


# processes


class Child:
    """One azlab command running in its own process."""

    def __init__(self, zygote: Zygote, pid: int, out: Path, err: Path) -> None:
        self.zygote, self.pid, self.out_path, self.err_path = zygote, pid, out, err
        self.code: int | None = None

    def kill(self) -> None:
        if self.code is None:
            os.kill(self.pid, signal.SIGKILL)

    def wait(self, timeout: float = 300) -> int:
        if self.code is None:
            code = self.zygote.call({"op": "wait", "pid": self.pid, "timeout": timeout})["code"]
            if code is None:
                self.kill()
                self.zygote.call({"op": "wait", "pid": self.pid, "timeout": 30})
                raise AssertionError(f"azlab (pid {self.pid}) still ran after {timeout}s")
            self.code = int(code)
        return self.code

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")


class Zygote:
    """A process that has imported azlab and forks one child per command (see zygote.py)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.count = 0
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("zygote.py"))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(workdir / "zygote.err").open("w"),
            text=True,
            cwd=ROOT,
        )
        assert self.read() == {"ready": True}

    def read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError("the zygote process ended: " + self.import_errors())
        answer: dict[str, Any] = json.loads(line)
        return answer

    def import_errors(self) -> str:
        return (self.workdir / "zygote.err").read_text(errors="replace")

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return self.read()

    def spawn(self, *argv: str, env: dict[str, str] | None = None) -> Child:
        self.count += 1
        out = self.workdir / f"{self.count}.out"
        err = self.workdir / f"{self.count}.err"
        request = {
            "op": "run",
            "argv": list(argv),
            "env": dict(os.environ if env is None else env),
            "cwd": str(ROOT),
            "out": str(out),
            "err": str(err),
        }
        return Child(self, self.call(request)["pid"], out, err)

    def run(self, *argv: str, env: dict[str, str] | None = None, timeout: float = 300) -> Child:
        child = self.spawn(*argv, env=env)
        child.wait(timeout)
        return child

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)


def kill_after_requests(sandbox: Sandbox, child: Child, requests: int, jitter: float) -> int:
    """SIGKILL the child once the sandbox has answered `requests` more requests (or it ended
    first); the number of requests it had made when killed."""
    log = sandbox.emulator.log
    start = len(log)
    deadline = time.monotonic() + 120
    while len(log) - start < requests and time.monotonic() < deadline:
        code = child.zygote.call({"op": "wait", "pid": child.pid, "timeout": 0})["code"]
        if code is not None:
            # The zygote has reaped it: killing that pid now would fail (or hit another process).
            child.code = int(code)
            return len(log) - start
        time.sleep(0.002)
    time.sleep(jitter)
    child.kill()
    child.wait(30)
    return len(log) - start


def assert_clean_output(child: Child, what: str) -> None:
    text = child.stdout + child.stderr
    assert "Traceback" not in text, f"{what}: traceback\n{text[-3000:]}"
    assert "failed unexpectedly" not in text, f"{what}: unexpected error\n{text[-3000:]}"


# disks


def settle_disk_writes(sandbox: Sandbox) -> None:
    """Wait for the sandbox's background writes of image bytes into new disks."""
    sandbox.emulator.compute.data.settle_all()


def disk_container(sandbox: Sandbox) -> Any:
    assert sandbox.storage is not None
    key = sandbox.storage.azurite.accounts[DISK_ACCOUNT]
    service = BlobServiceClient(
        f"http://127.0.0.1:{sandbox.storage.azurite.port}/{DISK_ACCOUNT}/",
        credential={"account_name": DISK_ACCOUNT, "account_key": key},
    )
    return service.get_container_client(DISK_CONTAINER)


def disk_ids(sandbox: Sandbox) -> list[str]:
    return sorted(
        str(r["id"])
        for r in list(sandbox.emulator.state.resources.values())
        if str(r.get("type", "")).lower() == "microsoft.compute/disks"
    )


def _disk_hash(container: Any, disk_id: str) -> str:
    """SHA-256 of the size and of each run of allocated pages with its offset; adjacent
    ranges are joined, as a copy may list one range as several."""
    blob = container.get_blob_client(disk_key(disk_id))
    digest = hashlib.sha256(str(blob.get_blob_properties().size).encode())
    end_of_run = -1
    for page in blob.list_page_ranges():
        if page.cleared:
            continue
        start, end = int(page.start), int(page.end) + 1
        if start != end_of_run:
            digest.update(f"|{start}|".encode())
        digest.update(blob.download_blob(offset=start, length=end - start).readall())
        end_of_run = end
    return digest.hexdigest()


def disk_hashes(sandbox: Sandbox) -> dict[str, str]:
    """ARM id (lower case) -> SHA-256 of the disk's size and every allocated range's bytes."""
    settle_disk_writes(sandbox)
    container = disk_container(sandbox)
    ids = disk_ids(sandbox)
    with ThreadPoolExecutor(8) as pool:
        hashes = list(pool.map(lambda d: _disk_hash(container, d), ids))
    return {d.lower(): h for d, h in zip(ids, hashes, strict=True)}


def _scribble(container: Any, disk_id: str, seed: int) -> None:
    rng = random.Random(seed)
    blob = container.get_blob_client(disk_key(disk_id))
    size = int(blob.get_blob_properties().size)
    for _ in range(2):
        offset = rng.randrange(0, size // 512 - 16) * 512
        blob.upload_page(rng.randbytes(8192), offset=offset, length=8192)


def write_user_data(sandbox: Sandbox, rng: random.Random) -> None:
    """Write a few pages into every disk, as the VMs' operating systems would."""
    settle_disk_writes(sandbox)
    container = disk_container(sandbox)
    seeds = [(d, rng.getrandbits(32)) for d in disk_ids(sandbox)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda item: _scribble(container, *item), seeds))


def assert_no_disk_lost(before: dict[str, str], after: dict[str, str], context: str) -> int:
    """Every disk of `before` is still there with the same bytes; the number lost (0)."""
    lost = [d for d in before if d not in after]
    changed = [d for d in before if d in after and after[d] != before[d]]
    assert not lost and not changed, f"{context}: disks lost {lost}, changed {changed}"
    return 0


# the sandbox's view


def power_states(sandbox: Sandbox, resource_group: str) -> dict[str, str]:
    """VM name -> power state, read from the sandbox's own state (no request)."""
    state = sandbox.emulator.state
    state.settle()
    prefix = f"/subscriptions/{sandbox.subscription}/resourcegroups/{resource_group}/providers/microsoft.compute/virtualmachines/".lower()
    found: dict[str, str] = {}
    for key, vm in list(state.resources.items()):
        if key.startswith(prefix) and "/" not in key[len(prefix) :]:
            extra = state.extra(vm["id"])
            power = extra.get("transient") or extra.get("power", "running")
            if state.pending_on(vm["id"]) is not None:
                power = f"{power} (busy)"
            found[str(vm["name"])] = str(power)
    return found


@dataclass
class FaultCount:
    """What the sandbox injected or throttled while it was counting."""

    arm: Counter[str] = field(default_factory=Counter)
    storage: Counter[str] = field(default_factory=Counter)
    log_from: int = 0
    drops: list[tuple[float, str, str]] = field(default_factory=list)  # (at, method, path)

    def add_log(self, sandbox: Sandbox) -> None:
        for r in sandbox.emulator.log[self.log_from :]:
            if r.status == 429:
                self.arm["429"] += 1

    @property
    def retries(self) -> int:
        return sum(self.arm.values()) + sum(self.storage.values())


def retry_wait(sandbox: Sandbox, seen: FaultCount) -> float:
    """Seconds from each failed ARM request (5xx, 429, dropped) to the next same request
    in the log, summed: how long failures held requests up (they overlap in time)."""
    log = sandbox.emulator.log[seen.log_from :]
    failed = [(r.at, r.method, r.path) for r in log if r.status in (429, 500, 503)]
    total = 0.0
    for at, method, path in failed + seen.drops:
        retried = next(
            (r.at for r in log if r.at > at and (r.method, r.path) == (method, path)), None
        )
        if retried is not None:
            total += retried - at
    return total


def count_faults(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> FaultCount:
    """Counts every 500, 503 and dropped connection the ARM emulator and the storage gateway
    inject (dropped connections never reach the request log), and the 429s in the log."""
    count = FaultCount(log_from=len(sandbox.emulator.log))
    emulator = sandbox.emulator
    arm_fail = emulator._maybe_fail

    def counted_arm(request: Any, route: Any) -> None:
        try:
            arm_fail(request, route)
        except ConnectionResetError:
            count.arm["drop"] += 1
            count.drops.append((emulator.state.now(), request.method, request.path))
            raise
        except Exception as exc:
            count.arm[str(getattr(exc, "status", "?"))] += 1
            raise

    monkeypatch.setattr(emulator, "_maybe_fail", counted_arm)
    if sandbox.storage is not None:
        gateway = sandbox.storage.gateway
        inject = gateway._inject

        async def counted_storage(request: Any, kind: str) -> Any:
            try:
                refusal = await inject(request, kind)
            except ConnectionResetError:
                count.storage["drop"] += 1
                raise
            if refusal is not None:
                count.storage[str(refusal.status)] += 1
            return refusal

        monkeypatch.setattr(gateway, "_inject", counted_storage)
    return count


# figures


@dataclass
class Figure:
    test: str
    runs: int = 0
    failures: int = 0
    retries: int = 0
    seconds: float = 0.0
    time_lost: float = 0.0
    data_lost: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


class Figures:
    def __init__(self) -> None:
        self.rows: dict[str, Figure] = {}

    def add(
        self,
        test: str,
        *,
        failed: bool = False,
        retries: int = 0,
        seconds: float = 0.0,
        time_lost: float = 0.0,
        data_lost: int = 0,
        **detail: Any,
    ) -> None:
        row = self.rows.setdefault(test, Figure(test))
        row.runs += 1
        row.failures += int(failed)
        row.retries += retries
        row.seconds += seconds
        row.time_lost += time_lost
        row.data_lost += data_lost
        for key, value in detail.items():
            if isinstance(value, int | float):
                row.detail[key] = row.detail.get(key, 0) + value
            else:
                row.detail[key] = value


FIGURES = Figures()
