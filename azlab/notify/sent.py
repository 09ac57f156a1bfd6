"""What was already sent, and what each VM was last seen doing, kept between ticks.

A JSON file per plan under $AZLAB_STATE_DIR/notify (default ~/.azlab/notify):
`sent` maps channel/key to when it was sent (a warning goes out once per group
and stop, a deviation once per VM and off window), `seen` maps a VM to the
power state the last tick saw, which tells a hand start from a VM the schedule
has not yet stopped.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

KEEP = timedelta(days=40)


def state_file(plan: str) -> Path:
    root = Path(os.environ.get("AZLAB_STATE_DIR") or Path.home() / ".azlab")
    return root / "notify" / f"{plan}.json"


@dataclass
class SentLog:
    path: Path
    sent: dict[str, str] = field(default_factory=dict)  # "channel|key" -> ISO time
    seen: dict[str, str] = field(default_factory=dict)  # vm -> power state

    @classmethod
    def load(cls, plan: str) -> SentLog:
        path = state_file(plan)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        return cls(path, dict(data.get("sent", {})), dict(data.get("seen", {})))

    def was_sent(self, channel: str, key: str) -> bool:
        return f"{channel}|{key}" in self.sent

    def mark(self, channel: str, key: str, at: datetime) -> None:
        self.sent[f"{channel}|{key}"] = at.isoformat()

    def save(self, now: datetime) -> None:
        cutoff = now - KEEP
        self.sent = {k: v for k, v in self.sent.items() if datetime.fromisoformat(v) >= cutoff}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"sent": self.sent, "seen": self.seen}, indent=1))
        temporary.replace(self.path)
