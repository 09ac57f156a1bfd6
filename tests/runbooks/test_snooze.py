"""Snooze links: `azlab snooze-link` prints one; the Function app's HTTP trigger redeems it once,
holding the group as `azlab hold` does; used twice, expired or forged, it is refused."""

from __future__ import annotations

import importlib.util
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from azlab.cli.main import main
from azlab.power.snooze import hold_until, new_token, verify
from azlab.sandbox.runner import Sandbox

func = pytest.importorskip("azure.functions")

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"
KEY = "a-test-only-snooze-key-0123456789"
BASE = "https://lab-fn.example.invalid/api/snooze"


@pytest.fixture
def applied(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_PLAN_FILE", str(LYNC))
    monkeypatch.setenv("AZLAB_SNOOZE_KEY", KEY)
    monkeypatch.setenv("AZLAB_LOCK_DIR", str(tmp_path / "locks"))
    assert main(["apply", str(LYNC), "--yes"]) == 0


def handler() -> Any:
    """The function the app registers for its snooze route, as the host finds it."""
    spec = importlib.util.spec_from_file_location(
        "function_app", ROOT / "runbooks" / "function_app" / "function_app.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (found,) = [f for f in module.app.get_functions() if f.get_function_name() == "snooze"]
    return found.get_user_function()


def call(url: str) -> tuple[int, str]:
    token = parse_qs(urlsplit(url).query)["t"][0]
    request = func.HttpRequest(method="GET", url=url, params={"t": token}, body=b"")
    response = handler()(request)
    return response.status_code, response.get_body().decode()


def held_tags(sandbox: Sandbox) -> dict[str, str | None]:
    found = {}
    for name in ("dc01", "sql01", "fe01"):
        vm = sandbox.emulator.state.get(
            f"/subscriptions/{sandbox.subscription}/resourceGroups/rg-lynclab-wus2"
            f"/providers/Microsoft.Compute/virtualMachines/{name}"
        )
        assert vm is not None
        found[name] = vm.get("tags", {}).get("azlab-hold-until")
    return found


def test_a_link_holds_its_group_once(
    applied: None, sandbox: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["snooze-link", str(LYNC), "core", "--for", "2h", "--url", BASE, "-o", "json"]) == 0
    url = json.loads(capsys.readouterr().out)["url"]
    assert url.startswith(BASE + "?t=")
    before = datetime.now(timezone.utc)
    status, text = call(url)
    assert status == 200 and text.startswith("core keeps running until ")
    tags = held_tags(sandbox)
    assert tags["fe01"] is None  # only the link's group
    until = datetime.fromisoformat(str(tags["dc01"]).replace("Z", "+00:00"))
    assert tags["dc01"] == tags["sql01"]
    assert (
        timedelta(hours=2) - timedelta(minutes=1) <= until - before <= timedelta(hours=2, minutes=1)
    )
    # Exactly as `azlab hold` does: the next tick leaves the group alone.
    capsys.readouterr()
    main(["tick", str(LYNC), "--at", (before + timedelta(hours=1)).isoformat(), "-o", "json"])
    skipped = json.loads(capsys.readouterr().out)["skipped"]
    assert "held until" in skipped["dc01"] and "held until" in skipped["sql01"]
    # Used twice: refused, and the hold is not moved.
    status, text = call(url)
    assert status == 403 and "already used" in text
    assert held_tags(sandbox)["dc01"] == tags["dc01"]


def test_expired_and_forged_links_are_refused(applied: None, sandbox: Sandbox) -> None:
    past = datetime.now(timezone.utc) - timedelta(minutes=1)
    expired = new_token(KEY.encode(), "lynclab", "core", "1h", past)
    status, text = call(f"{BASE}?t={expired}")
    assert status == 403 and "expired" in text
    good = new_token(KEY.encode(), "lynclab", "core", "1h", past + timedelta(hours=2))
    forged = new_token(
        b"another-key-entirely-0123456789", "lynclab", "core", "1h", past + timedelta(hours=2)
    )
    status, text = call(f"{BASE}?t={forged}")
    assert status == 403 and "not signed" in text
    assert held_tags(sandbox)["dc01"] is None
    assert verify(KEY.encode(), good, past).group == "core"


def test_tonight_holds_until_the_next_start() -> None:
    from azlab.plan import load_plan

    plan = load_plan(LYNC, env={"LAB_ADMIN_PASSWORD": "x", **os.environ}).plan
    evening = datetime.fromisoformat("2026-11-23T17:50:00-08:00")
    until = hold_until(plan, "core", "tonight", evening.astimezone(timezone.utc))
    assert until == datetime.fromisoformat("2026-11-24T08:00:00-08:00")


def test_a_link_never_holds_past_a_budget_stop(
    applied: None, sandbox: Sandbox, tmp_path: Path
) -> None:
    import asyncio

    from azlab.money.ledger import Entry, FileStore

    now = datetime.now(timezone.utc)
    store = FileStore(os.environ["AZLAB_LEDGER_DIR"], "lynclab")
    asyncio.run(store.append(now.strftime("%Y-%m"), [Entry(now, "budget", "budget-stop")]))
    token = new_token(KEY.encode(), "lynclab", "core", "1h", now + timedelta(hours=2))
    status, text = call(f"{BASE}?t={token}")
    assert status == 403 and "budget" in text
    assert held_tags(sandbox)["dc01"] is None
    # Released, the same link holds: the refusal did not use it up.
    asyncio.run(store.append(now.strftime("%Y-%m"), [Entry(now, "budget", "budget-release")]))
    status, text = call(f"{BASE}?t={token}")
    assert status == 200, text
    assert held_tags(sandbox)["dc01"] is not None
