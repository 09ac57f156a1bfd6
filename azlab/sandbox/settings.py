"""How the sandbox behaves: latency, operation times, paging, throttling and faults."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from azlab.errors import UsageError
from azlab.sandbox.specs import FaultItem, parse_fault_spec, parse_seconds
from azlab.sandbox.storage.gateway_settings import GatewaySettings


@dataclass(frozen=True)
class Outage:
    """One region whose compute calls all fail for a while (sandbox clock seconds)."""

    region: str  # as ARM spells locations: `eastus`
    seconds: float
    mode: str = "503"  # 503: answered ServiceUnavailable; timeout: held, then dropped

    @property
    def spec(self) -> str:
        return f"{self.region}:{self.seconds:g}s@{self.mode}"


def parse_outage(item: FaultItem) -> Outage:
    """`eastus:10m@503` or `eastus:10m@timeout` (the mode defaults to 503)."""
    region, _, duration = item.rate.partition(":")
    mode = "503" if item.kind == "*" else item.kind
    if not region or not duration or mode not in ("503", "timeout"):
        raise UsageError(
            f"fault {item.text!r}: write outage=REGION:DURATION[@503|@timeout], "
            "such as outage=eastus:10m"
        )
    return Outage(region.replace(" ", "").lower(), parse_seconds(duration), mode)


@dataclass(frozen=True)
class Faults:
    """Injected failures. Rates are probabilities per request (0..1)."""

    # operation kind ("read", "write", "delete", "action", "*") -> rate of 500 / 503 answers
    error_500: dict[str, float] = field(default_factory=dict)
    error_503: dict[str, float] = field(default_factory=dict)
    drop: float = 0.0  # rate of connections closed without an answer
    allocation_failed_vms: frozenset[str] = frozenset()  # VM names whose start fails
    allocation_failed_rate: float = 0.0
    outages: tuple[Outage, ...] = ()
    outage_retry_after: float = 0.0  # Retry-After of an outage's 503s; 0: none
    outage_hang: float = 30.0  # seconds an outage's `timeout` holds a call before dropping it
    # Spot VM names evicted `evict_after` seconds after each start
    evict_vms: frozenset[str] = frozenset()
    evict_after: float = 3600.0
    seed: int = 7

    @classmethod
    def from_dict(cls, value: dict[str, Any]) -> Faults:
        """The inverse of `as_dict`."""
        known = dict(value)
        outages = tuple(
            o if isinstance(o, Outage) else parse_outage(_outage_item(str(o)))
            for o in known.pop("outages", ())
        )
        vms = frozenset(known.pop("allocation_failed_vms", ()))
        evict = frozenset(known.pop("evict_vms", ()))
        return cls(**known, outages=outages, allocation_failed_vms=vms, evict_vms=evict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "error_500": self.error_500,
            "error_503": self.error_503,
            "drop": self.drop,
            "allocation_failed_vms": sorted(self.allocation_failed_vms),
            "allocation_failed_rate": self.allocation_failed_rate,
            "outages": [o.spec for o in self.outages],
            "outage_retry_after": self.outage_retry_after,
            "outage_hang": self.outage_hang,
            "evict_vms": sorted(self.evict_vms),
            "evict_after": self.evict_after,
            "seed": self.seed,
        }


def parse_faults(spec: str) -> Faults:
    """`500=0.1@write,503=0.05,drop=0.01,allocation=dc01|sql01,allocation-rate=0.2,seed=3`,
    `outage=eastus:10m[@503|@timeout],outage-retry-after=1,outage-hang=2s`;
    `evict=edge01|web01,evict-after=30m` evicts those Spot VMs that long after each start."""
    return parse_fault_spec(spec, Faults(), _add_fault)


def _outage_item(text: str) -> FaultItem:
    rate, _, kind = text.partition("@")
    return FaultItem(f"outage={text}", "outage", text, rate, kind or "*")


def _add_fault(faults: Faults, item: FaultItem) -> Faults:
    if item.name == "500":
        return replace(faults, error_500={**faults.error_500, item.kind: float(item.rate)})
    if item.name == "503":
        return replace(faults, error_503={**faults.error_503, item.kind: float(item.rate)})
    if item.name == "drop":
        return replace(faults, drop=float(item.value))
    if item.name == "allocation":
        vms = frozenset(v.lower() for v in item.value.split("|") if v)
        return replace(faults, allocation_failed_vms=vms)
    if item.name == "allocation-rate":
        return replace(faults, allocation_failed_rate=float(item.value))
    if item.name == "outage":
        return replace(faults, outages=(*faults.outages, parse_outage(item)))
    if item.name == "outage-retry-after":
        return replace(faults, outage_retry_after=parse_seconds(item.value))
    if item.name == "outage-hang":
        return replace(faults, outage_hang=parse_seconds(item.value))
    if item.name == "evict":
        vms = frozenset(v.lower() for v in item.value.split("|") if v)
        return replace(faults, evict_vms=vms)
    if item.name == "evict-after":
        return replace(faults, evict_after=parse_seconds(item.value))
    if item.name == "seed":
        return replace(faults, seed=int(item.value))
    raise UsageError(
        f"unknown fault {item.name!r}: use 500, 503, drop, allocation, allocation-rate, "
        "outage, outage-retry-after, outage-hang, evict, evict-after, seed"
    )


@dataclass(frozen=True)
class Settings:
    latency: float = 0.0  # seconds added to every ARM answer
    op_time: float = 0.0  # seconds a long-running operation or power transition takes
    page_size: int = 100
    throttle: str = "off"  # off | azure | xN (Azure's limits scaled by N)
    token_lifetime: float = 0.0  # seconds the tokens it issues last at most; 0: a day
    # The guest agent reports Ready this long (sandbox clock) after its VM reaches running
    # (`azlab sandbox start` makes it 3 s), and never on the VMs `agent_never` names.
    agent_ready_after: float = 0.0
    agent_never: frozenset[str] = frozenset()
    faults: Faults = field(default_factory=Faults)
    storage: GatewaySettings = field(default_factory=GatewaySettings)

    def with_changes(self, changes: dict[str, Any]) -> Settings:
        updated = self
        for key, value in changes.items():
            if key == "latency":
                updated = replace(updated, latency=parse_seconds(value))
            elif key == "op_time":
                updated = replace(updated, op_time=parse_seconds(value))
            elif key == "page_size":
                updated = replace(updated, page_size=max(1, int(value)))
            elif key == "throttle":
                throttle_scale(str(value))
                updated = replace(updated, throttle=str(value))
            elif key == "token_lifetime":
                updated = replace(updated, token_lifetime=max(0.0, parse_seconds(value)))
            elif key == "agent_ready_after":
                updated = replace(updated, agent_ready_after=max(0.0, parse_seconds(value)))
            elif key == "agent_never":
                updated = replace(updated, agent_never=_names(value))
            elif key == "faults":
                faults = parse_faults(value) if isinstance(value, str) else Faults.from_dict(value)
                updated = replace(updated, faults=faults)
            elif key in ("copy_speed", "blob_limits", "storage_faults", "storage_tls"):
                updated = replace(updated, storage=updated.storage.with_changes({key: value}))
            else:
                raise UsageError(f"unknown sandbox setting {key!r}")
        return updated

    def as_dict(self) -> dict[str, Any]:
        return {
            "latency": self.latency,
            "op_time": self.op_time,
            "page_size": self.page_size,
            "throttle": self.throttle,
            "token_lifetime": self.token_lifetime,
            "agent_ready_after": self.agent_ready_after,
            "agent_never": sorted(self.agent_never),
            "faults": self.faults.as_dict(),
            **self.storage.as_dict(),
        }


def _names(value: object) -> frozenset[str]:
    """VM names as `dc01|sql01` or a list, lower-cased."""
    if isinstance(value, str):
        items: list[object] = list(value.split("|"))
    elif isinstance(value, list | tuple | set | frozenset):
        items = list(value)
    else:
        raise UsageError(f"agent_never {value!r}: name VMs as dc01|sql01 or a list")
    return frozenset(str(v).strip().lower() for v in items if str(v).strip())


def throttle_scale(mode: str) -> float | None:
    """None for off; 1.0 for Azure's published limits; N for `xN`."""
    if mode == "off":
        return None
    if mode == "azure":
        return 1.0
    if mode.startswith("x"):
        try:
            scale = float(mode[1:])
        except ValueError:
            scale = 0.0
        if scale > 0:
            return scale
    raise UsageError(f"throttle {mode!r}: use off, azure or xN (Azure's limits times N)")
