"""Azure Automation Python runbook: one `azlab tick` per scheduled run.

Import this file as a Python 3.10 runbook, add the `azlab` package to the
Automation account, link a schedule (every 15 minutes is Automation's
shortest), and give the account's managed identity the role in role.json.
"""

from __future__ import annotations

import json
import sys

from azlab.power.hosted import run_tick
from azlab.redact import redact


def main() -> int:
    report = run_tick()
    # The plan's secret variables were remembered when it loaded: the log shows their names.
    print(redact(json.dumps(report, indent=2)))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
