"""Secrets and `${VAR}` references, checked on the raw YAML before the schema.

A plan is meant to be committed and reviewed, so a literal password or key in
it is an error: name an environment variable or a key file instead.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
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
VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def secret_keys(doc: Any) -> Iterator[tuple[tuple[PathKey, ...], str]]:
    """Paths of mapping keys that hold a secret literally."""
    for path, node in _walk(doc, ()):
        if isinstance(node, dict):
            for key in node:
                if str(key).lower() in SECRET_KEYS:
                    yield (*path, key), str(key)


def substitute(
    doc: Any, env: Mapping[str, str] | None = None
) -> Iterator[tuple[tuple[PathKey, ...], str]]:
    """Replace `${VAR}` in every string in place; yield (path, name) of each unset variable."""
    env = os.environ if env is None else env
    for path, node in _walk(doc, ()):
        items: Iterator[tuple[PathKey, Any]]
        if isinstance(node, dict):
            items = iter(list(node.items()))
        elif isinstance(node, list):
            items = iter(list(enumerate(node)))
        else:
            continue
        for key, value in items:
            if not isinstance(value, str) or "${" not in value:
                continue
            missing = [m.group(1) for m in VAR.finditer(value) if m.group(1) not in env]
            for name in missing:
                yield (*path, key), name
            if not missing:
                node[key] = VAR.sub(lambda m: env[m.group(1)], value)


def _walk(node: Any, path: tuple[PathKey, ...]) -> Iterator[tuple[tuple[PathKey, ...], Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))
