"""Run the az CLI, unmodified, against a sandbox the way a user points it there.

A user runs `eval "$(azlab sandbox start)"`, trusts the sandbox's CA (REQUESTS_CA_BUNDLE),
keeps az's state apart (AZURE_CONFIG_DIR), then `az cloud register` and `az login`. Any
request az would send off this machine goes to a dead loopback proxy instead, and telemetry
is off. Usage, from the repository root: python -m tests.azcli.harness [path/to/az]
"""

from __future__ import annotations

import json
import os
import re
import shlex
import string
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from tests.azcli.commands import COMMANDS, Command

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_AZ = ROOT / ".venv-az" / "bin" / "az"
TIMEOUT_S = 180
# A JWT, an account key or SAS signature in a connection string or URL.
SECRET = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]+|(AccountKey=|sig=|Bearer )[^;&\s\"']+", re.IGNORECASE
)


@dataclass(frozen=True)
class Outcome:
    command: Command
    ok: bool
    error: str  # the first line az wrote on failure, secrets redacted; "" when it worked

    @property
    def as_expected(self) -> bool:
        return self.ok == (self.command.expect_fail is None)


def redact(text: str, secrets: Mapping[str, str]) -> str:
    for value in secrets.values():
        if len(value) >= 16:
            text = text.replace(value, "REDACTED")
    return SECRET.sub(lambda m: (m.group(1) or "") + "REDACTED", text)


@contextmanager
def sandbox(folder: Path) -> Iterator[dict[str, str]]:
    """`eval "$(azlab sandbox start)"`: the exported variables, stopped on exit."""
    azlab = str(Path(sys.executable).parent / "azlab")
    data = ["--data", str(folder)]
    started = subprocess.run(
        [azlab, "sandbox", "start", *data], capture_output=True, text=True, timeout=120
    )
    if started.returncode != 0:
        raise RuntimeError(f"azlab sandbox start failed: {started.stderr.strip()[-500:]}")
    exports = {}
    for line in started.stdout.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            exports[name] = value
    try:
        yield exports
    finally:
        subprocess.run([azlab, "sandbox", "stop", *data], capture_output=True, timeout=60)


def az_environment(exports: Mapping[str, str], config_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "AZLAB_"))}
    env.update(exports)
    env.update(
        AZURE_CONFIG_DIR=str(config_dir),
        REQUESTS_CA_BUNDLE=exports.get("AZLAB_CA_FILE", ""),
        AZURE_CORE_COLLECT_TELEMETRY="false",
        AZURE_CORE_SURVEY_MESSAGE="false",
        AZURE_CORE_NO_COLOR="true",
        AZURE_CORE_ONLY_SHOW_ERRORS="true",
        AZURE_CORE_OUTPUT="json",
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


def placeholders(exports: Mapping[str, str], work: Path) -> dict[str, str]:
    rg, location = "rg-azcli", "westus2"
    sub = exports.get("AZURE_SUBSCRIPTION_ID", "")
    nic = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/networkInterfaces/nic1"
    vm = {
        "location": location,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B2s"},
            "storageProfile": {
                "imageReference": {
                    "publisher": "Canonical",
                    "offer": "ubuntu-24_04-lts",
                    "sku": "server",
                    "version": "latest",
                },
                "osDisk": {"createOption": "FromImage", "diskSizeGB": 64},
            },
            "osProfile": {
                "computerName": "vm1",
                "adminUsername": "labadmin",
                "adminPassword": "Sandbox-Only-Pw1!",
            },
            "networkProfile": {"networkInterfaces": [{"id": nic}]},
        },
    }
    (work / "vm.json").write_text(json.dumps(vm))
    (work / "notes.txt").write_text("lab notes\n")
    return {
        "endpoint": exports.get("AZLAB_ENDPOINT", ""),
        "sub": sub,
        "rg": rg,
        "loc": location,
        "sa": "stazlabcli",
        "vm_body": str(work / "vm.json"),
        "upload_file": str(work / "notes.txt"),
        "download_file": str(work / "notes-downloaded.txt"),
    }


def _fill(word: str, values: Mapping[str, str]) -> str:
    if {"blob_endpoint", "key"} <= values.keys():
        # What a user pastes: the account's key, and its blob endpoint as ARM reports it.
        values = {
            **values,
            "connection_string": f"AccountName={values['sa']};AccountKey={values['key']};"
            f"BlobEndpoint={values['blob_endpoint']}",
        }
    names = {name for _, name, _, _ in string.Formatter().parse(word) if name}
    missing = names - values.keys()
    if missing:
        raise KeyError(", ".join(sorted(missing)))
    return word.format_map(values)


def run_all(az: Path, folder: Path) -> list[Outcome]:
    """Every command in COMMANDS, in order, against one fresh sandbox."""
    outcomes = []
    work = folder / "work"
    work.mkdir(parents=True)
    with sandbox(folder / "sandbox") as exports:
        env = az_environment(exports, folder / "az-config")
        values = placeholders(exports, work)
        secrets: dict[str, str] = {}
        for command in COMMANDS:
            try:
                argv = [_fill(word, values) for word in shlex.split(command.line)]
            except KeyError as missing:
                outcomes.append(Outcome(command, False, f"no {missing} from an earlier command"))
                continue
            argv[0] = str(az)
            try:
                done = subprocess.run(
                    argv, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
                )
            except subprocess.TimeoutExpired:
                outcomes.append(Outcome(command, False, f"no answer in {TIMEOUT_S} s"))
                continue
            if done.returncode == 0 and command.save:
                values[command.save] = done.stdout.strip()
                secrets[command.save] = done.stdout.strip()
            lines = [ln.strip() for ln in (done.stderr + done.stdout).splitlines() if ln.strip()]
            error = (
                "" if done.returncode == 0 else (lines[0] if lines else f"exit {done.returncode}")
            )
            outcomes.append(Outcome(command, done.returncode == 0, redact(error, secrets)[:160]))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    rows = ["| # | command | result | first error line |", "| --- | --- | --- | --- |"]
    for n, o in enumerate(outcomes, 1):
        result = "ok" if o.ok else "failed"
        if not o.as_expected:
            result += " (UNEXPECTED)"
        error = o.error.replace("|", "\\|")
        rows.append(f"| {n} | `{o.command.line}` | {result} | {error} |")
    working = sum(o.ok for o in outcomes)
    rows.append(f"\n{working} of {len(outcomes)} work")
    return "\n".join(rows)


def main() -> int:
    az = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_AZ
    with TemporaryDirectory(prefix="azlab-azcli-") as folder:
        outcomes = run_all(az, Path(folder))
    print(table(outcomes))
    return 0 if all(o.as_expected for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
