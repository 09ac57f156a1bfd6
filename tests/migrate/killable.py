"""`python killable.py ARGS...` runs `azlab ARGS...`, SIGKILLed as AZLAB_FAULT_KILL_AT says.

AZLAB_FAULT_KILL_AT is "STEP" or "STEP@SECONDS": the process kills itself that long after
the migration step STEP starts, as a lost machine would. Unset, it is plain `azlab`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from azlab.cli.main import main
from azlab.testing import hooks


def _install(spec: str) -> None:
    step, _, delay = spec.partition("@")

    def at_step(name: str) -> None:
        if name == step:
            asyncio.get_running_loop().call_later(
                float(delay or 0), os.kill, os.getpid(), signal.SIGKILL
            )

    hooks.listen("migrate.step", at_step)


if __name__ == "__main__":
    spec = os.environ.get("AZLAB_FAULT_KILL_AT")
    if spec:
        _install(spec)
    raise SystemExit(main(sys.argv[1:]))
