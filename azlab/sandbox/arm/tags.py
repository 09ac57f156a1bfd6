"""Microsoft.Resources/tags: the tags of any scope, and a subscription's tag names.

`{scope}/providers/Microsoft.Resources/tags/default` reads and writes the tags
of the resource, group or subscription at `scope` (`az tag create/update/list
--resource-id`); PATCH merges, replaces or deletes as its `operation` says.
The answers are final at once (200), which the operation's LRO options allow.
`/subscriptions/{s}/tagNames` counts the names and values in use, plus those
created on their own (`az tag create --name`), which are kept in private data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from azlab.sandbox.arm.core import (
    ArmError,
    Json,
    Reply,
    Request,
    State,
    body_of,
    id_key,
    not_found,
    page,
)
from azlab.sandbox.arm.generic import is_top_level
from azlab.sandbox.arm.routes import Handler, Route, route

TAGS_SUFFIX = "/providers/microsoft.resources/tags/default"
TAG_NAMES = "/subscriptions/{sub}/tagnames"
FORBIDDEN = set("<>%&\\?/")
SUBSCRIPTION = re.compile(r"^/subscriptions/([^/]+)$", re.IGNORECASE)


def scope_route(method: str, handler: Handler) -> Route:
    """A route for the tags resource under any scope (a `{scope}` spans several segments)."""
    pattern = re.compile(
        r"^(?P<scope>(?:/subscriptions/(?P<sub>[^/]+))?.*?)/providers/microsoft\.resources/tags/default/?$",
        re.IGNORECASE,
    )
    kind = {"GET": "read", "DELETE": "delete"}.get(method, "write")
    return Route(method, pattern, handler, kind, None, f"{method} {{scope}}{TAGS_SUFFIX}")


def checked(tags: object) -> dict[str, str]:
    if not isinstance(tags, dict):
        raise ArmError(400, "InvalidRequestContent", "The request must carry properties.tags.")
    for name in tags:
        if FORBIDDEN & set(str(name)):
            raise ArmError(
                400,
                "InvalidTagNameCharacters",
                f"The tag names '{name}' have reserved characters '<,>,%,&,\\,?,/' or control characters.",
            )
    return {str(k): "" if v is None else str(v) for k, v in tags.items()}


def subscription_tags(state: State, sub: str) -> dict[str, str]:
    """The tags written at the subscription's scope (the subscription's own `tags`)."""
    return dict(state.private.get(id_key(f"/subscriptions/{sub}"), {}).get("tags") or {})


class Tags:
    def __init__(self, state: State) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            scope_route("GET", self.get),
            scope_route("PUT", self.put),
            scope_route("PATCH", self.patch),
            scope_route("DELETE", self.delete),
            route("GET", TAG_NAMES, self.list_names),
            route("PUT", TAG_NAMES + "/{tag}", self.put_name),
            route("DELETE", TAG_NAMES + "/{tag}", self.delete_name),
            route("PUT", TAG_NAMES + "/{tag}/tagvalues/{value}", self.put_value),
            route("DELETE", TAG_NAMES + "/{tag}/tagvalues/{value}", self.delete_value),
        ]

    # tags at a scope
    def _read(self, scope: str) -> dict[str, str]:
        if SUBSCRIPTION.match(scope):
            return dict(self.state.extra(scope).get("tags") or {})
        return dict(self._holder(scope).get("tags") or {})

    def _holder(self, scope: str) -> Json:
        resource = self.state.get(scope)
        if resource is None:
            kind = "resource group" if scope.count("/") == 4 else "resource"
            raise not_found(kind, scope)
        return resource

    def _write(self, scope: str, tags: dict[str, str]) -> Reply:
        if SUBSCRIPTION.match(scope):
            self.state.extra(scope)["tags"] = tags
        else:
            resource = self._holder(scope)
            resource["tags"] = tags
            self.state.put(resource["id"], resource)
        return Reply(200, self._answer(scope, tags))

    def _answer(self, scope: str, tags: dict[str, str]) -> Json:
        return {
            "id": f"{scope}/providers/Microsoft.Resources/tags/default",
            "name": "default",
            "type": "Microsoft.Resources/tags",
            "properties": {"tags": tags},
        }

    def get(self, req: Request, p: dict[str, str]) -> Reply:
        return Reply(200, self._answer(p["scope"], self._read(p["scope"])))

    def put(self, req: Request, p: dict[str, str]) -> Reply:
        self._read(p["scope"])
        props = body_of(req).get("properties") or {}
        return self._write(p["scope"], checked(props.get("tags")))

    def patch(self, req: Request, p: dict[str, str]) -> Reply:
        current = self._read(p["scope"])
        body = body_of(req)
        given = checked((body.get("properties") or {}).get("tags"))
        operation = str(body.get("operation", "")).lower()
        if operation == "merge":
            current.update(given)
        elif operation == "replace":
            current = given
        elif operation == "delete":
            # A name alone deletes the tag; a name with a value only where the value matches.
            current = {
                k: v
                for k, v in current.items()
                if not any(
                    k.lower() == n.lower() and (not value or value == v)
                    for n, value in given.items()
                )
            }
        else:
            raise ArmError(
                400,
                "InvalidRequestContent",
                f"The tags patch operation '{body.get('operation')}' is not one of Merge, Replace, Delete.",
            )
        return self._write(p["scope"], current)

    def delete(self, req: Request, p: dict[str, str]) -> Reply:
        self._read(p["scope"])
        self._write(p["scope"], {})
        return Reply(200)

    # tag names of a subscription
    def _tagged(self, sub: str) -> Iterable[dict[str, str]]:
        prefix = f"/subscriptions/{sub}/resourcegroups/".lower()
        for key, resource in self.state.resources.items():
            if key.startswith(prefix) and ("/" not in key[len(prefix) :] or is_top_level(key)):
                yield {str(k): str(v) for k, v in (resource.get("tags") or {}).items()}

    def _created(self, sub: str) -> dict[str, list[str]]:
        names: dict[str, list[str]] = self.state.extra(f"/subscriptions/{sub}/tagNames").setdefault(
            "names", {}
        )
        return names

    def _details(self, sub: str) -> dict[str, Json]:
        found: dict[str, Json] = {}

        def entry(name: str) -> Json:
            return found.setdefault(name.lower(), {"tagName": name, "count": 0, "values": {}})

        for name, values in self._created(sub).items():
            item = entry(name)
            for value in values:
                item["values"].setdefault(value, 0)
        for tags in self._tagged(sub):
            for name, value in tags.items():
                item = entry(name)
                item["count"] += 1
                item["values"][value] = item["values"].get(value, 0) + 1
        return found

    def _shape(self, sub: str, item: Json) -> Json:
        base = f"/subscriptions/{sub}/tagNames/{item['tagName']}"
        return {
            "id": base,
            "tagName": item["tagName"],
            "count": {"type": "Total", "value": item["count"]},
            "values": [
                {
                    "id": f"{base}/tagValues/{value}",
                    "tagValue": value,
                    "count": {"type": "Total", "value": count},
                }
                for value, count in item["values"].items()
            ],
        }

    def list_names(self, req: Request, p: dict[str, str]) -> Reply:
        items = [self._shape(p["sub"], item) for item in self._details(p["sub"]).values()]
        return page(req, items, self.state.settings.page_size)

    def put_name(self, req: Request, p: dict[str, str]) -> Reply:
        checked({p["tag"]: ""})
        known = self._details(p["sub"]).get(p["tag"].lower())
        if known is None:
            self._created(p["sub"])[p["tag"]] = []
            return Reply(
                201, self._shape(p["sub"], {"tagName": p["tag"], "count": 0, "values": {}})
            )
        return Reply(200, self._shape(p["sub"], known))

    def delete_name(self, req: Request, p: dict[str, str]) -> Reply:
        known = self._details(p["sub"]).get(p["tag"].lower())
        if known is None:
            return Reply(204)
        if known["count"]:
            raise ArmError(
                409,
                "Conflict",
                f"The tag name '{p['tag']}' cannot be deleted because it is being referenced "
                "by one or more resources.",
            )
        created = self._created(p["sub"])
        for name in [n for n in created if n.lower() == p["tag"].lower()]:
            del created[name]
        return Reply(200)

    def put_value(self, req: Request, p: dict[str, str]) -> Reply:
        created = self._created(p["sub"])
        name = next((n for n in created if n.lower() == p["tag"].lower()), p["tag"])
        values = created.setdefault(name, [])
        known = self._details(p["sub"]).get(p["tag"].lower(), {}).get("values", {})
        status = 200 if p["value"] in known else 201
        if p["value"] not in values:
            values.append(p["value"])
        count = known.get(p["value"], 0)
        base = f"/subscriptions/{p['sub']}/tagNames/{name}/tagValues/{p['value']}"
        return Reply(
            status,
            {"id": base, "tagValue": p["value"], "count": {"type": "Total", "value": count}},
        )

    def delete_value(self, req: Request, p: dict[str, str]) -> Reply:
        created = self._created(p["sub"])
        for name, values in created.items():
            if name.lower() == p["tag"].lower() and p["value"] in values:
                values.remove(p["value"])
                return Reply(200)
        return Reply(204)
