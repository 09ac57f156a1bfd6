"""`${NAME}` in a plan: the fields that take it, the variables a plan may read, their values.

Only the fields in `FIELDS` are substituted, and only from the variables the
plan declares under `vars:` or the fixed set in `FIXED`. Whoever edits a plan
cannot make azlab print an arbitrary environment variable: a reference anywhere
else, or to anything else, is a finding that names the variable and never its
value. Substitution runs on the raw YAML, before the schema and the lints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from azlab.plan.source import PathKey

Path_ = tuple[PathKey, ...]

# Read without being declared: identifiers of the sign-in, never secrets.
FIXED = frozenset({"AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_ID"})

# The fields that take `${NAME}` ("*" is any key of a map, "#" any item of a list), and
# whether a secret variable may go there. A name or a path is no secret (it is in every
# resource id, and everyone who can read the lab sees it), so those take plain ones only.
FIELDS: dict[tuple[str, ...], bool] = {
    ("subscription",): True,
    ("resource_group",): False,
    ("tags", "*"): True,
    ("storage_accounts", "#", "name"): False,
    ("groups", "#", "vms", "#", "admin", "username"): True,
    ("groups", "#", "vms", "#", "admin", "ssh_key_file"): False,
    ("groups", "#", "vms", "#", "tags", "*"): True,
}

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# `$${` is a literal `${`; `${NAME}` a reference; any other `${` is malformed.
_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")
# Parts of a variable name that say it holds a credential, which must be declared secret.
_CREDENTIAL_PARTS = frozenset(
    {"TOKEN", "SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASS", "PAT", "SAS", "CREDENTIAL"}
    | {"CREDENTIALS", "APIKEY", "ACCOUNTKEY", "PRIVATE"}
)
MIN_SECRET = 4  # a shorter value would be found in too much ordinary text to hide it


def field_label(pattern: tuple[str, ...]) -> str:
    """`groups[].vms[].tags.*` for ("groups", "#", "vms", "#", "tags", "*")."""
    text = ""
    for part in pattern:
        text += "[]" if part == "#" else f".{part}"
    return text.lstrip(".")


TAKING = ", ".join(f"`{field_label(p)}`" for p in FIELDS)


@dataclass(frozen=True)
class Variable:
    name: str
    secret: bool = False
    default: str | None = None


@dataclass(frozen=True)
class Problem:
    """A finding about variables, before it has a line: where, code, message, severity."""

    at: Path_
    code: str
    message: str
    error: bool = True
    key: bool = False


@dataclass
class Substitution:
    """What `${...}` did to one plan: problems, and each field it changed."""

    problems: list[Problem] = field(default_factory=list)
    # (what the field says in the file, what it holds now)
    replaced: list[tuple[str, str]] = field(default_factory=list)
    # `${NAME}` -> value, for every declared secret that is set
    secrets: dict[str, str] = field(default_factory=dict)

    def hide(self, text: str) -> str:
        """`text` with every substituted value shown as the file writes it (`${NAME}`)."""
        pairs = [(f"${{{name}}}", value) for name, value in self.secrets.items()]
        for raw, value in self.replaced:
            pairs.append((repr(raw), repr(value)))
            if len(value) >= MIN_SECRET:
                pairs.append((raw, value))
        for raw, value in sorted(pairs, key=lambda p: len(p[1]), reverse=True):
            text = text.replace(value, raw)
        return text


def declared(data: Mapping[str, Any]) -> dict[str, Variable]:
    """The variables under `vars:`, read leniently: the schema reports a bad shape."""
    raw = data.get("vars")
    found: dict[str, Variable] = {}
    if not isinstance(raw, dict):
        return found
    for name, spec in raw.items():
        if not NAME.fullmatch(str(name)):
            continue
        spec = spec if isinstance(spec, dict) else {}
        default = spec.get("default")
        found[str(name)] = Variable(
            str(name), spec.get("secret") is True, default if isinstance(default, str) else None
        )
    return found


def substitute(
    data: dict[str, Any], env: Mapping[str, str], *, require_env: bool = False
) -> Substitution:
    """Replace `${NAME}` in place in the fields that take it; report every other use."""
    variables = declared(data)
    done = Substitution()
    for var in variables.values():
        at: Path_ = ("vars", var.name)
        value = env.get(var.name)
        if var.secret and var.default is not None:
            done.problems.append(
                Problem(
                    (*at, "default"),
                    "AZL070",
                    f"secret variable {var.name} has a default written in the plan; "
                    "set it in the environment instead",
                )
            )
        elif not var.secret and _credential_like(var.name):
            done.problems.append(
                Problem(
                    at,
                    "AZL077",
                    f"variable {var.name} is named like a credential; declare it "
                    f"`{var.name}: {{secret: true}}` so its value is never shown",
                    key=True,
                )
            )
        # A credential declared plain is refused above, and hidden all the same.
        if (var.secret or _credential_like(var.name)) and value:
            if var.secret and len(value) < MIN_SECRET:
                done.problems.append(
                    Problem(
                        at,
                        "AZL079",
                        f"secret variable {var.name} is set to fewer than {MIN_SECRET} "
                        "characters, too short to keep out of output",
                        key=True,
                    )
                )
            else:
                done.secrets[var.name] = value
    for path, container, key, text in _strings(data):
        if path[:1] == ("vars",):
            continue
        pattern = _field(path)
        if pattern is None:
            _refuse(done, path, text)
            continue
        result = _expand(done, path, text, env, variables, FIELDS[pattern], require_env)
        if result is not None and result != text:
            container[key] = result
            done.replaced.append((text, result))
    for path in _keys_with_references(data):
        done.problems.append(
            Problem(
                path,
                "AZL075",
                f"a map key at {_where(path)} holds `${{`; keys do not take variables "
                f"(they go only in {TAKING})",
                key=True,
            )
        )
    return done


def _expand(
    done: Substitution,
    path: Path_,
    text: str,
    env: Mapping[str, str],
    variables: Mapping[str, Variable],
    secret_ok: bool,
    require_env: bool,
) -> str | None:
    """The field's new text, or None when a reference in it cannot be replaced."""
    pieces: list[str] = []
    end = 0
    failed = False
    for match in _TOKEN.finditer(text):
        pieces.append(text[end : match.start()])
        end = match.end()
        token = match.group(0)
        if token == "$${":
            pieces.append("${")
            continue
        name = match.group(1)
        if name is None or not NAME.fullmatch(name):
            done.problems.append(
                Problem(
                    path,
                    "AZL078",
                    f"{_where(path)}: malformed variable reference; write ${{NAME}} (letters, "
                    "digits and _), or $${ for a literal ${",
                )
            )
            failed = True
            continue
        var = variables.get(name)
        if var is None and name not in FIXED:
            done.problems.append(
                Problem(
                    path,
                    "AZL074",
                    f"{_where(path)}: variable {name} is not declared; add it under `vars:` "
                    f"(`{name}: {{}}`, or `{name}: {{secret: true}}`)",
                )
            )
            failed = True
            continue
        if var is not None and var.secret and not secret_ok:
            done.problems.append(
                Problem(
                    path,
                    "AZL076",
                    f"{_where(path)}: secret variable {name} cannot go in a name or path, which "
                    "everyone who can read the lab sees; use a plain variable",
                )
            )
            failed = True
            continue
        value = env.get(name) or (var.default if var is not None else None)
        if not value:
            done.problems.append(
                Problem(
                    path, "AZL071", f"environment variable {name} is not set", error=require_env
                )
            )
            failed = True
            continue
        if var is not None and var.secret and len(value) < MIN_SECRET:
            failed = True  # reported with the declaration (AZL079)
            continue
        pieces.append(value)
    if failed:
        return None
    pieces.append(text[end:])
    return "".join(pieces)


def _refuse(done: Substitution, path: Path_, text: str) -> None:
    if any(m.group(0) != "$${" for m in _TOKEN.finditer(text)):
        names = sorted({m.group(1) for m in _TOKEN.finditer(text) if m.group(1)})
        what = ", ".join(f"${{{n}}}" for n in names if NAME.fullmatch(n)) or "`${`"
        done.problems.append(
            Problem(
                path,
                "AZL075",
                f"{_where(path)} does not take variables ({what}); they go only in {TAKING}",
            )
        )


def _field(path: Path_) -> tuple[str, ...] | None:
    for pattern in FIELDS:
        if len(pattern) == len(path) and all(
            (p == "#" and isinstance(k, int)) or (p == "*" and isinstance(k, str)) or p == k
            for p, k in zip(pattern, path, strict=True)
        ):
            return pattern
    return None


def _credential_like(name: str) -> bool:
    parts = name.upper().split("_")
    return bool(_CREDENTIAL_PARTS & set(parts)) or (len(parts) > 1 and parts[-1] == "KEY")


def _where(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _strings(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any, PathKey, str]]:
    """(path, container, key, text) of every string value that holds `${`."""
    items: list[tuple[PathKey, Any]]
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, value in items:
        if isinstance(value, str):
            if "${" in value:
                yield (*path, key), node, key, value
        else:
            yield from _strings(value, (*path, key))


def _keys_with_references(node: Any, path: Path_ = ()) -> Iterator[Path_]:
    if isinstance(node, dict):
        for key, value in node.items():
            if "${" in str(key) and path[:1] != ("vars",):
                yield (*path, key)
            yield from _keys_with_references(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _keys_with_references(value, (*path, index))


def markdown_rows() -> str:
    """The rows of docs/plan.md's table of the fields that take `${NAME}`."""
    return "".join(
        f"| `{field_label(p)}` | {'yes' if ok else 'no (a name or path)'} |\n"
        for p, ok in FIELDS.items()
    )
