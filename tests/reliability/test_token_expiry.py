"""An access token that runs out mid-apply: azlab fetches a new one and goes on.

Two ways a token ends under a running command: its lifetime runs out (the
sandbox issues tokens that last seconds), and ARM refuses a token the client
still believes current, answering 401 `ExpiredAuthenticationToken` as Azure
does when clocks disagree (the sandbox ends every token issued so far at once).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from azlab.cli.main import main
from azlab.sandbox.runner import Sandbox
from azlab.sandbox.settings import Settings
from tests.reliability.support import LYNC, PASSWORD, Figures, power_states

RG = "rg-lynclab-wus2"


@pytest.fixture
def lab(sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", PASSWORD)
    monkeypatch.setenv("AZLAB_STATE_DIR", str(tmp_path / "state"))
    return sandbox


def _tokens_issued(sandbox: Sandbox) -> int:
    return len(sandbox.emulator.tokens._verified)


def test_apply_outlives_tokens_that_last_a_second(lab: Sandbox, figures: Figures) -> None:
    lab.emulator.apply_settings(Settings(page_size=5, op_time=0.5, token_lifetime=1))
    issued_before = _tokens_issued(lab)
    assert main(["apply", str(LYNC), "--yes"]) == 0
    # A token can run out between leaving the client and reaching ARM: then it is refused,
    # and sent again with a new one.
    refused = [r for r in lab.emulator.log if r.status == 401]
    assert all("ExpiredAuthenticationToken" in (r.reply or "") for r in refused)
    assert set(power_states(lab, RG).values()) == {"running"}
    renewed = _tokens_issued(lab) - issued_before
    assert renewed > 1, "one token served the whole apply: it cannot have been short-lived"
    figures.add("token 1 s lifetime, apply", tokens_fetched=renewed, refused_401=len(refused))


def test_apply_fetches_a_new_token_when_arm_calls_its_token_expired(
    lab: Sandbox, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> None:
    apply_through_expiry(lab, monkeypatch, figures, "token expired mid-apply")


@pytest.mark.soak
@pytest.mark.parametrize("run", range(int(os.environ.get("AZLAB_SOAK_NEW_RUNS", "5"))))
def test_soak_apply_fetches_a_new_token_when_arm_calls_its_token_expired(
    run: int, lab: Sandbox, monkeypatch: pytest.MonkeyPatch, figures: Figures
) -> None:
    apply_through_expiry(lab, monkeypatch, figures, "soak token expired mid-apply")


def apply_through_expiry(
    lab: Sandbox, monkeypatch: pytest.MonkeyPatch, figures: Figures, label: str
) -> None:
    emulator = lab.emulator
    emulator.apply_settings(Settings(page_size=5, op_time=0.2))
    check = emulator._maybe_fail
    ended: list[str] = []

    def expire_at_the_first_vm(request: Any, route: Any) -> None:
        if request.method == "PUT" and "/virtualmachines/" in request.path.lower() and not ended:
            ended.append(request.path)
            emulator.tokens.expire_all()  # every token so far ends now, mid-apply
        check(request, route)

    monkeypatch.setattr(emulator, "_maybe_fail", expire_at_the_first_vm)
    assert main(["apply", str(LYNC), "--yes"]) == 0
    assert ended
    refused = [r for r in emulator.log if r.status == 401]
    assert refused, "no request met the expired token"
    assert all("ExpiredAuthenticationToken" in (r.reply or "") for r in refused)
    # Each refused request was sent again with a new token and answered.
    assert len(refused) < 40, len(refused)
    assert set(power_states(lab, RG).values()) == {"running"}
    monkeypatch.setattr(emulator, "_maybe_fail", check)
    assert main(["plan", str(LYNC), "--detailed-exitcode"]) == 0
    figures.add(label, refused_401=len(refused))
