"""Copying a sparse VHD: azlab against AzCopy and the async Copy Blob loop, in one run.

Run: .venv/bin/python -m benchmarks.copy_bench [LIMIT_MIB_PER_S ...]
A 4 GiB page blob with 512 MiB allocated in 64 extents is copied between two
sandbox accounts, with the gateway limiting each blob like a standard page
blob (default 60 MiB/s and 500 requests/s), by
  (a) azlab's engine (Put Page From URL per allocated 4 MiB chunk),
  (b) AzCopy 10.32 `--from-to BlobBlob`,
  (c) the seed script's loop: Copy Blob, then poll its progress every second,
      with the service's copy running at the same per-blob rate over the
      whole blob length, as a server-side copy of a page blob does.
Figures: bytes moved against the allocated bytes, wall time against the
bound (allocated bytes / limit) and against AzCopy, and progress accuracy:
at every sample, the reported share against the true share of the
allocated bytes already at the destination (read from its page ranges).
In the suite, azlab and AzCopy alternate for several rounds; the loop runs
once, as its time is set by the service's copy speed over the whole blob.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import (
    BlobSasPermissions,
    ContainerSasPermissions,
    generate_blob_sas,
    generate_container_sas,
)
from azure.storage.blob.aio import BlobClient, BlobServiceClient

from azlab.copy.engine import allocated_ranges, copy_page_blob
from azlab.copy.run import QuickRetry
from benchmarks.common import note, spread, summary
from benchmarks.gateway_bench import make_account
from benchmarks.sandbox_process import sandbox_process

MIB = 1024 * 1024
AZCOPY = (
    Path(__file__).resolve().parents[1]
    / "node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64"
)
SUITE_LIMIT = 16.0  # MiB/s: a limit the sandbox can sustain, so the bound is what limits


@dataclass(frozen=True)
class Disk:
    """A sparse page blob: `extents` runs of `extent` bytes spread evenly over `size`."""

    size: int
    extents: int
    extent: int

    @property
    def allocated(self) -> int:
        return self.extents * self.extent

    def data_below(self, offset: int) -> float:
        stride = self.size // self.extents
        below = sum(max(0, min(self.extent, offset - n * stride)) for n in range(self.extents))
        return below / self.allocated

    def as_dict(self) -> dict[str, int]:
        return {"size": self.size, "extents": self.extents, "extent": self.extent}


FULL = Disk(4096 * MIB, 64, 8 * MIB)  # 512 MiB allocated
QUICK = Disk(128 * MIB, 16, 1 * MIB)  # 16 MiB allocated, the same 1 in 8


def sas(account: str, key: str, blob: str, **permissions: bool) -> str:
    return generate_blob_sas(
        account,
        "vhds",
        blob,
        account_key=key,
        permission=BlobSasPermissions(**permissions),
        expiry=datetime.now(timezone.utc) + timedelta(hours=2),
    )


async def true_share(blob: BlobClient, disk: Disk) -> float:
    try:
        ranges = await allocated_ranges(blob)
    except ResourceNotFoundError:
        return 0.0
    return sum(e - s for s, e in ranges) / disk.allocated


class Sampler:
    """Pairs of (reported share, true share) taken while a copy runs."""

    def __init__(self, destination: BlobClient, disk: Disk) -> None:
        self.destination = destination
        self.disk = disk
        self.reported = 0.0
        self.pairs: list[tuple[float, float]] = []

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            reported = self.reported
            truth = await true_share(self.destination, self.disk)
            self.pairs.append((reported, truth))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    @property
    def worst(self) -> float:
        return max((abs(r - t) for r, t in self.pairs), default=0.0) * 100


async def seed_source(env: dict[str, str], key: str, disk: Disk) -> None:
    azurite = env["AZLAB_SANDBOX_AZURITE"] + "/stcopysrc/"
    async with BlobServiceClient(
        azurite, credential={"account_name": "stcopysrc", "account_key": key}
    ) as direct:
        blob = direct.get_blob_client("vhds", "disk.vhd")
        await blob.create_page_blob(disk.size)
        piece = min(4 * MIB, disk.extent)
        data = os.urandom(piece)
        stride = disk.size // disk.extents
        for n in range(disk.extents):
            for part in range(0, disk.extent, piece):
                await blob.upload_page(data, offset=n * stride + part, length=piece)


async def by_azlab(
    src: str, src_key: str, dst: str, dst_key: str, azurite: str, disk: Disk, name: str
) -> tuple[float, int, float, int]:
    source = BlobClient.from_blob_url(
        f"{src}vhds/disk.vhd", credential={"account_name": "stcopysrc", "account_key": src_key}
    )
    target = BlobClient.from_blob_url(
        f"{dst}vhds/{name}",
        credential={"account_name": "stcopydst", "account_key": dst_key},
        retry_policy=QuickRetry(retry_total=4),  # as `azlab copy` makes it
    )
    # The truth is read from Azurite itself, so sampling spends none of the blob's limits.
    sampler = Sampler(
        BlobClient.from_blob_url(
            f"{azurite}/stcopydst/vhds/{name}",
            credential={"account_name": "stcopydst", "account_key": dst_key},
        ),
        disk,
    )
    stop = asyncio.Event()
    began = time.perf_counter()

    def seen(progress: Any) -> None:
        sampler.reported = progress.fraction

    task = asyncio.create_task(sampler.run(stop))
    result = await copy_page_blob(
        source,
        f"{src}vhds/disk.vhd?{sas('stcopysrc', src_key, 'disk.vhd', read=True)}",
        target,
        on_progress=seen,
    )
    elapsed = time.perf_counter() - began
    stop.set()
    await task
    for client in (source, target, sampler.destination):
        await client.close()
    return elapsed, result.copied, sampler.worst, len(sampler.pairs)


def by_azcopy(src: str, src_key: str, dst: str, dst_key: str, name: str) -> float:
    read = sas("stcopysrc", src_key, "disk.vhd", read=True)
    write = generate_container_sas(
        "stcopydst",
        "vhds",
        account_key=dst_key,
        permission=ContainerSasPermissions(read=True, write=True, create=True, add=True, list=True),
        expiry=datetime.now(timezone.utc) + timedelta(hours=2),
    )
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "AZCOPY_LOG_LOCATION": tmp, "AZCOPY_JOB_PLAN_LOCATION": tmp}
        began = time.perf_counter()
        done = subprocess.run(
            [
                str(AZCOPY),
                "copy",
                f"{src}vhds/disk.vhd?{read}",
                f"{dst}vhds/{name}?{write}",
                "--from-to",
                "BlobBlob",
                "--blob-type",
                "PageBlob",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"AzCopy failed: {done.stdout[-1000:]}")
    return elapsed


async def by_copy_blob_loop(
    src: str, src_key: str, dst: str, dst_key: str, disk: Disk
) -> tuple[float, float]:
    target = BlobClient.from_blob_url(
        f"{dst}vhds/loop.vhd", credential={"account_name": "stcopydst", "account_key": dst_key}
    )
    began = time.perf_counter()
    await target.start_copy_from_url(
        f"{src}vhds/disk.vhd?{sas('stcopysrc', src_key, 'disk.vhd', read=True)}"
    )
    worst = 0.0
    while True:
        props = await target.get_blob_properties()
        copied, _, total = (props.copy.progress or "0/1").partition("/")
        reported = int(copied) / int(total)
        # The service copies in offset order; the data's share is what lies below `copied`.
        worst = max(worst, abs(reported - disk.data_below(int(copied))) * 100)
        if props.copy.status != "pending":
            break
        await asyncio.sleep(1.0)
    elapsed = time.perf_counter() - began
    await target.close()
    return elapsed, worst


def measure(
    quick: bool = False, limit_mib: float = SUITE_LIMIT, rounds: int | None = None
) -> dict[str, Any]:
    disk = QUICK if quick else FULL
    rounds = rounds or (1 if quick else 3)
    settings = {
        "throttle": "off",
        "blob_limits": f"{limit_mib:g}MiB/s,500/s",
        "copy_speed": f"{limit_mib:g}MiB/s",
    }
    with_azcopy = AZCOPY.exists()
    azlab_runs: list[float] = []
    azcopy_runs: list[float] = []
    moved: list[int] = []
    worst: list[float] = []
    samples = 0
    with sandbox_process(**settings) as (env, _):
        src, src_key = make_account(env, "stcopysrc")
        dst, dst_key = make_account(env, "stcopydst")
        asyncio.run(_containers(src, src_key, dst, dst_key))
        note(f"copy: writing {disk.allocated // MIB} MiB into a {disk.size // MIB} MiB source")
        asyncio.run(seed_source(env, src_key, disk))
        for n in range(rounds):
            note(f"copy: azlab, round {n + 1} of {rounds}")
            elapsed, copied, off_by, pairs = asyncio.run(
                by_azlab(
                    src, src_key, dst, dst_key, env["AZLAB_SANDBOX_AZURITE"], disk, f"azlab{n}.vhd"
                )
            )
            azlab_runs.append(elapsed)
            moved.append(copied)
            worst.append(off_by)
            samples += pairs
            if with_azcopy:
                note(f"copy: AzCopy, round {n + 1} of {rounds}")
                azcopy_runs.append(by_azcopy(src, src_key, dst, dst_key, f"azcopy{n}.vhd"))
        note("copy: Copy Blob loop")
        loop_s, loop_worst = asyncio.run(by_copy_blob_loop(src, src_key, dst, dst_key, disk))
    bound = disk.allocated / (limit_mib * MIB)
    azlab_median = statistics.median(azlab_runs)
    azcopy = None
    if azcopy_runs:
        azcopy = {**summary(azcopy_runs), "ratio": azlab_median / statistics.median(azcopy_runs)}
    return {
        "settings": {**settings, "disk": disk.as_dict(), "rounds": rounds, "parallelism": 16},
        "allocated": disk.allocated,
        "bound_s": bound,
        "azlab_s": summary(azlab_runs),
        "ratio": azlab_median / bound,
        "moved": max(moved),
        "moved_ratio": max(moved) / disk.allocated,
        "progress_worst_points": max(worst),
        "progress_samples": samples,
        "azcopy_s": azcopy,
        "loop_s": loop_s,
        "loop_ratio": azlab_median / loop_s,
        "loop_progress_worst_points": loop_worst,
    }


def describe(result: dict[str, Any]) -> list[str]:
    s, bound = result["settings"], result["bound_s"]
    disk = s["disk"]
    azlab = result["azlab_s"]
    lines = [
        f"per-blob limit {s['blob_limits'].split(',')[0]}; {disk['size'] // MIB} MiB blob, "
        f"{result['allocated'] // MIB} MiB allocated in {disk['extents']} extents; "
        f"bound {bound:.1f}s",
        f"  azlab:  median {azlab['median']:.1f}s of {spread(azlab['runs'], 1)} = "
        f"{result['ratio']:.2f}x the bound, {result['moved'] / MIB:.0f} MiB moved "
        f"({100 * result['moved_ratio']:.1f}% of allocated), "
        f"progress off by at most {result['progress_worst_points']:.1f} points",
    ]
    azcopy = result["azcopy_s"]
    if azcopy:
        lines.append(
            f"  AzCopy: median {azcopy['median']:.1f}s of {spread(azcopy['runs'], 1)} = "
            f"{azcopy['median'] / bound:.2f}x the bound; azlab/AzCopy = {azcopy['ratio']:.2f}"
        )
    else:
        lines.append(f"  AzCopy: not installed ({AZCOPY})")
    lines.append(
        f"  Copy Blob loop: {result['loop_s']:.1f}s = {result['loop_s'] / bound:.2f}x the bound; "
        f"its percentage of the whole blob was off the data's share by up to "
        f"{result['loop_progress_worst_points']:.1f} points"
    )
    return lines


async def _containers(src: str, src_key: str, dst: str, dst_key: str) -> None:
    for url, name, key in ((src, "stcopysrc", src_key), (dst, "stcopydst", dst_key)):
        async with BlobServiceClient(
            url, credential={"account_name": name, "account_key": key}
        ) as service:
            await service.create_container("vhds")


def main() -> None:
    limits = [float(a) for a in sys.argv[1:]] or [60.0, 16.0]
    for limit in limits:
        print("\n".join(describe(measure(limit_mib=limit, rounds=1))))


if __name__ == "__main__":
    main()
