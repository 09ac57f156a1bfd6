"""`python -m azlab.sandbox.hosting.worker DIR`: one deployed Function app's process.

As the Functions Python worker does, it imports the package's `function_app.py`
from its folder (the working folder, first on `sys.path`, with the package's
own `.python_packages/lib/site-packages` before it when present), takes the
registered functions from the `azure-functions` library's `FunctionApp`
object and calls them with the library's own trigger types. It speaks JSON
lines with the host on stdin and stdout: first it describes the functions,
then it answers each `invoke` with the outcome and the log lines.

Around each invocation the process travels its clock (time-machine, ticking
on) to the sandbox clock, so the hosted code's `datetime.now()` and
`time.time()` are the sandbox's "now"; monotonic clocks are left alone.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import logging
import sys
import time
import traceback
from contextlib import redirect_stdout
from pathlib import Path
from typing import IO, Any

ENTRY = "function_app.py"
MAX_LOG_LINES = 200
SDK_LOGGERS = ("azure.", "msal", "urllib3")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The SDK logs every HTTP exchange at INFO: a run keeps only its warnings.
        if record.name.startswith(SDK_LOGGERS) and record.levelno < logging.WARNING:
            return
        if len(self.lines) < MAX_LOG_LINES:
            self.lines.append(f"{record.levelname}: {record.getMessage()}")


def _app(folder: Path) -> Any:
    packages = folder / ".python_packages" / "lib" / "site-packages"
    sys.path[:0] = [str(packages), str(folder)] if packages.is_dir() else [str(folder)]
    spec = importlib.util.spec_from_file_location("function_app", folder / ENTRY)
    if spec is None or spec.loader is None:
        raise RuntimeError(f"the package has no {ENTRY}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["function_app"] = module
    spec.loader.exec_module(module)
    import azure.functions as func

    apps = [v for v in vars(module).values() if isinstance(v, func.FunctionApp)]
    if len(apps) != 1:
        raise RuntimeError(f"{ENTRY} must define one FunctionApp; it defines {len(apps)}")
    return apps[0]


def describe(functions: dict[str, Any]) -> list[dict[str, Any]]:
    """Each function's name and bindings, as the host's function metadata holds them."""
    return [
        {"name": name, "bindings": [json.loads(b) for b in f.get_raw_bindings()]}
        for name, f in functions.items()
    ]


def _argument(trigger: dict[str, Any]) -> Any:
    # The library's own implementations of the trigger types, as its worker builds them.
    import azure.functions as func
    from azure.functions.queue import QueueMessage
    from azure.functions.timer import TimerRequest

    kind = trigger["type"]
    if kind == "timerTrigger":
        return TimerRequest(
            past_due=bool(trigger.get("past_due")),
            schedule_status=trigger.get("schedule_status"),
            schedule={"AdjustForDST": True},
        )
    if kind == "queueTrigger":
        return QueueMessage(  # type: ignore[no-untyped-call]
            id=trigger.get("id"),
            body=base64.b64decode(trigger["body"]),
            dequeue_count=trigger.get("dequeue_count"),
            pop_receipt=trigger.get("pop_receipt"),
        )
    if kind == "httpTrigger":
        return func.HttpRequest(
            method=trigger["method"],
            url=trigger["url"],
            headers=trigger.get("headers", {}),
            params=trigger.get("params", {}),
            route_params=trigger.get("route_params", {}),
            body=base64.b64decode(trigger.get("body", "")),
        )
    raise RuntimeError(f"the sandbox does not host {kind} functions")


def _http_answer(value: Any) -> dict[str, Any] | None:
    import azure.functions as func

    if not isinstance(value, func.HttpResponse):
        return None
    return {
        "status": value.status_code,
        "mimetype": value.mimetype,
        "body": base64.b64encode(value.get_body()).decode(),
    }


def invoke(functions: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    import time_machine

    function = functions[request["function"]]
    trigger = request["trigger"]
    name = json.loads(function.get_raw_bindings()[0])["name"]
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    printed = io.StringIO()
    answer: dict[str, Any] = {"id": request["id"], "outcome": "succeeded"}
    began = time.monotonic()
    try:
        # Where "now" is, by the sandbox clock: its offset from the wall clock at this moment.
        with (
            time_machine.travel(time.time() + float(request["clock_offset"]), tick=True),
            redirect_stdout(printed),
        ):
            value = function.get_user_function()(**{name: _argument(trigger)})
        http = _http_answer(value)
        if http is not None:
            answer["http"] = http
    except Exception as exc:
        answer["outcome"] = "failed"
        first = (str(exc).strip().splitlines() or [""])[0]
        # A service's error code (the SDKs' `error_code`) says more than its message's first line.
        code = getattr(exc, "error_code", None)
        if code and str(code) not in first:
            first += f" (ErrorCode:{code})"
        answer["error"] = f"{type(exc).__name__}: {first}".rstrip(": ")
        capture.lines.append("ERROR: " + traceback.format_exc(limit=3).strip().splitlines()[-1])
    finally:
        root.removeHandler(capture)
    answer["seconds"] = round(time.monotonic() - began, 4)
    answer["logs"] = capture.lines + [f"stdout: {line}" for line in printed.getvalue().splitlines()]
    return answer


def serve(folder: Path, stdin: IO[str], stdout: IO[str]) -> None:
    def send(message: dict[str, Any]) -> None:
        stdout.write(json.dumps(message) + "\n")
        stdout.flush()

    logging.getLogger().setLevel(logging.INFO)
    try:
        # The library builds the functions once (a second build finds every name taken).
        functions = {f.get_function_name(): f for f in _app(folder).get_functions()}
        send({"functions": describe(functions)})
    except Exception as exc:
        send({"error": f"{type(exc).__name__}: {exc}"})
        return
    for line in stdin:
        if line.strip():
            send(invoke(functions, json.loads(line)))


def main() -> None:
    folder = Path(sys.argv[1]).resolve()
    # The protocol owns the real stdout; what the hosted code prints is captured per run.
    protocol = sys.stdout
    sys.stdout = sys.stderr
    serve(folder, sys.stdin, protocol)


if __name__ == "__main__":
    main()
