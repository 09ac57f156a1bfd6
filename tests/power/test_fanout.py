"""The queue fan-out: a timer that enqueues group actions, and workers that carry them out.

End to end against the sandbox and Azurite's queue service, with several
workers at once; order is read from the sandbox's request log.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from azure.storage.queue import QueueClient, TextBase64DecodePolicy, TextBase64EncodePolicy

from azlab.azure.session import Target
from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.power.fanout import BadMessage, GroupAction, actions_to_enqueue, waiting_on
from azlab.power.worker import Handled, Worker, shifted_clock
from azlab.power_state import VmState
from azlab.rehearse.observe import power_actions as logged_actions
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Faults, Settings
from azlab.testing.queues import queue_sas_url

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
EVENING = datetime.fromisoformat("2026-11-23T18:05:00-08:00")  # Monday, after the 18:00 stop
MORNING = datetime.fromisoformat("2026-11-24T08:05:00-08:00")  # Tuesday, after the 08:00 start
ACCOUNT = "stwus2lynclab01"


def lync_plan() -> Any:
    return load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": "x"}).plan


def states(
    power: dict[str, str], tags: dict[str, dict[str, str]] | None = None
) -> dict[str, VmState]:
    return {n: VmState(n, p, tags=(tags or {}).get(n, {})) for n, p in power.items()}


# pure parts


def test_a_message_round_trips_and_bad_ones_are_refused() -> None:
    action = GroupAction(
        "lynclab", "core", "running", MORNING, "start 08:00", MORNING + timedelta(minutes=20)
    )
    assert GroupAction.from_json(action.to_json()) == action
    for text in (
        "not json",
        "{}",
        '{"azlab": 1, "plan": "p"}',
        action.to_json().replace("running", "on"),
    ):
        with pytest.raises(BadMessage):
            GroupAction.from_json(text)


def test_only_groups_with_vms_out_of_place_are_enqueued() -> None:
    plan = lync_plan()
    wants = {"core": "running", "lync": "running"}
    now = MORNING.astimezone(timezone.utc)
    current = states(
        {"dc01": "running", "sql01": "running", "fe01": "deallocated", "edge01": "running"}
    )
    actions = actions_to_enqueue(plan, wants, {}, current, now, patience=timedelta(minutes=20))
    assert [(a.group, a.want) for a in actions] == [("lync", "running")]
    # An excluded VM out of place asks for nothing.
    current = states(
        {"dc01": "running", "sql01": "running", "fe01": "deallocated", "edge01": "running"},
        {"fe01": {"azlab-exclude": "true"}},
    )
    assert actions_to_enqueue(plan, wants, {}, current, now, patience=timedelta(minutes=20)) == []


def test_starts_wait_for_dependencies_and_stops_for_dependents() -> None:
    plan = lync_plan()
    now = MORNING.astimezone(timezone.utc)
    start = GroupAction("lynclab", "lync", "running", now, "", now)
    stop = GroupAction("lynclab", "core", "deallocated", now, "", now)
    cold = states(
        {"dc01": "deallocated", "sql01": "deallocated", "fe01": "running", "edge01": "running"}
    )
    both_run = {"core": "running", "lync": "running"}
    both_stop = {"core": "deallocated", "lync": "deallocated"}
    assert waiting_on(plan, start, both_run, cold, now) == ["core"]
    assert waiting_on(plan, stop, both_stop, cold, now) == ["lync"]
    # A dependency that is not asked to start is not waited for.
    assert waiting_on(plan, start, {"core": None, "lync": "running"}, cold, now) == []


# end to end


@pytest.fixture(params=["batch", "per-vm"])
def lab(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Sandbox:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (run make setup)")
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_BATCH_POWER", "on" if request.param == "batch" else "off")
    assert main(["apply", str(LYNC), "--yes"]) == 0
    sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    sandbox.emulator.log.clear()
    return sandbox


@pytest.fixture
def queue_url(lab: Sandbox, clients: Any) -> str:
    return queue_sas_url(clients, "rg-lynclab-wus2", ACCOUNT, "azlab-power")


def queue(url: str) -> QueueClient:
    return QueueClient.from_queue_url(
        url,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )


def power_actions(sandbox: Sandbox) -> list[tuple[str, str]]:
    """Accepted power actions, per VM or in a batch, in the order they reached the sandbox."""
    return [(a.vm, a.verb) for a in logged_actions(sandbox.emulator.log) if a.status == 202]


def enqueue(
    url: str, at: datetime, capsys: pytest.CaptureFixture[str], *extra: str
) -> list[dict[str, Any]]:
    capsys.readouterr()
    assert (
        main(
            ["tick", str(LYNC), "--at", at.isoformat(), "--queue", url, "--output", "json", *extra]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "sig=REDACTED" in out and "sig=" not in out.replace("sig=REDACTED", "")
    actions: list[dict[str, Any]] = json.loads(out)["actions"]
    return actions


def workers(url: str, at: datetime, count: int, **options: Any) -> list[Handled]:
    plan = lync_plan()
    target = Target.from_env(plan.subscription)

    async def run_all() -> list[list[Handled]]:
        crew = [
            Worker(
                plan, target, url, wait_delay=1, retry_delay=1, clock=shifted_clock(at), **options
            )
            for _ in range(count)
        ]
        return await asyncio.gather(*(w.run(drain=True, idle_sleep=0.2) for w in crew))

    return [h for handled in asyncio.run(run_all()) for h in handled]


def test_fan_out_with_several_workers_keeps_the_order_of_a_tick(
    lab: Sandbox, queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    evening = enqueue(queue_url, EVENING, capsys)
    assert sorted((a["group"], a["want"]) for a in evening) == [
        ("core", "deallocated"),
        ("lync", "deallocated"),
    ]
    assert not power_actions(lab)  # the timer only evaluates and enqueues

    handled = workers(queue_url, EVENING, 3)
    assert {(h.group, h.result) for h in handled if h.result != "waiting"} == {
        ("core", "done"),
        ("lync", "done"),
    }
    assert power_actions(lab) == [
        ("edge01", "deallocate"),
        ("fe01", "deallocate"),
        ("sql01", "deallocate"),
        ("dc01", "deallocate"),
    ]

    lab.emulator.log.clear()
    morning = enqueue(queue_url, MORNING, capsys)
    assert len(morning) == 2
    # The same through the command line worker.
    capsys.readouterr()
    code = main(
        [
            "worker",
            str(LYNC),
            "--queue",
            queue_url,
            "--drain",
            "--at",
            MORNING.isoformat(),
            "--wait-delay",
            "1",
            "--output",
            "json",
        ]
    )
    assert code == 0, capsys.readouterr()
    assert power_actions(lab) == [
        ("dc01", "start"),
        ("sql01", "start"),
        ("fe01", "start"),
        ("edge01", "start"),
    ]
    # Nothing is left to do: the timer enqueues nothing.
    assert enqueue(queue_url, MORNING + timedelta(minutes=5), capsys) == []


def test_repeated_and_stale_messages_change_nothing(
    lab: Sandbox, queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    enqueue(queue_url, EVENING, capsys)
    first = [m.content for m in queue(queue_url).peek_messages(max_messages=32)]
    workers(queue_url, EVENING, 2)
    lab.emulator.log.clear()
    client = queue(queue_url)
    for content in first * 2:  # replayed twice
        client.send_message(content)
    handled = workers(queue_url, EVENING + timedelta(minutes=1), 2)
    # A copy of a group's message handled while its twin holds the group's lease waits.
    assert [h.result for h in handled].count("done") == len(first) * 2
    assert all("busy" in h.detail for h in handled if h.result == "waiting")
    assert not power_actions(lab)
    # Evening messages delivered the next morning are superseded.
    for content in first:
        client.send_message(content)
    handled = workers(queue_url, MORNING, 1)
    assert {h.result for h in handled} == {"superseded"}
    assert not power_actions(lab)


def test_failed_and_unreadable_messages_go_to_the_poison_queue(
    lab: Sandbox, queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    enqueue(queue_url, EVENING, capsys)
    workers(queue_url, EVENING, 1)
    lab.emulator.apply_settings(
        Settings(page_size=5, op_time=0.2, faults=Faults(allocation_failed_vms=frozenset({"dc01"})))
    )
    lab.emulator.log.clear()
    enqueue(queue_url, MORNING, capsys, "--deadline", "3s")
    client = queue(queue_url)
    client.send_message("not an azlab message")
    handled = workers(queue_url, MORNING, 2, max_dequeue=2, deadline_seconds=1)
    poisoned = {h.group: h.detail for h in handled if h.result == "poisoned"}
    assert set(poisoned) == {"?", "core", "lync"}
    assert "dc01" in poisoned["core"] and "gave up waiting for core" in poisoned["lync"]
    poison = queue(queue_url.replace("azlab-power?", "azlab-power-poison?"))
    bodies = [m.content for m in poison.peek_messages(max_messages=32)]
    assert "not an azlab message" in bodies
    assert any(json.loads(b)["group"] == "core" for b in bodies if b.startswith("{"))
    # dc01 never started, so nothing that needs it did either.
    assert ("fe01", "start") not in power_actions(lab)
