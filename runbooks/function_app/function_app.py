"""Azure Functions app (Python v2 programming model): a timer that runs `azlab tick`.

With the app setting `AZLAB_QUEUE_URL`, the timer only enqueues group actions
and the queue trigger below carries them out, on as many instances as the
host scales to; the host retries failed messages and moves them to the
`<queue>-poison` queue after `maxDequeueCount` attempts (host.json).

The HTTP trigger `snooze` redeems the "keep running" links of a before_stop
warning (signed with the `AZLAB_SNOOZE_KEY` setting; single use, expiring).

Deploy the folder with `func azure functionapp publish`; see runbooks/README.md.
"""

from __future__ import annotations

import json
import logging

import azure.functions as func  # provided by the Functions host

from azlab.power.hosted import run_group_action, run_snooze, run_tick
from azlab.redact import redact

app = func.FunctionApp()


@app.timer_trigger(schedule="%AZLAB_TICK_SCHEDULE%", arg_name="timer", run_on_startup=False)
def tick(timer: func.TimerRequest) -> None:
    report = run_tick()
    logging.info("azlab tick: %s", redact(json.dumps(report)))
    if not report["ok"]:
        # A failed run shows as failed in the Functions monitor instead of "succeeded".
        raise RuntimeError(f"azlab tick: not all VMs reached their state: {report['results']}")


@app.queue_trigger(arg_name="message", queue_name="%AZLAB_QUEUE_NAME%", connection="AZLAB_QUEUE")
def group_action(message: func.QueueMessage) -> None:
    outcome = run_group_action(message.get_body().decode())
    logging.info("azlab group action: %s", redact(json.dumps(outcome)))
    if outcome["result"] == "failed":
        # Raising lets the host retry it and, after the last attempt, poison it.
        raise RuntimeError(f"azlab: {outcome['group']} {outcome['want']}: {outcome['detail']}")


@app.route(route="snooze", methods=["GET", "POST"], auth_level=func.AuthLevel.ANONYMOUS)
def snooze(req: func.HttpRequest) -> func.HttpResponse:
    # Anonymous on purpose: the link's own signature is its authorisation.
    status, answer = run_snooze(req.params.get("t", ""))
    text = (
        f"{answer['group']} keeps running until {answer['held_until']} UTC."
        if answer["ok"]
        else f"Not snoozed: {answer['error']}"
    )
    logging.info("azlab snooze: %s", redact(json.dumps(answer)))
    return func.HttpResponse(text, status_code=status, mimetype="text/plain")
