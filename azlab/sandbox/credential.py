"""A sync credential for the SDK clients of tests and benchmarks: tokens from the sandbox's
own managed identity endpoint, the only tokens it accepts.

azlab's sessions ask the same endpoint through `azlab.azure.identity`; the sandbox stands
apart from azlab's Azure layer, so its clients carry their own few lines.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from azlab.errors import SandboxError

_EARLY = 300  # seconds before expiry a token is fetched again


class SandboxCredential:
    def __init__(self, endpoint: str, secret: str) -> None:
        self.endpoint = endpoint
        self.secret = secret
        self._cached: dict[tuple[str, ...], Any] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SandboxCredential:
        """From the variables `azlab sandbox start` exports."""
        return cls(env["IDENTITY_ENDPOINT"], env["IDENTITY_HEADER"])

    def get_token(self, *scopes: str, **kwargs: object) -> Any:
        from azure.core.credentials import AccessToken

        cached = self._cached.get(scopes)
        if cached is not None and cached.expires_on - _EARLY > time.time():
            return cached
        resource = scopes[0].removesuffix("/.default") if scopes else ""
        query = urlencode({"api-version": "2019-08-01", "resource": resource})
        request = urllib.request.Request(
            f"{self.endpoint}?{query}", headers={"X-IDENTITY-HEADER": self.secret}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = json.loads(answer.read())
        except (OSError, ValueError) as exc:
            raise SandboxError(f"the sandbox's identity endpoint gave no token: {exc}") from None
        token = AccessToken(str(body["access_token"]), int(body["expires_on"]))
        self._cached[scopes] = token
        return token
