"""What the host needs to know of a deployed Function app, and its functions' bindings resolved.

A `HostedApp` is what a deployment leaves: the site's name, the zip package,
the app settings and the identity endpoint (endpoint and secret header) of the
site's managed identity. Binding values `%NAME%` are app setting names, as the
Functions host resolves them.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from azlab.errors import SandboxError
from azlab.sandbox.hosting.ncrontab import Ncrontab

SETTING = re.compile(r"%([^%]+)%")
# host.json's defaults on Functions 4 (queues extension, function timeout on consumption).
DEFAULT_MAX_DEQUEUE = 5
DEFAULT_VISIBILITY = 0.0
DEFAULT_BATCH = 16
DEFAULT_TIMEOUT = 300.0


@dataclass(frozen=True)
class HostedApp:
    name: str  # the site's name
    package: bytes  # the zip as deployed
    settings: Mapping[str, str]
    identity_endpoint: str
    identity_header: str
    principal_id: str = ""


@dataclass(frozen=True)
class HostOptions:
    """The parts of host.json the sandbox's host follows."""

    max_dequeue_count: int = DEFAULT_MAX_DEQUEUE
    visibility_timeout: float = DEFAULT_VISIBILITY  # seconds before a failed message is retried
    batch_size: int = DEFAULT_BATCH
    function_timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def read(cls, folder: Path) -> HostOptions:
        path = folder / "host.json"
        if not path.is_file():
            return cls()
        try:
            data = json.loads(path.read_text())
        except ValueError as exc:
            raise SandboxError(f"host.json is not valid JSON: {exc}") from None
        queues = data.get("extensions", {}).get("queues", {})
        return cls(
            max_dequeue_count=int(queues.get("maxDequeueCount", DEFAULT_MAX_DEQUEUE)),
            visibility_timeout=timespan(queues.get("visibilityTimeout", "00:00:00")),
            batch_size=int(queues.get("batchSize", DEFAULT_BATCH)),
            function_timeout=timespan(data.get("functionTimeout", "00:05:00")),
        )


TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.\d+)?$")


def timespan(text: str) -> float:
    """A .NET TimeSpan `[d.]hh:mm:ss[.fff]` in whole seconds."""
    found = TIMESPAN.match(str(text).strip())
    if found is None:
        raise SandboxError(f"host.json: {text!r} is not a time span (hh:mm:ss)")
    days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def resolve(value: str, settings: Mapping[str, str], function: str) -> str:
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in settings:
            raise SandboxError(
                f"the function '{function}' is in error: '%{name}%' does not resolve to a value "
                "(no app setting of that name)"
            )
        return settings[name]

    return SETTING.sub(one, value)


@dataclass(frozen=True)
class HostedFunction:
    name: str
    trigger: str  # timerTrigger, queueTrigger, httpTrigger
    binding: dict[str, Any] = field(default_factory=dict)  # the trigger's, settings resolved
    schedule: Ncrontab | None = None
    queue: str = ""
    connection: str = ""
    route: str = ""


def functions_of(
    described: list[dict[str, Any]], settings: Mapping[str, str]
) -> tuple[list[HostedFunction], list[str]]:
    """The worker's function metadata with settings resolved, and the errors of those that
    cannot run: as the Functions host does, a function in error is left out, the rest run."""
    found, errors = [], []
    for entry in described:
        try:
            found.append(_function(entry, settings))
        except SandboxError as exc:
            errors.append(exc.message)
    return found, errors


def _function(entry: dict[str, Any], settings: Mapping[str, str]) -> HostedFunction:
    name = str(entry["name"])
    trigger = next((b for b in entry["bindings"] if str(b["type"]).endswith("Trigger")), None)
    if trigger is None:
        raise SandboxError(f"the function '{name}' is in error: it has no trigger binding")
    kind = str(trigger["type"])
    resolved = {
        k: resolve(v, settings, name) if isinstance(v, str) else v for k, v in trigger.items()
    }
    if kind == "timerTrigger":
        try:
            schedule = Ncrontab.parse(resolved["schedule"])
        except SandboxError as exc:
            raise SandboxError(f"the function '{name}' is in error: {exc.message}") from None
        return HostedFunction(name, kind, resolved, schedule=schedule)
    if kind == "queueTrigger":
        return HostedFunction(
            name,
            kind,
            resolved,
            queue=str(resolved["queueName"]).lower(),
            connection=str(resolved.get("connection") or "AzureWebJobsStorage"),
        )
    if kind == "httpTrigger":
        return HostedFunction(name, kind, resolved, route=str(resolved.get("route") or name))
    raise SandboxError(f"the function '{name}' is in error: the sandbox does not host {kind}")


def unpack(package: bytes, folder: Path) -> None:
    """Unzip a deployed package into `folder` (emptied first), refusing paths that leave it."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(package))
    except zipfile.BadZipFile:
        raise SandboxError("the deployed package is not a zip file") from None
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.rglob("*"), reverse=True):
        old.unlink() if not old.is_dir() or old.is_symlink() else old.rmdir()
    with archive:
        for member in archive.namelist():
            path = PurePosixPath(member)
            if path.is_absolute() or ".." in path.parts:
                raise SandboxError(f"the deployed package has an unsafe path {member!r}")
        archive.extractall(folder)
