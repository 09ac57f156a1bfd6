"""What the host ran: one record per invocation, its log lines with secrets taken out."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

HIDDEN = "***"
# Query signatures, keys in connection strings and bearer tokens, wherever they appear.
PATTERNS = (
    re.compile(r"(?i)(sig=)[^&\s\"']+"),
    re.compile(r"(?i)(AccountKey=)[^;\s\"']+"),
    re.compile(r"(?i)(SharedAccessSignature=)[^;\s\"']+"),
    re.compile(r"(?i)(Bearer )[A-Za-z0-9._~+/=-]+"),
)
SECRET_NAMES = re.compile(r"(?i)key|secret|password|token|connection|sas|webhook|_URL$")
SHORTEST_SECRET = 8


def secret_values(settings: Mapping[str, str]) -> list[str]:
    """The values of app settings that hold secrets by their names, longest first."""
    found = [v for k, v in settings.items() if SECRET_NAMES.search(k) and len(v) >= SHORTEST_SECRET]
    return sorted(set(found), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for value in secrets:
        text = text.replace(value, HIDDEN)
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + HIDDEN, text)
    return text


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class HostedRun:
    number: int
    app: str
    function: str
    trigger: str  # timer, queue, http
    scheduled: str  # the sandbox time it was due (a timer's occurrence; when a message was taken)
    started: str  # sandbox time
    seconds: float
    outcome: str  # succeeded, failed
    past_due: bool = False
    occurrences: int = 0  # a timer's occurrences the clock moved past (more than one: past due)
    error: str = ""
    message: str = ""  # a queue message's fate: deleted, retried, poisoned
    dequeue_count: int = 0
    logs: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class RunLog:
    """Every run, in the order they finished; read from any thread."""

    def __init__(self) -> None:
        self._runs: list[HostedRun] = []
        self._lock = threading.Lock()

    def add(self, **fields: Any) -> HostedRun:
        with self._lock:
            run = HostedRun(len(self._runs) + 1, **fields)
            self._runs.append(run)
            return run

    def since(self, index: int = 0) -> list[HostedRun]:
        with self._lock:
            return self._runs[index:]

    def __len__(self) -> int:
        with self._lock:
            return len(self._runs)

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()
