"""Read a plan file: YAML with positions, `${NAME}` substitution, the schema, then every lint.

`check_plan` never raises for a problem in the plan: it returns findings.
`load_plan` returns the typed plan, or raises `PlanError` listing the errors.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from azlab import redact
from azlab.errors import PlanError
from azlab.plan.context import LintContext
from azlab.plan.findings import Finding, Severity, errors
from azlab.plan.keyfiles import KeyPlaces
from azlab.plan.lints import RULES
from azlab.plan.lints.admin import key_files
from azlab.plan.model import Plan
from azlab.plan.secrets import secret_keys
from azlab.plan.source import Document, PathKey, YamlSyntaxError, position, read_yaml
from azlab.plan.variables import Substitution, substitute

# Where each kind of named resource sits in the file, for messages that cite a line.
_NAMED = {
    "network": ("networks",),
    "storage_account": ("storage_accounts",),
    "schedule": ("schedules",),
    "group": ("groups",),
}


@dataclass
class LoadedPlan:
    path: Path
    plan: Plan
    doc: Document
    findings: list[Finding] = field(default_factory=list)
    # Where apply may read ssh_key_file from: the plan's folder, ~/.ssh, --allow-key-path.
    key_places: KeyPlaces | None = None

    @property
    def keys(self) -> KeyPlaces:
        return self.key_places or KeyPlaces.for_plan(self.path)

    def line_of(self, *keys: PathKey) -> int:
        return position(self.doc, keys)[0]

    def locate(self, kind: str, name: str) -> tuple[int, int]:
        """Line and column of a named resource: network, subnet, storage_account,
        container, schedule, group or vm. Raises LookupError when there is none."""
        wanted = name.lower()
        plan = self.plan
        if kind == "vm":
            for gi, group in enumerate(plan.groups):
                for vi, vm in enumerate(group.vms):
                    if vm.name.lower() == wanted:
                        return position(self.doc, ("groups", gi, "vms", vi, "name"))
        elif kind == "subnet":
            net_name, _, sub_name = wanted.partition("/")
            for ni, net in enumerate(plan.networks):
                for si, sub in enumerate(net.subnets):
                    if net.name.lower() == net_name and sub.name.lower() == sub_name:
                        return position(self.doc, ("networks", ni, "subnets", si, "name"))
        elif kind == "container":
            account_name, _, container = wanted.partition("/")
            for ai, account in enumerate(plan.storage_accounts):
                if account.name.lower() == account_name and container in account.containers:
                    index = account.containers.index(container)
                    return position(self.doc, ("storage_accounts", ai, "containers", index))
        elif kind in _NAMED:
            items = getattr(plan, _NAMED[kind][0])
            for index, item in enumerate(items):
                if item.name.lower() == wanted:
                    return position(self.doc, (_NAMED[kind][0], index, "name"))
        raise LookupError(f"no {kind} named {name!r} in {self.path}")

    def locate_vm(self, name: str) -> tuple[int, int]:
        return self.locate("vm", name)

    def cite(self, kind: str, name: str) -> str:
        """`path:line` of a named resource, or just the path."""
        try:
            return f"{self.path}:{self.locate(kind, name)[0]}"
        except LookupError:
            return str(self.path)


def check_plan(
    path: Path,
    *,
    require_env: bool = False,
    env: Mapping[str, str] | None = None,
    allow_key_paths: Sequence[Path] | None = None,
) -> list[Finding]:
    """Every finding for one plan file, sorted by position.

    With `allow_key_paths` (possibly empty), ssh_key_file is checked too: where it
    lies (the plan's folder, ~/.ssh or one of these) and, when it exists, what it holds.
    """
    return _read(path, require_env=require_env, env=env, allow_key_paths=allow_key_paths)[1]


def load_plan(
    path: Path,
    *,
    require_env: bool = False,
    env: Mapping[str, str] | None = None,
    allow_key_paths: Sequence[Path] | None = None,
) -> LoadedPlan:
    loaded, findings = _read(
        path, require_env=require_env, env=env, allow_key_paths=allow_key_paths
    )
    problems = errors(findings)
    if problems or loaded is None:
        listing = "\n".join(str(f) for f in problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PlanError(
            f"{path} has {len(problems)} error(s):\n{listing}{more}",
            hint=f"run `azlab validate {path}` to see every finding",
        )
    return loaded


MAX_PLAN_BYTES = 4 * 2**20  # a 5,000-VM plan is well under 2 MiB


def _read(
    path: Path,
    *,
    require_env: bool,
    env: Mapping[str, str] | None,
    allow_key_paths: Sequence[Path] | None,
) -> tuple[LoadedPlan | None, list[Finding]]:
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_PLAN_BYTES:
            message = (
                f"the file is {size / 2**20:.1f} MiB; a plan is at most "
                f"{MAX_PLAN_BYTES // 2**20} MiB (split the lab into several plans)"
            )
            return None, [Finding(name, 1, 1, "error", "AZL001", message)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Finding(name, 1, 1, "error", "AZL001", f"cannot read file: {exc.strerror}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text: byte 0x{raw[exc.start]:02x} (save the file as UTF-8)"
        return None, [Finding(name, line, col, "error", "AZL001", message)]
    try:
        doc = read_yaml(text)
    except YamlSyntaxError as exc:
        return None, [Finding(name, exc.line, exc.col, "error", "AZL001", f"YAML syntax: {exc}")]
    if not isinstance(doc.data, dict):
        return None, [Finding(name, 1, 1, "error", "AZL003", "a plan is a YAML mapping")]

    findings: list[Finding] = []
    secret_paths: set[tuple[PathKey, ...]] = set()
    for at, key in secret_keys(doc.data):
        secret_paths.add(at)
        line, col = position(doc, at, value=False)
        findings.append(
            Finding(
                name,
                line,
                col,
                "error",
                "AZL070",
                f"{key!r} holds a secret in the plan; name an environment variable "
                "(password_env, ssh_key_env) or a key file (ssh_key_file) instead",
            )
        )
    substituted = substitute(doc.data, os.environ if env is None else env, require_env=require_env)
    for name_, value in substituted.secrets.items():
        redact.remember(value, f"${{{name_}}}")
    for problem in substituted.problems:
        line, col = position(doc, problem.at, value=not problem.key)
        severity: Severity = "error" if problem.error else "warning"
        findings.append(Finding(name, line, col, severity, problem.code, problem.message))

    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as exc:
        findings += _schema_findings(name, doc, exc, secret_paths)
        return None, _hidden(findings, substituted)
    ctx = LintContext(plan, doc, name)
    for rule in RULES:
        rule(ctx)
    places = KeyPlaces.for_plan(path, allow_key_paths or ())
    if allow_key_paths is not None:
        key_files(ctx, places)
    findings = _hidden(findings + ctx.findings, substituted)
    return LoadedPlan(path, plan, doc, findings, places), findings


def _hidden(findings: list[Finding], substituted: Substitution) -> list[Finding]:
    """Sorted, and each message shows a substituted field as the file writes it (`${NAME}`)."""
    shown = {replace(f, message=substituted.hide(f.message)) for f in findings}
    return sorted(shown)


def _schema_findings(
    name: str, doc: Document, exc: ValidationError, secret_paths: set[tuple[PathKey, ...]]
) -> list[Finding]:
    found: list[Finding] = []
    seen: set[tuple[PathKey, ...]] = set()
    for error in exc.errors():
        loc = tuple(p for p in error["loc"] if isinstance(p, int | str))
        kind = error["type"]
        if kind == "extra_forbidden" and loc in secret_paths:
            continue
        # A union (days: str | list) reports once per alternative; once is enough.
        trimmed = _existing(doc.data, loc)
        if trimmed in seen and kind != "missing":
            continue
        seen.add(trimmed)
        where = ".".join(str(p) for p in loc) or "(top level)"
        if kind == "extra_forbidden":
            line, col = position(doc, loc, value=False)
            code, message = "AZL002", f"unknown key {loc[-1]!r} at {where}"
        elif kind == "missing":
            line, col = position(doc, loc[:-1])
            code, message = "AZL004", f"missing field {loc[-1]!r} at {where}"
        else:
            line, col = position(doc, loc)
            code, message = "AZL003", f"{where}: {error['msg']}"
        found.append(Finding(name, line, col, "error", code, message))
    return found


def _existing(doc: Any, loc: tuple[PathKey, ...]) -> tuple[PathKey, ...]:
    node = doc
    kept: list[PathKey] = []
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        kept.append(key)
    return tuple(kept)
