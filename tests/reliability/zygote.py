"""Runs azlab commands as separate processes without paying Python's imports for each one.

Importing the CLI and the Azure SDKs takes about 3 s on a 2-core machine, longer
than most commands run against the sandbox; crash and concurrency tests start
hundreds of them. This process imports azlab once, then forks one child per
command: the child sets the environment it is given, points stdout and stderr
at files and calls `azlab.cli.main.main(argv)`, exactly what `python -m azlab`
runs. The zygote itself never starts a thread or an event loop, so forking it
is safe.

Protocol, one JSON object per line on stdin and stdout:
  {"op": "run", "argv": [...], "env": {...}, "cwd": "...", "out": PATH, "err": PATH}
      -> {"pid": N}
  {"op": "wait", "pid": N, "timeout": SECONDS}
      -> {"pid": N, "code": EXIT_CODE, or -SIGNAL, or null on timeout}
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any


def _preload() -> None:
    # What commands import lazily on first use.
    import azure.mgmt.compute.aio
    import azure.mgmt.network.aio
    import azure.mgmt.resource.resources.aio
    import azure.mgmt.storage.aio
    import azure.storage.blob.aio
    import azure.storage.queue.aio  # noqa: F401

    from azlab.cli import commands  # noqa: F401  (registers every command)


def _child(request: dict[str, Any]) -> None:
    try:
        out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err = os.open(request["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        from azlab.cli.main import main

        code = main(list(request["argv"]))
    except BaseException:
        traceback.print_exc()
        code = 70
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _status(raw: int) -> int:
    return -os.WTERMSIG(raw) if os.WIFSIGNALED(raw) else os.WEXITSTATUS(raw)


def _wait(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        done, raw = os.waitpid(pid, os.WNOHANG)
        if done:
            return _status(raw)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.005)


def serve() -> None:
    _preload()
    reply = sys.stdout
    reply.write(json.dumps({"ready": True}) + "\n")
    reply.flush()
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "run":
            reply.flush()
            pid = os.fork()
            if pid == 0:
                _child(request)
            answer: dict[str, Any] = {"pid": pid}
        elif request["op"] == "wait":
            answer = {"pid": request["pid"], "code": _wait(request["pid"], request["timeout"])}
        else:
            answer = {"error": f"unknown op {request['op']!r}"}
        reply.write(json.dumps(answer) + "\n")
        reply.flush()


if __name__ == "__main__":
    serve()
