"""The machine and the versions a benchmark run used, recorded next to its figures."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "azlab",
    "azure-core",
    "azure-mgmt-compute",
    "azure-mgmt-network",
    "azure-mgmt-resource",
    "azure-mgmt-storage",
    "azure-storage-blob",
    "azure-identity",
    "aiohttp",
)
NODE_PACKAGES = {"azurite": "azurite", "azcopy": "@azure-tools/azcopy-linux"}


def _first(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line
    except OSError:
        pass
    return None


def machine() -> dict[str, Any]:
    memory_kib = _first("/proc/meminfo", "MemTotal")
    os_name = _first("/etc/os-release", "PRETTY_NAME=")
    return {
        "cores": os.cpu_count(),
        "cpu": _first("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "memory_gib": int(memory_kib.split()[0]) / 1024**2 if memory_kib else None,
        "os": (os_name.split("=", 1)[1].strip('"') if os_name else platform.system()),
        "kernel": platform.release(),
        "load": list(os.getloadavg()),
    }


def _command(*args: str) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    except OSError:
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    for name, package in NODE_PACKAGES.items():
        manifest = ROOT / "node_modules" / package / "package.json"
        try:
            found[name] = str(json.loads(manifest.read_text())["version"])
        except (OSError, ValueError, KeyError):
            found[name] = None
    found["node"] = _command("node", "--version")
    commit = _command("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD")
    if commit and _command("git", "-C", str(ROOT), "status", "--porcelain", "--", "azlab"):
        commit += " with uncommitted changes in azlab/"
    found["azlab_commit"] = commit
    return found
