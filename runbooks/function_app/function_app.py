"""Azure Functions app (Python v2 programming model): a timer that runs `azlab tick`.

Deploy the folder with `func azure functionapp publish`; see runbooks/README.md.
"""

from __future__ import annotations

import json
import logging

import azure.functions as func  # provided by the Functions host

from azlab.power.hosted import run_tick

app = func.FunctionApp()


@app.timer_trigger(schedule="%AZLAB_TICK_SCHEDULE%", arg_name="timer", run_on_startup=False)
def tick(timer: func.TimerRequest) -> None:
    report = run_tick()
    logging.info("azlab tick: %s", json.dumps(report))
    if not report["ok"]:
        # A failed run shows as failed in the Functions monitor instead of "succeeded".
        raise RuntimeError(f"azlab tick: not all VMs reached their state: {report['results']}")
