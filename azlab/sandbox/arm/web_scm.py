"""A site's scm (Kudu) endpoint: zip deploy and the deployments it records.

Served on the sandbox's HTTPS endpoint under the site's scm host name
(`/{site}.scm.azurewebsites.sandbox.invalid/...`, see `web_sites.py`):

- `POST /api/zipdeploy` (and OneDeploy's `POST /api/publish?type=zip`) with
  the zip as the body: 200 when done, or with `isAsync=true` 202 and a
  `Location` naming `/api/deployments/latest`; a body that is not a zip is
  recorded as a failed deployment (status 3) and answered 400;
- `GET /api/deployments`, `/api/deployments/latest`, `/api/deployments/{id}`
  in Kudu's shape (`status` 4 success, 3 failed; `complete`, `active`);
- `GET /api/settings`: the app settings, as Kudu shows them.

Callers authenticate as Azure lets them with Entra ID: a bearer token for ARM
(one the sandbox issued); publishing credentials (basic auth) are not
emulated.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable

from aiohttp import web

from azlab.sandbox.arm.core import ArmError, Json, iso_time
from azlab.sandbox.arm.web_sites import SCM_HOST_SUFFIX, Sites, host_name

# Checks the request's caller may perform `action` on `scope`; raises the ArmError to answer.
Authorize = Callable[[web.Request, str, str], None]
PUBLISH = "Microsoft.Web/sites/publish/Action"
READ_SETTINGS = "Microsoft.Web/sites/config/list/Action"
READ = "Microsoft.Web/sites/read"


def _site_name(path: str) -> str | None:
    first = path.lstrip("/").split("/", 1)[0].lower()
    suffix = "." + SCM_HOST_SUFFIX
    return first[: -len(suffix)] if first.endswith(suffix) else None


def serves_scm(path: str) -> bool:
    return _site_name(path) is not None


def _json(status: int, body: object, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


class ScmEndpoint:
    def __init__(self, sites: Sites, authorize: Authorize, now: Callable[[], float]) -> None:
        self.sites = sites
        self.authorize = authorize
        self.now = now

    async def handle(self, request: web.Request, base_url: str) -> web.Response:
        name = _site_name(request.path) or ""
        rest = "/" + request.path.lstrip("/").split("/", 1)[-1].rstrip("/").lower()
        site = self.sites.by_name(name)
        if site is None:
            return _json(404, {"Message": f"The site '{name}' does not exist."})
        try:
            if request.method == "POST" and rest in ("/api/zipdeploy", "/api/publish"):
                self.authorize(request, PUBLISH, site["id"])
                return await self._deploy(request, site, base_url)
            if request.method == "GET" and rest.startswith("/api/deployments"):
                self.authorize(request, READ, site["id"])
                return self._deployments(site, rest[len("/api/deployments") :])
            if request.method == "GET" and rest == "/api/settings":
                self.authorize(request, READ_SETTINGS, site["id"])
                return _json(200, self.sites.app_settings(site["id"]))
        except ArmError as refused:
            return _json(refused.status, refused.body(), refused.headers)
        return _json(404, {"Message": f"No route for {request.method} {rest}."})

    async def _deploy(self, request: web.Request, site: Json, base_url: str) -> web.Response:
        if request.path.lower().endswith("/api/publish") and request.query.get(
            "type", "zip"
        ).lower() not in ("zip",):
            return _json(400, {"Message": "Only type=zip packages are accepted here."})
        package = await request.read()
        now = iso_time(self.now())
        entry: Json = {
            "id": uuid.uuid4().hex,
            "status": 4,
            "status_text": "",
            "author_email": "N/A",
            "author": "N/A",
            "deployer": "OneDeploy" if "publish" in request.path.lower() else "ZipDeploy",
            "message": "Created via a push deployment",
            "progress": "",
            "received_time": now,
            "start_time": now,
            "end_time": now,
            "last_success_end_time": now,
            "complete": True,
            "is_temp": False,
            "is_readonly": True,
            "site_name": site["name"],
        }
        good = _is_zip(package)
        if not good:
            entry.update(status=3, status_text="The package is not a valid zip file.")
            entry["last_success_end_time"] = None
        self.sites.record_deployment(site["id"], entry, package if good else None)
        if not good:
            return _json(400, {"Message": entry["status_text"]})
        latest = f"https://{host_name(base_url, site['name'], scm=True)}/api/deployments/latest"
        if request.query.get("isAsync", "").lower() == "true":
            return web.Response(status=202, headers={"Location": latest})
        return web.Response(status=200)

    def _deployments(self, site: Json, which: str) -> web.Response:
        history = self.sites.deployments(site["id"])
        which = which.strip("/")
        if not which:
            return _json(200, history)
        found = history[0] if which == "latest" and history else None
        found = found or next((d for d in history if d["id"] == which), None)
        if found is None:
            return _json(404, {"Message": f"Deployment '{which}' not found."})
        return _json(200, found)


def _is_zip(data: bytes) -> bool:
    if not data:
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.testzip() is None
    except zipfile.BadZipFile:
        return False
