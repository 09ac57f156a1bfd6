"""Where the sandbox looks for Azurite, and what `azlab sandbox setup` does when it is there.

The wheel's own run (outside the checkout, npm offline) is in tests/repo/test_distribution.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from azlab.errors import SandboxError
from azlab.sandbox.storage import azurite_install
from azlab.sandbox.storage.azurite_install import (
    AZURITE_VERSION,
    ENTRY,
    find_azurite,
    install,
    missing_hint,
    user_data_dir,
    version_of,
)

ROOT = Path(__file__).resolve().parents[2]


def fake_azurite(folder: Path, version: str) -> Path:
    (folder / ENTRY).parent.mkdir(parents=True)
    (folder / ENTRY).write_text("// not run\n")
    (folder / "package.json").write_text(json.dumps({"name": "azurite", "version": version}))
    return folder


def test_the_data_folder_follows_the_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AZLAB_DATA_DIR", raising=False)
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    monkeypatch.setattr(azurite_install.sys, "platform", "linux")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert user_data_dir() == tmp_path / ".local" / "share" / "azlab"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert user_data_dir() == tmp_path / "xdg" / "azlab"
    monkeypatch.setattr(azurite_install.sys, "platform", "darwin")
    assert user_data_dir() == tmp_path / "Library" / "Application Support" / "azlab"
    monkeypatch.setattr(azurite_install.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert user_data_dir() == tmp_path / "local" / "azlab"
    monkeypatch.setenv("AZLAB_DATA_DIR", str(tmp_path / "mine"))
    assert user_data_dir() == tmp_path / "mine"
    assert azurite_install.setup_prefix() == tmp_path / "mine" / f"azurite-{AZURITE_VERSION}"


def test_the_setting_comes_first_and_a_wrong_one_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = fake_azurite(tmp_path / "azurite", "3.30.0")
    monkeypatch.setenv("AZLAB_AZURITE_DIR", str(mine))
    assert find_azurite() == mine
    assert version_of(mine) == "3.30.0"
    monkeypatch.setenv("AZLAB_AZURITE_DIR", str(tmp_path / "nothing"))
    assert find_azurite() is None
    assert missing_hint() == (
        f"AZLAB_AZURITE_DIR={tmp_path / 'nothing'} holds no Azurite package (no {ENTRY} in it)"
    )
    monkeypatch.delenv("AZLAB_AZURITE_DIR")
    assert "azlab sandbox setup" in missing_hint()


def test_a_checkout_uses_its_own_node_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    azurite = ROOT / "node_modules" / "azurite"
    if not (azurite / ENTRY).exists():
        pytest.skip("Azurite is not installed in the checkout; run `make setup`")
    monkeypatch.delenv("AZLAB_AZURITE_DIR", raising=False)
    assert find_azurite() == azurite
    assert version_of(azurite) == AZURITE_VERSION


def test_setup_installs_nothing_when_the_pinned_version_is_there(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed")
    monkeypatch.setenv("AZLAB_DATA_DIR", str(tmp_path / "data"))
    pinned = fake_azurite(tmp_path / "pinned", AZURITE_VERSION)
    monkeypatch.setenv("AZLAB_AZURITE_DIR", str(pinned))
    said: list[str] = []
    assert install(said.append) == pinned
    assert said == [f"Azurite {AZURITE_VERSION} is already installed in {pinned}"]
    assert not (tmp_path / "data").exists()


def test_setup_without_node_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(azurite_install.shutil, "which", lambda name: None)
    with pytest.raises(SandboxError) as raised:
        install()
    assert raised.value.message.startswith("Node.js is not installed")
    assert raised.value.hint is not None and "azlab sandbox setup" in raised.value.hint


def test_npm_failures_never_show_registry_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed")
    # An empty cache, no network allowed, and a registry URL that carries a token.
    monkeypatch.setenv("AZLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AZLAB_AZURITE_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("npm_config_offline", "true")
    monkeypatch.setenv("npm_config_cache", str(tmp_path / "cache"))
    monkeypatch.setenv("npm_config_registry", "https://someone:s3cr3t-t0ken@127.0.0.1:9/")
    with pytest.raises(SandboxError) as raised:
        install()
    assert raised.value.message.startswith(f"npm could not install azurite@{AZURITE_VERSION}")
    assert "127.0.0.1:9" in raised.value.message  # npm named the registry it could not use
    assert "s3cr3t-t0ken" not in str(raised.value)
