"""A wheel of the running azlab, for an Automation account's Python packages.

Automation imports a package from a wheel URL; the azlab that deploys is the one it
gets. The wheel is built from the installed package's files (pure Python) with its
metadata, deterministically (sorted names, fixed times), so the same azlab gives the
same digest and a second deploy imports nothing.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

from azlab import __version__

_EPOCH = (1980, 1, 1, 0, 0, 0)
_SKIP = ("__pycache__",)


def wheel_name(version: str = __version__) -> str:
    return f"azlab-{version.replace('-', '_')}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _metadata(version: str) -> bytes:
    try:
        requires = metadata.requires("azlab") or []
    except metadata.PackageNotFoundError:
        requires = []
    lines = ["Metadata-Version: 2.1", "Name: azlab", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires if "extra ==" not in r]
    return ("\n".join(lines) + "\n").encode()


def build_wheel(package_dir: Path | None = None, version: str = __version__) -> bytes:
    """The wheel's bytes: every file of the azlab package, METADATA, WHEEL and RECORD."""
    root = package_dir or Path(__file__).resolve().parents[1]
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not any(part in _SKIP for part in path.parts):
            files[f"azlab/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    info = f"azlab-{version.replace('-', '_')}.dist-info"
    files[f"{info}/METADATA"] = _metadata(version)
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: azlab\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_EPOCH)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return buffer.getvalue()
