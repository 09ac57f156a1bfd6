"""Pieces of a rehearsal on their own: placeholder secrets and failed steps."""

from __future__ import annotations

from pathlib import Path

from azure.core.exceptions import HttpResponseError

from azlab.plan import load_plan
from azlab.reconcile.model import Action, Change, Kind
from azlab.rehearse.secrets import (
    PLACEHOLDER_SSH_KEY,
    key_files,
    placeholder_env,
    vm_secrets,
)
from azlab.rehearse.steps import Rehearsal, guarded

LYNC = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"


def test_missing_secrets_get_placeholders_and_set_ones_are_kept(tmp_path: Path) -> None:
    # A key file that apply would refuse (a private key): a rehearsal never opens it.
    (tmp_path / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n")
    text = LYNC.read_text().replace(
        "admin: {username: labadmin, password_env: LAB_ADMIN_PASSWORD}",
        "admin: {username: labadmin, ssh_key_file: id_ed25519}",
        1,
    )
    path = tmp_path / "keys.yaml"
    path.write_text(text.replace("        os: windows", "        os: linux", 1))
    loaded = load_plan(path, env={})
    plan = loaded.plan
    assert placeholder_env(plan, {}) == {"LAB_ADMIN_PASSWORD": "Rehearsal-only-1!"}
    assert placeholder_env(plan, {"LAB_ADMIN_PASSWORD": "mine"}) == {}
    assert key_files(plan) == {"dc01": "id_ed25519"}
    creating = [Change(Action.CREATE, Kind.VM, vm) for vm in ("dc01", "sql01")]
    secrets = vm_secrets(loaded, creating, {"LAB_ADMIN_PASSWORD": "mine"})
    assert secrets["dc01"].ssh_public_key == PLACEHOLDER_SSH_KEY
    assert secrets["sql01"].password == "mine"


def test_an_unexpected_error_fails_its_step_in_one_line() -> None:
    rehearsal = Rehearsal(LYNC)
    error = HttpResponseError(message="Operation returned an invalid status 'Bad Gateway'\nmore")
    assert not guarded("plan again", rehearsal, 0.0, error)
    step = rehearsal.steps[0]
    assert (step.name, step.result) == ("plan again", "failed")
    assert step.detail == "HttpResponseError: Operation returned an invalid status 'Bad Gateway'"
