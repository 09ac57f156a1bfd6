"""From Microsoft.Web and Microsoft.Automation to the host: what changed is hosted again.

A site whose package or settings change runs the new ones; an Automation
account whose runbooks, schedules or job schedules change runs its job
schedules as they now are.

The emulator tells of each change on its event loop, inside the request that
made it; the (re)start of the site's process happens on a thread of its own,
and the host's `wait_idle` waits for it, so a caller that zip-deployed and
then moves the clock finds the new package running.
"""

from __future__ import annotations

from collections.abc import Callable

from azlab.sandbox.arm.automation_accounts import AutomationChange
from azlab.sandbox.arm.automation_runbooks import Runbooks
from azlab.sandbox.arm.principals import Principals
from azlab.sandbox.arm.web_sites import SiteChange, Sites
from azlab.sandbox.hosting.app import HostedApp
from azlab.sandbox.hosting.automation import HostedAccount
from azlab.sandbox.hosting.host import FunctionHost

# (endpoint, secret header) of the managed identity endpoint serving this principal
IdentityFor = Callable[[str | None], tuple[str, str]]


class SiteFeed:
    def __init__(self, sites: Sites, host: FunctionHost, identity_for: IdentityFor) -> None:
        self.sites = sites
        self.host = host
        self.identity_for = identity_for
        sites.subscribe(self.changed)

    def changed(self, change: SiteChange) -> None:
        name = change.site_id.rstrip("/").rsplit("/", 1)[-1]
        if change.what == "deleted":
            self.host.later(name, None)
            return
        package = self.sites.package(change.site_id)
        if package is None:
            return  # nothing deployed yet: settings alone start nothing
        principal = self.sites.principal_id(change.site_id)
        settings = self.sites.app_settings(change.site_id)

        def app() -> HostedApp:
            endpoint, header = self.identity_for(principal)
            return HostedApp(name, package, settings, endpoint, header, principal or "")

        self.host.later(name, app)


class AccountFeed:
    def __init__(
        self, runbooks: Runbooks, principals: Principals, host: FunctionHost, identity: IdentityFor
    ) -> None:
        self.runbooks = runbooks
        self.principals = principals
        self.host = host
        self.identity_for = identity

    def changed(self, change: AutomationChange) -> None:
        name = change.account_id.rstrip("/").rsplit("/", 1)[-1]
        if change.what == "deleted":
            self.host.later_call(f"automation/{name}", lambda: self.host.host_account(None, name))
            return
        # Read now, on the event loop that changes them; hosted on the host's thread.
        jobs = self.runbooks.job_schedules(change.account_id)
        principal = self.principals.of_resource(change.account_id)
        object_id = None if principal is None else principal.object_id

        def host() -> None:
            endpoint, header = self.identity_for(object_id)
            self.host.host_account(HostedAccount(name, jobs, endpoint, header), name)

        self.host.later_call(f"automation/{name}", host)
