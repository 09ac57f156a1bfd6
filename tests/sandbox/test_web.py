"""Microsoft.Web in the sandbox (plans, Function apps, app settings, zip deploy), driven by the
unmodified azure-mgmt-web client and, for the scm endpoint, plain HTTPS as az sends it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import requests
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.web import WebSiteManagementClient

from azlab.sandbox.arm.directory import TENANT
from azlab.sandbox.arm.web_sites import SiteChange
from azlab.sandbox.pytest_plugin import Clients, credential
from azlab.sandbox.runner import Sandbox

REGION = "westus2"
ARM = "https://management.azure.com/.default"


def client_of(sandbox: Sandbox) -> WebSiteManagementClient:
    return WebSiteManagementClient(
        credential(sandbox),  # type: ignore[arg-type]
        sandbox.subscription,
        base_url=sandbox.endpoint,
        connection_verify=str(sandbox.ca_file),
        polling_interval=0.01,
    )


@pytest.fixture
def web(sandbox: Sandbox, clients: Clients) -> WebSiteManagementClient:
    clients.resource.resource_groups.create_or_update("rg1", {"location": REGION})
    return client_of(sandbox)


def consumption_plan(web: WebSiteManagementClient, name: str = "plan1") -> str:
    plan = web.app_service_plans.begin_create_or_update(
        "rg1",
        name,
        {
            "location": REGION,
            "kind": "functionapp",
            "sku": {"name": "Y1", "tier": "Dynamic"},
            "properties": {"reserved": True},
        },
    ).result()
    return str(plan.id)


def function_app(
    web: WebSiteManagementClient, plan_id: str, name: str = "azlab-sched-1", **settings: str
) -> object:
    return web.web_apps.begin_create_or_update(
        "rg1",
        name,
        {
            "location": REGION,
            "kind": "functionapp,linux",
            "identity": {"type": "SystemAssigned"},
            "properties": {
                "serverFarmId": plan_id,
                "httpsOnly": True,
                "siteConfig": {
                    "linuxFxVersion": "Python|3.11",
                    "appSettings": [{"name": k, "value": v} for k, v in settings.items()],
                },
            },
        },
    ).result()


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def scm_url(web: WebSiteManagementClient, name: str) -> str:
    """As az's `_get_scm_url` finds it: the host name state of type Repository."""
    site = web.web_apps.get("rg1", name)
    host = next(h for h in site.properties.host_name_ssl_states if h.host_type == "Repository")
    return f"https://{host.name}"


def bearer(sandbox: Sandbox) -> dict[str, str]:
    return {"Authorization": f"Bearer {credential(sandbox).get_token(ARM).token}"}


def test_consumption_plan_create_read_list_delete(web: WebSiteManagementClient) -> None:
    plan_id = consumption_plan(web)
    plan = web.app_service_plans.get("rg1", "plan1")
    assert plan.id == plan_id and plan.type == "Microsoft.Web/serverfarms"
    assert (plan.sku.name, plan.sku.tier, plan.sku.capacity) == ("Y1", "Dynamic", 0)
    assert plan.properties.reserved is True and plan.properties.provisioning_state == "Succeeded"
    assert [p.name for p in web.app_service_plans.list_by_resource_group("rg1")] == ["plan1"]
    assert [p.name for p in web.app_service_plans.list()] == ["plan1"]
    web.app_service_plans.delete("rg1", "plan1")
    with pytest.raises(ResourceNotFoundError):
        web.app_service_plans.get("rg1", "plan1")


def test_a_plan_sku_must_exist_and_match_its_tier(web: WebSiteManagementClient) -> None:
    for sku in ({"name": "Y9"}, {"name": "Y1", "tier": "Standard"}):
        with pytest.raises(HttpResponseError) as refused:
            web.app_service_plans.begin_create_or_update(
                "rg1", "bad", {"location": REGION, "sku": sku}
            ).result()
        assert refused.value.status_code == 400


def test_function_app_has_an_identity_host_names_and_its_settings(
    web: WebSiteManagementClient,
) -> None:
    plan_id = consumption_plan(web)
    created = function_app(web, plan_id, FUNCTIONS_WORKER_RUNTIME="python", AZLAB_PLAN="p.yaml")
    site = web.web_apps.get("rg1", "azlab-sched-1")
    assert site.kind == "functionapp,linux" and site.properties.server_farm_id == plan_id
    assert site.identity.type == "SystemAssigned" and site.identity.tenant_id == TENANT
    assert site.identity.principal_id == created.identity.principal_id  # type: ignore[attr-defined]
    hosts = site.properties.enabled_host_names
    assert site.properties.default_host_name in hosts
    assert [h for h in hosts if ".scm." in h] == [scm_url(web, "azlab-sched-1")[len("https://") :]]
    # App settings never come back with the site; they are listed on their own.
    assert "appSettings" not in (site.properties.site_config or {})
    listed = web.web_apps.list_application_settings("rg1", "azlab-sched-1")
    assert listed.properties == {"FUNCTIONS_WORKER_RUNTIME": "python", "AZLAB_PLAN": "p.yaml"}
    web.web_apps.update_application_settings(
        "rg1", "azlab-sched-1", {"properties": {"AZLAB_PLAN": "q.yaml"}}
    )
    listed = web.web_apps.list_application_settings("rg1", "azlab-sched-1")
    assert listed.properties == {"AZLAB_PLAN": "q.yaml"}
    # Put again: the same principal, as Azure keeps a system-assigned identity.
    again = function_app(web, plan_id)
    assert again.identity.principal_id == site.identity.principal_id  # type: ignore[attr-defined]
    assert [s.name for s in web.web_apps.list_by_resource_group("rg1")] == ["azlab-sched-1"]
    assert [s.name for s in web.web_apps.list()] == ["azlab-sched-1"]


def test_site_refusals(web: WebSiteManagementClient) -> None:
    plan_id = consumption_plan(web)
    windows = web.app_service_plans.begin_create_or_update(
        "rg1", "win", {"location": REGION, "sku": {"name": "B1"}}
    ).result()
    missing = plan_id.rsplit("/", 1)[0] + "/nope"
    cases = [
        ("azlab-sched-1", {"serverFarmId": missing}, 404),
        ("azlab-sched-1", {"serverFarmId": str(windows.id)}, 400),
        ("-bad-name", {"serverFarmId": plan_id}, 400),
    ]
    for name, props, status in cases:
        with pytest.raises(HttpResponseError) as refused:
            web.web_apps.begin_create_or_update(
                "rg1",
                name,
                {"location": REGION, "kind": "functionapp,linux", "properties": props},
            ).result()
        assert refused.value.status_code == status, (name, props)
    function_app(web, plan_id)
    # A plan that hosts a site cannot go.
    with pytest.raises(HttpResponseError) as busy:
        web.app_service_plans.delete("rg1", "plan1")
    assert busy.value.status_code == 409


def test_a_site_name_is_taken_across_groups(web: WebSiteManagementClient, clients: Clients) -> None:
    function_app(web, consumption_plan(web))
    clients.resource.resource_groups.create_or_update("rg2", {"location": REGION})
    other_plan = web.app_service_plans.begin_create_or_update(
        "rg2",
        "plan2",
        {"location": REGION, "sku": {"name": "Y1"}, "properties": {"reserved": True}},
    ).result()
    with pytest.raises(HttpResponseError) as taken:
        web.web_apps.begin_create_or_update(
            "rg2",
            "azlab-sched-1",
            {
                "location": REGION,
                "kind": "functionapp,linux",
                "properties": {"serverFarmId": str(other_plan.id)},
            },
        ).result()
    assert taken.value.status_code == 409


def test_zip_deploy_through_the_scm_endpoint(
    sandbox: Sandbox, web: WebSiteManagementClient
) -> None:
    function_app(web, consumption_plan(web))
    site_id = str(web.web_apps.get("rg1", "azlab-sched-1").id)
    changes: list[SiteChange] = []
    sites = sandbox.emulator.web.sites
    sites.subscribe(changes.append)
    try:
        scm = scm_url(web, "azlab-sched-1")
        verify = str(sandbox.ca_file)
        zipped = package({"function_app.py": "app = None\n", "requirements.txt": "azlab\n"})
        unsigned = requests.post(f"{scm}/api/zipdeploy", data=zipped, verify=verify, timeout=10)
        assert unsigned.status_code == 401
        sent = requests.post(
            f"{scm}/api/zipdeploy?isAsync=true",
            data=zipped,
            headers=bearer(sandbox),
            verify=verify,
            timeout=10,
        )
        assert sent.status_code == 202
        status = requests.get(
            sent.headers["Location"], headers=bearer(sandbox), verify=verify, timeout=10
        ).json()
        assert status["status"] == 4 and status["complete"] is True and status["active"] is True
        assert sites.package(site_id) == zipped
        assert changes == [SiteChange(site_id, "package")]
        # Not a zip: a failed deployment, and the package deployed before stays.
        bad = requests.post(
            f"{scm}/api/zipdeploy", data=b"nope", headers=bearer(sandbox), verify=verify, timeout=10
        )
        assert bad.status_code == 400
        history = requests.get(
            f"{scm}/api/deployments", headers=bearer(sandbox), verify=verify, timeout=10
        ).json()
        assert [d["status"] for d in history] == [3, 4] and history[1]["active"] is True
        assert sites.package(site_id) == zipped
        web.web_apps.update_application_settings("rg1", "azlab-sched-1", {"properties": {"A": "1"}})
        assert sites.app_settings(site_id) == {"A": "1"}
        principal = sites.principal_id(site_id)
        assert principal == web.web_apps.get("rg1", "azlab-sched-1").identity.principal_id
        web.web_apps.delete("rg1", "azlab-sched-1")
        assert changes[1:] == [SiteChange(site_id, "settings"), SiteChange(site_id, "deleted")]
        assert sites.principal_id(site_id) is None
        assert sandbox.emulator.principals.get(str(principal)) is None
    finally:
        sites.unsubscribe(changes.append)


def test_a_restarted_sandbox_keeps_sites_and_names_its_new_port(tmp_path: Path) -> None:
    zipped = package({"function_app.py": "app = None\n"})
    with Sandbox(data_dir=tmp_path, persist=True, storage=False) as first:
        web = client_of(first)
        Clients(first).resource.resource_groups.create_or_update("rg1", {"location": REGION})
        site = function_app(web, consumption_plan(web), A="1")
        sent = requests.post(
            f"{scm_url(web, 'azlab-sched-1')}/api/zipdeploy",
            data=zipped,
            headers=bearer(first),
            verify=str(first.ca_file),
            timeout=10,
        )
        assert sent.status_code == 200
    with Sandbox(data_dir=tmp_path, persist=True, storage=False) as second:
        web = client_of(second)
        again = web.web_apps.get("rg1", "azlab-sched-1")
        assert again.identity.principal_id == site.identity.principal_id  # type: ignore[attr-defined]
        assert again.properties.default_host_name.startswith(f"127.0.0.1:{second.port}/")
        assert scm_url(web, "azlab-sched-1").startswith(second.endpoint)
        sites = second.emulator.web.sites
        assert sites.package(str(again.id)) == zipped
        assert sites.app_settings(str(again.id)) == {"A": "1"}
        assert second.emulator.principals.get(str(again.identity.principal_id)) is not None
