"""Rewriting a plan after a migration: only the moved VM's entry changes; comments stay."""

from __future__ import annotations

import pytest

from azlab.errors import PlanError
from azlab.migrate.planfile import VmEdit, rewrite_text

PLAN = """\
# Lab plan; comments must survive.
version: 1
groups:
  - name: core   # the core group
    vms:
      - name: dc01
        size: Standard_B2ms
        subnet: vnet-a/core     # old subnet
        private_ip: 10.2.0.4
        os_disk:
          size_gb: 127          # keep this comment
        data_disks:
          - lun: 0
            size_gb: 64
          - {lun: 1, size_gb: 8, sku: Premium_LRS}
      - name: web01
        location: eastus
        subnet: vnet-b/web
"""


def test_only_the_moved_entry_changes_and_comments_stay() -> None:
    edit = VmEdit("dc01", "eastus", "vnet-e/core", "10.3.0.4", "dc01-os-e", {0: "d0", 1: "d1"})
    expected = (
        PLAN.replace(
            "vnet-a/core     # old subnet\n        private_ip: 10.2.0.4",
            "vnet-e/core     # old subnet\n        location: eastus\n        private_ip: 10.3.0.4",
        )
        .replace("# keep this comment\n", "# keep this comment\n          name: dc01-os-e\n")
        .replace("size_gb: 64\n", "size_gb: 64\n            name: d0\n")
        .replace("sku: Premium_LRS}", "sku: Premium_LRS, name: d1}")
    )
    assert rewrite_text(PLAN, [edit]) == expected


def test_a_vm_back_in_its_groups_region_loses_its_own_location() -> None:
    edit = VmEdit("web01", None, "vnet-a/web", None, "web01-os", {})
    new = rewrite_text(PLAN, [edit])
    web = new[new.index("- name: web01") :]
    assert "location" not in web
    assert "os_disk: {name: web01-os}" in web


def test_a_vm_missing_from_the_file_is_an_error() -> None:
    with pytest.raises(PlanError, match="no entry for vm ghost"):
        rewrite_text(PLAN, [VmEdit("ghost", None, "a/b", None, "x", {})])
