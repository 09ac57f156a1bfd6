"""Snooze links: a signed, expiring, single-use link that holds a group as `azlab hold` does.

A link carries `t=PAYLOAD.SIGNATURE`: the payload is base64url JSON of the
plan, group, length (`1h`, `2h` or `tonight`: until the schedule's next start),
expiry and a random nonce; the signature an HMAC-SHA256 of the payload with the
key in the `AZLAB_SNOOZE_KEY` setting. Redeeming one checks the signature and
the expiry, claims the nonce (a blob created only if absent in the plan's lease
container, or a file without storage), then tags the group's VMs with
`azlab-hold-until` under the group's lease.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode

from azure.core.exceptions import ResourceExistsError

from azlab.azure.session import AzureSession
from azlab.errors import UsageError
from azlab.plan.model import Plan
from azlab.power.hold import hold_within_budget
from azlab.power.lease import lock_directory, open_lease_container
from azlab.schedule.forecast import next_transitions
from azlab.schedule.model import from_plan
from azlab.schedule.overrides import hold_value

LENGTHS = ("1h", "2h", "tonight")
TITLES = {"1h": "Keep running 1 h", "2h": "Keep running 2 h", "tonight": "Keep running tonight"}
TONIGHT_CAP = timedelta(hours=16)


class SnoozeRefused(UsageError):
    """A link that is forged, expired or already used."""


@dataclass(frozen=True)
class Snooze:
    plan: str
    group: str
    length: str
    expires: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def snooze_key(env: dict[str, str] | None = None) -> bytes:
    key = (os.environ if env is None else env).get("AZLAB_SNOOZE_KEY", "")
    if len(key) < 16:
        raise UsageError(
            "AZLAB_SNOOZE_KEY is not set (or shorter than 16 characters)",
            hint="set it to a long random string, the same in the Function app's settings",
        )
    return key.encode()


def sign(key: bytes, snooze: Snooze) -> str:
    payload = json.dumps(
        {
            "p": snooze.plan,
            "g": snooze.group,
            "l": snooze.length,
            "e": int(snooze.expires.timestamp()),
            "n": snooze.nonce,
        },
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def new_token(key: bytes, plan: str, group: str, length: str, expires: datetime) -> str:
    if length not in LENGTHS:
        raise UsageError(f"--for must be one of {', '.join(LENGTHS)}, not {length!r}")
    return sign(key, Snooze(plan, group, length, expires, secrets.token_urlsafe(12)))


def link(base_url: str, token: str) -> str:
    return f"{base_url}{'&' if '?' in base_url else '?'}{urlencode({'t': token})}"


def verify(key: bytes, token: str, now: datetime) -> Snooze:
    """The snooze a token holds; refused when its signature or expiry is wrong."""
    try:
        payload_text, mac_text = token.split(".", 1)
        payload = _unb64(payload_text)
        mac = _unb64(mac_text)
    except ValueError:
        raise SnoozeRefused("this snooze link is malformed") from None
    if not hmac.compare_digest(mac, hmac.new(key, payload, hashlib.sha256).digest()):
        raise SnoozeRefused("this snooze link is not signed with this lab's key")
    data = json.loads(payload)
    snooze = Snooze(
        str(data["p"]),
        str(data["g"]),
        str(data["l"]),
        datetime.fromtimestamp(int(data["e"]), timezone.utc),
        str(data["n"]),
    )
    if now >= snooze.expires:
        raise SnoozeRefused(
            f"this snooze link for group {snooze.group} expired at "
            f"{snooze.expires:%Y-%m-%d %H:%M} UTC"
        )
    return snooze


def hold_until(plan: Plan, group_name: str, length: str, now: datetime) -> datetime:
    """1h or 2h from now; tonight: until the group's schedule next starts it (at most 16 h)."""
    if length != "tonight":
        return now + timedelta(hours=int(length[:-1]))
    group = next(g for g in plan.groups if g.name == group_name)
    schedule = plan.schedule(group.schedule) if group.schedule else None
    if schedule is not None:
        for event in next_transitions(from_plan(schedule), now, 2):
            if event.kind == "start":
                return min(event.at, now + TONIGHT_CAP)
    return now + TONIGHT_CAP


async def _claim(session: AzureSession, plan: Plan, nonce: str) -> bool:
    """True the first time a nonce is claimed, False ever after."""
    container = await open_lease_container(session, plan)
    if container is not None:
        async with container:
            blob = container.get_blob_client(f"{plan.name}/snoozed/{nonce}")
            try:
                await blob.upload_blob(b"", overwrite=False)
            except ResourceExistsError:
                return False
            return True
    folder = lock_directory() / "snoozed"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(folder / f"{plan.name}.{nonce}", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


async def redeem(
    session: AzureSession, plan: Plan, key: bytes, token: str, now: datetime
) -> tuple[Snooze, datetime, list[str]]:
    """Hold the link's group as `azlab hold` does; returns the snooze, until, and the VMs."""
    snooze = verify(key, token, now)
    if snooze.plan != plan.name or snooze.group not in {g.name for g in plan.groups}:
        raise SnoozeRefused(f"this snooze link is for {snooze.plan}/{snooze.group}, not this plan")

    async def claim() -> None:
        if not await _claim(session, plan, snooze.nonce):
            raise SnoozeRefused(f"this snooze link for group {snooze.group} was already used")

    until = hold_until(plan, snooze.group, snooze.length, now)
    names = [vm.name for g in plan.groups if g.name == snooze.group for vm in g.vms]
    # A link is a hold without a person at a terminal: it never gets past the budget.
    await hold_within_budget(
        session,
        plan,
        [snooze.group],
        names,
        hold_value(until),
        now,
        command="snooze",
        wait=60,
        claim=claim,
    )
    return snooze, until, names
