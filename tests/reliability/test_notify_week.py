"""A rehearsed week with notifications on (make soak): a tick every 15 minutes, Monday to
Sunday, against the sandbox, telling a loopback receiver.

Promises measured: each scheduled stop is warned of exactly once per group; a hand start
is reported at the next tick; after a snooze nothing more is said of that group until
its snoozed stop.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from azlab.azure.session import AzureSession, Target
from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.power import tick as ticking
from azlab.power.snooze import redeem
from azlab.power_state import PowerState
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.notify.plans import write_plan_with
from tests.notify.receiver import Receiver, running
from tests.reliability.support import PASSWORD

MONDAY = datetime.fromisoformat("2026-11-23T00:00:00-08:00").astimezone(timezone.utc)
KEY = "a-test-only-snooze-key-0123456789"


def card_title(body: Any) -> str:
    return str(body["attachments"][0]["content"]["body"][0]["text"])


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_a_week_of_ticks_with_notifications(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("AZLAB_LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setenv("AZLAB_SNOOZE_KEY", KEY)
    monkeypatch.setenv("AZLAB_SNOOZE_URL", "https://fn.example.invalid/api/snooze")
    with running() as receiver:
        monkeypatch.setenv("TEAMS_URL", receiver.url("teams"))
        path = write_plan_with(
            [{"name": "teams", "kind": "teams", "url_env": "TEAMS_URL", "lead": "20m"}],
            tmp_path / "lynclab.yaml",
        )
        assert main(["apply", str(path), "--yes"]) == 0
        sandbox.emulator.apply_settings(Settings(page_size=5, op_time=0.05))
        plan = load_plan(path, env=dict(os.environ)).plan
        week(plan, receiver)


def week(plan: Any, receiver: Receiver) -> None:
    target = Target.from_env(plan.subscription)
    hand_start = MONDAY + timedelta(days=2, hours=20)  # Wednesday 20:00 local
    snooze_at = MONDAY + timedelta(days=3, hours=17, minutes=50)  # Thursday 17:50
    told: list[tuple[datetime, str]] = []
    at = MONDAY
    while at < MONDAY + timedelta(days=7):
        before = len(receiver.posts)
        report = asyncio.run(ticking.tick_plan(plan, target, at, deadline_seconds=60))
        assert report.ok, at
        told += [(at, card_title(b)) for b in receiver.bodies("teams")[before:]]
        if at == hand_start:
            wants = ticking.manual_wants(plan, ["core"], PowerState.RUNNING)
            asyncio.run(ticking.tick_plan(plan, target, at, wants, {}, command="up"))
        if at + timedelta(minutes=5) == snooze_at:
            asyncio.run(snooze(plan, target, receiver, snooze_at))
        at += timedelta(minutes=15)

    warnings = Counter(title.split(" stops")[0] for _, title in told if " stops in " in title)
    deviations = [(t, title) for t, title in told if "outside its schedule" in title]
    print(
        f"\nweek: {len(told)} messages; warnings per group {dict(warnings)}; deviations {deviations}"
    )
    # Five weekday stops; core's Thursday stop was snoozed after its warning went out.
    assert warnings == {"core": 5, "lync": 5}
    assert sorted(t for t, _ in deviations) == [hand_start + timedelta(minutes=15)] * 2
    after_snooze = [
        (t, title)
        for t, title in told
        if snooze_at < t < snooze_at + timedelta(hours=1) and "core" in title
    ]
    assert after_snooze == []


async def snooze(plan: Any, target: Target, receiver: Receiver, now: datetime) -> None:
    """Someone clicks the warning's 'Keep running 1 h' link."""
    last_core = [b for b in receiver.bodies("teams") if card_title(b).startswith("core stops")][-1]
    url = last_core["attachments"][0]["content"]["actions"][0]["url"]
    token = url.split("?t=", 1)[1]
    async with AzureSession(target) as session:
        await redeem(session, plan, KEY.encode(), token, now)
