"""Zip deploy through the site's scm (Kudu) endpoint, found as the az CLI finds it.

The scm URL is the site's host name of type Repository (`hostNameSslStates`), over
HTTPS. The package is POSTed to `/api/zipdeploy?isAsync=true` with an Entra token for
ARM (the scm endpoint accepts those, so no publishing password is needed), and the
deployment the `Location` header names is polled until it is complete.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest

from azlab.azure.errors import azure_errors
from azlab.azure.session import AzureSession
from azlab.errors import AzureOperationError

SUCCESS, FAILED = 4, 3  # Kudu's deployment status codes
TIMEOUT_SECONDS = 600.0


def scm_url(site: dict[str, Any]) -> str | None:
    """`https://<scm host>` from a site's REST JSON, as azure-cli's `_get_scm_url` reads it."""
    props = site.get("properties") or {}
    for state in props.get("hostNameSslStates") or []:
        if str(state.get("hostType", "")).lower() == "repository" and state.get("name"):
            return f"https://{state['name']}"
    for name in props.get("enabledHostNames") or []:
        if ".scm." in str(name):
            return f"https://{name}"
    return None


async def zip_deploy(
    session: AzureSession, site_name: str, url: str, package: bytes, *, poll: float
) -> None:
    """Send `package` and wait until the scm endpoint reports it deployed."""
    web = session.web
    request = HttpRequest(
        "POST",
        f"{url}/api/zipdeploy?isAsync=true",
        content=package,
        headers={"Content-Type": "application/zip"},
    )
    what = f"function app {site_name} zip deploy"
    with azure_errors(resource=what):
        answer = await web.send_request(request)
        if answer.status_code >= 400:
            raise HttpResponseError(response=answer)
        status_url = answer.headers.get("Location")
        if answer.status_code != 202 or not status_url:
            return
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while True:
            check = await web.send_request(HttpRequest("GET", status_url))
            if check.status_code >= 400 and check.status_code != 404:
                raise HttpResponseError(response=check)
            body = check.json() if check.status_code == 200 else {}
            if body.get("complete") and body.get("status") == SUCCESS:
                return
            if body.get("status") == FAILED:
                raise AzureOperationError(
                    f"{what}: the scm endpoint reports the deployment failed: "
                    f"{body.get('status_text') or body.get('message') or 'no reason given'}",
                    code="DeploymentFailed",
                    resource=what,
                    hint="see the deployment log in the portal (Deployment Center)",
                )
            if time.monotonic() > deadline:
                raise AzureOperationError(
                    f"{what}: not finished after {TIMEOUT_SECONDS:.0f}s",
                    resource=what,
                    hint="run azlab scheduler deploy again: it sends only what is not done",
                )
            await asyncio.sleep(poll)
