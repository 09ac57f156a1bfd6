"""Pure diff: desired resources + observed resources -> the changes that make them match.

Rules users can rely on:
- A resource without this plan's tag is never changed or deleted ("not managed").
  With `adopt`, one that already matches the plan in every property it sets is
  adopted: its only change is azlab's tags, added to the ones it has.
- Only the properties and tags the plan sets are compared; tags added by someone
  else (a policy, a person) are not drift.
- A difference in a create-time property is a replace, with the reason; the
  caller decides whether a replace is allowed.
- A difference in a property Azure changes only on a stopped resource (a VM's
  spot price, hibernation) is an update whose reason says apply stops it first.
- A VM's auto-shutdown schedule goes when its `failsafe_shutdown` does (the VM
  stays in the plan); one whose VM left the plan stays with that orphan.
- A resource the plan owns but no longer lists is an orphan; it becomes a delete
  only when the caller asks to prune. A blob container never does: it has no tags,
  so one someone else made in the plan's storage account looks exactly like the plan's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from azlab.reconcile.model import (
    PLAN_TAG,
    Action,
    Change,
    Desired,
    FieldChange,
    Key,
    Kind,
    Observed,
)


def diff(
    plan_name: str,
    desired: Iterable[Desired],
    observed: Iterable[Observed],
    *,
    prune: bool = False,
    adopt: bool = False,
) -> list[Change]:
    """Every desired and observed resource, once, with the action it needs."""
    seen: dict[Key, Observed] = {o.key: o for o in observed}
    changes: list[Change] = []
    wanted: set[Key] = set()
    for want in desired:
        wanted.add(want.key)
        changes.append(_compare(plan_name, want, seen.get(want.key), adopt=adopt))
    for key, have in seen.items():
        if key in wanted:
            continue
        if not have.owned_by(plan_name):
            changes.append(Change(Action.NOT_MANAGED, have.kind, have.name, observed=have))
        elif _failsafe_dropped(have, wanted):
            reason = f"failsafe_shutdown removed from vm {have.props.get('vm')}"
            changes.append(
                Change(Action.DELETE, have.kind, have.name, observed=have, reason=reason)
            )
        elif prune and have.kind is not Kind.CONTAINER:
            changes.append(
                Change(Action.DELETE, have.kind, have.name, observed=have, reason="not in the plan")
            )
        else:
            reason = "owned by the plan but not in it; --prune deletes it"
            if have.kind is Kind.CONTAINER:
                reason = "not in the plan; a container has no tags, so --prune leaves it"
            changes.append(
                Change(Action.ORPHAN, have.kind, have.name, observed=have, reason=reason)
            )
    return changes


def _failsafe_dropped(have: Observed, wanted: set[Key]) -> bool:
    """An auto-shutdown the plan made for a VM it still has: its field went, so it goes too."""
    vm = str(have.props.get("vm") or "").lower()
    return have.kind is Kind.SHUTDOWN and bool(vm) and (Kind.VM, vm) in wanted


def _compare(plan_name: str, want: Desired, have: Observed | None, *, adopt: bool) -> Change:
    if have is None:
        return Change(Action.CREATE, want.kind, want.name, desired=want)
    if not have.owned_by(plan_name):
        return _unowned(plan_name, want, have, adopt=adopt)
    fields = tuple(_field_changes(want, have))
    fixed = [f for f in fields if f.name in want.create_only]
    if fixed:
        reason = ", ".join(f"{f.name} cannot change in place" for f in fixed)
        return Change(
            Action.REPLACE, want.kind, want.name, want, have, fields=fields, reason=reason
        )
    if not have.settled:
        # An interrupted apply's operation still running, or one that failed: apply waits
        # for it to end and writes the resource again.
        reason = f"provisioning {have.provisioning}: an earlier operation did not finish"
        return Change(Action.UPDATE, want.kind, want.name, want, have, fields=fields, reason=reason)
    if not fields:
        return Change(Action.NOOP, want.kind, want.name, desired=want, observed=have)
    stopped = [f.name for f in fields if f.name in want.needs_deallocation]
    if stopped:
        # Azure changes these only on a deallocated VM, as Terraform's azurerm does it: apply
        # deallocates, writes, and starts the VM again if it was running.
        reason = f"{', '.join(stopped)} change only while deallocated: apply deallocates it first"
        return Change(Action.UPDATE, want.kind, want.name, want, have, fields=fields, reason=reason)
    return Change(Action.UPDATE, want.kind, want.name, desired=want, observed=have, fields=fields)


def _unowned(plan_name: str, want: Desired, have: Observed, *, adopt: bool) -> Change:
    """Someone else's resource, or no one's: adoptable only when it already matches."""
    owner = have.tags.get(PLAN_TAG)
    fields = tuple(_field_changes(want, have))
    differ = [f.name for f in fields if not f.name.startswith("tags.") and not _tag_read(want, f)]
    if owner is None and not differ and have.settled:
        if adopt:
            reason = f"matches the plan; adds tag {PLAN_TAG}={plan_name} and keeps its others"
            tags = tuple(f for f in fields if f.name.startswith("tags.") or _tag_read(want, f))
            return Change(
                Action.ADOPT, want.kind, want.name, want, have, fields=tags, reason=reason
            )
        reason = f"belongs to no azlab plan but matches it; --adopt adds tag {PLAN_TAG}={plan_name}"
    elif owner is None:
        reason = (
            f"belongs to no azlab plan and differs from it ({', '.join(differ)}); "
            f"once they agree, --adopt adds tag {PLAN_TAG}={plan_name}"
        )
        if not differ:
            reason = (
                f"provisioning {have.provisioning}: once that operation ends, "
                f"--adopt adds tag {PLAN_TAG}={plan_name}"
            )
    else:
        reason = (
            f"exists and belongs to plan {owner!r}; only a tag {PLAN_TAG}={plan_name} "
            "makes it this plan's"
        )
    return Change(
        Action.NOT_MANAGED, want.kind, want.name, desired=want, observed=have, reason=reason
    )


def _tag_read(want: Desired, field: FieldChange) -> bool:
    """A VM booted from an attached disk reports no image or admin: Azure keeps neither, and
    azlab reads them from its own tags, which adopting writes."""
    return (
        want.kind is Kind.VM
        and bool(want.props.get("attach_os_disk"))
        and field.name in ("image", "admin_username")
        and field.old is None
    )


def _field_changes(want: Desired, have: Observed) -> Iterable[FieldChange]:
    for name, new in want.props.items():
        old = have.props.get(name)
        if not _same(old, new):
            yield FieldChange(name, old, new)
    for tag, value in want.tags.items():
        old_tag = have.tags.get(tag)
        if old_tag != value:
            yield FieldChange(f"tags.{tag}", old_tag, value)


def _same(old: Any, new: Any) -> bool:
    """Equal, treating a mapping as matching when every key the plan sets matches."""
    if isinstance(new, Mapping) and isinstance(old, Mapping):
        return all(_same(old.get(k), v) for k, v in new.items())
    if isinstance(new, str) and isinstance(old, str):
        # Azure returns regions, SKUs and enum values in its own casing ("WestUS2").
        return old.lower() == new.lower()
    if isinstance(new, list | tuple) and isinstance(old, list | tuple):
        return len(old) == len(new) and all(_same(o, n) for o, n in zip(old, new, strict=True))
    return bool(old == new)


def summarize(changes: Iterable[Change]) -> dict[str, int]:
    counts = {a.value: 0 for a in Action}
    for change in changes:
        counts[change.action.value] += 1
    return counts
