"""The sdist and wheel build, pass `twine check`, and the wheel runs on its own.

The build runs on a copy of the checkout's files (what git tracks, and new
files it does not ignore), offline (`--no-isolation`: setuptools comes from the
dev lock). The wheel goes into a fresh virtual environment outside the
checkout (tests/repo/fresh_install.py).
"""

from __future__ import annotations

import email.parser
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.repo.fresh_install import copy_of_checkout, fresh_venv, install_offline
from tests.repo.fresh_install import run as _run

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
VERSION = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M)
PACKAGE_DATA = [
    "azlab/py.typed",
    "azlab/sandbox/storage/azurite_launcher.js",
    "azlab/plan/azlab-plan-v1.json",
]


@dataclass
class Built:
    dist: Path
    wheel: Path
    sdist: Path
    seconds_to_build: float


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    import time

    work = tmp_path_factory.mktemp("build")
    source = copy_of_checkout(work / "src")
    dist = work / "dist"
    started = time.monotonic()
    done = _run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)]
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "deprecated" not in done.stdout + done.stderr, done.stdout[-3000:]
    (wheel,) = dist.glob("azlab-*.whl")
    (sdist,) = dist.glob("azlab-*.tar.gz")
    return Built(dist, wheel, sdist, time.monotonic() - started)


def test_sdist_and_wheel_pass_twine_check(built: Built) -> None:
    assert VERSION is not None
    assert built.wheel.name == f"azlab-{VERSION.group(1)}-py3-none-any.whl"
    done = _run([str(BIN / "twine"), "check", "--strict", str(built.wheel), str(built.sdist)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2, done.stdout


def test_the_wheel_carries_package_data_and_says_which_pythons(built: Built) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        names = set(wheel.namelist())
        (meta_name,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = email.parser.Parser().parsestr(wheel.read(meta_name).decode())
        schema = json.loads(wheel.read("azlab/plan/azlab-plan-v1.json"))
    assert [n for n in PACKAGE_DATA if n not in names] == []
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "node_modules/"))]
    # The schema in the wheel is the one `azlab schema` prints.
    from azlab.plan.schema import plan_json_schema

    assert schema == json.loads(json.dumps(plan_json_schema()))
    assert metadata["Requires-Python"] == ">=3.10"
    tested = {c.rsplit(" ", 1)[-1] for c in metadata.get_all("Classifier", []) if ":: 3." in c}
    assert tested == {"3.10", "3.11", "3.12", "3.13"}
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "azlab = azlab.cli.main:main" in _entry_points(built.wheel)


def _entry_points(wheel_path: Path) -> str:
    with zipfile.ZipFile(wheel_path) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
        return wheel.read(name).decode()


def test_the_sdist_carries_the_example_plan_and_the_change_log(built: Built) -> None:
    import tarfile

    with tarfile.open(built.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    wanted = {"CHANGELOG.md", "LICENSE", "plans/lynclab.yaml", "package.json", *PACKAGE_DATA}
    assert wanted - names == set()


@dataclass
class Installed:
    home: Path  # a folder outside the checkout, the user's
    bin: Path
    env: dict[str, str]

    def azlab(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return _run([str(self.bin / "azlab"), *args], cwd=self.home, env={**self.env, **env})


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    home = tmp_path_factory.mktemp("user")
    assert ROOT not in home.parents
    venv_bin = fresh_venv(home / "venv")
    install_offline(venv_bin, str(built.wheel))
    shutil.copy(ROOT / "plans" / "lynclab.yaml", home / "lynclab.yaml")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AZLAB_", "PYTHON", "VIRTUAL_ENV", "AZURE_"))
    }
    # The user's data folder starts empty: no Azurite until a setting or setup puts one there.
    env |= {"AZLAB_DATA_DIR": str(home / "data"), "LAB_ADMIN_PASSWORD": "placeholder-Pa55"}
    yield Installed(home, venv_bin, env)


def test_installed_azlab_runs_from_its_wheel(installed: Installed) -> None:
    assert VERSION is not None
    done = installed.azlab("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"azlab {VERSION.group(1)}"
    where = _run(
        [str(installed.bin / "python"), "-c", "import azlab; print(azlab.__file__)"],
        cwd=installed.home,
        env=installed.env,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed.home), where.stdout
    done = installed.azlab("validate", "lynclab.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s)" in done.stdout


def _found_azurite(installed: Installed, **env: str) -> str:
    code = "from azlab.sandbox.storage.azurite import find_azurite; print(find_azurite())"
    done = _run(
        [str(installed.bin / "python"), "-c", code],
        cwd=installed.home,
        env={**installed.env, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_installed_sandbox_plans_with_azurite_from_the_setting(installed: Installed) -> None:
    azurite = ROOT / "node_modules" / "azurite"
    if not (azurite / "package.json").exists():
        pytest.skip("Azurite is not installed in the checkout; run `make setup`")
    # Outside the checkout nothing finds the project's node_modules.
    assert _found_azurite(installed) == "None"
    assert _found_azurite(installed, AZLAB_AZURITE_DIR=str(azurite)) == str(azurite)
    done = installed.azlab("--sandbox", "plan", "lynclab.yaml", AZLAB_AZURITE_DIR=str(azurite))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"Plan: \d+ to create, 0 to update, 0 to replace, 0 to delete", done.stdout)
    # A setting that points nowhere is reported, not stepped over.
    wrong = installed.home / "no-azurite-here"
    done = installed.azlab("--sandbox", "plan", "lynclab.yaml", AZLAB_AZURITE_DIR=str(wrong))
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "error: Azurite was not found"
    assert f"AZLAB_AZURITE_DIR={wrong} holds no Azurite package" in done.stderr
    assert "Traceback" not in done.stderr


def test_installed_sandbox_setup_says_what_is_missing(installed: Installed) -> None:
    # No Node.js on PATH: one clear line and a hint, exit 1.
    done = installed.azlab("sandbox", "setup", PATH=str(installed.bin))
    assert done.returncode == 1
    assert done.stderr.startswith("error: Node.js is not installed:"), done.stderr
    assert "hint: install Node.js 18 or later" in done.stderr
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    # npm that may not reach a registry, with an empty cache: npm's reason, in one line.
    done = installed.azlab(
        "sandbox",
        "setup",
        npm_config_offline="true",
        npm_config_cache=str(installed.home / "npm-cache"),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    first = done.stderr.splitlines()
    assert first[0].startswith("installing Azurite 3.37.0 with npm into ")
    assert first[1].startswith("error: npm could not install azurite@3.37.0 into ")
    assert "ENOTCACHED" in first[1]
    assert "hint: check npm's registry and proxy settings" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_pinned_azurite_is_the_one_package_json_names() -> None:
    from azlab.sandbox.storage.azurite_install import AZURITE_VERSION

    node = json.loads((ROOT / "package.json").read_text())
    assert node["dependencies"]["azurite"] == AZURITE_VERSION
