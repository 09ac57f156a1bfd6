"""How the storage gateway behaves: async copy speed, per-blob limits, injected faults, TLS."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from azlab.errors import UsageError
from azlab.sandbox.specs import FaultItem, parse_fault_spec, parse_seconds

MIB = 1024 * 1024
# Azure's targets for one standard page blob.
AZURE_BLOB_BYTES_PER_S = 60 * MIB
AZURE_BLOB_REQUESTS_PER_S = 500

# Operation kinds faults can target.
KINDS = ("get", "put-page", "put-page-from-url", "copy", "other", "*")

_SIZE = re.compile(r"^([0-9]*\.?[0-9]+)\s*(b|kib|mib|gib)?(?:/s)?$", re.IGNORECASE)
_UNITS = {"b": 1, "kib": 1024, "mib": MIB, "gib": 1024 * MIB}


def parse_rate(text: str) -> float:
    """`60MiB/s`, `512KiB`, `1048576` -> bytes per second."""
    match = _SIZE.match(text.strip())
    if not match:
        raise UsageError(f"{text!r} is not a rate such as 60MiB/s")
    return float(match.group(1)) * _UNITS[(match.group(2) or "b").lower()]


@dataclass(frozen=True)
class BlobLimits:
    """Per-blob throughput targets; over them the gateway answers 503 ServerBusy."""

    bytes_per_s: float = 0.0  # 0: no limit
    requests_per_s: float = 0.0

    @property
    def on(self) -> bool:
        return self.bytes_per_s > 0 or self.requests_per_s > 0


def parse_limits(spec: str) -> BlobLimits:
    """`off`, `azure` (60 MiB/s and 500 requests/s) or `60MiB/s,500/s`."""
    spec = spec.strip().lower()
    if spec in ("", "off"):
        return BlobLimits()
    if spec == "azure":
        return BlobLimits(AZURE_BLOB_BYTES_PER_S, AZURE_BLOB_REQUESTS_PER_S)
    limits = BlobLimits()
    for part in spec.split(","):
        part = part.strip()
        if re.fullmatch(r"[0-9.]+/s", part):
            limits = replace(limits, requests_per_s=float(part[:-2]))
        else:
            limits = replace(limits, bytes_per_s=parse_rate(part))
    return limits


@dataclass(frozen=True)
class StorageFaults:
    """Rates (0..1) per operation kind of 500 and 503 answers and dropped connections."""

    error_500: dict[str, float] = field(default_factory=dict)
    error_503: dict[str, float] = field(default_factory=dict)
    drop: dict[str, float] = field(default_factory=dict)
    delay: dict[str, float] = field(default_factory=dict)  # seconds added to an answer
    copy_fail: float = 0.0  # share of async copies that fail part way
    seed: int = 11

    def rate(self, table: dict[str, float], kind: str) -> float:
        return table.get(kind, table.get("*", 0.0))


def parse_storage_faults(spec: str) -> StorageFaults:
    """`503=0.1@put-page-from-url,500=0.02,drop=0.01@get,delay=50ms@get,copy-fail=0.5,seed=3`."""
    return parse_fault_spec(spec, StorageFaults(), _add_fault, what="storage fault")


def _add_fault(faults: StorageFaults, item: FaultItem) -> StorageFaults:
    kind, rate = item.kind, item.rate
    if kind not in KINDS:
        raise UsageError(f"storage fault {item.text!r}: the kind is one of {', '.join(KINDS)}")
    if item.name == "500":
        return replace(faults, error_500={**faults.error_500, kind: float(rate)})
    if item.name == "503":
        return replace(faults, error_503={**faults.error_503, kind: float(rate)})
    if item.name == "drop":
        return replace(faults, drop={**faults.drop, kind: float(rate)})
    if item.name == "delay":
        return replace(faults, delay={**faults.delay, kind: parse_seconds(rate)})
    if item.name == "copy-fail":
        return replace(faults, copy_fail=float(rate))
    if item.name == "seed":
        return replace(faults, seed=int(rate))
    raise UsageError(
        f"unknown storage fault {item.name!r}: use 500, 503, drop, delay, copy-fail, seed"
    )


@dataclass(frozen=True)
class GatewaySettings:
    copy_speed: float = 0.0  # bytes/s of an async Copy Blob; 0: done at once, as Azurite does
    limits: BlobLimits = field(default_factory=BlobLimits)
    faults: StorageFaults = field(default_factory=StorageFaults)
    # Accounts report the gateway's HTTPS endpoints (blob and queue), where bearer tokens work;
    # off, they report plain HTTP ones, where the SDKs sign with keys and SAS only.
    tls: bool = False

    def with_changes(self, changes: dict[str, Any]) -> GatewaySettings:
        """Spec strings as the CLI takes them, or the values `as_dict` gives back."""
        updated = self
        for key, value in changes.items():
            if key == "copy_speed":
                speed = 0.0 if str(value) in ("0", "instant", "") else parse_rate(str(value))
                updated = replace(updated, copy_speed=speed)
            elif key == "blob_limits":
                limits = (
                    BlobLimits(**value) if isinstance(value, dict) else parse_limits(str(value))
                )
                updated = replace(updated, limits=limits)
            elif key == "storage_faults":
                faults = (
                    StorageFaults(**value)
                    if isinstance(value, dict)
                    else parse_storage_faults(str(value))
                )
                updated = replace(updated, faults=faults)
            elif key == "storage_tls":
                updated = replace(updated, tls=_flag(value))
            else:
                raise UsageError(f"unknown storage setting {key!r}")
        return updated

    def as_dict(self) -> dict[str, Any]:
        return {
            "copy_speed": self.copy_speed,
            "blob_limits": {
                "bytes_per_s": self.limits.bytes_per_s,
                "requests_per_s": self.limits.requests_per_s,
            },
            "storage_faults": {
                "error_500": self.faults.error_500,
                "error_503": self.faults.error_503,
                "drop": self.faults.drop,
                "delay": self.faults.delay,
                "copy_fail": self.faults.copy_fail,
                "seed": self.faults.seed,
            },
            "storage_tls": self.tls,
        }


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "1", "yes"):
        return True
    if text in ("off", "false", "0", "no", ""):
        return False
    raise UsageError(f"storage_tls {value!r}: use on or off")
