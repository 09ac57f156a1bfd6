"""Two writers at once never lose an entry: a local file, and an append blob in Azurite."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from azlab.money.blob_ledger import BlobStore
from azlab.money.ledger import Entry, FileStore, Store
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

T0 = datetime(2026, 11, 2, tzinfo=timezone.utc)
PER_WRITER = 60


def batch(writer: int, n: int) -> list[Entry]:
    at = T0 + timedelta(seconds=n)
    return [
        Entry(at, f"w{writer}", "seen", f"vm{writer}-{n}-{i}", "g", "running") for i in range(3)
    ]


async def write_all(store: Store, writer: int) -> None:
    for n in range(PER_WRITER):
        await store.append("2026-11", batch(writer, n))


WRITER = """
import asyncio, sys
from datetime import datetime, timedelta, timezone
from azlab.money.ledger import Entry, FileStore
folder, w, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t0 = datetime(2026, 11, 2, tzinfo=timezone.utc)
async def go():
    store = FileStore(folder, "lab")
    for n in range(count):
        at = t0 + timedelta(seconds=n)
        await store.append("2026-11", [Entry(at, f"w{w}", "seen", f"vm{w}-{n}-{i}", "g", "running")
                                       for i in range(3)])
asyncio.run(go())
"""


def check(entries: list[Entry]) -> None:
    names = [e.vm for e in entries]
    assert len(names) == 2 * PER_WRITER * 3 == len(set(names))
    for w in (0, 1):  # each writer's entries come back whole and in its own order
        mine = [e.vm for e in entries if e.source == f"w{w}"]
        assert mine == [e.vm for n in range(PER_WRITER) for e in batch(w, n)]


def test_two_processes_append_to_one_local_month(tmp_path: Path) -> None:
    args = [str(tmp_path), str(PER_WRITER)]
    workers = [
        subprocess.Popen([sys.executable, "-c", WRITER, args[0], str(w), args[1]]) for w in (0, 1)
    ]
    assert [p.wait(60) for p in workers] == [0, 0]
    check(asyncio.run(FileStore(str(tmp_path), "lab").read("2026-11")))


def test_two_writers_append_to_one_blob(sandbox: Sandbox) -> None:
    if sandbox.storage is None:
        pytest.skip("needs Azurite (npm ci) for append blobs")
    endpoint, key = Clients(sandbox).storage_account("stledger01")

    async def go() -> list[Entry]:
        stores = [BlobStore(endpoint, "stledger01", key, "azlab-spend", "lab") for _ in (0, 1)]
        await asyncio.gather(*(write_all(s, w) for w, s in enumerate(stores)))
        return await stores[0].read("2026-11")

    check(asyncio.run(go()))
