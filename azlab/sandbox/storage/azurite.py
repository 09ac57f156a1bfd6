"""Azurite, run by the sandbox itself, with storage accounts added while it runs.

Azurite comes from the project's `package.json` in a checkout, or from where
`azlab sandbox setup` installed the pinned version (azurite_install). Accounts
and their keys are kept in the data folder, so a restarted sandbox serves the
same accounts and data (`--location`).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import urllib.request
from pathlib import Path

from azlab.errors import SandboxError
from azlab.sandbox.storage.azurite_install import find_azurite, missing_hint

LAUNCHER = Path(__file__).with_name("azurite_launcher.js")
__all__ = ["LAUNCHER", "Azurite", "find_azurite", "free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Azurite:
    """Azurite's blob and queue services in a Node process of its own."""

    def __init__(self, data_dir: Path, accounts: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.accounts = dict(accounts)
        self.port = 0  # blob service
        self.queue_port = 0
        self.control_port = 0
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        azurite = find_azurite()
        node = shutil.which("node")
        if node is None:
            raise SandboxError(
                "Node.js is not installed: the sandbox runs Azurite, its blob storage, with it",
                hint="install Node.js 18 or later, or set AZLAB_SANDBOX_STORAGE=off",
            )
        if azurite is None:
            raise SandboxError(
                "Azurite is not installed for the sandbox's blob storage", hint=missing_hint()
            )
        self.port, self.queue_port, table_port = free_port(), free_port(), free_port()
        location = self.data_dir / "azurite"
        location.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "AZLAB_AZURITE_DIR": str(azurite),
            "AZURITE_ACCOUNTS": ";".join(f"{n}:{k}" for n, k in self.accounts.items()),
        }
        self.process = subprocess.Popen(
            [
                node,
                str(LAUNCHER),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                str(self.port),
                "--queueHost",
                "127.0.0.1",
                "--queuePort",
                str(self.queue_port),
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                str(table_port),
                "--location",
                str(location),
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
                "--disableProductStyleUrl",
                # Azurite reports telemetry and probes the Azure metadata address otherwise.
                "--disableTelemetry",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        ready = threading.Event()
        lines: list[str] = []

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                lines.append(line.rstrip())
                if line.startswith("AZLAB_CONTROL_PORT="):
                    self.control_port = int(line.split("=", 1)[1])
                # The table service is the last of the three to listen.
                if "Table service is successfully listening" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=read, name="azurite-log", daemon=True).start()
        if not ready.wait(60) or not self.control_port or self.process.poll() is not None:
            self.stop()
            raise SandboxError("Azurite did not start: " + " | ".join(lines[-5:]))

    def add_account(self, name: str, key: str) -> None:
        self.accounts[name] = key
        self._control("POST", {"name": name, "key": key})

    def remove_account(self, name: str) -> None:
        self.accounts.pop(name, None)
        self._control("DELETE", {"name": name})

    def _control(self, method: str, body: dict[str, str]) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.control_port}/accounts",
            data=json.dumps(body).encode(),
            method=method,
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            if answer.status != 200:
                raise SandboxError(f"Azurite refused account {body['name']}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # Azurite closes its servers and flushes its metadata on SIGINT.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
