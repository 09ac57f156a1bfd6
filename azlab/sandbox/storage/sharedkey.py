"""Shared Key authorization for blob requests: check a caller's signature, sign our own.

The gateway rewrites some requests before Azurite sees them (a Put Page From
URL becomes a Put Page), which breaks the caller's signature; so it checks the
signature itself with the account key and signs what it forwards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from email.utils import formatdate

_STANDARD = (
    "content-encoding",
    "content-language",
    "content-length",
    "content-md5",
    "content-type",
    "date",
    "if-modified-since",
    "if-match",
    "if-none-match",
    "if-unmodified-since",
    "range",
)


def string_to_sign(
    method: str, account: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> str:
    """The canonical string for Shared Key (service version 2009-09-19 and later)."""
    lower = {k.lower(): v for k, v in headers.items()}
    parts = [method.upper()]
    for name in _STANDARD:
        value = lower.get(name, "")
        if name == "content-length" and value == "0":
            value = ""
        if name == "date" and "x-ms-date" in lower:
            value = ""
        parts.append(value)
    canonical_headers = "".join(
        f"{name}:{lower[name].strip()}\n" for name in sorted(lower) if name.startswith("x-ms-")
    )
    # `path` as sent (percent-encoded), `query` values decoded, as the SDKs sign them.
    # Path-style addressing puts the account in the path, so it appears twice.
    resource = f"/{account}{path}"
    for name in sorted(query, key=str.lower):
        resource += f"\n{name.lower()}:{query[name]}"
    return "\n".join(parts) + "\n" + canonical_headers + resource


def signature(key: str, text: str) -> str:
    digest = hmac.new(base64.b64decode(key), text.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(
    authorization: str,
    method: str,
    account: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    key: str,
) -> bool:
    scheme, _, credential = authorization.partition(" ")
    name, _, given = credential.partition(":")
    if scheme != "SharedKey" or name != account:
        return False
    expected = signature(key, string_to_sign(method, account, path, query, headers))
    return hmac.compare_digest(expected, given)


def sign(
    method: str,
    account: str,
    path: str,
    query: Mapping[str, str],
    headers: dict[str, str],
    key: str,
) -> dict[str, str]:
    """`headers` with a fresh x-ms-date and Authorization."""
    headers = {**headers, "x-ms-date": formatdate(usegmt=True)}
    text = string_to_sign(method, account, path, query, headers)
    headers["Authorization"] = f"SharedKey {account}:{signature(key, text)}"
    return headers
