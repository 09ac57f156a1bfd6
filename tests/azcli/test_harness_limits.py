"""The az harness cannot hang and keeps az on loopback; plain processes, no az needed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.azcli.harness import PROXIES, az_environment, run_limited


def test_a_command_past_its_limit_is_killed_with_what_it_started() -> None:
    # The shell's child keeps the pipes open: killing only the shell would leave the run waiting.
    started = time.monotonic()
    done = run_limited(["sh", "-c", "echo begun; sleep 60 & sleep 60"], {}, 1)
    assert done.code is None
    assert done.out == "begun\n"
    assert time.monotonic() - started < 30


def test_a_command_within_its_limit_keeps_its_exit_code_and_output_apart() -> None:
    argv = [
        sys.executable,
        "-c",
        "import sys; print('out'); print('err', file=sys.stderr); sys.exit(3)",
    ]
    done = run_limited(argv, {}, 60)
    assert (done.code, done.out, done.err) == (3, "out\n", "err\n")


def test_az_gets_the_sandbox_and_the_dead_proxy_not_the_callers_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "https_proxy": "http://proxy.example:8080",
        "ALL_PROXY": "http://proxy.example:8080",
        "no_proxy": "*",
        "IDENTITY_ENDPOINT": "http://elsewhere.example/msi",
        "MSI_ENDPOINT": "http://elsewhere.example/msi",
        "AZURE_CLIENT_ID": "someone",
        "AZLAB_ENDPOINT": "https://127.0.0.1:1",
    }.items():
        monkeypatch.setenv(name, value)
    exports = {
        "AZLAB_ENDPOINT": "https://127.0.0.1:4443",
        "IDENTITY_ENDPOINT": "https://127.0.0.1:4443/msi",
    }
    env = az_environment(exports, tmp_path, tmp_path / "off-loopback.log")
    for name, value in PROXIES.items():
        assert env[name] == env[name.lower()] == value
    assert "ALL_PROXY" not in env and "MSI_ENDPOINT" not in env and "AZURE_CLIENT_ID" not in env
    assert env["AZLAB_ENDPOINT"] == exports["AZLAB_ENDPOINT"]
    assert env["IDENTITY_ENDPOINT"] == exports["IDENTITY_ENDPOINT"]
    assert env["AZURE_CONFIG_DIR"] == str(tmp_path)


GUARD_PROBE = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
for event, args in [
    ("socket.connect", (sock, ("127.0.0.1", 9))),
    ("socket.getaddrinfo", ("localhost", 443, 0, 0, 0)),
    ("socket.connect", (sock, ("192.0.2.10", 443))),
    ("socket.sendto", (sock, ("198.51.100.7", 53))),
    ("socket.getaddrinfo", ("management.azure.com", 443, 0, 0, 0)),
]:
    try:
        sys.audit(event, *args)  # the event alone: nothing is sent, whatever the guard does
        print("allowed", args[1] if event != "socket.getaddrinfo" else args[0])
    except OSError as refused:
        print("refused", refused.strerror.rsplit(": off loopback", 1)[0])
"""


def test_the_loopback_guard_refuses_and_records_anything_beyond_loopback(tmp_path: Path) -> None:
    log = tmp_path / "off-loopback.log"
    env = az_environment({}, tmp_path, log)
    done = run_limited([sys.executable, "-c", GUARD_PROBE], env, 60)
    assert done.code == 0, done.err
    assert done.out.splitlines() == [
        "allowed ('127.0.0.1', 9)",
        "allowed localhost",
        "refused connect 192.0.2.10:443",
        "refused sendto 198.51.100.7:53",
        "refused lookup management.azure.com",
    ]
    assert log.read_text().splitlines() == [
        "connect 192.0.2.10:443",
        "sendto 198.51.100.7:53",
        "lookup management.azure.com",
    ]
