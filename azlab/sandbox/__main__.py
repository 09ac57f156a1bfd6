"""`python -m azlab.sandbox serve --data DIR`: the process behind `azlab sandbox start`."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
from pathlib import Path

from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings

INFO_FILE = "sandbox.json"


# Collect young objects every 50,000 allocations, not 700: a lab of thousands of VMs is
# millions of long-lived objects, and a page of a VM list is some 150,000 new ones, so
# the default thresholds spent more time in collections than in answering.
GC_THRESHOLDS = (50_000, 50, 100)


async def serve(data: Path, settings: Settings, port: int, *, persist: bool = True) -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    sandbox = Sandbox(settings, data_dir=data, persist=persist, port=port)
    await sandbox.serve()
    info = {"pid": os.getpid(), **sandbox.env()}
    (data / INFO_FILE).write_text(json.dumps(info, indent=2))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await asyncio.get_running_loop().run_in_executor(None, sandbox.hosting.close)
    sandbox.emulator.close()
    sandbox.emulator.save()
    if sandbox.storage is not None:
        sandbox.storage.stop()
    (data / INFO_FILE).unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m azlab.sandbox")
    parser.add_argument("command", choices=["serve"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--settings", default="{}", help="JSON of sandbox settings")
    parser.add_argument("--port", type=int, default=0)
    # Writing the whole state every second costs more than answering once a lab has
    # thousands of VMs; benchmarks of big labs measure the client, so they keep none.
    parser.add_argument("--no-state", action="store_true", help="keep no state file")
    args = parser.parse_args()
    settings = Settings().with_changes(json.loads(args.settings))
    args.data.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.data, settings, args.port, persist=not args.no_state))


if __name__ == "__main__":
    main()
