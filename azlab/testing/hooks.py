"""Named points that long operations announce as they pass them; tests listen, users never.

Product code calls `reached("migrate.step", name)` and knows nothing of what listens:
the crash tests install a listener that kills the process at a chosen step, as a lost
machine would. With no listener (every normal run) a point costs one dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str], None]

_listeners: dict[str, list[Listener]] = {}


def listen(point: str, listener: Listener) -> None:
    """Call `listener(detail)` whenever `point` is reached."""
    _listeners.setdefault(point, []).append(listener)


def reached(point: str, detail: str) -> None:
    for listener in _listeners.get(point, ()):
        listener(detail)


def clear() -> None:
    _listeners.clear()
