"""What the scheduler's resources are called, derived from the plan and the subscription.

Names are deterministic, so a second deploy finds what the first made. A site's and a
storage account's names are global in Azure, hence the short hash of subscription and
plan in the default ones; `--name` replaces the base.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from azlab.errors import UsageError

# On every resource deploy makes: the plan it serves. Remove deletes only what carries it.
SCHEDULER_TAG = "azlab-scheduler"
QUEUE = "azlab-power"
CONTAINER = "azlab-scheduler"
PLAN_BLOB = "plan.yaml"
STATUS_PREFIX = "status/"
_SITE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,58}[a-z0-9]$")


def _digest(*parts: str, length: int) -> str:
    return hashlib.sha256("|".join(p.lower() for p in parts).encode()).hexdigest()[:length]


@dataclass(frozen=True)
class Names:
    subscription: str
    plan: str
    base: str
    location: str

    @property
    def resource_group(self) -> str:
        return f"rg-{self.base}"

    @property
    def storage_account(self) -> str:
        # 3-24 lower-case letters and digits, unique in Azure.
        return "stazlab" + _digest(self.subscription, self.base, length=12)

    @property
    def server_farm(self) -> str:
        return f"plan-{self.base}"

    @property
    def site(self) -> str:
        return self.base

    @property
    def automation_account(self) -> str:
        return f"aa-{self.base}"

    @property
    def scope(self) -> str:
        return f"/subscriptions/{self.subscription}"

    @property
    def group_scope(self) -> str:
        return f"{self.scope}/resourceGroups/{self.resource_group}"

    def arm_id(self, provider_path: str) -> str:
        return f"{self.group_scope}/providers/{provider_path}"

    @property
    def storage_id(self) -> str:
        return self.arm_id(f"Microsoft.Storage/storageAccounts/{self.storage_account}")

    @property
    def server_farm_id(self) -> str:
        return self.arm_id(f"Microsoft.Web/serverfarms/{self.server_farm}")

    @property
    def site_id(self) -> str:
        return self.arm_id(f"Microsoft.Web/sites/{self.site}")

    @property
    def automation_id(self) -> str:
        return self.arm_id(f"Microsoft.Automation/automationAccounts/{self.automation_account}")


def names_for(subscription: str, plan: str, location: str, name: str | None = None) -> Names:
    """The names for `plan`'s scheduler; `name` (--name) is the base, checked as a site name."""
    base = (name or f"azlab-{plan}-{_digest(subscription, plan, length=6)}").lower()
    if not _SITE_NAME.match(base):
        raise UsageError(
            f"--name {name!r}: 2-60 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit",
            hint="it names the Function App, which Azure makes <name>.azurewebsites.net",
        )
    return Names(subscription, plan, base, location)
