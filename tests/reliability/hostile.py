"""A corpus of hostile plans, generated from the plan's JSON Schema.

Every leaf field of the schema (strings, and numbers and booleans too) is fed
`${LAB_SECRET}` in a plan that otherwise validates, once with LAB_SECRET
declared secret and once undeclared; map keys and list items too. Hand-made
cases add what a schema walk cannot: secrets where they are allowed (tags, the
admin's name, a GUID subscription), credentials declared plain, an admin
password read from the secret, and key files that point at other files (a
private key, a passwd-like file, a symlink out, `..`), each holding the secret
so that quoting any of it is a leak.
"""

from __future__ import annotations

import copy
import os
import re
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from azlab.plan.schema import plan_json_schema

NAME = "LAB_SECRET"
REF = "${" + NAME + "}"
# Recognisable, and plain enough (letters, digits, a hyphen) to pass any field's checks.
SECRET = f"Hx7q-{secrets.token_hex(10)}"
# What LAB_SECRET is changed to after apply: Azure then holds the old value, which
# only `plan`'s diff could show.
ROTATED = f"Hx7r-{secrets.token_hex(10)}"
SECRET_GUID = str(uuid.uuid4())  # a secret subscription must still be a GUID
PUBLIC_KEY = (
    ed25519.Ed25519PrivateKey.generate()
    .public_key()
    .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    .decode()
    + " lab@example"
)

BASE_TEXT = """\
version: 1
name: hostile
subscription: ${AZURE_SUBSCRIPTION_ID}
resource_group: rg-hostile
location: westus2
tags: {owner: lab}
naming: {network: "^vnet", subnet: "^[a-z]", storage_account: "^st", group: "^[a-z]", vm: "^vm"}
networks:
  - name: vnet-h
    location: westus2
    address_space: [10.9.0.0/16]
    dns_servers: [10.9.0.4]
    subnets: [{name: core, prefix: 10.9.0.0/24}]
storage_accounts:
  - {name: sthostile01, sku: Standard_LRS, location: westus2, containers: [vhds]}
schedules:
  - name: office
    timezone: Europe/London
    start: [{at: "08:00", days: weekdays}]
    stop: [{at: "18:00", days: daily}]
    enforce: always
    skip: [2026-12-25]
groups:
  - name: core
    location: westus2
    schedule: office
    vms:
      - name: vm01
        size: Standard_B2ms
        os: linux
        image: Canonical:ubuntu-24_04-lts:server:latest
        subnet: vnet-h/core
        location: westus2
        private_ip: 10.9.0.4
        public_ip: false
        os_disk: {size_gb: 64, sku: StandardSSD_LRS}
        data_disks: [{lun: 0, size_gb: 32, sku: Standard_LRS}]
        admin: {username: labadmin, ssh_key_env: LAB_SSH_KEY}
        tier: 0
        endpoints: [{name: ssh, port: 22, protocol: tcp, source: VirtualNetwork}]
        tags: {role: app}
"""
BASE: dict[str, Any] = yaml.safe_load(BASE_TEXT)
SCHEMA = plan_json_schema()


def forms(value: str) -> set[str]:
    """A value as output may carry it: as is, URL-encoded, JSON-escaped, repr'd."""
    return {value, quote(value, safe=""), quote(value), repr(value)[1:-1]}


def leaks(text: str) -> list[str]:
    """Every secret of the corpus found in `text`."""
    found = [f"secret {form!r}" for form in forms(SECRET) if form in text]
    found += [f"rotated secret {form!r}" for form in forms(ROTATED) if form in text]
    found += [f"secret subscription {SECRET_GUID}" for _ in [1] if SECRET_GUID in text]
    return found


@dataclass(frozen=True)
class Case:
    name: str
    path: Path
    # A plan that validates cleanly: plan and apply get as far as Azure with it.
    valid: bool = False


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return _resolve(SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]])
    branches = [b for b in node.get("anyOf", []) if b.get("type") != "null"]
    if len(branches) == 1:
        return {**_resolve(branches[0]), **{k: v for k, v in node.items() if k != "anyOf"}}
    return node


def leaves(node: dict[str, Any] | None = None, path: str = "") -> Iterator[str]:
    """Every leaf of the schema, as `groups[].vms[].admin.username`; a map is `tags.*`."""
    node = _resolve(SCHEMA if node is None else node)
    if node.get("type") == "object" and "properties" in node:
        for name, child in node["properties"].items():
            yield from leaves(child, f"{path}.{name}" if path else name)
    elif node.get("type") == "object":
        yield f"{path}.*"  # a map's values
        yield f"{path}.<key>"  # ...and its keys
    elif node.get("type") == "array" and _resolve(node["items"]).get("type") == "object":
        yield from leaves(node["items"], f"{path}[]")
    elif node.get("type") == "array":
        yield f"{path}[]"
    else:
        yield path


def _feed(doc: Any, steps: list[str], value: str) -> None:
    """Set the field at `steps` (created where the base plan leaves it out) to `value`."""
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if not rest:
            doc[:] = [value]
            return
        if not doc:
            doc.append({})
        _feed(doc[0], rest, value)
        return
    if not rest:
        if step == "*":
            doc[next(iter(doc), "k")] = value
        elif step == "<key>":
            doc[value] = doc.pop(next(iter(doc)), "v") if doc else "v"
        else:
            doc[step] = value
        return
    if doc.get(step) is None:
        doc[step] = [] if rest[0] == "[]" else {}
    _feed(doc[step], rest, value)


def _steps(path: str) -> list[str]:
    return [s for s in re.split(r"\.|(\[\])", path) if s]


class Corpus:
    """Writes each case to its own folder, each plan with names no other case uses."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cases: list[Case] = []
        self.outside = root / "outside"
        self.outside.mkdir(parents=True)
        (self.outside / "notes.txt").write_text(f"token={SECRET}\n")
        (self.outside / "id_ed25519.pub").write_text(f"ssh-ed25519 {SECRET} lab@outside\n")

    def add(self, name: str, doc: dict[str, Any], *, valid: bool = False) -> Path:
        n = len(self.cases)
        doc = copy.deepcopy(doc)
        # Unique per case so that all of them can be rehearsed in one sandbox, unless
        # the case itself fed that field.
        for key, unique in (("name", f"h{n:03d}"), ("resource_group", f"rg-h{n:03d}")):
            if doc.get(key) == BASE[key]:
                doc[key] = unique
        for account in doc.get("storage_accounts") or []:
            if isinstance(account, dict) and account.get("name") == "sthostile01":
                account["name"] = f"st{n:03d}hostile"
        folder = self.root / f"case{n:03d}"
        folder.mkdir()
        path = folder / "plan.yaml"
        path.write_text(f"# {name}\n" + yaml.safe_dump(doc, sort_keys=False))
        self.cases.append(Case(name, path, valid))
        return folder

    def build(self) -> list[Case]:
        for leaf in leaves():
            for declared in (True, False):
                doc = copy.deepcopy(BASE)
                if declared:
                    doc["vars"] = {NAME: {"secret": True}}
                if leaf.startswith("vars."):
                    doc.setdefault("vars", {})
                _feed(doc, _steps(leaf), REF)
                self.add(f"{leaf} <- {REF} ({'secret' if declared else 'undeclared'})", doc)
        self._allowed_places()
        self._credentials()
        self._key_files()
        return self.cases

    def _allowed_places(self) -> None:
        """Secrets where a secret may go: valid plans, so plan and apply show them."""
        doc = copy.deepcopy(BASE)
        doc["vars"] = {NAME: {"secret": True}, "SUB": {"secret": True}}
        doc["subscription"] = "${SUB}"
        doc["tags"] = {"owner": REF, "note": f"before-{REF}-after"}
        vm = doc["groups"][0]["vms"][0]
        vm["tags"] = {"role": REF}
        vm["admin"]["username"] = f"u{REF}"
        self.add("secrets in tags, the admin's name and the subscription", doc, valid=True)
        doc = copy.deepcopy(BASE)
        vm = doc["groups"][0]["vms"][0]
        vm["admin"] = {"username": "labadmin", "ssh_key_env": NAME}
        self.add("the SSH key variable names the secret", doc, valid=True)

    def _credentials(self) -> None:
        for plain in ("GITHUB_TOKEN", "ARM_ACCESS_KEY", "DB_PASSWORD"):
            doc = copy.deepcopy(BASE)
            doc["vars"] = {plain: {}}
            doc["tags"] = {"owner": "${" + plain + "}"}
            self.add(f"{plain} declared plain, in a tag", doc)
        doc = copy.deepcopy(BASE)
        doc["vars"] = {NAME: {"secret": True, "default": SECRET}}
        self.add("a secret with its value as a default", doc)
        doc = copy.deepcopy(BASE)
        doc["tags"] = {"token": SECRET}
        self.add("a literal secret under a secret-looking key", doc)

    def _key_files(self) -> None:
        private = (
            f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n-----END OPENSSH PRIVATE KEY-----\n"
        )
        files = {
            "a private key beside the plan": ("id_ed25519", private),
            "a passwd-like file beside the plan": (
                "passwd",
                f"root:x:0:0:{SECRET}:/root:/bin/sh\n",
            ),
            "a public-key-looking line with a secret for its key": (
                "fake.pub",
                f"ssh-ed25519 {SECRET} x\n",
            ),
        }
        for name, (file, content) in files.items():
            doc = self._keyed(file)
            folder = self.add(f"ssh_key_file: {name}", doc)
            (folder / file).write_text(content)
        for name, written in {
            "ssh_key_file: an absolute path out": str(self.outside / "notes.txt"),
            "ssh_key_file: .. out": "../outside/id_ed25519.pub",
            "ssh_key_file: ${LAB_SECRET}": REF,
        }.items():
            doc = self._keyed(written)
            if written == REF:
                doc["vars"] = {NAME: {"secret": True}}
            self.add(name, doc)
        doc = self._keyed("link.pub")
        folder = self.add("ssh_key_file: a symlink out", doc)
        os.symlink(self.outside / "notes.txt", folder / "link.pub")
        doc = self._keyed("id_ed25519")
        folder = self.add("ssh_key_file: a private key, for rehearse (never read)", doc)
        (folder / "id_ed25519").write_text(private)
        doc = self._keyed("id.pub")
        folder = self.add("ssh_key_file: a real public key", doc, valid=True)
        (folder / "id.pub").write_text(PUBLIC_KEY + "\n")

    @staticmethod
    def _keyed(written: str) -> dict[str, Any]:
        doc = copy.deepcopy(BASE)
        doc["groups"][0]["vms"][0]["admin"] = {"username": "labadmin", "ssh_key_file": written}
        return doc


def environment() -> dict[str, str]:
    """The variables a hostile plan would like to print, and what the base plan needs."""
    return {
        NAME: SECRET,
        "SUB": SECRET_GUID,
        "GITHUB_TOKEN": SECRET,
        "ARM_ACCESS_KEY": SECRET,
        "DB_PASSWORD": SECRET,
        "LAB_SSH_KEY": PUBLIC_KEY,
        "AZLAB_LOG_LEVEL": "DEBUG",
    }
