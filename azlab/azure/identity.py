"""Tokens from a managed identity endpoint named in the environment, App Service style.

The sandbox serves one (`IDENTITY_ENDPOINT`, `IDENTITY_HEADER`); these
credentials ask it, and only it, for tokens. A credential chain would fall
back to the Azure instance metadata address when the variables are missing;
here a missing or non-loopback endpoint is an error instead.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from azlab.errors import CredentialError

API_VERSION = "2019-08-01"
_EARLY = 300  # seconds before expiry a token is fetched again
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class IdentityEndpoint:
    url: str
    header: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> IdentityEndpoint:
        url = env.get("IDENTITY_ENDPOINT", "")
        header = env.get("IDENTITY_HEADER", "")
        if not url or not header:
            raise CredentialError(
                "the sandbox target needs its identity endpoint: IDENTITY_ENDPOINT and "
                "IDENTITY_HEADER are not set",
                hint='start the sandbox with `eval "$(azlab sandbox start)"`',
            )
        host = urlsplit(url).hostname or ""
        if host not in _LOOPBACK and not host.startswith("127."):
            raise CredentialError(
                f"IDENTITY_ENDPOINT names {host}, not this machine, where the sandbox serves it",
                hint='start the sandbox with `eval "$(azlab sandbox start)"`',
            )
        return cls(url, header)

    def request(self, scopes: tuple[str, ...]) -> tuple[str, dict[str, str]]:
        resource = scopes[0].removesuffix("/.default") if scopes else ""
        query = urlencode({"api-version": API_VERSION, "resource": resource})
        return f"{self.url}?{query}", {"X-IDENTITY-HEADER": self.header, "Metadata": "true"}


def _access_token(body: bytes) -> Any:
    from azure.core.credentials import AccessToken

    try:
        answer = json.loads(body)
        return AccessToken(str(answer["access_token"]), int(answer["expires_on"]))
    except (ValueError, KeyError, TypeError):
        raise CredentialError("the identity endpoint answered without a token") from None


class IdentityCredential:
    """An async credential for azure-core's bearer policy."""

    def __init__(self, endpoint: IdentityEndpoint) -> None:
        self.endpoint = endpoint
        self._cached: dict[tuple[str, ...], Any] = {}

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        cached = self._cached.get(scopes)
        if cached is not None and cached.expires_on - _EARLY > time.time():
            return cached
        import aiohttp

        url, headers = self.endpoint.request(scopes)
        async with aiohttp.ClientSession() as http, http.get(url, headers=headers) as answer:
            body = await answer.read()
            if answer.status != 200:
                raise CredentialError(
                    f"the identity endpoint refused a token ({answer.status}): {body[:200]!r}"
                )
        token = self._cached[scopes] = _access_token(body)
        return token

    def forget(self) -> None:
        """Drop the cached tokens: Azure refused one as expired, so the next is fetched anew."""
        self._cached.clear()

    async def close(self) -> None:
        return None

    async def __aenter__(self) -> IdentityCredential:
        return self

    async def __aexit__(self, *args: object) -> None:
        return None
