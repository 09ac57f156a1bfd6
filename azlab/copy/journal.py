"""Which chunks of a copy are done, kept on disk so a re-run copies only what is missing.

The journal is bound to the source's ETag: if the source changed, nothing
recorded for it is trusted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path


class ChunkJournal:
    def __init__(self, path: Path, *, source_etag: str, destination: str) -> None:
        self.path = path
        self.source_etag = source_etag
        self.destination = destination
        self.done: set[int] = set()
        self._load()

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return
        if data.get("source_etag") == self.source_etag and data.get("destination") == (
            self.destination
        ):
            self.done = {int(x) for x in data.get("done", [])}

    def mark(self, offset: int) -> None:
        self.done.add(offset)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "source_etag": self.source_etag,
                    "destination": self.destination,
                    "done": sorted(self.done),
                }
            )
        )
        os.replace(tmp, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
