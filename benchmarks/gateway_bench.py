"""The storage gateway is not what a copy benchmark measures.

Run: .venv/bin/python -m benchmarks.gateway_bench [MiB]
In one run, against a sandbox in its own process (limits off): a plain Put
Page upload of 1 GiB straight to Azurite (the baseline), then a server-side
copy of the same allocated pages with Put Page From URL through the gateway,
both in 4 MiB requests, 16 at a time. Target: the copy runs at 70% or more of
the upload's speed.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from azure.storage.blob import BlobSasPermissions, generate_blob_sas
from azure.storage.blob.aio import BlobServiceClient

from benchmarks.common import note, spread, summary
from benchmarks.sandbox_process import sandbox_process

MIB = 1024 * 1024
CHUNK = 4 * MIB
PARALLEL = 16
TOTAL_MIB = 1024  # run alone
SUITE_MIB = 512  # in the suite: the ratio does not depend on the size, the suite's length does
ROUNDS = 3
TARGET = 0.70


def make_account(env: dict[str, str], name: str) -> tuple[str, str]:
    from azure.mgmt.resource.resources import ResourceManagementClient
    from azure.mgmt.storage import StorageManagementClient

    from azlab.sandbox.credential import SandboxCredential

    options: dict[str, Any] = {
        "base_url": env["AZLAB_ENDPOINT"],
        "connection_verify": env["AZLAB_CA_FILE"],
    }
    sub = env["AZURE_SUBSCRIPTION_ID"]
    token = SandboxCredential.from_env(env)
    ResourceManagementClient(token, sub, **options).resource_groups.create_or_update(  # type: ignore[arg-type]
        "rg-bench", {"location": "westus2"}
    )
    storage = StorageManagementClient(token, sub, **options)  # type: ignore[arg-type]
    made = storage.storage_accounts.begin_create(
        "rg-bench",
        name,
        {"location": "westus2", "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"},
    ).result()
    key = storage.storage_accounts.list_keys("rg-bench", name).as_dict()["keys"][0]["value"]
    return made.primary_endpoints.blob, key


async def in_parallel(offsets: list[int], work: Any) -> float:
    queue = list(offsets)
    began = time.perf_counter()

    async def worker() -> None:
        while queue:
            await work(queue.pop())

    await asyncio.gather(*(worker() for _ in range(PARALLEL)))
    return time.perf_counter() - began


async def run(env: dict[str, str], total_mib: int, rounds: int) -> tuple[list[float], list[float]]:
    gateway, key = make_account(env, "stgatewaybench")
    azurite = env["AZLAB_SANDBOX_AZURITE"] + "/stgatewaybench/"
    credential = {"account_name": "stgatewaybench", "account_key": key}
    total = total_mib * MIB
    data = os.urandom(CHUNK)
    offsets = list(range(0, total, CHUNK))
    uploads, copies = [], []
    async with (
        BlobServiceClient(azurite, credential=credential) as direct,
        BlobServiceClient(gateway, credential=credential) as through,
    ):
        await direct.create_container("vhds")
        for n in range(rounds):
            note(f"gateway: round {n + 1} of {rounds}")
            source = direct.get_blob_client("vhds", f"source{n}.vhd")
            await source.create_page_blob(total)

            async def upload(offset: int, source: Any = source) -> None:
                await source.upload_page(data, offset=offset, length=CHUNK)

            uploads.append(await in_parallel(offsets, upload))
            sas = generate_blob_sas(
                "stgatewaybench",
                "vhds",
                f"source{n}.vhd",
                account_key=key,
                permission=BlobSasPermissions(read=True),
                expiry=datetime.now(timezone.utc) + timedelta(hours=1),
            )
            url = f"{gateway}vhds/source{n}.vhd?{sas}"
            target = through.get_blob_client("vhds", f"copy{n}.vhd")
            await target.create_page_blob(total)

            async def copy(offset: int, target: Any = target, url: str = url) -> None:
                await target.upload_pages_from_url(
                    url, offset=offset, length=CHUNK, source_offset=offset
                )

            copies.append(await in_parallel(offsets, copy))
            await source.delete_blob()
            await target.delete_blob()
    return uploads, copies


def measure(quick: bool = False, total_mib: int | None = None) -> dict[str, Any]:
    total_mib = total_mib or (128 if quick else SUITE_MIB)
    rounds = 1 if quick else ROUNDS
    with sandbox_process(throttle="off") as (env, _):
        uploads, copies = asyncio.run(run(env, total_mib, rounds))
    size = total_mib * MIB
    upload_rate = size / statistics.median(uploads) / MIB
    copy_rate = size / statistics.median(copies) / MIB
    return {
        "settings": {
            "mib": total_mib,
            "request_mib": CHUNK // MIB,
            "parallel": PARALLEL,
            "rounds": rounds,
            "limits": "off",
        },
        "upload_s": summary(uploads),
        "copy_s": summary(copies),
        "upload_mib_per_s": upload_rate,
        "copy_mib_per_s": copy_rate,
        "ratio": copy_rate / upload_rate,
        "target": TARGET,
    }


def describe(result: dict[str, Any]) -> list[str]:
    s = result["settings"]
    return [
        f"{s['mib']} MiB of allocated pages, {s['request_mib']} MiB requests, "
        f"{s['parallel']} at a time, {s['rounds']} rounds:",
        f"  Put Page upload straight to Azurite (baseline): {result['upload_mib_per_s']:.0f} MiB/s "
        f"(runs {spread(result['upload_s']['runs'])}s)",
        f"  Put Page From URL through the gateway: {result['copy_mib_per_s']:.0f} MiB/s "
        f"(runs {spread(result['copy_s']['runs'])}s)",
        f"  ratio: {result['ratio']:.2f} (target {TARGET:.2f} or more)",
    ]


def main() -> None:
    total_mib = int(sys.argv[1]) if len(sys.argv) > 1 else TOTAL_MIB
    print("\n".join(describe(measure(total_mib=total_mib))))


if __name__ == "__main__":
    main()
