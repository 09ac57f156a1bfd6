"""`python -m azlab.sandbox.hosting.runbook_worker SCRIPT OFFSET [ARG ...]`: one Automation job.

Runs a published Python runbook as `__main__` with its parameters as
arguments, as an Automation sandbox does, with the process's clock travelled
(time-machine, ticking) to the sandbox clock: OFFSET seconds from the wall
clock. The exit code is the runbook's.
"""

from __future__ import annotations

import runpy
import sys
import time


def main() -> int:
    import time_machine

    script, offset, *arguments = sys.argv[1:]
    sys.argv = [script, *arguments]
    with time_machine.travel(time.time() + float(offset), tick=True):
        try:
            runpy.run_path(script, run_name="__main__")
        except SystemExit as done:
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
