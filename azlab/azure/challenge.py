"""ARM's bearer policy, plus what it lacks: a token ARM calls expired is fetched anew.

The SDK's policy answers only claims challenges (continuous access
evaluation); on any other 401 it drops its token and hands the 401 back, and
the next request gets the same token from the credential's cache. ARM answers
401 `ExpiredAuthenticationToken` (`error="invalid_token"`) when a token ran out
before the client thought it would (clocks apart, a token cached elsewhere):
the request is then sent once more, with a token the credential fetched anew.
"""

from __future__ import annotations

import re
from typing import Any

from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.mgmt.core.policies import AsyncARMChallengeAuthenticationPolicy

_ERROR = re.compile(r'\berror="([^"]*)"')


def challenge_error(header: str) -> str:
    """The `error` of a `WWW-Authenticate: Bearer ...` challenge, or ''."""
    found = _ERROR.search(header)
    return found.group(1) if found else ""


class RenewingChallengePolicy(AsyncARMChallengeAuthenticationPolicy):
    async def on_challenge(
        self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]
    ) -> bool:
        if await super().on_challenge(request, response):
            return True
        header = response.http_response.headers.get("WWW-Authenticate", "")
        if challenge_error(header) != "invalid_token":
            return False
        forget = getattr(self._credential, "forget", None)
        if forget is not None:
            forget()
        await self.authorize_request(request, *self._scopes)
        return True
