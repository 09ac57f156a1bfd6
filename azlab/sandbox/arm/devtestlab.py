"""Microsoft.DevTestLab's global schedules (a VM's auto-shutdown), parsed and answered.

No REST spec for DevTest Labs is among the stored ones; the shape follows the
documented API (2018-09-15) and what azure-mgmt-devtestlabs sends and reads.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import Reply, Request, State, body_of, not_found, page
from azlab.sandbox.arm.devtestlab_schedules import SCHEDULE_TYPE, Schedules, schedule_id
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route

SCHEDULE = PROVIDERS + "/microsoft.devtestlab/schedules/{name}"
SUBSCRIPTION_SCHEDULES = "/subscriptions/{sub}/providers/microsoft.devtestlab/schedules"


class DevTestLab:
    def __init__(self, state: State, schedules: Schedules) -> None:
        self.state = state
        self.schedules = schedules

    def routes(self) -> list[Route]:
        return [
            route("PUT", SCHEDULE, self.put),
            route("GET", SCHEDULE, self.get),
            route("DELETE", SCHEDULE, self.delete),
            route("GET", SCHEDULE.rsplit("/", 1)[0], self.list_group),
            route("GET", SUBSCRIPTION_SCHEDULES, self.list_subscription),
        ]

    def put(self, req: Request, p: dict[str, str]) -> Reply:
        if self.state.get(rg_id(p)) is None:
            raise not_found("resource group", rg_id(p))
        schedule, created = self.schedules.put(rg_id(p), p["name"], body_of(req))
        return Reply(201 if created else 200, schedule)

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        schedule = self.state.get(schedule_id(rg_id(p), p["name"]))
        if schedule is None:
            raise not_found("schedule", schedule_id(rg_id(p), p["name"]))
        return Reply(200, schedule)

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        gone = self.schedules.delete(schedule_id(rg_id(p), p["name"]))
        return Reply(200 if gone else 204)

    def list_group(self, req: Request, p: dict[str, str]) -> Reply:
        items = self.state.children(rg_id(p), "providers/microsoft.devtestlab/schedules")
        return page(req, items, self.state.settings.page_size)

    def list_subscription(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        items = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == SCHEDULE_TYPE
        ]
        return page(req, items, self.state.settings.page_size)
