"""From Microsoft.Web to the host: a site whose package or settings change is hosted again.

The emulator tells of each change on its event loop, inside the request that
made it; the (re)start of the site's process happens on a thread of its own,
and the host's `wait_idle` waits for it, so a caller that zip-deployed and
then moves the clock finds the new package running.
"""

from __future__ import annotations

from collections.abc import Callable

from azlab.sandbox.arm.web_sites import SiteChange, Sites
from azlab.sandbox.hosting.app import HostedApp
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
