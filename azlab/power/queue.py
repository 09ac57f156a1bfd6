"""Azure Storage queue plumbing for the fan-out: clients, the poison queue, enqueueing.

Messages are base64 text, the encoding an Azure Functions queue trigger reads
by default, so the same queue serves `azlab worker` and a Functions host.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AsyncExitStack, suppress
from datetime import datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

from azure.core.credentials_async import AsyncTokenCredential
from azure.storage.queue import TextBase64DecodePolicy, TextBase64EncodePolicy
from azure.storage.queue.aio import QueueClient

from azlab.azure.power import list_states
from azlab.azure.session import AzureSession, Target
from azlab.errors import UsageError
from azlab.money.gate import TickMoney
from azlab.plan.model import Plan
from azlab.power import tick as ticking
from azlab.power.fanout import GroupAction, actions_to_enqueue

POISON_SUFFIX = "-poison"  # the Functions host's name for a queue's poison queue


def _check(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.path.strip("/"):
        raise UsageError(
            "--queue must be a queue URL",
            hint="e.g. https://ACCOUNT.queue.core.windows.net/azlab-power (add ?SAS, or sign in)",
        )


def poison_url(url: str) -> str:
    """The poison queue next to `url`, with the same query (an account SAS covers both)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + POISON_SUFFIX))


def open_queue(url: str, stack: AsyncExitStack) -> QueueClient:
    """A client for `url`: its SAS when it has one, else the Azure sign-in (managed identity)."""
    _check(url)
    credential: AsyncTokenCredential | None = None
    if "sig=" not in url:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential()
        stack.push_async_callback(credential.close)
    client = QueueClient.from_queue_url(
        url,
        credential=credential,
        message_encode_policy=TextBase64EncodePolicy(),
        message_decode_policy=TextBase64DecodePolicy(),
    )
    stack.push_async_callback(client.close)
    return client


async def ensure_queue(client: QueueClient) -> None:
    from azure.core.exceptions import ResourceExistsError

    with suppress(ResourceExistsError):
        await client.create_queue()


async def enqueue(url: str, actions: Iterable[GroupAction]) -> int:
    async with AsyncExitStack() as stack:
        client = open_queue(url, stack)
        await ensure_queue(client)
        sent = 0
        for action in actions:
            await client.send_message(action.to_json())
            sent += 1
        return sent


async def enqueue_tick(
    plan: Plan,
    target: Target,
    at: datetime,
    url: str | None,
    *,
    patience: timedelta = timedelta(minutes=20),
    money: TickMoney | None = None,
) -> list[GroupAction]:
    """The timer's half of a fan-out tick: one status list, then one message per group to act on.

    With `url` None nothing is sent (a dry run). `money`: the budget's say on the wants, and
    the states seen go to the spend ledger.
    """
    wants, reasons = ticking.group_wants(plan, at)
    async with AzureSession(target) as session:
        if money is not None and url is not None:
            wants, reasons = await money.before(session, wants, reasons, at)
        states = await list_states(session, plan.resource_group)
        if money is not None and url is not None:
            await money.recorder.record(session, at, {n: s.power for n, s in states.items()}, {})
    actions = actions_to_enqueue(plan, wants, reasons, states, at, patience=patience)
    if url is not None and actions:
        await enqueue(url, actions)
    return actions
