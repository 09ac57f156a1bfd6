"""What deploy makes, from plain data: the parts, their order, names, settings and roles."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from azlab.errors import UsageError
from azlab.plan import load_plan
from azlab.redact import forget_all, redact
from azlab.scheduler import role as roles
from azlab.scheduler.desired import Context, app_settings, parts, settings_to_send
from azlab.scheduler.model import KNOWN_AFTER, Action, Found, PartKind, diff, removals
from azlab.scheduler.names import SCHEDULER_TAG, names_for
from azlab.scheduler.package import build_package, requirements, runbooks_dir

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
SUB = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def ctx() -> Context:
    plan = load_plan(LYNC).plan
    folder = runbooks_dir()
    return Context(
        names=names_for(SUB, plan.name, plan.location),
        plan=plan,
        plan_sha256="a" * 64,
        package_sha256="b" * 64,
        templates=roles.load_templates(folder / "role.json"),
        secrets={"AZLAB_SNOOZE_KEY": "k" * 64},
    )


def _known(ctx: Context) -> Context:
    return replace(
        ctx,
        principal="11111111-2222-4333-8444-555555555555",
        blob_endpoint="https://st.blob.example/",
        queue_endpoint="https://st.queue.example/",
        site_host="app.example",
    )


def test_functions_parts_in_the_order_they_are_made(ctx: Context) -> None:
    kinds = [p.kind for p in parts(ctx)]
    assert kinds[:9] == [
        PartKind.RESOURCE_GROUP,
        PartKind.STORAGE_ACCOUNT,
        PartKind.QUEUE,
        PartKind.CONTAINER,
        PartKind.PLAN_BLOB,
        PartKind.SERVER_FARM,
        PartKind.SITE,
        PartKind.APP_SETTINGS,
        PartKind.PACKAGE,
    ]
    assert kinds[9:] == [PartKind.ROLE_DEFINITION] * 2 + [PartKind.ROLE_ASSIGNMENT] * 4
    addresses = [p.address.lower() for p in parts(_known(ctx))]
    assert len(set(addresses)) == len(addresses)


def test_every_tagged_resource_names_the_plan(ctx: Context) -> None:
    for part in parts(ctx):
        if part.kind in (PartKind.QUEUE, PartKind.CONTAINER):
            assert part.props["metadata"] == {SCHEDULER_TAG: "lynclab"}
        elif part.tagged and "tags" in part.props:
            assert part.props["tags"] == {SCHEDULER_TAG: "lynclab"}, part.name


def test_the_scheduler_has_its_own_group_and_consumption_linux_app(ctx: Context) -> None:
    by_kind = {p.kind: p for p in parts(ctx)}
    assert by_kind[PartKind.RESOURCE_GROUP].name != ctx.plan.resource_group
    assert by_kind[PartKind.SERVER_FARM].props["sku"] == {"name": "Y1", "tier": "Dynamic"}
    assert by_kind[PartKind.SERVER_FARM].props["reserved"] is True
    site = by_kind[PartKind.SITE].props
    assert site["kind"] == "functionapp,linux" and site["identity"] == "SystemAssigned"
    assert site["linuxFxVersion"].startswith("Python|3.")


def test_names_are_stable_and_valid() -> None:
    first = names_for(SUB, "lynclab", "westus2")
    assert first == names_for(SUB, "lynclab", "westus2")
    assert first.site != names_for(SUB.replace("1", "2"), "lynclab", "westus2").site
    account = first.storage_account
    assert 3 <= len(account) <= 24 and account.isalnum() and account.islower()
    assert names_for(SUB, "lynclab", "westus2", "my-ticker").site == "my-ticker"
    with pytest.raises(UsageError, match="--name"):
        names_for(SUB, "lynclab", "westus2", "Bad_Name!")


def test_settings_use_identity_connections_and_hide_the_snooze_key(ctx: Context) -> None:
    forget_all()
    settings = app_settings(_known(ctx))
    assert settings["AzureWebJobsStorage__accountName"] == ctx.names.storage_account
    assert not any("AccountKey" in v or "sig=" in v for v in settings.values())
    assert settings["AZLAB_PLAN_URL"] == "https://st.blob.example/azlab-scheduler/plan.yaml"
    assert settings["AZLAB_QUEUE_URL"] == "https://st.queue.example/azlab-power"
    assert settings["AZLAB_QUEUE__queueServiceUri"] == "https://st.queue.example"
    assert settings["AZLAB_SNOOZE_URL"] == "https://app.example/api/snooze"
    assert settings["AZURE_SUBSCRIPTION_ID"] == SUB
    # Unknown until the account and the site exist.
    assert app_settings(ctx)["AZLAB_PLAN_URL"] == KNOWN_AFTER
    # A changed snooze key shows as changed, never as its value.
    part = next(p for p in parts(_known(ctx)) if p.kind is PartKind.APP_SETTINGS)
    old = dict(part.props["settings"], AZLAB_SNOOZE_KEY="x" * 64)
    [change] = diff([part], {part.address.lower(): Found(part.address, {"settings": old}, True)})
    assert change.action is Action.UPDATE
    assert [(f.name, f.old, f.new) for f in change.fields] == [
        ("settings.AZLAB_SNOOZE_KEY", "(sensitive value)", "(sensitive value)")
    ]


def test_settings_written_keep_what_others_added() -> None:
    merged = settings_to_send({"A": "1", "B": KNOWN_AFTER}, {"A": "0", "WEBSITE_X": "y"})
    assert merged == {"A": "1", "WEBSITE_X": "y"}


def test_operator_role_is_assignable_only_on_the_plan_group(ctx: Context) -> None:
    definitions = [p for p in parts(ctx) if p.kind is PartKind.ROLE_DEFINITION]
    operator, batch = definitions
    rg = f"/subscriptions/{SUB}/resourceGroups/rg-lynclab-wus2"
    assert operator.props["assignableScopes"] == [rg]
    assert operator.address.startswith(rg + "/providers/Microsoft.Authorization/")
    assert batch.props["assignableScopes"] == [f"/subscriptions/{SUB}"]
    actions = operator.props["permissions"][0]["actions"]
    assert "Microsoft.Compute/virtualMachines/deallocate/action" in actions
    assert not any("*" in a for a in actions)
    assert all(
        a.startswith("Microsoft.ComputeSchedule/locations/")
        for a in batch.props["permissions"][0]["actions"]
    )
    assert operator.props["roleName"] == "azlab schedule operator (lynclab)"


def test_assignments_have_derived_names_once_the_principal_is_known(ctx: Context) -> None:
    before = [p for p in parts(ctx) if p.kind is PartKind.ROLE_ASSIGNMENT]
    assert all(p.props["principalId"] == KNOWN_AFTER for p in before)
    known = _known(ctx)
    after = [p for p in parts(known) if p.kind is PartKind.ROLE_ASSIGNMENT]
    again = [p for p in parts(known) if p.kind is PartKind.ROLE_ASSIGNMENT]
    assert [p.address for p in after] == [p.address for p in again]
    scopes = [p.props["scope"] for p in after]
    assert scopes == [
        f"/subscriptions/{SUB}/resourceGroups/rg-lynclab-wus2",
        f"/subscriptions/{SUB}",
        known.names.storage_id,
        known.names.storage_id,
    ]
    other = replace(known, principal="99999999-2222-4333-8444-555555555555")
    assert {p.address for p in parts(other)}.isdisjoint({p.address for p in after})
    data_roles = {p.props["roleDefinitionId"].rsplit("/", 1)[-1] for p in after[2:]}
    assert data_roles == {roles.STORAGE_BLOB_DATA_OWNER, roles.STORAGE_QUEUE_DATA_CONTRIBUTOR}


def test_role_json_is_the_one_source(tmp_path: Path) -> None:
    templates = roles.load_templates(runbooks_dir() / "role.json")
    raw = json.loads((runbooks_dir() / "role.json").read_text())
    assert list(templates[roles.OPERATOR].actions) == raw[0]["Actions"]
    broken = tmp_path / "role.json"
    broken.write_text(json.dumps([raw[0]]))
    with pytest.raises(UsageError, match="azlab batch power"):
        roles.load_templates(broken)


def test_package_holds_the_app_pinned_azlab_and_the_plan() -> None:
    app = runbooks_dir() / "function_app"
    package = build_package(app, b"name: lynclab\n", version="1.2.3")
    with zipfile.ZipFile(io.BytesIO(package.data)) as archive:
        names = archive.namelist()
        assert names == ["function_app.py", "host.json", "plan.yaml", "requirements.txt"]
        assert archive.read("requirements.txt").decode().splitlines() == [
            "azure-functions",
            "azlab==1.2.3",
        ]
        assert archive.read("plan.yaml") == b"name: lynclab\n"
        assert archive.read("function_app.py") == (app / "function_app.py").read_bytes()
    # The same inputs make the same bytes, so a second deploy sends nothing.
    assert build_package(app, b"name: lynclab\n", version="1.2.3").sha256 == package.sha256
    assert build_package(app, b"name: other\n", version="1.2.3").sha256 != package.sha256
    assert requirements("0.0.0+unknown") == "azure-functions\nazlab\n"


def test_a_second_deploy_with_everything_there_changes_nothing(ctx: Context) -> None:
    desired = parts(_known(ctx))
    found = {p.address.lower(): Found(p.address, dict(p.props), True) for p in desired}
    assert {c.action for c in diff(desired, found)} == {Action.NOOP}


def test_a_part_there_without_the_tag_is_foreign_and_never_removed(ctx: Context) -> None:
    desired = parts(_known(ctx))
    account = next(p for p in desired if p.kind is PartKind.STORAGE_ACCOUNT)
    found = {account.address.lower(): Found(account.address, {"tags": {}}, False)}
    [change] = [c for c in diff(desired, found) if c.part is account]
    assert change.action is Action.FOREIGN
    assert [c.action for c in removals(desired, found)] == [Action.FOREIGN]


def test_removals_run_backwards(ctx: Context) -> None:
    desired = parts(_known(ctx))
    found = {p.address.lower(): Found(p.address, dict(p.props), True) for p in desired}
    order = [c.part.kind for c in removals(desired, found)]
    assert order[0] is PartKind.ROLE_ASSIGNMENT and order[-1] is PartKind.RESOURCE_GROUP
    assert order.index(PartKind.SITE) < order.index(PartKind.SERVER_FARM)


def test_secret_values_never_reach_output(ctx: Context) -> None:
    forget_all()
    from azlab.scheduler.deploy import _secrets

    class Loaded:
        plan = ctx.plan

    found = _secrets(Loaded(), {}, {})  # type: ignore[arg-type]
    key = found["AZLAB_SNOOZE_KEY"]
    assert len(key) == 64 and redact(f"key={key}") == "key=${AZLAB_SNOOZE_KEY}"
    # Kept across deploys: the existing key is reused.
    assert _secrets(Loaded(), {}, {"AZLAB_SNOOZE_KEY": key})["AZLAB_SNOOZE_KEY"] == key  # type: ignore[arg-type]
