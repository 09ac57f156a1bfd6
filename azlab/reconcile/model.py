"""The changes between desired and observed resources, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from azlab.model import (
    ADMIN_TAG,
    IMAGE_TAG,
    PLAN_TAG,
    Desired,
    Key,
    Kind,
    Observed,
)

__all__ = [
    "ADMIN_TAG",
    "IMAGE_TAG",
    "PLAN_TAG",
    "Action",
    "Change",
    "Desired",
    "FieldChange",
    "Key",
    "Kind",
    "Observed",
]


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    DELETE = "delete"
    NOOP = "noop"
    # Present in Azure without this plan's tag: azlab never changes it.
    NOT_MANAGED = "not-managed"
    # Owned by the plan but no longer in it; deleted only with --prune.
    ORPHAN = "orphan"
    # Matches the plan but lacks its tag: with --adopt, apply adds azlab's tags, nothing else.
    ADOPT = "adopt"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.REPLACE: "-/+",
    Action.DELETE: "-",
    Action.NOOP: " ",
    Action.NOT_MANAGED: "!",
    Action.ORPHAN: "?",
    Action.ADOPT: "~",
}


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    action: Action
    kind: Kind
    name: str
    desired: Desired | None = None
    observed: Observed | None = None
    fields: tuple[FieldChange, ...] = ()
    reason: str = ""

    @property
    def key(self) -> Key:
        return (self.kind, self.name.lower())

    @property
    def is_change(self) -> bool:
        return self.action in (
            Action.CREATE,
            Action.UPDATE,
            Action.REPLACE,
            Action.DELETE,
            Action.ADOPT,
        )
