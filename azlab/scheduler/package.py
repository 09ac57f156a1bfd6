"""The Function app's package: runbooks/function_app with azlab pinned, and the plan.

The zip is deterministic (sorted names, fixed times and modes), so the same inputs give the
same bytes and the same digest: a second deploy compares digests and sends nothing.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from azlab import __version__
from azlab.errors import UsageError

ENV = "AZLAB_RUNBOOKS_DIR"
APP_FILES = ("function_app.py", "host.json")
_EPOCH = (1980, 1, 1, 0, 0, 0)


def runbooks_dir(env: dict[str, str] | None = None) -> Path:
    """runbooks/ beside the azlab package (a checkout), or the folder AZLAB_RUNBOOKS_DIR names."""
    configured = (os.environ if env is None else env).get(ENV)
    folder = Path(configured) if configured else Path(__file__).resolve().parents[2] / "runbooks"
    if not (folder / "function_app" / "function_app.py").is_file():
        raise UsageError(
            f"no Function app in {folder}/function_app",
            hint=f"set {ENV} to a copy of azlab's runbooks folder",
        )
    return folder


def requirements(version: str = __version__) -> str:
    """requirements.txt: the host installs azlab at the version that deployed it."""
    pin = f"azlab=={version}" if "unknown" not in version else "azlab"
    return f"azure-functions\n{pin}\n"


@dataclass(frozen=True)
class AppPackage:
    data: bytes
    files: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def build_package(app_dir: Path, plan_text: bytes, version: str = __version__) -> AppPackage:
    """The zip the scm endpoint receives: the app's files, requirements.txt, plan.yaml."""
    contents: dict[str, bytes] = {}
    for name in APP_FILES:
        contents[name] = (app_dir / name).read_bytes()
    contents["requirements.txt"] = requirements(version).encode()
    contents["plan.yaml"] = plan_text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(contents):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents[name])
    return AppPackage(buffer.getvalue(), tuple(sorted(contents)))
