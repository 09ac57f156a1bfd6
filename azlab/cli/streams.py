"""stdout and stderr through `redact`, so no command prints a secret whatever wrote it.

Rich, typer, click and the log handler all write to whatever `sys.stdout` and
`sys.stderr` are at the time; for the length of a command those are these
wrappers. A wrapper offers no `buffer`, so nothing writes bytes past it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO, cast

from azlab.redact import redact


class RedactingStream:
    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            raise AttributeError(name)
        return getattr(self._inner, name)


@contextmanager
def redacted_output() -> Iterator[None]:
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, RedactingStream(saved[0]))
    sys.stderr = cast(TextIO, RedactingStream(saved[1]))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
