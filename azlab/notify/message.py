"""One notification as plain data, before any channel's format."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Event = Literal["before_stop", "failure", "deviation", "budget"]


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Message:
    event: Event
    plan: str
    title: str
    text: str
    facts: tuple[tuple[str, str], ...] = ()  # label, value
    links: tuple[Link, ...] = ()
    key: str = ""  # what makes it the same message as one already sent
    due: datetime | None = None  # a warning's stop: sent once within a channel's lead of it
    data: dict[str, str] = field(default_factory=dict)  # for the generic webhook
