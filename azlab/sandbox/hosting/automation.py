"""Automation job schedules: each published Python runbook run in a process when its schedule fires.

For an Automation account, the host keeps the account's job schedules (as
Microsoft.Automation last told of them) and, on a thread of the account's
own, starts a job whenever the sandbox clock passes a firing of a job
schedule's schedule: the runbook's published text, written into the data
folder, run by `python -m azlab.sandbox.hosting.runbook_worker` with the job
schedule's parameters as arguments, the account identity's
`IDENTITY_ENDPOINT`/`IDENTITY_HEADER` and where the sandbox answers, its
clock travelled to the sandbox's. A move of the clock past several firings
starts one job, as for timers. Output lines (stdout and stderr) are the
job's log; exit code 0 is success.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from azlab.sandbox.arm.automation_runbooks import next_runs
from azlab.sandbox.hosting.passes import PassLoop
from azlab.sandbox.hosting.process import PASSED
from azlab.sandbox.hosting.runs import RunLog, iso, redact

WORKER = "azlab.sandbox.hosting.runbook_worker"
JOB_SECONDS = 3 * 3600.0  # Automation's fair share: a job is stopped after three hours
MOST_COUNTED = 10_000
LOG_LINES = 200


@dataclass(frozen=True)
class HostedAccount:
    name: str
    job_schedules: list[dict[str, Any]]  # as automation_runbooks.Runbooks.job_schedules gives
    identity_endpoint: str
    identity_header: str


class AccountHost(PassLoop):
    """One Automation account's job schedules and the thread that starts their jobs."""

    def __init__(
        self,
        account: HostedAccount,
        folder: Path,
        clock: Callable[[], float],
        runs: RunLog,
        platform: Mapping[str, str],
    ) -> None:
        self.account = account
        self.folder = folder
        self.clock = clock
        self.runs = runs
        self.error = ""
        self.secrets = [account.identity_header] if account.identity_header else []
        base = {k: v for k, v in os.environ.items() if k in PASSED}
        self.env = {
            **base,
            **platform,
            "IDENTITY_ENDPOINT": account.identity_endpoint,
            "IDENTITY_HEADER": account.identity_header,
        }
        self.jobs = [
            j
            for j in account.job_schedules
            if j.get("content")
            and str(j.get("runbookType", "")).lower().startswith("python")
            and j.get("schedule")
        ]
        skipped = len(account.job_schedules) - len(self.jobs)
        if skipped:
            self.error = f"{skipped} job schedule(s) without a published Python runbook"
        now = clock()
        self._last = {str(j["jobScheduleId"]): now for j in self.jobs}
        self._init_passes()
        self._start_passes(f"jobs-{account.name}")

    def _one_pass(self) -> tuple[bool, bool]:
        worked = self._start_due()
        return worked, not worked

    def _start_due(self) -> bool:
        worked = False
        for job in self.jobs:
            key = str(job["jobScheduleId"])
            now, last = self.clock(), self._last[key]
            if now < last:
                self._last[key] = now
                continue
            passed: list[float] = []
            moment = last + 0.001
            while len(passed) < MOST_COUNTED:
                found = next_runs(job["schedule"], moment, 1)
                if not found or found[0] > now:
                    break
                passed.append(found[0])
                moment = found[0] + 1
            if not passed:
                continue
            self._last[key] = now
            self._run(job, passed)
            worked = True
        return worked

    def _run(self, job: Mapping[str, Any], passed: list[float]) -> None:
        text = str(job["content"])
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        script = self.folder / f"{job['runbook']}-{digest}.py"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text(text)
        arguments = [str(v) for _, v in sorted(dict(job.get("parameters") or {}).items())]
        started = self.clock()
        began = time.monotonic()
        offset = started - time.time()
        try:
            done = subprocess.run(
                [sys.executable, "-m", WORKER, str(script), str(offset), *arguments],
                cwd=script.parent,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=JOB_SECONDS,
            )
            code, output = done.returncode, (done.stdout + done.stderr).splitlines()
            error = "" if code == 0 else f"the runbook exited with {code}"
        except subprocess.TimeoutExpired:
            code, output, error = -1, [], f"stopped after {JOB_SECONDS:.0f} s (fair share)"
        self.runs.add(
            app=self.account.name,
            function=str(job["runbook"]),
            trigger="schedule",
            scheduled=iso(passed[0]),
            started=iso(started),
            seconds=round(time.monotonic() - began, 4),
            outcome="succeeded" if code == 0 else "failed",
            past_due=len(passed) > 1,
            occurrences=len(passed),
            error=redact(error, self.secrets),
            logs=[redact(line, self.secrets) for line in output[-LOG_LINES:]],
        )

    # the same face as a site's, for FunctionHost
    def describe(self) -> dict[str, Any]:
        return {
            "name": self.account.name,
            "kind": "automation",
            "error": self.error,
            "functions": [
                {
                    "name": str(j["runbook"]),
                    "trigger": "jobSchedule",
                    "schedule": str(j["schedule"].get("name", "")),
                }
                for j in self.jobs
            ],
        }

    def stop(self) -> None:
        self._stop_passes()
