"""Send messages to every channel that takes their event, each once, never raising."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import aiohttp

from azlab.notify.deliver import FIRST_WAIT, Delivery, deliver
from azlab.notify.message import Message
from azlab.notify.sent import SentLog
from azlab.plan.model import Plan


async def send(
    plan: Plan,
    messages: Iterable[Message],
    log: SentLog,
    now: datetime,
    env: Mapping[str, str] | None = None,
    *,
    first_wait: float = FIRST_WAIT,
) -> list[Delivery]:
    """Deliver each message with a key not yet sent on that channel; a message a dead
    channel did not take stays unsent, so the next run tries it again."""
    done: list[Delivery] = []
    pending = [
        (channel, message)
        for message in messages
        for channel in plan.notify
        if message.event in channel.events
        and not log.was_sent(channel.name, message.key)
        and (message.due is None or message.due - now <= channel.lead)
    ]
    if not pending:
        return done
    async with aiohttp.ClientSession() as http:
        for channel, message in pending:
            delivery = await deliver(http, channel, message, env, first_wait=first_wait)
            done.append(delivery)
            if delivery.ok:
                log.mark(channel.name, message.key, now)
    return done
