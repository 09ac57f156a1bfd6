"""Round trip: apply plans/lynclab.yaml, strip azlab's tags, import, adopt, plan again.

The imported plan must validate, plan no change once adopted, and describe the same
lab as the original: the same networks, storage and VMs, grouped differently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.plan import load_plan
from azlab.plan.model import Plan
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
RG = "rg-lynclab-wus2"


@pytest.fixture(autouse=True)
def _secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")


def strip_azlab_tags(clients: Clients) -> int:
    """Remove every azlab-* tag from the group and each of its resources, as if the lab
    had been built by hand; returns how many resources carried one."""
    scopes = [clients.resource.resource_groups.get(RG)]
    scopes += list(clients.resource.resources.list_by_resource_group(RG))
    stripped = 0
    for item in scopes:
        tags = dict(item.tags or {})
        kept = {k: v for k, v in tags.items() if not k.startswith("azlab-")}
        if kept != tags:
            clients.resource.tags.begin_create_or_update_at_scope(
                item.id, {"properties": {"tags": kept}}
            ).result()
            stripped += 1
    return stripped


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main([*args, "--output", "json"])
    return code, json.loads(capsys.readouterr().out)


def vms_by_name(plan: Plan) -> dict[str, dict]:  # type: ignore[type-arg]
    """Each VM's fields less what a plan keeps only for itself (tier, keepalive)."""
    found = {}
    for _, vm in plan.all_vms():
        data = vm.model_dump(exclude={"tier"})
        for endpoint in data["endpoints"]:
            endpoint.pop("keepalive")
        found[vm.name] = data
    return found


def test_import_then_adopt_leaves_nothing_to_change(
    sandbox: Sandbox, clients: Clients, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["apply", str(LYNC), "--yes"]) == 0
    assert strip_azlab_tags(clients) > 10
    imported = tmp_path / "lynclab.yaml"

    code, report = run_json(capsys, "import", "-g", RG, "--name", "lynclab", "-o", str(imported))
    assert code == 0, report
    assert report["ok"] and report["counts"]["vms"] == 4
    text = imported.read_text()
    assert text.startswith("# yaml-language-server: $schema=")
    assert main(["validate", str(imported)]) == 0

    # Without --adopt the lab is someone else's: nothing would change, nothing is managed.
    code, before = run_json(capsys, "plan", str(imported))
    assert code == 0
    assert {c["action"] for c in before["changes"]} == {"not-managed"}
    code, adopting = run_json(capsys, "plan", str(imported), "--adopt")
    actions = {c["action"] for c in adopting["changes"]}
    assert actions == {"adopt"}, [c for c in adopting["changes"] if c["action"] != "adopt"]
    assert all(f["name"].startswith("tags.") for c in adopting["changes"] for f in c["fields"]), (
        adopting["changes"]
    )

    code, applied = run_json(capsys, "apply", str(imported), "--adopt", "--yes")
    assert code == 0 and applied["ok"], applied
    assert main(["plan", str(imported), "--detailed-exitcode"]) == 0

    original = load_plan(LYNC, require_env=True).plan
    back = load_plan(imported, require_env=True).plan
    # The same lab: what Azure holds comes back as the original says it.
    for part in ("version", "name", "subscription", "resource_group", "location", "tags"):
        assert getattr(back, part) == getattr(original, part), part
    # Networks and storage accounts come back in name order.
    assert back.networks == sorted(original.networks, key=lambda n: n.name)
    assert back.storage_accounts == sorted(original.storage_accounts, key=lambda s: s.name)
    want, got = vms_by_name(original), vms_by_name(back)
    assert set(got) == set(want)
    for name, fields in want.items():
        if fields["os_disk"]["size_gb"] is None:
            # The plan left the OS disk at the image's size; Azure reports the size it got.
            fields["os_disk"]["size_gb"] = got[name]["os_disk"]["size_gb"]
        assert got[name] == fields, name
    # Only the grouping differs: without azlab's tags nothing says which VMs go together.
    assert sorted(g.name for g in back.groups) == ["dc01", "edge01", "fe01", "sql01"]
