"""ARM requests per second the sandbox answers, latency zero, from a separate process.

Run: .venv/bin/python -m benchmarks.sandbox_throughput [REQUESTS]
The sandbox runs as its own process (as `azlab sandbox start` runs it); this
process drives it over HTTPS with keep-alive connections. The figure to beat
is the 1,000 requests/s the other benchmarks ask of it at their busiest.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import statistics
import sys
import time
from typing import Any

import aiohttp

from azlab.azure.session import SCOPE
from azlab.sandbox.credential import SandboxCredential
from benchmarks.common import spread, summary
from benchmarks.sandbox_process import sandbox_process

REQUESTS = 5000
CONCURRENCY = 32
NEEDED = 1000  # requests/s


async def drive(
    info: dict[str, str], requests: int, rounds: int
) -> tuple[list[float], list[float]]:
    context = ssl.create_default_context(cafile=info["AZLAB_CA_FILE"])
    base = f"{info['AZLAB_ENDPOINT']}/subscriptions/{info['AZURE_SUBSCRIPTION_ID']}"
    token = SandboxCredential.from_env(info).get_token(SCOPE).token
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, ssl=context)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as http:
        await http.put(
            f"{base}/resourcegroups/rg-bench?api-version=1", data='{"location": "westus2"}'
        )
        queue: list[int] = []

        async def reader() -> None:
            while queue:
                queue.pop()
                async with http.get(f"{base}/resourcegroups/rg-bench?api-version=1") as answer:
                    await answer.read()
                    assert answer.status == 200

        async def writer() -> None:
            while queue:
                n = queue.pop()
                body = json.dumps({"location": "westus2", "tags": {"n": str(n)}})
                async with http.put(f"{base}/resourcegroups/rg-{n}?api-version=1", data=body) as a:
                    await a.read()
                    assert a.status in (200, 201)

        reads: list[float] = []
        writes: list[float] = []
        for _ in range(rounds):
            for work, rates in ((reader, reads), (writer, writes)):
                queue[:] = list(range(requests))
                start = time.perf_counter()
                await asyncio.gather(*(work() for _ in range(CONCURRENCY)))
                rates.append(requests / (time.perf_counter() - start))
        return reads, writes


def measure(quick: bool = False, requests: int | None = None) -> dict[str, Any]:
    requests = requests or (1000 if quick else REQUESTS)
    rounds = 2 if quick else 3
    with sandbox_process(storage=False, op_time=0) as (info, _):
        reads, writes = asyncio.run(drive(info, requests, rounds))
    return {
        "settings": {
            "latency": "0",
            "connections": CONCURRENCY,
            "requests": requests,
            "rounds": rounds,
        },
        "get_per_s": summary(reads),
        "put_per_s": summary(writes),
        "needed_per_s": NEEDED,
        "get_ratio": statistics.median(reads) / NEEDED,
        "put_ratio": statistics.median(writes) / NEEDED,
    }


def describe(result: dict[str, Any]) -> list[str]:
    s = result["settings"]
    get, put = result["get_per_s"], result["put_per_s"]
    return [
        f"sandbox throughput, latency 0, {s['connections']} connections, "
        f"{s['requests']} requests each, {s['rounds']} rounds:",
        f"  GET resource group: {get['median']:,.0f} requests/s (runs {spread(get['runs'], 0)})",
        f"  PUT resource group: {put['median']:,.0f} requests/s (runs {spread(put['runs'], 0)})",
    ]


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else None
    print("\n".join(describe(measure(requests=requests))))


if __name__ == "__main__":
    main()
