"""The plan file, version 1, as typed models.

Shapes only: what a field is and what it may hold. Rules that relate fields
to each other (addresses, references, schedules) are lints, so each can say
exactly what is wrong and where.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from azlab.plan.durations import PATTERN as DURATION_PATTERN
from azlab.plan.durations import parse_duration

Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    WithJsonSchema({"type": "string", "pattern": DURATION_PATTERN}),
]
Name = Annotated[str, Field(min_length=1, max_length=80)]
StorageSku = Literal[
    "Standard_LRS", "Standard_GRS", "Standard_RAGRS", "Standard_ZRS", "Premium_LRS", "Premium_ZRS"
]
DiskSku = Literal[
    "Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS"
]
# The currencies the Retail Prices API answers in.
Currency = Literal[
    "USD", "AUD", "BRL", "CAD", "CHF", "CNY", "DKK", "EUR", "GBP", "INR", "JPY", "KRW", "NOK",
    "NZD", "RUB", "SEK", "TWD",
]  # fmt: skip
DayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# Azure Hybrid Benefit: the licence the VM's Windows is covered by (licenseType).
License = Literal["windows_server", "windows_client"]
CLOCK_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _share(value: object) -> object:
    """`80%` -> 0.8; a plain number is taken as a share already (0.8)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            return value
    return value


Share = Annotated[
    float,
    BeforeValidator(_share),
    Field(gt=0, le=1),
    # `50%`, or a share such as 0.5
    WithJsonSchema({"type": ["string", "number"], "pattern": r"^[0-9]+(\.[0-9]+)?%$"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Naming(_Strict):
    """Optional regular expressions names must match (checked as warnings)."""

    network: str | None = None
    subnet: str | None = None
    storage_account: str | None = None
    group: str | None = None
    vm: str | None = None


class Subnet(_Strict):
    name: Name
    prefix: str


class Network(_Strict):
    name: Name
    location: str | None = None
    address_space: list[str] = Field(min_length=1)
    dns_servers: list[str] = []
    subnets: list[Subnet] = []


class StorageAccount(_Strict):
    name: Name
    sku: StorageSku = "Standard_LRS"
    location: str | None = None
    containers: list[str] = []


class Rule(_Strict):
    at: str = Field(description="Local time HH:MM")
    days: str | list[str] = Field(
        "daily", description="daily | weekdays | weekends | a list such as [mon, tue]"
    )


class Skip(_Strict):
    """Local dates on which start events do not fire: explicit dates and holiday calendars."""

    dates: list[date] = []
    holidays: list[str] = []


def _codes(found: object) -> list[object]:
    return list(found) if isinstance(found, list) else [found]


def _skip(value: object) -> object:
    """`skip:` as a list of dates and {holidays: ...} items, or as one mapping, made a Skip."""
    if isinstance(value, dict):
        if "holidays" in value:
            return {**value, "holidays": _codes(value["holidays"])}
        return value
    if not isinstance(value, list):
        return value
    dates: list[object] = []
    codes: list[object] = []
    for item in value:
        if isinstance(item, dict) and set(item) == {"holidays"}:
            codes += _codes(item["holidays"])
        else:
            dates.append(item)
    return {"dates": dates, "holidays": codes}


_DATES = {"type": "array", "items": {"type": "string", "format": "date"}}
_CODES = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
SkipField = Annotated[
    Skip,
    BeforeValidator(_skip),
    WithJsonSchema(
        {
            "oneOf": [
                {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "string", "format": "date"},
                            {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["holidays"],
                                "properties": {"holidays": _CODES},
                            },
                        ]
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "dates": _DATES,
                        "holidays": _CODES,
                    },
                },
            ]
        }
    ),
]


class Schedule(_Strict):
    name: Name
    timezone: str = Field(description="IANA time zone, e.g. Europe/London")
    start: list[Rule] = []
    stop: list[Rule] = []
    enforce: str = Field("always", description="always, or a duration such as 2h")
    skip: SkipField = Field(
        Skip(),
        description="Local dates on which start events do not fire: a list of dates and "
        "{holidays: US-CA} items, or {dates: [...], holidays: US-CA}",
    )


class OsDisk(_Strict):
    size_gb: int | None = Field(None, ge=1, le=4095)
    sku: DiskSku = "StandardSSD_LRS"
    name: Name | None = Field(
        None,
        description="An existing managed disk the VM boots from (attached, not created from "
        "the image); `azlab migrate` writes it",
    )


class DataDisk(_Strict):
    lun: int = Field(ge=0, le=63)
    size_gb: int = Field(ge=1, le=32767)
    sku: DiskSku = "Standard_LRS"
    name: Name | None = Field(None, description="The managed disk's name; default <vm>-data<lun>")


class Admin(_Strict):
    """How the administrator signs in; secrets are named here, never written here."""

    username: Name
    password_env: str | None = None
    ssh_key_file: str | None = None
    ssh_key_env: str | None = None


class Endpoint(_Strict):
    name: Name
    port: int = Field(ge=1, le=65535)
    protocol: Literal["tcp", "udp"] = "tcp"
    source: str = "VirtualNetwork"
    keepalive: Duration | None = None


class VmParts(_Strict):
    """Names of a VM's network interface, public IP and NSG when they are not azlab's
    `<vm>-nic`, `<vm>-pip` and `<vm>-nsg`: a lab made elsewhere, read by `azlab import`."""

    nic: Name | None = None
    public_ip: Name | None = None
    nsg: Name | None = None


Script = Annotated[
    str,
    Field(
        min_length=1,
        description="Run inside the VM through Azure Run Command: shell on Linux, PowerShell "
        "on Windows; takes no ${VAR} (write $${ for a literal ${)",
    ),
]


class Ready(_Strict):
    """When a started VM counts as up: its guest agent Ready, then `script` exiting 0."""

    script: Script | None = Field(
        None, description="A probe; exit code 0 means ready (without it, the agent alone)"
    )
    timeout: Duration = Field(
        timedelta(minutes=10), description="How long to wait for Ready before reporting NotReady"
    )
    delay: Duration = Field(timedelta(seconds=30), description="The wait between probes")


class Hook(_Strict):
    """A script run inside the VM around a power action."""

    script: Script
    timeout: Duration = Field(timedelta(minutes=5), description="How long the script may run")
    required: bool = Field(
        False,
        description="before_stop only: a failure keeps the VM running (else it is only reported)",
    )


class Guest(_Strict):
    """The health gate and guest hooks a VM or a group declares."""

    ready: Ready | None = Field(
        None, description="What 'started' means before the next tier starts: agent Ready, probe"
    )
    before_stop: Hook | None = Field(None, description="Run before the stop is sent")
    after_start: Hook | None = Field(
        None, description="Run once the VM is Ready, before the next tier starts"
    )


class Vm(Guest):
    name: Name
    size: str
    os: Literal["windows", "linux"]
    image: str = Field(description="publisher:offer:sku:version")
    subnet: str = Field(description="NETWORK/SUBNET")
    location: str | None = Field(None, description="Region; default the group's, then the plan's")
    private_ip: str | None = None
    public_ip: bool = False
    idle_timeout: Duration | None = None
    os_disk: OsDisk = OsDisk()
    data_disks: list[DataDisk] = []
    admin: Admin
    tier: int = Field(0, ge=0, le=99)
    endpoints: list[Endpoint] = []
    tags: dict[str, str] = {}
    parts: VmParts = VmParts()
    priority: Literal["regular", "spot"] = Field(
        "regular",
        description="spot: Azure's spare capacity at a discount; evicted (deallocated) when "
        "Azure needs it back; a change is a replace",
    )
    max_price: float | None = Field(
        None,
        ge=-1,
        description="Spot only: the most to pay per hour in US dollars; -1 (default) pays up "
        "to the pay-as-you-go price and is never evicted for price",
    )
    license: License | None = Field(
        None, description="Azure Hybrid Benefit: windows_server or windows_client (Windows only)"
    )
    hibernate: bool = Field(
        False,
        description="Hibernation enabled; tick and `down` hibernate the VM instead of shutting "
        "it down, so it resumes where it was",
    )
    failsafe_shutdown: str | None = Field(
        None,
        pattern=CLOCK_PATTERN,
        description="HH:MM: Azure's own daily auto-shutdown in the group's time zone, a "
        "backstop should the scheduler fail",
    )


class Group(Guest):
    """`ready`, `before_stop` and `after_start` here apply to every VM that sets none."""

    name: Name
    location: str | None = None
    schedule: str | None = None
    depends_on: list[str] = []
    priority: int = Field(
        0, ge=0, le=99, description="Budget shedding order: the lowest priority stops first"
    )
    vms: list[Vm] = []


VarName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Variable(_Strict):
    """A variable the plan reads from the environment, for `${NAME}` in the fields that take it."""

    secret: bool = Field(
        False, description="Never shown: output writes ${NAME} wherever the value would be"
    )
    default: str | None = Field(None, description="Used when the variable is unset (plain only)")
    description: str | None = None


class Budget(_Strict):
    """A monthly ceiling on the lab's estimated spend, enforced by `azlab tick`."""

    monthly: float = Field(gt=0, description="The month's ceiling, in the plan's currency")
    warn_at: list[Share] = Field([], description="Shares of `monthly` to warn at: [50%, 80%]")
    at_limit: Literal["stop", "shed", "warn"] = Field(
        "stop",
        description="stop: deallocate every group once the month's spend reaches `monthly`; "
        "shed: also stop the lowest-priority groups as soon as the forecast exceeds it; "
        "warn: only warn",
    )


class Ledger(_Strict):
    """Where the spend ledger is kept: one append blob a month in this container."""

    storage_account: Name = Field(description="One of the plan's storage accounts")
    container: str = Field("azlab-spend", pattern=r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")


NotifyEvent = Literal["before_stop", "failure", "deviation", "budget"]


class NotifyChannel(_Strict):
    """Where azlab tells people what the schedule does; the URL is a secret, never written here."""

    name: Name
    kind: Literal["teams", "slack", "webhook"] = Field(
        description="teams: a Workflows webhook (Adaptive Card); slack: an incoming webhook "
        "(blocks); webhook: a JSON POST"
    )
    url_env: str = Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
        description="The environment variable (or Function app setting) holding the URL",
    )
    events: list[NotifyEvent] = ["before_stop", "failure", "deviation", "budget"]
    lead: Duration = Field(
        timedelta(minutes=15), description="How long before a scheduled stop to warn"
    )


class Plan(_Strict):
    version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9-]{1,40}$")
    subscription: str
    resource_group: str
    location: str
    vars: dict[VarName, Variable | None] = Field(
        {},
        description="Variables `${NAME}` may name: NAME: {} or NAME: {secret: true}",
        json_schema_extra={"additionalProperties": False},
    )
    tags: dict[str, str] = {}
    naming: Naming | None = None
    networks: list[Network] = []
    storage_accounts: list[StorageAccount] = []
    schedules: list[Schedule] = []
    groups: list[Group] = []
    currency: Currency = Field("USD", description="Currency prices are read and shown in")
    budget: Budget | None = None
    ledger: Ledger | None = None
    notify: list[NotifyChannel] = []

    def all_vms(self) -> Iterator[tuple[Group, Vm]]:
        for group in self.groups:
            for vm in group.vms:
                yield group, vm

    def vm_location(self, group: Group, vm: Vm | None = None) -> str:
        return (vm.location if vm else None) or group.location or self.location

    def network(self, name: str) -> Network | None:
        return next((n for n in self.networks if n.name.lower() == name.lower()), None)

    def guest(self, group: Group, vm: Vm) -> Guest:
        """The VM's gate and hooks: its own, else its group's."""
        return Guest(
            ready=vm.ready or group.ready,
            before_stop=vm.before_stop or group.before_stop,
            after_start=vm.after_start or group.after_start,
        )

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name), None)
