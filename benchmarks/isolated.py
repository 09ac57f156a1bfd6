"""Run one benchmark step in a fresh Python process, so its peak memory is its own.

`run_isolated("benchmarks.scaling_bench:noop_plan", path, 3)` calls that function
(awaiting it if it is a coroutine function) in a child process that inherits
this process's environment (a sandbox's variables included), and returns its
dict with `rss_after_imports_mib` and `peak_rss_mib` added. Peak memory is
monotonic within a process, so a step measured after other work would report
that work's peak instead of its own.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import child_env, peak_rss_mib


def run_isolated(target: str, *args: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.isolated", target, str(out), json.dumps(args)],
            check=False,
            env=child_env(),
        )
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"{target} failed in its own process (exit {done.returncode})")
        result: dict[str, Any] = json.loads(out.read_text())
    return result


def main() -> None:
    target, out, args = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
    module_name, _, function_name = target.partition(":")
    function = getattr(importlib.import_module(module_name), function_name)
    after_imports = peak_rss_mib()
    if inspect.iscoroutinefunction(function):
        result = asyncio.run(function(*args))
    else:
        result = function(*args)
    result = {**result, "rss_after_imports_mib": after_imports, "peak_rss_mib": peak_rss_mib()}
    out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
