"""How the service reads a copy's source, and a new SAS when the one it had runs out.

A copy can outlive its SAS: a throttled or resumed copy, or a short one made on
purpose (`--sas-lifetime`). A 403 that comes from an expired SAS (its `se` is
past, or the service names the time frame) is told apart from one for wrong
permissions; a SAS azlab made (from an account key, or a disk's grant access)
is made again and the refused chunk sent again, so no byte moves twice. A SAS
the user gave cannot be renewed: the copy stops, naming it, and resumes from
its journal when run again with a new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from azure.core.exceptions import HttpResponseError

from azlab.errors import CredentialError

# A SAS this close to its expiry counts as expired: clocks differ by a little.
SKEW = timedelta(seconds=5)
# Refusals in a row of a SAS still current by this machine's clock: the clocks are apart,
# and a new SAS will be refused as well.
MAX_FRUITLESS = 3
# New SASes in a row that each ran out before any chunk got through with it.
MAX_UNUSED = 10


def sas_expiry(url: str) -> datetime | None:
    """The `se` of a SAS URL, or None when it has none (or it cannot be read)."""
    text = dict(parse_qsl(urlsplit(url).query)).get("se")
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def expired_refusal(exc: HttpResponseError, url: str, now: datetime | None = None) -> bool:
    """Whether a 403 (or 401) is the service refusing `url`'s SAS because it ran out."""
    if exc.status_code not in (401, 403):
        return False
    text = str(exc.message or exc)
    if "specified time frame" in text or "has expired" in text:
        return True
    expiry = sas_expiry(url)
    moment = now or datetime.now(timezone.utc)
    return expiry is not None and expiry - SKEW <= moment


Renew = Callable[[], Awaitable[tuple[str, Any]]]
T = TypeVar("T")


@dataclass
class SourceAccess:
    """The URL the service reads the source through, and the client azlab reads it with.

    `renew` makes a new SAS: it answers the new URL and a new reading client (or None
    to keep the one there is, when that signs with a key).
    """

    url: str
    reader: Any
    renew: Renew | None = None
    described: str = "the source"
    renewals: int = 0
    _fruitless: int = 0
    _unused: int = 0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def renewed(self, refused_url: str) -> str:
        """A URL with a new SAS in place of `refused_url` (made once for many refusals)."""
        async with self._lock:
            if self.url != refused_url:
                return self.url  # another chunk's refusal renewed it already
            if self.renew is None:
                raise self.expired_error()
            expiry = sas_expiry(refused_url)
            current = expiry is not None and expiry > datetime.now(timezone.utc) + SKEW
            self._fruitless = self._fruitless + 1 if current else 0
            if self._fruitless > MAX_FRUITLESS:
                raise CredentialError(
                    f"the service refuses every new SAS for {self.described} as expired",
                    hint="check this machine's clock; the copy resumes from its journal",
                )
            self._unused += 1
            if self._unused > MAX_UNUSED:
                raise CredentialError(
                    f"each new SAS for {self.described} ran out before a chunk got through",
                    hint="raise --sas-lifetime (a chunk is up to 4 MiB); "
                    "the copy resumes from its journal",
                )
            url, reader = await self.renew()
            self.url = url
            if reader is not None:
                self.reader = reader
            self.renewals += 1
            return url

    def used(self) -> None:
        """A chunk got through: the SAS of the moment works."""
        self._unused = 0

    def expired_error(self) -> CredentialError:
        expiry = sas_expiry(self.url)
        when = f" at {expiry:%Y-%m-%d %H:%M:%S} UTC" if expiry else ""
        return CredentialError(
            f"the SAS of {self.described} expired{when}",
            hint="give a URL with a new SAS and run the same command: "
            "the copy goes on from its journal",
        )

    async def read(self, read: Callable[[Any], Awaitable[T]]) -> T:
        """`await read(reader)`, again with a new SAS if the reader's ran out."""
        while True:
            seen = self.url
            try:
                result = await read(self.reader)
                self.used()
                return result
            except HttpResponseError as exc:
                if not expired_refusal(exc, seen):
                    raise
                await self.renewed(seen)
