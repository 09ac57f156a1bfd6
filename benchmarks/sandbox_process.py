"""Start a sandbox in its own process for benchmarks, so it never shares the GIL with azlab."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from azlab.sandbox.control import SandboxControl
from benchmarks.common import child_env


@contextmanager
def sandbox_process(
    *, storage: bool = True, persist: bool = True, **settings: Any
) -> Iterator[tuple[dict[str, str], SandboxControl]]:
    """`storage=False`: control plane only, no Azurite (ARM work never waits for disk bytes).
    `persist=False`: no state file (azlab/sandbox/__main__.py says why)."""
    env = child_env(AZLAB_SANDBOX_STORAGE="off") if not storage else child_env()
    with tempfile.TemporaryDirectory() as tmp:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "azlab.sandbox",
                "serve",
                *(() if persist else ("--no-state",)),
                "--data",
                tmp,
                "--settings",
                json.dumps(settings),
            ],
            env=env,
        )
        try:
            info = _wait_for_info(Path(tmp) / "sandbox.json", process)
            found = {k: str(v) for k, v in info.items() if k != "pid"}
            saved = dict(os.environ)
            os.environ.update(found)
            try:
                # The pid lets a benchmark read the sandbox's own CPU time.
                yield (
                    {**found, "pid": str(process.pid)},
                    SandboxControl(found["AZLAB_SANDBOX_CONTROL"], found["AZLAB_CA_FILE"]),
                )
            finally:
                os.environ.clear()
                os.environ.update(saved)
        finally:
            process.terminate()
            try:
                process.wait(60)  # it writes its state file on the way out
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_for_info(info_file: Path, process: subprocess.Popen[bytes]) -> dict[str, Any]:
    # Azurite can take a minute to start on a busy machine.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            # The file may be seen half written; it parses once complete.
            info: dict[str, Any] = json.loads(info_file.read_text())
            return info
        except (FileNotFoundError, json.JSONDecodeError):
            time.sleep(0.05)
    raise RuntimeError(f"the sandbox did not start (exit status {process.poll()})")
