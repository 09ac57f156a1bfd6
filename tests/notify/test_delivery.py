"""Each channel's shape reaches a loopback receiver; retries, dead channels, no URL shown."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest

from azlab.notify.deliver import Delivery, deliver
from azlab.notify.message import Link, Message
from azlab.notify.send import send
from azlab.notify.sent import SentLog
from azlab.plan.model import NotifyChannel
from azlab.redact import redact
from tests.notify.plans import plan_with
from tests.notify.receiver import free_port, running

NOW = datetime(2026, 11, 23, 17, 50, tzinfo=timezone.utc)
MESSAGE = Message(
    "before_stop",
    "lynclab",
    "core stops in 10 min",
    "Schedule office-hours deallocates dc01 at Mon 18:00 PST.",
    (("group", "core"),),
    (Link("Keep running 1 h", "https://example.invalid/snooze?x=1"),),
    key="before_stop|core|2026-11-24T02:00:00+00:00",
    due=NOW + timedelta(minutes=10),
)


def channel(kind: str, env: str = "HOOK_URL", **options: object) -> NotifyChannel:
    return NotifyChannel.model_validate({"name": kind, "kind": kind, "url_env": env, **options})


async def post(kind: str, url: str, first_wait: float = 0.01) -> Delivery:
    async with aiohttp.ClientSession() as http:
        return await deliver(http, channel(kind), MESSAGE, {"HOOK_URL": url}, first_wait=first_wait)


def test_teams_gets_an_adaptive_card_slack_blocks_and_webhook_json() -> None:
    with running() as receiver:
        for kind in ("teams", "slack", "webhook"):
            assert asyncio.run(post(kind, receiver.url(kind))).ok
        (teams,) = receiver.bodies("teams")
        card = teams["attachments"][0]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["type"] == "AdaptiveCard"
        assert card["content"]["body"][0]["text"] == "core stops in 10 min"
        assert card["content"]["actions"][0] == {
            "type": "Action.OpenUrl",
            "title": "Keep running 1 h",
            "url": "https://example.invalid/snooze?x=1",
        }
        (slack,) = receiver.bodies("slack")
        assert slack["blocks"][0] == {
            "type": "header",
            "text": {"type": "plain_text", "text": "core stops in 10 min"},
        }
        assert slack["blocks"][-1]["elements"][0]["url"] == "https://example.invalid/snooze?x=1"
        (plain,) = receiver.bodies("webhook")
        assert plain["event"] == "before_stop" and plain["facts"] == {"group": "core"}


def test_a_busy_receiver_is_retried_with_back_off() -> None:
    with running() as receiver:
        receiver.fail_next = 2
        delivery = asyncio.run(post("slack", receiver.url("slack")))
        assert delivery.ok and delivery.attempts == 3
        assert len(receiver.bodies("slack")) == 1


def test_a_dead_channel_gives_up_without_raising_and_never_shows_its_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/dead?sig=s3cr3t-webhook-key"
    delivery = asyncio.run(post("webhook", url))
    assert not delivery.ok and delivery.attempts == 4
    assert "s3cr3t" not in delivery.detail and "/dead" not in delivery.detail
    assert redact(f"posting to {url}") == "posting to ${HOOK_URL}"


def test_each_key_is_sent_once_per_channel_within_its_lead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path))
    with running() as receiver:
        plan = plan_with(
            [
                {"name": "near", "kind": "webhook", "url_env": "NEAR", "lead": "5m"},
                {"name": "far", "kind": "webhook", "url_env": "FAR", "lead": "30m"},
            ],
        )
        env = {"NEAR": receiver.url("near"), "FAR": receiver.url("far")}
        log = SentLog.load(plan.name)
        # 10 minutes before the stop: inside far's lead, outside near's.
        asyncio.run(send(plan, [MESSAGE], log, NOW, env, first_wait=0.01))
        asyncio.run(send(plan, [MESSAGE], log, NOW + timedelta(minutes=1), env, first_wait=0.01))
        assert (len(receiver.bodies("far")), len(receiver.bodies("near"))) == (1, 0)
        asyncio.run(send(plan, [MESSAGE], log, NOW + timedelta(minutes=6), env, first_wait=0.01))
        assert (len(receiver.bodies("far")), len(receiver.bodies("near"))) == (1, 1)
