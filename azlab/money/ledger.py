"""The spend ledger: what azlab saw and did to each VM's power, append-only, one log a month.

Each line is one JSON entry. Kinds: `seen` (a VM's power state a command
observed), `power` (a state a command brought a VM to), `exists`/`gone` (the
lab's resources created or destroyed, which starts and ends what disks and
public IPs cost), and the budget's own `budget-warn`, `budget-stop` and
`budget-release`. Entries are never rewritten: a writer only appends, so two
writers at once never lose one (an append blob's blocks, or `O_APPEND` writes
under a lock in a local file).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

KINDS = frozenset(
    {"seen", "power", "exists", "gone", "budget-warn", "budget-stop", "budget-release"}
)


@dataclass(frozen=True)
class Entry:
    at: datetime  # UTC
    source: str  # the command: tick, worker, up, down, hold, apply, destroy, budget
    kind: str
    vm: str | None = None
    group: str | None = None
    power: str | None = None
    detail: str | None = None

    def line(self) -> str:
        data: dict[str, Any] = {
            "at": self.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "src": self.source,
            "kind": self.kind,
        }
        for name in ("vm", "group", "power", "detail"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return json.dumps(data, separators=(",", ":")) + "\n"

    @classmethod
    def parse(cls, text: str) -> Entry | None:
        """One line back into an entry; a torn or foreign line is skipped (None)."""
        try:
            data = json.loads(text)
            at = datetime.fromisoformat(str(data["at"]).replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            return None
        if data.get("kind") not in KINDS or at.tzinfo is None:
            return None
        return cls(
            at.astimezone(timezone.utc),
            str(data.get("src", "")),
            str(data["kind"]),
            data.get("vm"),
            data.get("group"),
            data.get("power"),
            data.get("detail"),
        )


def month_of(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m")


def previous_month(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def parse_lines(text: str) -> list[Entry]:
    return [e for e in (Entry.parse(line) for line in text.splitlines() if line.strip()) if e]


class Store(Protocol):
    """Where one plan's ledger lives; `month` is YYYY-MM (UTC)."""

    where: str

    async def append(self, month: str, entries: Iterable[Entry]) -> None: ...

    async def read(self, month: str) -> list[Entry]: ...


class FileStore:
    """A local folder: `<folder>/<plan>/<YYYY-MM>.jsonl`."""

    def __init__(self, folder: str, plan: str) -> None:
        self.folder = os.path.join(folder, plan)
        self.where = self.folder

    def _path(self, month: str) -> str:
        return os.path.join(self.folder, f"{month}.jsonl")

    async def append(self, month: str, entries: Iterable[Entry]) -> None:
        data = "".join(e.line() for e in entries).encode()
        if not data:
            return
        import fcntl

        os.makedirs(self.folder, exist_ok=True)
        fd = os.open(self._path(month), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # One write under an exclusive lock: concurrent writers queue, none interleaves.
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
        finally:
            os.close(fd)

    async def read(self, month: str) -> list[Entry]:
        try:
            with open(self._path(month), encoding="utf-8") as f:
                return parse_lines(f.read())
        except FileNotFoundError:
            return []


def default_folder() -> str:
    """`AZLAB_LEDGER_DIR`, else the user's data folder."""
    folder = os.environ.get("AZLAB_LEDGER_DIR")
    if folder:
        return folder
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "share"
    )
    return os.path.join(base, "azlab", "ledger")
