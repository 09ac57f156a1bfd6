"""The scheduler's parts as plain data: what deploy wants, what Azure holds, and the changes.

A part is one thing deploy makes: an ARM resource, a data-plane object (queue, blob), or
a property set of one (a site's app settings, its package). `props` are the values compared:
a desired and an observed part are equal exactly when nothing needs sending. Values named in
`secrets` are compared but never shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

SENSITIVE = "(sensitive value)"
# A value Azure assigns on create (a site's principal id): shown, never compared.
KNOWN_AFTER = "(known after deploy)"


class PartKind(str, Enum):
    RESOURCE_GROUP = "resource_group"
    STORAGE_ACCOUNT = "storage_account"
    QUEUE = "queue"
    CONTAINER = "container"
    PLAN_BLOB = "plan_blob"
    SERVER_FARM = "server_farm"
    SITE = "function_app"
    APP_SETTINGS = "app_settings"
    PACKAGE = "package"
    ROLE_DEFINITION = "role_definition"
    ROLE_ASSIGNMENT = "role_assignment"
    AUTOMATION_ACCOUNT = "automation_account"
    RUNBOOK = "runbook"
    PYTHON_PACKAGE = "python_package"
    SCHEDULE = "schedule"
    JOB_SCHEDULE = "job_schedule"

    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " "))


_LABELS = {
    PartKind.SERVER_FARM: "app service plan",
    PartKind.SITE: "function app",
    PartKind.APP_SETTINGS: "app settings of",
    PartKind.PACKAGE: "package of",
    PartKind.PLAN_BLOB: "plan blob",
}


@dataclass(frozen=True)
class Part:
    kind: PartKind
    name: str
    # The unique address: an ARM id, or account/queue for data-plane objects.
    address: str
    props: Mapping[str, Any]
    secrets: frozenset[str] = frozenset()
    # Parts that carry no tags of their own (app settings, a package, role assignments,
    # queues) are owned through their parent or their deterministic name.
    tagged: bool = True


@dataclass(frozen=True)
class Found:
    """A part as Azure holds it."""

    address: str
    props: Mapping[str, Any]
    owned: bool


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "noop"
    # There, without the scheduler's tag: deploy stops rather than take it over.
    FOREIGN = "foreign"

    @property
    def symbol(self) -> str:
        return {"create": "+", "update": "~", "delete": "-", "noop": " ", "foreign": "!"}[
            self.value
        ]


@dataclass(frozen=True)
class FieldChange:
    name: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    action: Action
    part: Part
    fields: tuple[FieldChange, ...] = ()

    @property
    def pending(self) -> bool:
        return self.action in (Action.CREATE, Action.UPDATE, Action.DELETE)


def _shown(part: Part, name: str, value: Any) -> Any:
    return SENSITIVE if name in part.secrets else value


def _field_changes(part: Part, old: Mapping[str, Any]) -> tuple[FieldChange, ...]:
    changes = []
    for name, new in part.props.items():
        if new == KNOWN_AFTER:
            continue
        if isinstance(new, Mapping) and isinstance(old.get(name), Mapping | None):
            # Nested maps (app settings, tags) are compared key by key over the keys deploy
            # sets, so a change names the key and a key someone else added is left alone.
            before: Mapping[str, Any] = old.get(name) or {}
            for key in sorted(new):
                if new[key] != KNOWN_AFTER and new[key] != before.get(key):
                    secret = key in part.secrets
                    changes.append(
                        FieldChange(
                            f"{name}.{key}",
                            SENSITIVE if secret and key in before else before.get(key),
                            SENSITIVE if secret else new[key],
                        )
                    )
            continue
        if old.get(name) != new:
            changes.append(
                FieldChange(name, _shown(part, name, old.get(name)), _shown(part, name, new))
            )
    return tuple(changes)


def diff(desired: Iterable[Part], found: Mapping[str, Found]) -> list[Change]:
    """Each desired part: created, updated, unchanged, or foreign (there without the tag)."""
    changes = []
    for part in desired:
        there = found.get(part.address.lower())
        if there is None:
            changes.append(Change(Action.CREATE, part))
        elif not there.owned:
            changes.append(Change(Action.FOREIGN, part))
        else:
            fields = _field_changes(part, there.props)
            changes.append(Change(Action.UPDATE if fields else Action.NOOP, part, fields))
    return changes


def removals(desired: Iterable[Part], found: Mapping[str, Found]) -> list[Change]:
    """What remove deletes: the parts there and owned, last made first; foreign ones stay."""
    changes = []
    for part in reversed(list(desired)):
        there = found.get(part.address.lower())
        if there is None:
            continue
        changes.append(Change(Action.DELETE if there.owned else Action.FOREIGN, part))
    return changes


def summarize(changes: Iterable[Change]) -> dict[str, int]:
    counts = {action.value: 0 for action in Action}
    for change in changes:
        counts[change.action.value] += 1
    return counts
