"""Replay one of Microsoft's REST API examples against the sandbox.

The example's subscription becomes the sandbox's; placeholders in resource ids
(`{existing-nic-name}`) become plain names. What the example refers to (its
resource group, the resources its body points at, the resource a GET or an
action reads) is created first, with the smallest body the sandbox accepts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

from tests.spec.specs import Operation, Specs

_SUBSCRIPTION_SPELLINGS = (
    "{subscription-id}",
    "{subscriptionId}",
    "subid",
    "00000000-0000-0000-0000-000000000000",
)
_ARM_ID = re.compile(r"^/?subscriptions/[^/]+/resourceGroups/[^/]+(/providers/.+)?$", re.IGNORECASE)
PASSWORD = "Sandbox-only-1!"


@dataclass(frozen=True)
class Example:
    name: str  # service folder / file stem
    operation_id: str
    parameters: dict[str, Any]
    responses: dict[str, Any]


def examples(root: Path) -> list[Example]:
    found = []
    for path in sorted((root / "replay").glob("*/*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            Example(
                f"{path.parent.name}/{path.stem}",
                data.get("operationId") or data["x-operationId"],
                data["parameters"],
                data["responses"],
            )
        )
    return found


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def key_paths(value: Any, prefix: str = "$") -> dict[str, str]:
    """Every key path of a JSON value and its type; array elements share the path `[*]`."""
    paths = {prefix: json_type(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            paths.update(key_paths(item, f"{prefix}.{key}"))
    elif isinstance(value, list):
        for item in value:
            paths.update(key_paths(item, f"{prefix}[*]"))
    return paths


def differences(documented: Any, answer: Any) -> list[str]:
    """Documented key paths the answer lacks or holds with another JSON type (the topmost
    one only, where a whole subtree is missing)."""
    have = key_paths(answer)
    out: list[str] = []
    missing: list[str] = []
    for path, kind in key_paths(documented).items():
        if ".tags." in path:
            continue  # tag names are the example's data, not the answer's shape
        if any(path.startswith(m + ".") or path.startswith(m + "[") for m in missing):
            continue
        if path not in have:
            missing.append(path)
            out.append(f"{path}: missing (documented {kind})")
        elif have[path] != kind and kind != "null":
            missing.append(path)
            out.append(f"{path}: documented {kind}, sandbox sent {have[path]}")
    return out


class Replayer:
    """Send one example (and what it needs first) to a sandbox over raw HTTP."""

    def __init__(self, specs: Specs, endpoint: str, ca_file: str, subscription: str, token: str):
        self.specs = specs
        self.endpoint = endpoint
        self.subscription = subscription
        self.http = requests.Session()
        self.ca_file = ca_file
        self.http.headers["Authorization"] = f"Bearer {token}"
        self._prefix = 0
        self.addresses: list[str] = []

    # names
    def substitute(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, str) and value.lower().lstrip("/").startswith("subscriptions/"):
            parts = value.split("/")
            parts[parts.index(next(p for p in parts if p.lower() == "subscriptions")) + 1] = (
                self.subscription
            )
            return "/".join(p[1:-1] if p.startswith("{") and p.endswith("}") else p for p in parts)
        return value

    def path_of(self, op: Operation, params: dict[str, Any]) -> str:
        def fill(found: re.Match[str]) -> str:
            name = found.group(1)
            if name == "subscriptionId":
                return self.subscription
            value = str(params[name])
            return value if name == "scope" else quote(value, safe="")

        return re.sub(r"\{([^}]+)\}", fill, op.template)

    # HTTP
    def send(
        self, method: str, path: str, api_version: str, body: Any = None, query: Any = None
    ) -> requests.Response:
        params = {"api-version": api_version, **(query or {})}
        return self.http.request(
            method, self.endpoint + path, params=params, json=body, timeout=30, verify=self.ca_file
        )

    def put(self, resource_id: str, body: Any, api_version: str) -> None:
        answer = self.send("PUT", resource_id, api_version, body)
        if answer.status_code >= 300:
            raise AssertionError(
                f"could not create {resource_id} first: {answer.status_code} {answer.text[:300]}"
            )

    def exists(self, resource_id: str, api_version: str) -> bool:
        return self.send("GET", resource_id, api_version).status_code == 200

    # prerequisites
    def ensure(self, resource_id: str, location: str) -> None:
        """Create the resource (and what it sits in) unless it exists."""
        resource_id = "/" + resource_id.lstrip("/")
        parts = resource_id.strip("/").split("/")
        group = "/".join(parts[:4])
        if not self.exists("/" + group, "2025-04-01"):
            self.put("/" + group, {"location": location}, "2025-04-01")
        if len(parts) <= 4:
            return
        kind = "/".join(parts[5:6] + parts[6::2]).lower()
        if self.exists(resource_id, _API.get(kind, "2025-01-01")):
            return
        body = self._body(kind, resource_id, location)
        self.put(resource_id, body, _API.get(kind, "2025-01-01"))

    def _next_prefix(self) -> str:
        if self.addresses:  # a static address the example asks for must fit the subnet
            a, b, c, _ = self.addresses[0].split(".")
            return f"{a}.{b}.{c}.0/24"
        self._prefix += 1
        return f"10.0.{self._prefix}.0/24"

    def _space(self) -> str:
        if self.addresses:
            a, b, _, _ = self.addresses[0].split(".")
            return f"{a}.{b}.0.0/16"
        return "10.0.0.0/16"

    def _group_id(self, resource_id: str) -> str:
        return "/".join(resource_id.split("/")[:5])

    def _body(self, kind: str, resource_id: str, location: str) -> Any:
        group = self._group_id(resource_id)
        network = f"{group}/providers/Microsoft.Network"
        if kind == "microsoft.network/virtualnetworks":
            return {
                "location": location,
                "properties": {"addressSpace": {"addressPrefixes": [self._space()]}},
            }
        if kind == "microsoft.network/virtualnetworks/subnets":
            self.ensure(resource_id.rsplit("/", 2)[0], location)
            return {"properties": {"addressPrefix": self._next_prefix()}}
        if kind == "microsoft.network/networkinterfaces":
            subnet = f"{network}/virtualNetworks/prereq-vnet/subnets/prereq-subnet"
            self.ensure(subnet, location)
            return {
                "location": location,
                "properties": {
                    "ipConfigurations": [
                        {"name": "ipconfig1", "properties": {"subnet": {"id": subnet}}}
                    ]
                },
            }
        if kind == "microsoft.network/publicipaddresses":
            return {
                "location": location,
                "sku": {"name": "Standard"},
                "properties": {"publicIPAllocationMethod": "Static"},
            }
        if kind == "microsoft.compute/disks":
            return {
                "location": location,
                "sku": {"name": "Standard_LRS"},
                "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 32},
            }
        if kind == "microsoft.compute/virtualmachines":
            name = resource_id.rsplit("/", 1)[-1]
            nic = f"{network}/networkInterfaces/{name}-nic"
            self.ensure(nic, location)
            return {
                "location": location,
                "properties": {
                    "hardwareProfile": {"vmSize": "Standard_D2s_v3"},
                    "storageProfile": {
                        "imageReference": {
                            "publisher": "MicrosoftWindowsServer",
                            "offer": "WindowsServer",
                            "sku": "2022-datacenter-azure-edition",
                            "version": "latest",
                        },
                        "osDisk": {
                            "createOption": "FromImage",
                            "managedDisk": {"storageAccountType": "Standard_LRS"},
                        },
                    },
                    "osProfile": {
                        "computerName": name[:15],
                        "adminUsername": "azureuser",
                        "adminPassword": PASSWORD,
                    },
                    "networkProfile": {"networkInterfaces": [{"id": nic}]},
                },
            }
        if kind == "microsoft.storage/storageaccounts":
            return {"location": location, "sku": {"name": "Standard_LRS"}, "kind": "StorageV2"}
        if kind == "microsoft.storage/storageaccounts/blobservices/containers":
            self.ensure(resource_id.split("/blobServices/")[0], location)
            return {"properties": {}}
        return {"location": location}

    # the example
    def run(self, example: Example) -> list[str]:
        """Replay it; what differs from the documented answer (empty when it replays as
        documented)."""
        op = self.specs.operation(example.operation_id)
        params = example.parameters
        path = self.path_of(op, params)
        body = self.substitute(params.get(op.body_name)) if op.body_name else None
        location = (body or {}).get("location", "westus") if isinstance(body, dict) else "westus"
        api_version = str(params["api-version"])
        self.addresses = sorted(
            set(re.findall(r'"privateIPAddress": "([0-9.]+)"', json.dumps(body)))
        )
        parts = path.strip("/").split("/")
        if op.method == "PUT" and len(parts) > 8:  # a child: its parent first
            self.ensure("/" + "/".join(parts[:8]), location)
        for ref in sorted(_ids_in(body), key=len):
            if ref.lower() != path.lower() and not ref.lower().startswith(path.lower() + "/"):
                self.ensure(ref, location)
        target = _target_of(op, path)
        if target is not None:
            self.ensure(target, location)
        elif op.operation_id != "ResourceGroups_CreateOrUpdate":
            self.ensure("/".join(path.split("/")[:5]), location)
        query = {
            name: str(params[name]).lower() if isinstance(params[name], bool) else str(params[name])
            for name in op.query
            if name in params and name != "api-version"
        }
        answer = self.send(op.method, path, api_version, body, query)
        documented = example.responses
        if str(answer.status_code) not in documented:
            return [
                f"status {answer.status_code}, documented {', '.join(sorted(documented))}: "
                f"{answer.text[:300]}"
            ]
        expected = documented[str(answer.status_code)].get("body")
        if expected is None:
            return []
        try:
            got = answer.json()
        except ValueError:
            return [f"status {answer.status_code} without a JSON body; documented one"]
        return differences(expected, got)


# api-versions the prerequisites are created with.
_API = {
    "microsoft.network/virtualnetworks": "2026-01-01",
    "microsoft.network/virtualnetworks/subnets": "2026-01-01",
    "microsoft.network/networkinterfaces": "2026-01-01",
    "microsoft.network/publicipaddresses": "2026-01-01",
    "microsoft.network/networksecuritygroups": "2026-01-01",
    "microsoft.compute/disks": "2025-01-02",
    "microsoft.compute/virtualmachines": "2025-11-01",
    "microsoft.storage/storageaccounts": "2025-08-01",
    "microsoft.storage/storageaccounts/blobservices/containers": "2025-08-01",
}


def _ids_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_ids_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_ids_in(v) for v in value)) if value else set()
    if isinstance(value, str) and _ARM_ID.match(value):
        return {value}
    return set()


def _target_of(op: Operation, path: str) -> str | None:
    """The resource an operation reads or acts on and that must exist first (None for a
    create, a list, or the group itself)."""
    if op.method == "PUT":
        return None
    parts = path.strip("/").split("/")
    if op.method == "GET" and len(parts) == 5 and parts[2].lower() == "providers":
        # a list across the subscription: one item in it, in a group of its own
        return f"/subscriptions/{parts[1]}/resourceGroups/listed-rg/providers/{parts[3]}/{parts[4]}/listed1"
    if op.method == "POST":
        parts = parts[:-1]  # the action
    elif op.method == "GET" and len(parts) % 2 and "_List" not in op.operation_id:
        parts = parts[:-1]  # a view of a resource, such as its instanceView
    if len(parts) < 8 or len(parts) % 2:
        if op.method == "GET" and len(parts) >= 7:  # a list: one item in it
            return "/" + "/".join(parts) + "/listed1"
        return None
    return "/" + "/".join(parts)
