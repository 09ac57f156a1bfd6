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
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
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
from benchmarks.gateway_bench import make_account
from benchmarks.sandbox_process import sandbox_process

MIB = 1024 * 1024
SIZE = 4096 * MIB
EXTENTS = 64
EXTENT = 8 * MIB  # 64 x 8 MiB = 512 MiB allocated
ALLOCATED = EXTENTS * EXTENT
AZCOPY = (
    Path(__file__).resolve().parents[1]
    / "node_modules/@azure-tools/azcopy-linux/dist/bin/azcopy_linux_amd64"
)


def sas(account: str, key: str, blob: str, **permissions: bool) -> str:
    return generate_blob_sas(
        account,
        "vhds",
        blob,
        account_key=key,
        permission=BlobSasPermissions(**permissions),
        expiry=datetime.now(timezone.utc) + timedelta(hours=2),
    )


def data_below(offset: int) -> float:
    stride = SIZE // EXTENTS
    below = sum(max(0, min(EXTENT, offset - n * stride)) for n in range(EXTENTS))
    return below / ALLOCATED


async def true_share(blob: BlobClient) -> float:
    try:
        ranges = await allocated_ranges(blob)
    except ResourceNotFoundError:
        return 0.0
    return sum(e - s for s, e in ranges) / ALLOCATED


class Sampler:
    """Pairs of (reported share, true share) taken while a copy runs."""

    def __init__(self, destination: BlobClient) -> None:
        self.destination = destination
        self.reported = 0.0
        self.pairs: list[tuple[float, float]] = []

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            reported = self.reported
            truth = await true_share(self.destination)
            self.pairs.append((reported, truth))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)

    @property
    def worst(self) -> float:
        return max((abs(r - t) for r, t in self.pairs), default=0.0) * 100


async def seed_source(env: dict[str, str], key: str) -> None:
    azurite = env["AZLAB_SANDBOX_AZURITE"] + "/stcopysrc/"
    async with BlobServiceClient(
        azurite, credential={"account_name": "stcopysrc", "account_key": key}
    ) as direct:
        blob = direct.get_blob_client("vhds", "disk.vhd")
        await blob.create_page_blob(SIZE)
        data = os.urandom(4 * MIB)
        stride = SIZE // EXTENTS
        for n in range(EXTENTS):
            for part in range(0, EXTENT, 4 * MIB):
                await blob.upload_page(data, offset=n * stride + part, length=4 * MIB)


async def by_azlab(
    src: str, src_key: str, dst: str, dst_key: str, azurite: str
) -> tuple[float, int, float]:
    source = BlobClient.from_blob_url(
        f"{src}vhds/disk.vhd", credential={"account_name": "stcopysrc", "account_key": src_key}
    )
    target = BlobClient.from_blob_url(
        f"{dst}vhds/azlab.vhd",
        credential={"account_name": "stcopydst", "account_key": dst_key},
        retry_total=0,
    )
    # The truth is read from Azurite itself, so sampling spends none of the blob's limits.
    sampler = Sampler(
        BlobClient.from_blob_url(
            f"{azurite}/stcopydst/vhds/azlab.vhd",
            credential={"account_name": "stcopydst", "account_key": dst_key},
        )
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
    return elapsed, result.copied, sampler.worst


def by_azcopy(src: str, src_key: str, dst: str, dst_key: str) -> float:
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
                f"{dst}vhds/azcopy.vhd?{write}",
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
        raise SystemExit(f"AzCopy failed: {done.stdout[-1000:]}")
    return elapsed


async def by_copy_blob_loop(src: str, src_key: str, dst: str, dst_key: str) -> tuple[float, float]:
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
        worst = max(worst, abs(reported - data_below(int(copied))) * 100)
        if props.copy.status != "pending":
            break
        await asyncio.sleep(1.0)
    elapsed = time.perf_counter() - began
    await target.close()
    return elapsed, worst


def run(limit_mib: float) -> None:
    settings = {
        "throttle": "off",
        "blob_limits": f"{limit_mib}MiB/s,500/s",
        "copy_speed": f"{limit_mib}MiB/s",
    }
    with sandbox_process(**settings) as (env, _):
        src, src_key = make_account(env, "stcopysrc")
        dst, dst_key = make_account(env, "stcopydst")
        asyncio.run(_containers(src, src_key, dst, dst_key))
        asyncio.run(seed_source(env, src_key))
        bound = ALLOCATED / (limit_mib * MIB)
        azlab_s, moved, azlab_worst = asyncio.run(
            by_azlab(src, src_key, dst, dst_key, env["AZLAB_SANDBOX_AZURITE"])
        )
        azcopy_s = by_azcopy(src, src_key, dst, dst_key) if AZCOPY.exists() else float("nan")
        loop_s, loop_worst = asyncio.run(by_copy_blob_loop(src, src_key, dst, dst_key))
    print(
        f"per-blob limit {limit_mib:g} MiB/s; 4 GiB blob, {ALLOCATED // MIB} MiB allocated "
        f"in {EXTENTS} extents; bound {bound:.1f}s"
    )
    print(
        f"  azlab:  {azlab_s:.1f}s = {azlab_s / bound:.2f}x the bound, "
        f"{moved / MIB:.0f} MiB moved ({100 * moved / ALLOCATED:.1f}% of allocated), "
        f"progress off by at most {azlab_worst:.1f} points"
    )
    print(
        f"  AzCopy: {azcopy_s:.1f}s = {azcopy_s / bound:.2f}x the bound; "
        f"azlab/AzCopy = {azlab_s / azcopy_s:.2f}"
    )
    print(
        f"  Copy Blob loop: {loop_s:.1f}s = {loop_s / bound:.2f}x the bound; "
        f"its percentage of the whole blob was off the data's share by up to "
        f"{loop_worst:.1f} points"
    )


async def _containers(src: str, src_key: str, dst: str, dst_key: str) -> None:
    for url, name, key in ((src, "stcopysrc", src_key), (dst, "stcopydst", dst_key)):
        async with BlobServiceClient(
            url, credential={"account_name": name, "account_key": key}
        ) as service:
            await service.create_container("vhds")


def main() -> None:
    limits = [float(a) for a in sys.argv[1:]] or [60.0, 16.0]
    for limit in limits:
        run(limit)


if __name__ == "__main__":
    main()
