"""`python -m azlab.sandbox serve` without the state file, for benchmarks of big labs.

The sandbox's process mode writes its whole state to disk every second while
anything changes; with thousands of VMs that costs the sandbox more CPU than
answering, so a benchmark of the client would measure the sandbox's disk
writes instead. Everything else is the same process the CLI starts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path

from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

INFO_FILE = "sandbox.json"


async def serve(data: Path, settings: Settings) -> None:
    sandbox = Sandbox(settings, data_dir=data, persist=False)
    await sandbox.serve()
    (data / INFO_FILE).write_text(json.dumps({"pid": os.getpid(), **sandbox.env()}))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    sandbox.emulator.close()
    if sandbox.storage is not None:
        sandbox.storage.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sandbox_serve")
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--settings", default="{}", help="JSON of sandbox settings")
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.data, Settings().with_changes(json.loads(args.settings))))


if __name__ == "__main__":
    main()
