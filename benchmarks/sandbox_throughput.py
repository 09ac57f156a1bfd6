"""ARM requests per second the sandbox answers, latency zero, from a separate process.

Run: .venv/bin/python -m benchmarks.sandbox_throughput
The sandbox runs as its own process (as `azlab sandbox start` runs it); this
process drives it over HTTPS with keep-alive connections.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import time

import aiohttp

from benchmarks.sandbox_process import sandbox_process

REQUESTS = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
CONCURRENCY = 32


async def drive(info: dict[str, str]) -> tuple[float, float]:
    context = ssl.create_default_context(cafile=info["AZLAB_CA_FILE"])
    base = f"{info['AZLAB_ENDPOINT']}/subscriptions/{info['AZURE_SUBSCRIPTION_ID']}"
    headers = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, ssl=context)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as http:
        await http.put(
            f"{base}/resourcegroups/rg-bench?api-version=1", data='{"location": "westus2"}'
        )
        queue = list(range(REQUESTS))

        async def worker() -> None:
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

        results = []
        for work in (worker, writer):
            queue[:] = list(range(REQUESTS))
            start = time.perf_counter()
            await asyncio.gather(*(work() for _ in range(CONCURRENCY)))
            results.append(REQUESTS / (time.perf_counter() - start))
        return results[0], results[1]


def main() -> None:
    with sandbox_process(op_time=0) as (info, _):
        reads, writes = asyncio.run(drive(info))
    print(f"sandbox throughput, latency 0, {CONCURRENCY} connections, {REQUESTS} requests each:")
    print(f"  GET resource group: {reads:,.0f} requests/s")
    print(f"  PUT resource group: {writes:,.0f} requests/s")


if __name__ == "__main__":
    main()
