"""Microsoft.Resources/tags at a scope and a subscription's tag names, with the unmodified SDK."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox


def pip(c: Clients) -> str:
    c.resource.resource_groups.create_or_update("rg1", {"location": "westus2", "tags": {"a": "1"}})
    made = c.network.public_ip_addresses.begin_create_or_update(
        "rg1", "pip1", {"location": "westus2", "sku": {"name": "Standard"}, "tags": {"env": "lab"}}
    ).result()
    return str(made.id)


def test_tags_of_a_resource_merge_replace_delete(clients: Clients) -> None:
    scope = pip(clients)
    tags = clients.resource.tags
    got = tags.get_at_scope(scope)
    assert got.properties.tags == {"env": "lab"}
    assert (got.name, got.type) == ("default", "Microsoft.Resources/tags")
    assert got.id == f"{scope}/providers/Microsoft.Resources/tags/default"

    def patch(operation: str, given: dict[str, str]) -> dict[str, str]:
        done = tags.begin_update_at_scope(
            scope, {"operation": operation, "properties": {"tags": given}}
        ).result()
        return dict(done.properties.tags)

    assert patch("Merge", {"owner": "ann", "env": "test"}) == {"env": "test", "owner": "ann"}
    # Delete by name alone, or by name and value only where the value matches.
    assert patch("Delete", {"owner": "", "env": "prod"}) == {"env": "test"}
    assert patch("Replace", {"tier": "web"}) == {"tier": "web"}
    assert clients.network.public_ip_addresses.get("rg1", "pip1").tags == {"tier": "web"}

    put = tags.begin_create_or_update_at_scope(scope, {"properties": {"tags": {"x": "y"}}}).result()
    assert put.properties.tags == {"x": "y"}
    tags.begin_delete_at_scope(scope).result()
    assert clients.network.public_ip_addresses.get("rg1", "pip1").tags == {}
    with pytest.raises(HttpResponseError) as caught:
        tags.begin_update_at_scope(
            scope, {"operation": "Append", "properties": {"tags": {"x": "y"}}}
        ).result()
    assert caught.value.status_code == 400
    with pytest.raises(HttpResponseError) as caught:
        tags.begin_create_or_update_at_scope(scope, {"properties": {"tags": {"a/b": "y"}}}).result()
    assert caught.value.error.code == "InvalidTagNameCharacters"
    with pytest.raises(ResourceNotFoundError):
        tags.get_at_scope(scope + "x")


def test_tags_of_a_group_and_of_the_subscription(sandbox: Sandbox, clients: Clients) -> None:
    pip(clients)
    tags = clients.resource.tags
    group = f"/subscriptions/{sandbox.subscription}/resourceGroups/rg1"
    tags.begin_update_at_scope(
        group, {"operation": "Merge", "properties": {"tags": {"b": "2"}}}
    ).result()
    assert clients.resource.resource_groups.get("rg1").tags == {"a": "1", "b": "2"}
    subscription = f"/subscriptions/{sandbox.subscription}"
    assert tags.get_at_scope(subscription).properties.tags == {}
    tags.begin_create_or_update_at_scope(
        subscription, {"properties": {"tags": {"costcenter": "42"}}}
    ).result()
    assert tags.get_at_scope(subscription).properties.tags == {"costcenter": "42"}
    answer = clients.resource.send_request(
        HttpRequest("GET", f"{subscription}?api-version=2022-12-01")
    )
    assert answer.json()["tags"] == {"costcenter": "42"}  # the subscription's own tags
    with pytest.raises(ResourceNotFoundError):
        tags.get_at_scope(f"/subscriptions/{sandbox.subscription}/resourceGroups/nope")


def test_tag_names_count_what_is_in_use(clients: Clients) -> None:
    pip(clients)
    tags = clients.resource.tags
    tags.create_or_update("project")
    tags.create_or_update_value("project", "apollo")
    found = {t.tag_name: t for t in tags.list()}
    assert set(found) == {"a", "env", "project"}
    # `values` is also a mapping's method on these models: read it by its wire name.
    assert found["env"].count.value == 1 and found["env"]["values"][0]["tagValue"] == "lab"
    assert found["project"].count.value == 0
    assert [v["tagValue"] for v in found["project"]["values"]] == ["apollo"]
    assert found["project"].id.endswith("/tagNames/project")
    with pytest.raises(HttpResponseError) as caught:
        tags.delete("env")
    assert caught.value.status_code == 409
    tags.delete_value("project", "apollo")
    tags.delete("project")
    assert {t.tag_name for t in tags.list()} == {"a", "env"}
