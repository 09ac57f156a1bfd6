"""The imported plan as YAML: comments where the plan cannot say something, flow style
where plans/*.yaml use it, and ruamel's round-trip types, so `azlab migrate` and a
person can edit it as they would a hand-written plan."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from azlab.importer.build import TIER_NOTE, Imported

_SEXAGESIMAL = re.compile(r"^[0-9]+(:[0-5]?[0-9])+$")
SCHEMA_LINE = "yaml-language-server: $schema=./schema/azlab-plan-v1.json"
# Small mappings written on one line, as plans/lynclab.yaml writes them.
_FLOW = {"tags", "os_disk", "admin", "parts"}
_FLOW_ITEMS = {"subnets", "data_disks", "endpoints", "stop", "start"}
_FLOW_LISTS = {"address_space", "dns_servers", "containers"}


def plan_yaml(imported: Imported, header: Iterable[str] = ()) -> str:
    doc = _commented(imported.plan)
    assert isinstance(doc, CommentedMap)
    lines = [SCHEMA_LINE, *header]
    if imported.unmanaged:
        lines.append("Left unmanaged (the plan cannot express them; azlab never touches them):")
        lines += [f"  {note}" for note in imported.unmanaged]
    doc.yaml_set_start_comment("\n".join(lines))
    _note_named(doc.get("networks"), imported.network_notes, indent=2)
    _note_named(doc.get("storage_accounts"), imported.storage_notes, indent=2)
    for group in doc.get("groups", []):
        vms = group["vms"]
        _note_named(vms, imported.vm_notes, indent=6)
        for vm in vms:
            if vm["name"] in imported.unordered:
                vm.yaml_add_eol_comment(TIER_NOTE, "tier")
                break
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def _note_named(
    seq: CommentedSeq | None, notes: Mapping[str, tuple[str, ...]], *, indent: int
) -> None:
    if not seq:
        return
    for index, item in enumerate(seq):
        found = notes.get(item["name"])
        if found:
            text = "\n".join(f"{item['name']}: {note}" for note in found)
            seq.yaml_set_comment_before_after_key(index, before=text, indent=indent)


def _commented(value: Any, key: str | None = None) -> Any:
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for k, v in value.items():
            mapping[k] = _commented(v, str(k))
        if key in _FLOW or key in _FLOW_ITEMS:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list):
        seq = CommentedSeq(_commented(v, key if key in _FLOW_ITEMS else None) for v in value)
        if key in _FLOW_LISTS:
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and _SEXAGESIMAL.match(value):
        # YAML 1.1, which plans are read as, takes 19:00 for a number (68400).
        return DoubleQuotedScalarString(value)
    return value
