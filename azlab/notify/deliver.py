"""Posting a message to a channel: retried with back-off, never raising, the URL never shown.

A channel's URL carries its own credential (a Teams Workflows or Slack webhook
URL is the key to post), so it is read from the environment variable the plan
names (a Function app's settings are environment variables) and remembered by
`azlab.redact`, which shows `${NAME}` wherever it would appear.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp

from azlab.notify.formats import body_for
from azlab.notify.message import Message
from azlab.plan.model import NotifyChannel
from azlab.redact import redact, remember

ATTEMPTS = 4
FIRST_WAIT = 0.5  # then 1 s and 2 s: about 4 s in all before a channel is given up on
TIMEOUT = 10.0


@dataclass(frozen=True)
class Delivery:
    channel: str
    event: str
    ok: bool
    attempts: int
    detail: str = ""  # the last error, redacted


def channel_url(channel: NotifyChannel, env: Mapping[str, str]) -> str | None:
    url = env.get(channel.url_env)
    if url:
        remember(url, f"${{{channel.url_env}}}")
    return url or None


def _retry_after(response: aiohttp.ClientResponse, default: float) -> float:
    try:
        return min(float(response.headers.get("Retry-After", default)), 30.0)
    except ValueError:
        return default


async def deliver(
    http: aiohttp.ClientSession,
    channel: NotifyChannel,
    message: Message,
    env: Mapping[str, str] | None = None,
    *,
    first_wait: float = FIRST_WAIT,
) -> Delivery:
    """POST `message` to `channel`; 5xx, 429 and broken connections are tried again."""
    url = channel_url(channel, os.environ if env is None else env)
    if url is None:
        return Delivery(channel.name, message.event, False, 0, f"{channel.url_env} is not set")
    body = body_for(channel.kind, message)
    wait = first_wait
    detail = ""
    for attempt in range(1, ATTEMPTS + 1):
        pause = wait
        try:
            async with http.post(
                url, json=body, timeout=aiohttp.ClientTimeout(total=TIMEOUT)
            ) as response:
                if response.status < 300:
                    return Delivery(channel.name, message.event, True, attempt)
                detail = f"HTTP {response.status}"
                if response.status != 429 and response.status < 500:
                    break  # a refused message (bad URL, bad body) is not helped by sending again
                pause = _retry_after(response, wait)
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            detail = redact(f"{type(exc).__name__}: {exc}")
        if attempt < ATTEMPTS:
            await asyncio.sleep(pause)
            wait *= 2
    return Delivery(channel.name, message.event, False, attempt, detail)
