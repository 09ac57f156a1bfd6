"""Microsoft.Automation's routes: accounts, runbooks (draft, publish, content), schedules, job
schedules and Python 3 packages (api-version 2024-10-23, what azure-mgmt-automation 2 sends).

Writes answer at once: accounts, runbooks and packages 201 (200 again); a
schedule 201, or 409 with the schedule as it is when it exists; job schedules 201 only. Replacing a
draft's content (a `text/plain` body) and publishing answer 202 with a
`Location` under the runbook (`.../draft/content/operationResults/{id}`,
`.../publish/operationResults/{id}`, as the spec's examples show), which
answers 200 since the work is already done.
"""

from __future__ import annotations

import uuid

from azlab.sandbox.arm.automation_accounts import (
    ACCOUNT_TYPE,
    Accounts,
    account_id,
    child_id,
)
from azlab.sandbox.arm.automation_runbooks import Runbooks
from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    Text,
    body_of,
    not_found,
    page,
    resource_not_found,
)
from azlab.sandbox.arm.principals import Principals
from azlab.sandbox.arm.routes import PROVIDERS, Handler, Route, rg_id, route

ACCOUNT = PROVIDERS + "/microsoft.automation/automationaccounts/{account}"
RUNBOOK = ACCOUNT + "/runbooks/{name}"
SCHEDULE = ACCOUNT + "/schedules/{name}"
JOB_SCHEDULE = ACCOUNT + "/jobschedules/{name}"
PACKAGE = ACCOUNT + "/python3packages/{name}"
# What an observer is told when a child of each collection goes.
_CHANGES = {"runbooks": "runbook", "python3Packages": "package", "jobSchedules": "jobSchedule"}


class Automation:
    def __init__(self, state: State, principals: Principals) -> None:
        self.state = state
        self.accounts = Accounts(state, principals)
        self.runbooks = Runbooks(state, self.accounts)

    def routes(self) -> list[Route]:
        return [
            route("PUT", ACCOUNT, self.put_account),
            route("PATCH", ACCOUNT, self.patch_account),
            route("GET", ACCOUNT, self.get_account),
            route("DELETE", ACCOUNT, self.delete_account),
            route("GET", ACCOUNT.rsplit("/", 1)[0], self.list_accounts),
            route(
                "GET",
                "/subscriptions/{sub}/providers/microsoft.automation/automationaccounts",
                self.list_all_accounts,
            ),
            route("PUT", RUNBOOK, self.put_runbook),
            route("GET", RUNBOOK, self.get_runbook),
            route("DELETE", RUNBOOK, self.delete_child("runbooks")),
            route("GET", ACCOUNT + "/runbooks", self.list_children("runbooks")),
            route("PUT", RUNBOOK + "/draft/content", self.replace_draft),
            route("GET", RUNBOOK + "/draft/content", self.draft_content),
            route("GET", RUNBOOK + "/draft", self.draft),
            route("POST", RUNBOOK + "/publish", self.publish),
            route("POST", RUNBOOK + "/draft/publish", self.publish),
            route("GET", RUNBOOK + "/content", self.content),
            route("GET", RUNBOOK + "/draft/content/operationresults/{op}", self.done),
            route("GET", RUNBOOK + "/publish/operationresults/{op}", self.done),
            route("PUT", SCHEDULE, self.put_schedule),
            route("PATCH", SCHEDULE, self.patch_schedule),
            route("GET", SCHEDULE, self.get_schedule),
            route("DELETE", SCHEDULE, self.delete_schedule),
            route("GET", ACCOUNT + "/schedules", self.list_schedules),
            route("PUT", JOB_SCHEDULE, self.put_job_schedule),
            route("GET", JOB_SCHEDULE, self.get_child("jobSchedules", "job schedule")),
            route("DELETE", JOB_SCHEDULE, self.delete_job_schedule),
            route("GET", ACCOUNT + "/jobschedules", self.list_children("jobSchedules")),
            route("PUT", PACKAGE, self.put_package),
            route("GET", PACKAGE, self.get_child("python3Packages", "package")),
            route("DELETE", PACKAGE, self.delete_child("python3Packages")),
            route("GET", ACCOUNT + "/python3packages", self.list_children("python3Packages")),
        ]

    def _account(self, p: dict[str, str]) -> Json:
        found = self.state.get(account_id(rg_id(p), p["account"]))
        if found is None or found.get("type") != ACCOUNT_TYPE:
            raise resource_not_found(
                "Microsoft.Automation/automationAccounts", p["account"], p["rg"]
            )
        return found

    # accounts
    def put_account(self, req: Request, p: dict[str, str]) -> Reply:
        group = self.state.get(rg_id(p))
        if group is None:
            raise not_found("resource group", rg_id(p))
        found, created = self.accounts.put(
            group, account_id(rg_id(p), p["account"]), p["account"], body_of(req)
        )
        return Reply(201 if created else 200, found)

    def patch_account(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.accounts.patch(self._account(p), body_of(req)))

    def get_account(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._account(p))

    def delete_account(self, req: Request, p: dict[str, str]) -> Reply:
        gone = self.accounts.delete(account_id(rg_id(p), p["account"]))
        return Reply(200 if gone else 204)

    def list_accounts(self, req: Request, p: dict[str, str]) -> Reply:
        items = self.state.children(rg_id(p), "providers/microsoft.automation/automationaccounts")
        return page(req, items, self.state.settings.page_size)

    def list_all_accounts(self, req: Request, p: dict[str, str]) -> Reply:
        prefix = f"/subscriptions/{p['sub']}/".lower()
        items = [
            r
            for k, r in self.state.resources.items()
            if k.startswith(prefix) and r.get("type") == ACCOUNT_TYPE
        ]
        return page(req, items, self.state.settings.page_size)

    # children, alike
    def get_child(self, collection: str, kind: str) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            return Reply(200, self.runbooks.get(self._account(p), collection, p["name"], kind))

        return handler

    def delete_child(self, collection: str) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            account = self._account(p)
            resource_id = child_id(account["id"], collection, p["name"])
            for key in self.state.under(resource_id):
                self.state.delete(key)
            gone = self.state.delete(resource_id) is not None
            if gone:
                self.accounts.tell(account["id"], _CHANGES[collection], p["name"])
            return Reply(200 if gone else 204)

        return handler

    def list_children(self, collection: str) -> Handler:
        def handler(req: Request, p: dict[str, str]) -> Reply:
            items = self.state.children(self._account(p)["id"], collection)
            return page(req, items, self.state.settings.page_size)

        return handler

    # runbooks
    def put_runbook(self, req: Request, p: dict[str, str]) -> Reply:
        found, created = self.runbooks.put(self._account(p), p["name"], body_of(req))
        return Reply(201 if created else 200, found)

    def get_runbook(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self.runbooks.get(self._account(p), "runbooks", p["name"], "runbook"))

    def _runbook(self, p: dict[str, str]) -> tuple[Json, Json]:
        account = self._account(p)
        return account, self.runbooks.get(account, "runbooks", p["name"], "runbook")

    def replace_draft(self, req: Request, p: dict[str, str]) -> Reply:
        _, runbook = self._runbook(p)
        if not isinstance(req.body, str):
            raise ArmError(
                400,
                "BadRequest",
                "The draft content is the runbook's text, sent as text/plain.",
            )
        self.runbooks.replace_draft(runbook, req.body)
        return self._accepted(req, runbook, "draft/content")

    def _accepted(self, req: Request, runbook: Json, what: str) -> Reply:
        api = req.query.get("api-version", "2024-10-23")
        location = f"{req.base_url}{runbook['id']}/{what}/operationResults/{uuid.uuid4()}?api-version={api}"
        return Reply(202, None, {"Location": location})

    def done(self, req: Request, p: dict[str, str]) -> Reply:
        self._runbook(p)
        return Reply(200, {} if "/draft/" in req.path.lower() else None)

    def draft_content(self, req: Request, p: dict[str, str]) -> Reply:
        _, runbook = self._runbook(p)
        content = self.runbooks.draft(runbook)
        if content is None:
            raise ArmError(404, "NotFound", f"The runbook '{p['name']}' has no draft content.")
        return Reply(200, Text(content))

    def draft(self, req: Request, p: dict[str, str]) -> Reply:
        _, runbook = self._runbook(p)
        props = runbook["properties"]
        return Reply(
            200,
            {
                "inEdit": props["state"] != "Published",
                "creationTime": props["creationTime"],
                "lastModifiedTime": props["lastModifiedTime"],
                "parameters": {},
                "outputTypes": [],
            },
        )

    def publish(self, req: Request, p: dict[str, str]) -> Reply:
        account, runbook = self._runbook(p)
        self.runbooks.publish(account, runbook)
        return self._accepted(req, runbook, "publish")

    def content(self, req: Request, p: dict[str, str]) -> Reply:
        _, runbook = self._runbook(p)
        content = self.runbooks.published(runbook["id"])
        if content is None:
            raise ArmError(404, "NotFound", f"The runbook '{p['name']}' is not published.")
        return Reply(200, Text(content))

    # schedules
    def put_schedule(self, req: Request, p: dict[str, str]) -> Reply:
        found, created = self.runbooks.put_schedule(self._account(p), p["name"], body_of(req))
        # One that exists: 409 with it as it is, which the SDK reads as the schedule.
        return Reply(201 if created else 409, self.runbooks.refresh(found))

    def get_schedule(self, req: Request, p: dict[str, str]) -> Reply:
        found = self.runbooks.get(self._account(p), "schedules", p["name"], "schedule")
        return Reply(200, self.runbooks.refresh(found))

    def patch_schedule(self, req: Request, p: dict[str, str]) -> Reply:
        account = self._account(p)
        found = self.runbooks.get(account, "schedules", p["name"], "schedule")
        return Reply(200, self.runbooks.patch_schedule(account, found, body_of(req)))

    def delete_schedule(self, req: Request, p: dict[str, str]) -> Reply:
        self.runbooks.delete_schedule(self._account(p), p["name"])
        return Reply(200)

    def list_schedules(self, req: Request, p: dict[str, str]) -> Reply:
        items = self.state.children(self._account(p)["id"], "schedules")
        return page(req, [self.runbooks.refresh(s) for s in items], self.state.settings.page_size)

    # job schedules
    def put_job_schedule(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(201, self.runbooks.put_job_schedule(self._account(p), p["name"], body_of(req)))

    def delete_job_schedule(self, req: Request, p: dict[str, str]) -> Reply:
        account = self._account(p)
        gone = self.state.delete(child_id(account["id"], "jobSchedules", p["name"].lower()))
        if gone is not None:
            self.accounts.tell(account["id"], "jobSchedule", p["name"].lower())
        return Reply(200)

    # packages
    def put_package(self, req: Request, p: dict[str, str]) -> Reply:
        found, created = self.accounts.put_package(self._account(p), p["name"], body_of(req))
        return Reply(201 if created else 200, found)
