"""The host's side of a worker process: start it, read what it hosts, invoke, time out, restart."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

WORKER = "azlab.sandbox.hosting.worker"
STARTUP_SECONDS = 60.0
# What a process on App Service finds besides the app settings; nothing of the caller's own.
PASSED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")


class WorkerError(Exception):
    pass


class WorkerProcess:
    def __init__(self, folder: Path, env: Mapping[str, str], log: Path) -> None:
        self.folder = folder
        self.log = log  # the process's stderr: what the hosted code wrote there
        base = {k: v for k, v in os.environ.items() if k in PASSED}
        self.env = {**base, **env}
        self._proc: subprocess.Popen[str] | None = None
        self._next = 0
        self.functions: list[dict[str, Any]] = []

    def start(self) -> list[dict[str, Any]]:
        """Start the process; the functions it hosts (raises WorkerError if it cannot load)."""
        self.stop()
        with self.log.open("a") as stderr:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", WORKER, str(self.folder)],
                cwd=self.folder,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        first = self._read(STARTUP_SECONDS)
        if "error" in first:
            self.stop()
            raise WorkerError(str(first["error"]))
        self.functions = list(first["functions"])
        return self.functions

    def _read(self, timeout: float) -> dict[str, Any]:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        if not ready:
            proc.kill()
            self.stop()
            raise TimeoutError
        line = proc.stdout.readline()
        if not line:
            code = proc.wait()
            self._proc = None
            raise WorkerError(f"the worker process ended (exit code {code})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def invoke(
        self, function: str, trigger: dict[str, Any], clock_offset: float, timeout: float
    ) -> dict[str, Any]:
        """Run one function; a crashed or timed-out process is started again for the next run."""
        if self._proc is None or self._proc.poll() is not None:
            self.start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None
        self._next += 1
        request = {
            "id": self._next,
            "function": function,
            "trigger": trigger,
            "clock_offset": clock_offset,
        }
        try:
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            return self._read(timeout)
        except TimeoutError:
            return {"outcome": "failed", "error": f"Timeout value of {timeout:.0f} s exceeded"}
        except (WorkerError, BrokenPipeError) as exc:
            self._proc = None
            return {"outcome": "failed", "error": f"the worker process failed: {exc}"}

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
