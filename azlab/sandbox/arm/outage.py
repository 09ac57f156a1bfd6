"""A region's outage: every compute call addressed to that region fails for a while.

A call is addressed to a region when its path names one (`.../locations/eastus/...`,
as operation status and usage calls and Microsoft.ComputeSchedule's batch calls do), when it acts on a resource that lives
there, or when it creates one there. Subscription and resource group lists
span regions and keep answering from what ARM knows, so an outage shows where
work is done, not in every read. The outage runs on the sandbox clock from the
moment the setting is made: moving the clock past its end ends it.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from azlab.sandbox.arm.core import ArmError, State
from azlab.sandbox.settings import Faults, Outage

_COMPUTE = "/providers/microsoft.compute/"
_SCHEDULE = "/providers/microsoft.computeschedule/"  # the region's batch power service
_LOCATION = re.compile(r"/locations/([^/]+)")
# The top-level resource a compute path addresses: `.../microsoft.compute/{type}/{name}`.
_RESOURCE = re.compile(r"^(.*?/providers/microsoft\.compute/[^/]+/[^/]+)", re.IGNORECASE)


def region_of(path: str, body: Any, state: State) -> str | None:
    """The region a compute call is addressed to, or None (not compute, or not one region)."""
    lowered = path.lower()
    provider = _COMPUTE if _COMPUTE in lowered else _SCHEDULE if _SCHEDULE in lowered else None
    if provider is None:
        return None
    named = _LOCATION.search(lowered[lowered.index(provider) :])
    if named:
        return named.group(1)
    found = _RESOURCE.match(path)
    if found is None:
        return None  # a list of a whole subscription or group
    resource = state.get(found.group(1))
    location = (resource or {}).get("location")
    if location is None and isinstance(body, dict):
        location = body.get("location")
    return str(location).replace(" ", "").lower() if location else None


class Outages:
    """The outages of the current settings, each timed from when it was set."""

    def __init__(self) -> None:
        self.began: dict[Outage, float] = {}

    def configure(self, faults: Faults, now: float) -> None:
        # An outage already running keeps its start; a new one starts now.
        self.began = {o: self.began.get(o, now) for o in faults.outages}

    def current(self, region: str, now: float) -> Outage | None:
        for outage, began in self.began.items():
            if outage.region == region and began <= now < began + outage.seconds:
                return outage
        return None

    async def check(
        self, request: web.Request, path: str, body: Any, state: State, faults: Faults
    ) -> None:
        """Fail the call as the region's outage does, if it is addressed to one under way."""
        if not self.began:
            return
        region = region_of(path, body, state)
        outage = self.current(region, state.now()) if region else None
        if outage is None:
            return
        if outage.mode == "timeout":
            await asyncio.sleep(faults.outage_hang)
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError(f"held and dropped by the outage of {region}")
        headers = {}
        if faults.outage_retry_after:
            headers["Retry-After"] = f"{faults.outage_retry_after:g}"
        raise ArmError(
            503,
            "ServiceUnavailable",
            f"The service is unavailable in region '{region}'. Retry the request later.",
            headers=headers,
        )
