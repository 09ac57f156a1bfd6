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


@contextmanager
def sandbox_process(**settings: Any) -> Iterator[tuple[dict[str, str], SandboxControl]]:
    with tempfile.TemporaryDirectory() as tmp:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "azlab.sandbox",
                "serve",
                "--data",
                tmp,
                "--settings",
                json.dumps(settings),
            ],
        )
        try:
            info_file = Path(tmp) / "sandbox.json"
            for _ in range(600):
                if info_file.exists():
                    break
                time.sleep(0.05)
            info = json.loads(info_file.read_text())
            env = {k: str(v) for k, v in info.items() if k != "pid"}
            saved = dict(os.environ)
            os.environ.update(env)
            try:
                yield env, SandboxControl(env["AZLAB_SANDBOX_CONTROL"], env["AZLAB_CA_FILE"])
            finally:
                os.environ.clear()
                os.environ.update(saved)
        finally:
            process.terminate()
            process.wait(10)
