"""The lab applied and its scheduler deployed, as the hosted tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox
from azlab.scheduler.names import Names, names_for

ROOT = Path(__file__).resolve().parents[2]
LYNC = ROOT / "plans" / "lynclab.yaml"


@dataclass(frozen=True)
class Deployed:
    names: Names
    site: dict[str, Any]
    principal: str  # the site's system-assigned identity


def deploy_lynclab(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Deployed:
    """Apply plans/lynclab.yaml and `scheduler deploy` it; the deployed site and identity."""
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    assert main(["apply", str(LYNC), "--yes", "--output", "json"]) == 0
    assert main(["scheduler", "deploy", str(LYNC), "--yes", "--output", "json"]) == 0
    names = names_for(sandbox.subscription, "lynclab", "westus2")
    site = sandbox.emulator.web.sites.by_name(names.site)
    assert site is not None
    principal = sandbox.emulator.web.sites.principal_id(site["id"])
    assert principal
    return Deployed(names, site, principal)
