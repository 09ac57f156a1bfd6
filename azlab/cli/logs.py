"""Log lines on stderr at the level AZLAB_LOG_LEVEL names, with every secret redacted.

The Azure SDKs log requests at DEBUG (URLs with their query strings, headers);
every record passes through `redact`, so a SAS signature or an account key
never reaches a log, whatever logger wrote it.
"""

from __future__ import annotations

import logging
import os
import sys

from azlab.redact import redact


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is at the time (tests swap it)."""

    @property
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def configure_logging() -> None:
    """With AZLAB_LOG_LEVEL set (DEBUG, INFO, ...), log to stderr, redacted."""
    level = os.environ.get("AZLAB_LOG_LEVEL")
    root = logging.getLogger()
    if not level or any(isinstance(h.formatter, RedactingFormatter) for h in root.handlers):
        return
    handler = _StderrHandler()
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(getattr(logging, level.upper(), logging.WARNING))
