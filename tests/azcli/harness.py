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
import signal
import string
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from tests.azcli.commands import COMMANDS, Command

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_AZ = ROOT / ".venv-az" / "bin" / "az"
LOOPBACK_ONLY = Path(__file__).resolve().parent / "loopback_only"
# One command's limit (its whole process group is killed past it), and the whole run's: what
# is left when the run's time is spent is reported as not run, so the test always ends.
TIMEOUT_S = 120
BUDGET_S = 2400
SANDBOX_TIMEOUT_S = 120
INHERITED_NOT = ("AZURE_", "AZLAB_", "IDENTITY_", "MSI_", "IMDS_")
# Any request az would send off loopback goes to a port nothing listens on (discard, 9).
PROXIES = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
}
# A JWT, an account key or SAS signature in a connection string or URL.
SECRET = re.compile(
    r"eyJ[\w-]+\.[\w-]+\.[\w-]+|(AccountKey=|sig=|Bearer )[^;&\s\"']+", re.IGNORECASE
)


@dataclass(frozen=True)
class Outcome:
    command: Command
    ok: bool
    error: str  # the first line az wrote on failure, secrets redacted; "" when it worked
    seconds: float = 0.0
    off_loopback: tuple[str, ...] = ()  # what az tried to reach beyond loopback (refused)

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
    started = run_limited([azlab, "sandbox", "start", *data], os.environ, SANDBOX_TIMEOUT_S)
    if started.code != 0:
        run_limited([azlab, "sandbox", "stop", *data], os.environ, SANDBOX_TIMEOUT_S)
        why = "no answer" if started.code is None else started.err.strip()[-500:]
        raise RuntimeError(f"azlab sandbox start failed: {why}")
    exports = {}
    for line in started.out.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, _, value = words[1].partition("=")
            exports[name] = value
    try:
        yield exports
    finally:
        run_limited([azlab, "sandbox", "stop", *data], os.environ, SANDBOX_TIMEOUT_S)


def az_environment(exports: Mapping[str, str], config_dir: Path, log: Path) -> dict[str, str]:
    """az's environment: the sandbox's exports, state of its own, the dead proxy, and the
    loopback guard (loopback_only/sitecustomize.py) writing what it refused to `log`."""
    # Nothing of the caller's Azure setup, identity endpoints or proxies (a lowercase
    # https_proxy would win over the dead one below) reaches az.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(INHERITED_NOT) and not k.lower().endswith("_proxy")
    }
    env.update(exports)
    env.update(
        AZURE_CONFIG_DIR=str(config_dir),
        REQUESTS_CA_BUNDLE=exports.get("AZLAB_CA_FILE", ""),
        AZURE_CORE_COLLECT_TELEMETRY="false",
        AZURE_CORE_SURVEY_MESSAGE="false",
        AZURE_CORE_NO_COLOR="true",
        AZURE_CORE_ONLY_SHOW_ERRORS="true",
        AZURE_CORE_OUTPUT="json",
        PYTHONPATH=str(LOOPBACK_ONLY),
        AZLAB_AZ_OFF_LOOPBACK_LOG=str(log),
    )
    for name, value in PROXIES.items():
        env[name] = env[name.lower()] = value
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


@dataclass(frozen=True)
class Finished:
    code: int | None  # None: killed at the time limit
    out: str
    err: str


def run_limited(argv: list[str], env: Mapping[str, str], limit_s: float) -> Finished:
    """Run argv in a process group of its own; past `limit_s` the whole group is killed, so
    nothing it started can keep the pipes open and the run waiting."""
    with subprocess.Popen(
        argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            out, err = process.communicate(timeout=limit_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            out, err = process.communicate()
            return Finished(None, out, err)
        return Finished(process.returncode, out, err)


def run_all(az: Path, folder: Path, budget_s: float = BUDGET_S) -> list[Outcome]:
    """Every command in COMMANDS, in order, against one fresh sandbox."""
    outcomes = []
    work = folder / "work"
    work.mkdir(parents=True)
    deadline = time.monotonic() + budget_s
    with sandbox(folder / "sandbox") as exports:
        log = folder / "off-loopback.log"
        env = az_environment(exports, folder / "az-config", log)
        values = placeholders(exports, work)
        secrets: dict[str, str] = {}
        for command in COMMANDS:
            left = deadline - time.monotonic()
            if left <= 0:
                outcomes.append(
                    Outcome(command, False, f"not run: the run's {budget_s:.0f} s are spent")
                )
                continue
            try:
                argv = [_fill(word, values) for word in shlex.split(command.line)]
            except KeyError as missing:
                outcomes.append(Outcome(command, False, f"no {missing} from an earlier command"))
                continue
            argv[0] = str(az)
            log.write_text("")
            started = time.monotonic()
            done = run_limited(argv, env, min(TIMEOUT_S, left))
            seconds = time.monotonic() - started
            refused = tuple(dict.fromkeys(log.read_text().splitlines()))
            if done.code is None:
                error = f"killed: no answer in {seconds:.0f} s"
            elif done.code == 0:
                error = ""
                shows = _fill(command.shows, values) if command.shows else ""
                if shows not in done.out:
                    error = f"exit 0, but its output lacks {redact(shows, secrets)!r}"
                elif command.save:
                    values[command.save] = secrets[command.save] = done.out.strip()
            else:
                lines = [ln.strip() for ln in (done.err + done.out).splitlines() if ln.strip()]
                error = redact(lines[0] if lines else f"exit {done.code}", secrets)[:160]
            outcomes.append(Outcome(command, done.code == 0 and not error, error, seconds, refused))
    return outcomes


def table(outcomes: list[Outcome]) -> str:
    rows = ["| # | command | result | s | first error line |", "| --- | --- | --- | --- | --- |"]
    for n, o in enumerate(outcomes, 1):
        result = "ok" if o.ok else "failed"
        if not o.as_expected:
            result += " (UNEXPECTED)"
        error = o.error.replace("|", "\\|")
        if o.off_loopback:
            error += " OFF LOOPBACK (refused): " + ", ".join(o.off_loopback)
        rows.append(f"| {n} | `{o.command.line}` | {result} | {o.seconds:.1f} | {error} |")
    working = sum(o.ok for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    rows.append(f"\n{working} of {len(outcomes)} work; az ran for {seconds:.0f} s in all")
    return "\n".join(rows)


def main() -> int:
    az = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_AZ
    with TemporaryDirectory(prefix="azlab-azcli-") as folder:
        outcomes = run_all(az, Path(folder))
    print(table(outcomes))
    return 0 if all(o.as_expected for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
