"""The hosting part of the control API, under `/_sandbox/hosted`.

- `GET hosted`: each hosted site, its functions (trigger, schedule, queue, route) and
  any error that keeps it from running.
- `GET hosted/runs?since=N`: the runs from the N-th on (function, trigger time, outcome,
  redacted log lines), with the count.
- `POST hosted/wait {"timeout": s}`: returns once nothing is due, running or queued
  (`idle` false if the timeout came first), with the count of runs.
- `POST hosted/{site}/http/{route}`: calls the site's HTTP trigger of that route with the
  JSON body's method, params, headers and body; answers what the function answered.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from aiohttp import web

from azlab.sandbox.hosting.host import FunctionHost


async def hosted(
    host: FunctionHost, action: str, method: str, query: Any, body: Any
) -> web.Response:
    parts = action.split("/")
    loop = asyncio.get_running_loop()
    if parts == ["hosted"]:
        return web.json_response({"sites": host.describe()})
    if parts == ["hosted", "runs"]:
        since = int(query.get("since", "0"))
        return web.json_response(
            {"count": len(host.runs), "runs": [r.as_dict() for r in host.runs.since(since)]}
        )
    if parts == ["hosted", "wait"] and method == "POST":
        timeout = float((body or {}).get("timeout", 60.0))
        idle = await loop.run_in_executor(None, host.wait_idle, timeout)
        return web.json_response({"idle": idle, "count": len(host.runs)})
    if len(parts) >= 4 and parts[0] == "hosted" and parts[2] == "http" and method == "POST":
        site = host.sites.get(parts[1].lower())
        if site is None:
            return web.json_response({"error": f"no hosted site {parts[1]!r}"}, status=404)
        given = body or {}
        request = {
            "method": str(given.get("method", "GET")),
            "url": f"https://{site.app.name}.azurewebsites.net/api/{'/'.join(parts[3:])}",
            "params": dict(given.get("params", {})),
            "headers": dict(given.get("headers", {})),
            "body": base64.b64encode(str(given.get("body", "")).encode()).decode(),
        }
        answer = await loop.run_in_executor(None, site.http, "/".join(parts[3:]), request)
        return web.json_response(
            {
                "status": answer["status"],
                "mimetype": answer.get("mimetype"),
                "body": base64.b64decode(answer.get("body", "")).decode(errors="replace"),
            }
        )
    return web.json_response({"error": f"unknown control action {action!r}"}, status=404)
