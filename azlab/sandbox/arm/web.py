"""Microsoft.Web's routes: App Service plans, sites (Function apps) and their app settings.

Plans and sites answer at once (200 on create and update, as App Service
does; the SDK also takes 202). The state and rules live in `web_plans.py` and
`web_sites.py`; the site's scm endpoint (zip deploy) in `web_scm.py`.
"""

from __future__ import annotations

from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    not_found,
    page,
    resource_not_found,
)
from azlab.sandbox.arm.principals import Principals
from azlab.sandbox.arm.routes import PROVIDERS, Route, rg_id, route
from azlab.sandbox.arm.web_plans import PLAN_TYPE, SITE_TYPE, Plans, plan_id
from azlab.sandbox.arm.web_sites import Sites, render, site_id

PLAN = PROVIDERS + "/microsoft.web/serverfarms/{name}"
SITE = PROVIDERS + "/microsoft.web/sites/{name}"
SUBSCRIPTION_WEB = "/subscriptions/{sub}/providers/microsoft.web"


class Web:
    def __init__(self, state: State, principals: Principals) -> None:
        self.state = state
        self.plans = Plans(state)
        self.sites = Sites(state, principals)

    def routes(self) -> list[Route]:
        return [
            route("PUT", PLAN, self.put_plan),
            route("GET", PLAN, self.get_plan),
            route("DELETE", PLAN, self.delete_plan),
            route("GET", PLAN.rsplit("/", 1)[0], self.list_plans),
            route("GET", SUBSCRIPTION_WEB + "/serverfarms", self.list_all_plans),
            route("PUT", SITE, self.put_site),
            route("PATCH", SITE, self.patch_site),
            route("GET", SITE, self.get_site),
            route("DELETE", SITE, self.delete_site),
            route("GET", SITE.rsplit("/", 1)[0], self.list_sites),
            route("GET", SUBSCRIPTION_WEB + "/sites", self.list_all_sites),
            route("PUT", SITE + "/config/appsettings", self.put_settings),
            route("POST", SITE + "/config/appsettings/list", self.list_settings),
            route("POST", SITE + "/start", self.start),
            route("POST", SITE + "/stop", self.stop),
            route("POST", SITE + "/restart", self.restart),
        ]

    def _group(self, p: dict[str, str]) -> Json:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        return group

    def _of_type(self, resource_id: str, type_name: str, p: dict[str, str]) -> Json:
        found = self.state.get(resource_id)
        if found is None or found.get("type") != type_name:
            raise resource_not_found(type_name, p["name"], p["rg"])
        return found

    def _in_subscription(self, p: dict[str, str], type_name: str) -> list[Json]:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        return [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == type_name
        ]

    # plans
    def put_plan(self, req: Request, p: dict[str, str]) -> Reply:
        group = self._group(p)
        plan, _ = self.plans.put(group, plan_id(rg_id(p), p["name"]), p["name"], body_of(req))
        return Reply(200, plan)

    def get_plan(self, req: Request, p: dict[str, str]) -> Reply:
        plan = self._of_type(plan_id(rg_id(p), p["name"]), PLAN_TYPE, p)
        return Reply(200, self.plans.fresh(plan))

    def delete_plan(self, req: Request, p: dict[str, str]) -> Reply:
        gone = self.plans.delete(plan_id(rg_id(p), p["name"]))
        return Reply(200 if gone else 204)

    def list_plans(self, req: Request, p: dict[str, str]) -> Reply:
        self._group(p)
        items = self.state.children(rg_id(p), "providers/microsoft.web/serverfarms")
        return page(req, [self.plans.fresh(x) for x in items], self.state.settings.page_size)

    def list_all_plans(self, req: Request, p: dict[str, str]) -> Reply:
        items = [self.plans.fresh(x) for x in self._in_subscription(p, PLAN_TYPE)]
        return page(req, items, self.state.settings.page_size)

    # sites
    def _site(self, p: dict[str, str]) -> Json:
        return self._of_type(site_id(rg_id(p), p["name"]), SITE_TYPE, p)

    def put_site(self, req: Request, p: dict[str, str]) -> Reply:
        group = self._group(p)
        site, _ = self.sites.put(group, site_id(rg_id(p), p["name"]), p["name"], body_of(req))
        return Reply(200, render(site, req.base_url))

    def patch_site(self, req: Request, p: dict[str, str]) -> Reply:
        site = self.sites.patch(self._site(p), body_of(req))
        return Reply(200, render(site, req.base_url))

    def get_site(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, render(self._site(p), req.base_url))

    def delete_site(self, req: Request, p: dict[str, str]) -> Reply:
        gone = self.sites.delete(site_id(rg_id(p), p["name"]))
        return Reply(200 if gone else 204)

    def list_sites(self, req: Request, p: dict[str, str]) -> Reply:
        self._group(p)
        items = self.state.children(rg_id(p), "providers/microsoft.web/sites")
        rendered = [render(x, req.base_url) for x in items]
        return page(req, rendered, self.state.settings.page_size)

    def list_all_sites(self, req: Request, p: dict[str, str]) -> Reply:
        rendered = [render(x, req.base_url) for x in self._in_subscription(p, SITE_TYPE)]
        return page(req, rendered, self.state.settings.page_size)

    def _settings_reply(self, site: Json, settings: dict[str, str]) -> Reply:
        return Reply(
            200,
            {
                "id": f"{site['id']}/config/appsettings",
                "name": "appsettings",
                "type": "Microsoft.Web/sites/config",
                "location": site["location"],
                "properties": settings,
            },
        )

    def put_settings(self, req: Request, p: dict[str, str]) -> Reply:
        site = self._site(p)
        props = body_of(req).get("properties")
        if not isinstance(props, dict) or not all(
            isinstance(v, str) or v is None for v in props.values()
        ):
            raise ArmError(
                400,
                "BadRequest",
                "The app settings must be an object of names to string values in 'properties'.",
                "properties",
            )
        settings = {str(k): v or "" for k, v in props.items()}
        self.sites.set_app_settings(site["id"], settings)
        return self._settings_reply(site, settings)

    def list_settings(self, req: Request, p: dict[str, str]) -> Reply:
        site = self._site(p)
        return self._settings_reply(site, self.sites.app_settings(site["id"]))

    def start(self, req: Request, p: dict[str, str]) -> Reply:
        self.sites.set_state(self._site(p), running=True)
        return Reply(200)

    def stop(self, req: Request, p: dict[str, str]) -> Reply:
        self.sites.set_state(self._site(p), running=False)
        return Reply(200)

    def restart(self, req: Request, p: dict[str, str]) -> Reply:
        self._site(p)
        return Reply(200)
