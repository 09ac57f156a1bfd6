"""`azlab sandbox start|status|reset|stop` runs a background sandbox that azlab commands use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def azlab(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "azlab", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_start_prints_exports_that_commands_use_and_stop_ends_it(tmp_path: Path) -> None:
    data = tmp_path / "sb"
    started = azlab("sandbox", "start", "--data", str(data), "--op-time", "0s")
    assert started.returncode == 0, started.stderr
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ")
    )
    assert exports["AZLAB_ENDPOINT"].startswith("https://127.0.0.1:")
    assert Path(exports["AZLAB_CA_FILE"]).exists()
    assert exports["AZLAB_PRICES_ENDPOINT"] == exports["AZLAB_ENDPOINT"]  # the Retail Prices API
    # What the az CLI needs: the identity endpoint, its secret, a CA bundle with the sandbox's CA.
    assert (
        exports["IDENTITY_ENDPOINT"].startswith("http://127.0.0.1:") and exports["IDENTITY_HEADER"]
    )
    bundle = Path(exports["REQUESTS_CA_BUNDLE"]).read_text()
    assert Path(exports["AZLAB_CA_FILE"]).read_text() in bundle and bundle.count("BEGIN CERT") > 1
    try:
        env = {**os.environ, **exports}
        status = azlab("sandbox", "status", "--data", str(data), "--output", "json")
        assert json.loads(status.stdout)["running"] is True
        plan = Path(__file__).resolve().parents[2] / "plans" / "lynclab.yaml"
        shown = azlab("plan", str(plan), "--output", "json", env={**env, "LAB_ADMIN_PASSWORD": "x"})
        assert shown.returncode == 0, shown.stderr
        assert any(c["action"] == "create" for c in json.loads(shown.stdout)["changes"])
        assert azlab("sandbox", "reset", "--data", str(data)).returncode == 0
    finally:
        assert azlab("sandbox", "stop", "--data", str(data)).returncode == 0
    assert azlab("sandbox", "status", "--data", str(data)).returncode == 1


def test_bad_option_is_one_clear_line(tmp_path: Path) -> None:
    result = azlab("sandbox", "start", "--data", str(tmp_path), "--throttle", "sometimes")
    assert result.returncode == 2
    assert "throttle 'sometimes'" in result.stderr
    assert "Traceback" not in result.stderr
