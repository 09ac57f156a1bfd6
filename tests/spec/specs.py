"""Microsoft's ARM REST specs (../shared/arm-specs): find an operation by method and path,
and check a request or answer body against its schema.

Swagger 2.0 schemas are JSON Schema draft 4 plus a few extensions; the validator
here reads them as Azure's clients and services do: `$ref`s resolve across files
(a file not stored reads as "any value", and is noted), siblings of a `$ref`
still apply (draft 4 would drop them), a JSON null is accepted unless the schema
says `x-nullable: false`, an enum marked `x-ms-enum.modelAsString` is open (VM
sizes are one), and in a request a `readOnly` property is an error.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2]

# The swagger files of the operations azlab uses, one version per service (see the README there).
SWAGGER_FILES = (
    "compute/resource-manager/Microsoft.Compute/ComputeRP/stable/2025-11-01/ComputeRP.json",
    "compute/resource-manager/Microsoft.Compute/DiskRP/stable/2025-01-02/disk.json",
    "network/resource-manager/Microsoft.Network/stable/2026-01-01/virtualNetwork.json",
    "network/resource-manager/Microsoft.Network/stable/2026-01-01/networkSecurityGroup.json",
    "network/resource-manager/Microsoft.Network/stable/2026-01-01/publicIpAddress.json",
    "network/resource-manager/Microsoft.Network/stable/2026-01-01/networkInterface.json",
    "storage/resource-manager/Microsoft.Storage/stable/2025-08-01/storage.json",
    "storage/resource-manager/Microsoft.Storage/stable/2025-08-01/blob.json",
    "resources/resource-manager/Microsoft.Resources/stable/2025-04-01/resources.json",
    "resources/resource-manager/Microsoft.Resources/stable/2022-12-01/subscriptions.json",
)

# Documentation-only keys that may sit beside a `$ref` without changing what it means.
_DOC_KEYS = {"description", "title", "x-ms-client-name", "x-ms-client-flatten", "example"}


def shared_dir() -> Path | None:
    """The shared data folder: $AZLAB_SHARED, else `shared` beside the repository (or its
    main checkout, for a git worktree)."""
    env = os.environ.get("AZLAB_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    for candidate in candidates:
        if (candidate / "arm-specs" / "specification").is_dir():
            return candidate
    return None


def specs_dir() -> Path | None:
    shared = shared_dir()
    return None if shared is None else shared / "arm-specs"


@dataclass(frozen=True)
class Violation:
    operation: str  # operationId
    side: str  # request | response
    path: str  # JSON path, array indices as [*]
    rule: str  # the schema keyword broken (required, enum, type, readOnly, status, ...)
    detail: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.operation, self.side, self.path, self.rule)

    def __str__(self) -> str:
        return f"{self.operation} {self.side} {self.path}: {self.rule}: {self.detail}"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    uri: str  # file URI of the swagger file
    body_pointer: str | None  # JSON pointer of the body parameter's schema
    body_required: bool
    body_name: str | None
    query: tuple[str, ...]  # names of its query parameters
    responses: Mapping[str, str | None]  # status or "default" -> pointer of its schema
    long_running: bool


def _wrap_refs(node: Any) -> Any:
    """Keep what sits beside a `$ref` (readOnly, x-nullable, ...) by moving the ref into allOf."""
    if isinstance(node, dict):
        out = {k: _wrap_refs(v) for k, v in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and set(out) - {"$ref"} - _DOC_KEYS:
            del out["$ref"]
            out["allOf"] = [{"$ref": ref}, *out.get("allOf", [])]
        return out
    if isinstance(node, list):
        return [_wrap_refs(v) for v in node]
    return node


class Specs:
    """Every operation of the stored swagger files, with validators compiled on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root / "specification"
        self.missing_files: set[str] = set()
        self._docs: dict[str, Any] = {}
        self.registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]
        self.operations: list[Operation] = []
        self._by_id: dict[str, Operation] = {}
        for name in SWAGGER_FILES:
            self._index(self.root / name)
        # Literal paths before templated ones; a `{scope}` that spans segments last.
        self.operations.sort(key=lambda op: (".+" in op.pattern.pattern, -op.template.count("/")))
        self._by_method: dict[str, list[Operation]] = {}
        for op in self.operations:
            self._by_method.setdefault(op.method, []).append(op)
        self._validators: dict[tuple[str, bool], Draft4Validator] = {}
        self._crawled = False

    # loading
    def _doc(self, uri: str) -> Any:
        if uri not in self._docs:
            path = Path(uri.removeprefix("file://"))
            if path.exists():
                self._docs[uri] = _wrap_refs(json.loads(path.read_text(encoding="utf-8")))
            else:
                self.missing_files.add(str(path.relative_to(self.root)))
                self._docs[uri] = None
        return self._docs[uri]

    def _retrieve(self, uri: str) -> Resource[Any]:
        doc = self._doc(uri)
        if doc is None:  # a file not stored: every pointer into it reads as "any value"
            return Resource(contents=_Anything(), specification=DRAFT4)
        return Resource(contents=doc, specification=DRAFT4)

    def _resolve(self, uri: str, trail: list[str], node: Any) -> tuple[str, str, Any]:
        """Follow `$ref`s (of a parameter or response, not a schema) to the target: its file,
        its JSON pointer there, and the object."""
        while isinstance(node, dict) and "$ref" in node:
            target, _, pointer = node["$ref"].partition("#")
            if target:
                uri = "file://" + os.path.normpath(os.path.join(os.path.dirname(uri[7:]), target))
            node = self._doc(uri)
            trail = [p for p in pointer.split("/") if p]
            if node is None:  # in a file not stored
                return uri, "/" + "/".join(trail), {}
            for part in trail:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return uri, "/" + "/".join(trail), node

    def _index(self, path: Path) -> None:
        uri = f"file://{path}"
        doc = self._doc(uri)
        for template, item in doc.get("paths", {}).items():
            at = ["paths", template.replace("~", "~0").replace("/", "~1")]
            for method, op in item.items():
                if method == "parameters":
                    continue
                params = [
                    self._resolve(uri, [*at, "parameters", str(i)], p)
                    for i, p in enumerate(item.get("parameters", []))
                ] + [
                    self._resolve(uri, [*at, method, "parameters", str(i)], p)
                    for i, p in enumerate(op.get("parameters", []))
                ]
                regex = re.escape(template)
                for _uri, _ptr, param in params:
                    if param.get("in") != "path":
                        continue
                    name = re.escape("{" + param["name"] + "}")
                    wide = param.get("x-ms-skip-url-encoding") and param["name"] == "scope"
                    regex = regex.replace(name, ".+" if wide else "[^/]+")
                regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", regex)
                body = next((p for p in params if p[2].get("in") == "body"), None)
                responses: dict[str, str | None] = {}
                for status, answer in op.get("responses", {}).items():
                    ruri, rptr, answer = self._resolve(
                        uri, [*at, method, "responses", status], answer
                    )
                    responses[status] = f"{ruri}#{rptr}/schema" if "schema" in answer else None
                entry = Operation(
                    op["operationId"],
                    method.upper(),
                    template,
                    re.compile(f"^{regex}/?$", re.IGNORECASE),
                    uri,
                    None if body is None else f"{body[0]}#{body[1]}/schema",
                    bool(body and body[2].get("required")),
                    None if body is None else body[2].get("name"),
                    tuple(p[2]["name"] for p in params if p[2].get("in") == "query"),
                    responses,
                    bool(op.get("x-ms-long-running-operation")),
                )
                self.operations.append(entry)
                self._by_id[entry.operation_id] = entry

    # lookup
    def operation(self, operation_id: str) -> Operation:
        return self._by_id[operation_id]

    def find(self, method: str, path: str) -> Operation | None:
        for op in self._by_method.get(method, ()):
            if op.pattern.match(path):
                return op
        return None

    # validation
    def _preload(self) -> None:
        """Put every file the schemas refer to in the registry, crawled once: a registry is
        immutable, so a file it had to fetch would be fetched and crawled again per check."""
        pending = list(self._docs)
        while pending:
            uri = pending.pop()
            for target in _ref_files(self._docs[uri]):
                other = "file://" + os.path.normpath(os.path.join(os.path.dirname(uri[7:]), target))
                if other not in self._docs:
                    self._doc(other)
                    pending.append(other)
        stored = [(u, Resource(contents=d, specification=DRAFT4)) for u, d in self._docs.items()]
        self.registry = self.registry.with_resources(
            (u, r) for u, r in stored if r.contents is not None
        ).crawl()
        self._crawled = True

    def _validator(self, pointer: str, request: bool) -> Draft4Validator:
        key = (pointer, request)
        if not self._crawled:
            self._preload()
        if key not in self._validators:
            cls = _REQUEST if request else _RESPONSE
            self._validators[key] = cls({"$ref": pointer}, registry=self.registry)
        return self._validators[key]

    def check_request(self, op: Operation, body: Any) -> list[Violation]:
        if op.body_pointer is None:
            return []
        if body is None:
            if op.body_required:
                return [Violation(op.operation_id, "request", "$", "required", "no body sent")]
            return []
        return self._check(op, "request", self._validator(op.body_pointer, True), body)

    def check_response(self, op: Operation, status: int, body: Any) -> list[Violation]:
        documented = op.responses.get(str(status), ...)
        if documented is ...:
            if status >= 400 and "default" not in op.responses:
                return []  # ARM may refuse any request; a spec without `default` omits it
            if status < 400:
                listed = ", ".join(sorted(op.responses))
                return [
                    Violation(
                        op.operation_id,
                        "response",
                        "$",
                        "status",
                        f"{status} is not a documented status ({listed})",
                    )
                ]
            documented = op.responses["default"]
        if documented is None or body is None:
            return []
        return self._check(op, "response", self._validator(documented, False), body)

    def _check(
        self, op: Operation, side: str, validator: Draft4Validator, body: Any
    ) -> list[Violation]:
        return [
            Violation(op.operation_id, side, path, rule, detail)
            for path, rule, detail in _errors(validator, body)
        ]


def _ref_files(node: Any) -> Iterator[str]:
    """The other files a document's `$ref`s point into."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            yield ref.partition("#")[0]
        for value in node.values():
            yield from _ref_files(value)
    elif isinstance(node, list):
        for value in node:
            yield from _ref_files(value)


class _Anything(dict[str, Any]):
    def __missing__(self, key: str) -> _Anything:
        return _Anything()


def _errors(validator: Draft4Validator, body: Any) -> Iterator[tuple[str, str, str]]:
    seen: set[tuple[str, str]] = set()
    for error in validator.iter_errors(body):
        parts = ["[*]" if isinstance(p, int) else f".{p}" for p in error.absolute_path]
        rule = str(error.validator)
        if rule == "required" and isinstance(error.validator_value, list):
            missing = re.match(r"'([^']+)'", error.message)
            if missing:
                parts.append(f".{missing.group(1)}")
        path = "$" + "".join(parts)
        if (path, rule) in seen:
            continue
        seen.add((path, rule))
        yield path, rule, error.message[:200]


# Keywords as Azure reads them.
def _type(validator: Any, types: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if instance is None and schema.get("x-nullable") is not False:
        return
    yield from jsonschema._keywords.type(validator, types, instance, schema)


def _enum(validator: Any, enums: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if instance is None and schema.get("x-nullable") is not False:
        return
    if schema.get("x-ms-enum", {}).get("modelAsString"):
        return  # an extensible enum: Azure takes values beyond the listed ones (VM sizes)
    yield from jsonschema._keywords.enum(validator, enums, instance, schema)


def _read_only(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if value is True:
        yield jsonschema.ValidationError("a read-only property is sent")


def _ignore(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
    return iter(())


_base = {"type": _type, "enum": _enum, "format": _ignore}
_REQUEST = jsonschema.validators.extend(Draft4Validator, {**_base, "readOnly": _read_only})
_RESPONSE = jsonschema.validators.extend(Draft4Validator, _base)


@cache
def load() -> Specs | None:
    """The specs, loaded once per process, or None where the shared folder is absent."""
    root = specs_dir()
    return None if root is None else Specs(root)
