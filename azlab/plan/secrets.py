"""Literal secrets, checked on the raw YAML before the schema.

A plan is meant to be committed and reviewed, so a literal password or key in
it is an error: name an environment variable, a secret variable or a key file instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from azlab.plan.source import PathKey

SECRET_KEYS = {
    "password",
    "admin_password",
    "adminpassword",
    "secret",
    "client_secret",
    "ssh_key",
    "private_key",
    "account_key",
    "key",
    "sas",
    "sas_token",
    "connection_string",
    "token",
}


def secret_keys(doc: Any) -> Iterator[tuple[tuple[PathKey, ...], str]]:
    """Paths of mapping keys that hold a secret literally."""
    for path, node in _walk(doc, ()):
        # `vars:` declares variables: `secret: true` there is a flag, not a secret.
        if path[:1] == ("vars",):
            continue
        if isinstance(node, dict):
            for key in node:
                if str(key).lower() in SECRET_KEYS:
                    yield (*path, key), str(key)


def _walk(node: Any, path: tuple[PathKey, ...]) -> Iterator[tuple[tuple[PathKey, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))
