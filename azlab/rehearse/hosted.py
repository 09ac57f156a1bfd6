"""`rehearse --hosted`: the scheduler, deployed into the throwaway sandbox, ticks the lab's week.

`azlab scheduler deploy` makes the Function app as it would in Azure; the
sandbox hosts the deployed package (its own process, the site's identity, held
to its roles). The week then moves the sandbox clock from tick to tick: the
hosted timer fires at each 5-minute occurrence, the hosted queue trigger
carries out what it enqueued, and after each tick the rehearsal looks from
outside, with the same checks as the in-process week (week.py).

The app runs as deployed: the throwaway sandbox serves storage over HTTPS
(its `storage_tls` setting), so the hosted timer reads the plan blob
(`AZLAB_PLAN_URL`) and appends to the status blobs, and the queue trigger and
the tick's enqueueing use the queue, all with the site's identity, held to the
data roles deploy assigned it, as in Azure. After deploying, the rehearsal
changes two settings only, as a user could through ARM: a group waiting for
its dependencies is retried after 1 s instead of 15 (a message's visibility
runs on the wall clock, and the sandbox's power operations finish at once),
and a tick's deadline is the rehearsal's (a stuck tick fails in seconds, not
8 minutes). Everything ARM — the VMs, tags, batch power — goes through the
site's identity and its roles too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from azlab.azure.session import AzureSession
from azlab.plan.loader import LoadedPlan
from azlab.scheduler.deploy import DeployOptions, DeployReport, deploy

RETRY_WAITING_SECONDS = "1"


@dataclass
class HostedFigures:
    site: str
    deploy_seconds: float = 0.0  # scheduler deploy, from nothing
    deploy_requests: int = 0
    first_tick_seconds: float | None = None  # deploy's start to the first hosted tick's end
    runs: int = 0
    timer_runs: int = 0
    queue_runs: int = 0
    failed_runs: int = 0
    past_due_runs: int = 0
    began: float = 0.0  # monotonic, when deploy began

    def as_data(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "deploy_seconds": round(self.deploy_seconds, 2),
            "deploy_requests": self.deploy_requests,
            "first_tick_seconds": None
            if self.first_tick_seconds is None
            else round(self.first_tick_seconds, 2),
            "runs": self.runs,
            "timer_runs": self.timer_runs,
            "queue_runs": self.queue_runs,
            "failed_runs": self.failed_runs,
            "past_due_runs": self.past_due_runs,
        }


async def rehearsal_pacing(session: AzureSession, report: DeployReport, deadline: float) -> None:
    """The deployed app's two pacing settings, at the rehearsal's pace."""
    names = report.names
    group, site = names.resource_group, names.site
    apps = session.web.web_apps
    settings: dict[str, str] = dict((await apps.list_application_settings(group, site)).properties)
    settings |= {
        "AZLAB_QUEUE_WAIT_SECONDS": RETRY_WAITING_SECONDS,
        "AZLAB_TICK_DEADLINE_SECONDS": str(deadline),
    }
    await apps.update_application_settings(group, site, {"properties": settings})


async def deploy_scheduler(
    session: AzureSession,
    loaded: LoadedPlan,
    env: dict[str, str],
    deadline: float,
    progress: Callable[[str], None],
) -> DeployReport:
    report = await deploy(session, loaded, DeployOptions(env=env), progress=progress)
    await rehearsal_pacing(session, report, deadline)
    return report


def tally_runs(figures: HostedFigures, runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Count this site's runs (other plans' schedulers run too); the failed ones."""
    runs = [r for r in runs if str(r["app"]).lower() == figures.site.lower()]
    if figures.first_tick_seconds is None and any(r["trigger"] == "timer" for r in runs):
        figures.first_tick_seconds = elapsed(figures.began)
    failed = [r for r in runs if r["outcome"] != "succeeded"]
    figures.runs += len(runs)
    figures.timer_runs += sum(1 for r in runs if r["trigger"] == "timer")
    figures.queue_runs += sum(1 for r in runs if r["trigger"] == "queue")
    figures.past_due_runs += sum(1 for r in runs if r.get("past_due"))
    figures.failed_runs += len(failed)
    return failed


def run_problem(run: dict[str, Any]) -> str:
    where = f"hosted {run['function']} ({run['trigger']}, due {run['scheduled']})"
    return f"{where} failed: {run['error'] or 'no error given'}"


def elapsed(began: float) -> float:
    return time.monotonic() - began
