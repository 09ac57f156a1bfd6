"""Plan fields that never become a resource property, and what reads them instead.

Every other field of the plan reaches Azure through some kind's desired properties
(tests/resources/test_every_field.py checks both halves). docs/plan.md shows this
table, as `markdown()` renders it.
"""

from __future__ import annotations

_SCHEDULE = "when `azlab tick` starts and stops the group's VMs: power state, not a property"
_SECRET = (
    "where the administrator's secret is read from; the secret itself goes only in the "
    "VM's create body, never in desired state"
)
_BUDGET = "the ceiling `azlab tick` holds the month's estimated spend to: power, not a property"
_NOTIFY = "where and when `azlab tick` tells people (webhooks); nothing Azure holds"
_LEDGER = "where azlab keeps its spend ledger (a blob a month); the container is not the plan's"
_GUEST = (
    "scripts `azlab tick`, `up` and `down` run inside the VM through Run Command, and the "
    "health gate between tiers: power, not a property"
)
_NAMING = "a name pattern `azlab validate` checks (AZL045), as a warning"

# Plan JSON path (`[]` for every item of a list) -> why it is not a resource property.
PLAN_ONLY: dict[str, str] = {
    "version": "the plan file format's version",
    "subscription": "the subscription every request goes to (in the URL), not a property",
    "vars": "the variables `${NAME}` may name; their values reach Azure through the fields "
    "that name them",
    "naming.network": _NAMING,
    "naming.subnet": _NAMING,
    "naming.storage_account": _NAMING,
    "naming.group": _NAMING,
    "naming.vm": _NAMING,
    "schedules[].name": _SCHEDULE,
    "schedules[].timezone": _SCHEDULE,
    "schedules[].start[].at": _SCHEDULE,
    "schedules[].start[].days": _SCHEDULE,
    "schedules[].stop[].at": _SCHEDULE,
    "schedules[].stop[].days": _SCHEDULE,
    "schedules[].enforce": "how long `azlab tick` keeps correcting a VM someone else started or "
    "stopped",
    "schedules[].skip": "dates and holiday calendars on which `azlab tick` starts nothing",
    "groups[].schedule": _SCHEDULE,
    "groups[].depends_on[]": "the order `azlab tick` and `azlab migrate` start and stop groups in",
    "groups[].priority": "the order `azlab tick` sheds groups in at the budget",
    "currency": "the currency `azlab cost` and the views price in",
    "budget.monthly": _BUDGET,
    "budget.warn_at[]": _BUDGET,
    "budget.at_limit": _BUDGET,
    "notify[].name": _NOTIFY,
    "notify[].kind": _NOTIFY,
    "notify[].url_env": _NOTIFY,
    "notify[].events[]": _NOTIFY,
    "notify[].lead": _NOTIFY,
    "ledger.storage_account": _LEDGER,
    "ledger.container": _LEDGER,
    "groups[].ready.script": _GUEST,
    "groups[].ready.timeout": _GUEST,
    "groups[].ready.delay": _GUEST,
    "groups[].before_stop.script": _GUEST,
    "groups[].before_stop.timeout": _GUEST,
    "groups[].before_stop.required": _GUEST,
    "groups[].after_start.script": _GUEST,
    "groups[].after_start.timeout": _GUEST,
    "groups[].after_start.required": _GUEST,
    "groups[].vms[].ready.script": _GUEST,
    "groups[].vms[].ready.timeout": _GUEST,
    "groups[].vms[].ready.delay": _GUEST,
    "groups[].vms[].before_stop.script": _GUEST,
    "groups[].vms[].before_stop.timeout": _GUEST,
    "groups[].vms[].before_stop.required": _GUEST,
    "groups[].vms[].after_start.script": _GUEST,
    "groups[].vms[].after_start.timeout": _GUEST,
    "groups[].vms[].after_start.required": _GUEST,
    "groups[].vms[].tier": "the order VMs start and stop in within a group",
    "groups[].vms[].admin.password_env": _SECRET,
    "groups[].vms[].admin.ssh_key_file": _SECRET,
    "groups[].vms[].admin.ssh_key_env": _SECRET,
    "groups[].vms[].endpoints[].keepalive": "checked against the idle timeouts on the path "
    "(AZL061); Azure has nothing to set",
}


def markdown() -> str:
    rows = [f"| `{path}` | {why} |" for path, why in PLAN_ONLY.items()]
    return "\n".join(["| Field | Why it never reaches Azure |", "|---|---|", *rows]) + "\n"
