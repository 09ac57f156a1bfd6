"""`azlab sandbox start|stop|status|reset`: the local Azure emulator, in the background."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import typer

from azlab.cli.common import OUTPUT_OPTION, Output, console, print_json
from azlab.cli.main import app
from azlab.errors import SandboxError
from azlab.sandbox.settings import Settings

sandbox_app = typer.Typer(
    help="Run a local Azure Resource Manager emulator that the real Azure SDK talks to.",
    no_args_is_help=True,
)
app.add_typer(sandbox_app, name="sandbox")

DATA_OPTION = typer.Option(
    Path(".azlab/sandbox"), "--data", help="Folder for the sandbox's state, CA file and log."
)
INFO_FILE = "sandbox.json"


def _info(data: Path) -> dict[str, Any] | None:
    try:
        info: dict[str, Any] = json.loads((data / INFO_FILE).read_text())
    except (OSError, ValueError):
        return None
    try:
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return info


# Shell comments, so `eval` skips them: how to point the az CLI at the sandbox.
AZ_HINT = """# az CLI (docs/sandbox.md):
#   az cloud register -n AzlabSandbox --endpoint-resource-manager "$AZLAB_ENDPOINT"
#   az cloud set -n AzlabSandbox && az login --identity && az group list"""


def _exports(info: dict[str, Any]) -> str:
    lines = [f"export {k}={shlex.quote(str(v))}" for k, v in info.items() if k != "pid"]
    return "\n".join([*lines, AZ_HINT])


@sandbox_app.command("start")
def start(
    data: Path = DATA_OPTION,
    latency: str = typer.Option("0ms", "--latency", help="Added to every answer, e.g. 20ms."),
    op_time: str = typer.Option(
        "1s", "--op-time", help="How long provisioning and power transitions take."
    ),
    throttle: str = typer.Option(
        "off", "--throttle", help="off, azure (published limits) or xN (limits times N)."
    ),
    faults: str = typer.Option(
        "",
        "--faults",
        help="e.g. 503=0.05@write,drop=0.01,allocation=dc01|sql01,outage=eastus:10m",
    ),
    page_size: int = typer.Option(100, "--page-size", min=1, help="Items per list page."),
    copy_speed: str = typer.Option(
        "0", "--copy-speed", help="Speed of an async Copy Blob, e.g. 64MiB/s (0: at once)."
    ),
    blob_limits: str = typer.Option(
        "off", "--blob-limits", help="Per-blob limits: off, azure (60MiB/s,500/s) or e.g. 30MiB/s."
    ),
    storage_faults: str = typer.Option(
        "", "--storage-faults", help="e.g. 503=0.05@put-page-from-url,drop=0.01@get,copy-fail=0.5"
    ),
    storage_tls: bool = typer.Option(
        False,
        "--storage-tls",
        help="Accounts report HTTPS blob and queue endpoints (bearer tokens work there).",
    ),
    agent_ready_after: str = typer.Option(
        "3s", "--agent-ready-after", help="How long after running a VM's guest agent is Ready."
    ),
    agent_never: str = typer.Option(
        "", "--agent-never", help="VMs whose guest agent never reports Ready, e.g. dc01|sql01."
    ),
) -> None:
    """Start the sandbox in the background and print `export` lines for it.

    Example: eval "$(azlab sandbox start --op-time 2s)"
    """
    settings = {
        "latency": latency,
        "op_time": op_time,
        "throttle": throttle,
        "faults": faults,
        "page_size": page_size,
        "copy_speed": copy_speed,
        "blob_limits": blob_limits,
        "storage_faults": storage_faults,
        "storage_tls": storage_tls,
        "agent_ready_after": agent_ready_after,
        "agent_never": agent_never,
    }
    Settings().with_changes(settings)  # bad values fail here, with a clear message
    info = _info(data)
    if info is None:
        data.mkdir(parents=True, exist_ok=True)
        (data / INFO_FILE).unlink(missing_ok=True)
        log = (data / "sandbox.log").open("ab")
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "azlab.sandbox",
                "serve",
                "--data",
                str(data.resolve()),
                "--settings",
                json.dumps(settings),
            ],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while info is None:
            if time.monotonic() > deadline:
                raise SandboxError(f"the sandbox did not start; see {data / 'sandbox.log'}")
            time.sleep(0.1)
            info = _info(data)
    typer.echo(_exports(info))


@sandbox_app.command("stop")
def stop(data: Path = DATA_OPTION) -> None:
    """Stop the background sandbox (its state stays in the data folder)."""
    info = _info(data)
    if info is None:
        console().print("No sandbox is running.")
        return
    os.kill(int(info["pid"]), signal.SIGTERM)
    for _ in range(100):
        if _info(data) is None:
            break
        time.sleep(0.05)
    console().print("Sandbox stopped.")


@sandbox_app.command("status")
def status(data: Path = DATA_OPTION, output: Output = OUTPUT_OPTION) -> None:
    """Say whether the sandbox runs, and where."""
    info = _info(data)
    if output is Output.json:
        print_json({"running": info is not None, **(info or {})})
    elif info is None:
        console().print('No sandbox is running. Start one: eval "$(azlab sandbox start)"')
    else:
        console().print(f"Sandbox running (pid {info['pid']}) at {info['AZLAB_ENDPOINT']}")
        typer.echo(_exports(info))
    if info is None:
        raise typer.Exit(1)


@sandbox_app.command("reset")
def reset(data: Path = DATA_OPTION) -> None:
    """Empty the running sandbox: no resources, no request log."""
    from azlab.sandbox.control import SandboxControl

    info = _info(data)
    if info is None:
        raise SandboxError("no sandbox is running", hint='start one: eval "$(azlab sandbox start)"')
    SandboxControl(info["AZLAB_SANDBOX_CONTROL"], info["AZLAB_CA_FILE"]).reset()
    console().print("Sandbox reset.")


@sandbox_app.command("setup")
def setup(output: Output = OUTPUT_OPTION) -> None:
    """Install Azurite, the sandbox's storage, with npm into azlab's data folder.

    Needed once for an installed azlab (a wheel carries no Node packages); a
    checkout has it from `make setup`. The folder is AZLAB_DATA_DIR or the
    platform's application data folder; AZLAB_AZURITE_DIR points at an Azurite
    installed elsewhere instead.

    Example: azlab sandbox setup
    """
    from rich.console import Console

    from azlab.sandbox.storage.azurite_install import AZURITE_VERSION, find_azurite, install

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    target = install(progress=lambda line: err.print(line, markup=False))
    used = find_azurite()
    if output is Output.json:
        print_json({"azurite": str(target), "version": AZURITE_VERSION, "used": str(used)})
        return
    console().print(f"Azurite {AZURITE_VERSION} is in {target}", markup=False)
    if used is not None and used != target:
        console().print(f"(the sandbox uses {used}, which comes first)", markup=False)
