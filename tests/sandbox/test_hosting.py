"""The sandbox's Functions host runs a deployed package's triggers on the sandbox clock."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

import pytest
from azure.storage.queue import QueueClient

from azlab.sandbox.control import SandboxControl
from azlab.sandbox.hosting.app import HostedApp
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

EVENING = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc).timestamp()

TIMER_APP = """
import datetime, logging, os
import azure.functions as func

app = func.FunctionApp()


@app.timer_trigger(schedule="%SCHEDULE%", arg_name="timer")
def ticker(timer: func.TimerRequest) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M")
    logging.info("now %s past_due %s key %s", now, timer.past_due, os.environ["SNOOZE_KEY"])
    print("arm at", os.environ["AZLAB_ENDPOINT"], "identity", bool(os.environ["IDENTITY_HEADER"]))
"""

QUEUE_APP = """
import azure.functions as func

app = func.FunctionApp()


@app.queue_trigger(arg_name="message", queue_name="%QUEUE%", connection="JOBS")
def worker(message: func.QueueMessage) -> None:
    if message.get_body() == b"bad":
        raise RuntimeError(f"cannot do {message.get_body().decode()}")
"""

QUEUE_HOST = '{"version": "2.0", "extensions": {"queues": {"maxDequeueCount": 2, "visibilityTimeout": "00:00:00"}}}'


def package(function_app: str, host_json: str = '{"version": "2.0"}') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("function_app.py", function_app)
        archive.writestr("host.json", host_json)
    return buffer.getvalue()


def hosted(sandbox: Sandbox, code: str, settings: dict[str, str], **kw: str) -> HostedApp:
    return HostedApp(
        "func-test",
        package(code, **kw),
        settings,
        sandbox.identity_endpoint,
        sandbox.identity.secret,
    )


@pytest.fixture
def control(sandbox: Sandbox) -> SandboxControl:
    return SandboxControl(sandbox.control_url, str(sandbox.ca_file))


def test_timer_fires_on_the_sandbox_clock_and_sees_it_as_now(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    control.set_clock(EVENING - 30)
    settings = {"SCHEDULE": "0 */5 * * * *", "SNOOZE_KEY": "a-long-snooze-secret"}
    sandbox.hosting.deploy(hosted(sandbox, TIMER_APP, settings))
    assert control.hosted()[0]["functions"] == [
        {"name": "ticker", "trigger": "timerTrigger", "schedule": "0 */5 * * * *"}
    ]
    control.wait_hosted()
    assert control.hosted_runs() == []  # no occurrence passed yet
    control.set_clock(EVENING + 1)
    control.wait_hosted()
    (run,) = control.hosted_runs()
    assert (run["function"], run["trigger"], run["outcome"]) == ("ticker", "timer", "succeeded")
    assert run["scheduled"] == "2026-11-24T02:00:00+00:00" and not run["past_due"]
    # The hosted code's "now" is the sandbox clock; the secret setting is not in the log.
    assert run["logs"][0] == "INFO: now 2026-11-24T02:00 past_due False key ***"
    assert run["logs"][1] == f"stdout: arm at {sandbox.endpoint} identity True"


def test_a_clock_jump_past_many_occurrences_runs_once_past_due(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    control.set_clock(EVENING + 1)
    sandbox.hosting.deploy(
        hosted(sandbox, TIMER_APP, {"SCHEDULE": "0 */5 * * * *", "SNOOZE_KEY": "k"})
    )
    control.advance_clock(3600)
    control.wait_hosted()
    (run,) = control.hosted_runs()
    assert run["past_due"] and run["occurrences"] == 12
    assert run["scheduled"] == "2026-11-24T02:05:00+00:00"
    assert run["logs"][0].startswith("INFO: now 2026-11-24T03:00 past_due True")
    control.set_clock(EVENING - 7200)  # back: nothing passed
    control.wait_hosted()
    assert len(control.hosted_runs()) == 1


def test_an_unresolved_setting_keeps_the_app_from_running(
    sandbox: Sandbox, control: SandboxControl
) -> None:
    sandbox.hosting.deploy(hosted(sandbox, TIMER_APP, {"SNOOZE_KEY": "k"}))
    (site,) = control.hosted()
    assert site["functions"] == []
    assert "'%SCHEDULE%' does not resolve to a value" in site["error"]


def test_a_package_that_fails_to_import_says_why(sandbox: Sandbox, control: SandboxControl) -> None:
    sandbox.hosting.deploy(hosted(sandbox, "import not_installed_anywhere\n", {}))
    (site,) = control.hosted()
    assert "ModuleNotFoundError" in site["error"] and "not_installed_anywhere" in site["error"]


def test_queue_trigger_deletes_on_success_retries_then_poisons(
    sandbox: Sandbox, control: SandboxControl, clients: Clients
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (run make setup)")
    clients.storage_account("stjobs01")
    accounts = clients.storage.storage_accounts
    key = accounts.list_keys("rg1", "stjobs01").as_dict()["keys"][0]["value"]
    endpoint = accounts.get_properties("rg1", "stjobs01").primary_endpoints.queue
    connection = f"DefaultEndpointsProtocol=http;AccountName=stjobs01;AccountKey={key};QueueEndpoint={endpoint}"
    queue = QueueClient.from_connection_string(connection, "jobs")
    queue.create_queue()
    # Base64, the encoding the queues extension reads by default.
    queue.send_message("Z29vZA==")  # good
    queue.send_message("YmFk")  # bad
    settings = {"QUEUE": "jobs", "JOBS": connection}
    sandbox.hosting.deploy(hosted(sandbox, QUEUE_APP, settings, host_json=QUEUE_HOST))
    control.wait_hosted()
    runs = control.hosted_runs()
    fates = sorted((r["outcome"], r["message"], r["dequeue_count"]) for r in runs)
    assert fates == [
        ("failed", "poisoned", 2),
        ("failed", "retried", 1),
        ("succeeded", "deleted", 1),
    ]
    failed = next(r for r in runs if r["outcome"] == "failed")
    assert failed["error"] == "RuntimeError: cannot do bad"
    assert queue.get_queue_properties().approximate_message_count == 0
    poison = QueueClient.from_connection_string(connection, "jobs-poison")
    assert [m.content for m in poison.receive_messages()] == ["YmFk"]
    # The connection string's key never reaches the runs.
    assert key not in str(runs)
