"""A real `azlab migrate` process killed (SIGKILL) at every step; `--resume` finishes the job.

After every kill each disk's bytes must still exist somewhere: in the source
disk or in its new copy. One resume runs on "another machine" (the local
journal wiped), so it has to find the journal in the destination account.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from azlab.cli.main import main
from azlab.sandbox.pytest_plugin import Clients
from azlab.sandbox.runner import Sandbox
from tests.migrate.lab import MIB, RG, fill, fingerprint, settle, write_plan

MOVE = ["--to-location", "eastus", "--to-subnet", "vnet-eus/core", "--to-storage", "stmigeus"]
DISKS = {"sql01-osdisk": "sql01-osdisk-eastus", "sql01-data0": "sql01-data0-eastus"}
# Every step of moving sql01, in order; copies are killed part way through.
KILLS = [
    "deallocate",
    "copy:os@0.05",
    "copy:lun0@0.3",
    "import:os",
    "import:lun0",
    "rebuild@0.05",
    "retain",
    "start",
    "write-plan",
    "cleanup-source",
    "finished",
]


def _exists(clients: Clients, name: str) -> bool:
    return any(d.name == name for d in clients.compute.disks.list_by_resource_group(RG))


@pytest.mark.soak
def test_killed_at_every_step_resume_converges_and_no_disk_is_ever_lost(
    sandbox: Sandbox,
    clients: Clients,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if sandbox.storage is None:
        pytest.skip("Azurite is not installed (make setup)")
    state = tmp_path / "state"
    monkeypatch.setenv("LAB_ADMIN_PASSWORD", "Sandbox-only-1")
    monkeypatch.setenv("AZLAB_STATE_DIR", str(state))
    plan = write_plan(tmp_path)
    assert main(["apply", str(plan), "--yes", "--output", "json"]) == 0
    settle(clients, "sql01-osdisk")
    fill(sandbox, clients, "sql01-data0", [(0, 6 * MIB), (300 * MIB, 5 * MIB), (1023 * MIB, MIB)])
    before = {name: fingerprint(sandbox, clients, name) for name in DISKS}
    killable = str(Path(__file__).with_name("killable.py"))
    command = [sys.executable, killable, "migrate", str(plan), "sql01", *MOVE]
    command += ["--cleanup-source", "--output", "json"]

    for round_, kill in enumerate(KILLS):
        env = {**os.environ, "AZLAB_FAULT_KILL_AT": kill}
        args = command + (["--resume"] if round_ else ["--yes"])
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == -signal.SIGKILL, (kill, done.stdout[-2000:], done.stderr)
        # At no moment does a disk's data exist nowhere.
        for source, copy in DISKS.items():
            held = [n for n in (source, copy) if _exists(clients, n)]
            assert any(fingerprint(sandbox, clients, n) == before[source] for n in held), (
                kill,
                source,
            )
        if kill == "import:os":
            shutil.rmtree(state)  # the next resume runs on another machine

    finished = subprocess.run(
        [*command, "--resume"], env=dict(os.environ), capture_output=True, text=True, timeout=300
    )
    # Killed after its last step: the journal says finished, so nothing is left to resume.
    assert finished.returncode == 2, finished.stdout + finished.stderr
    assert "no unfinished migration" in finished.stdout + finished.stderr
    for source, copy in DISKS.items():
        assert fingerprint(sandbox, clients, copy) == before[source]
        assert not _exists(clients, source)  # --cleanup-source, after the VM ran on the copies
    vm = clients.compute.virtual_machines.get(RG, "sql01")
    assert vm.location == "eastus"
    capsys.readouterr()
    assert main(["plan", str(plan), "--detailed-exitcode"]) == 0, capsys.readouterr().out
    view = clients.compute.virtual_machines.instance_view(RG, "sql01")
    assert any(s.code == "PowerState/running" for s in view.statuses)
