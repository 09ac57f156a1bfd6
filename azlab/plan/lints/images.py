"""Image references: a marketplace URN apply can send, caught before apply is run."""

from __future__ import annotations

import re
from typing import Any

from azlab.plan.context import LintContext, vm_path

# Azure's publisher, offer and SKU names; a version is `latest` or Major.Minor.Build.
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VERSION = re.compile(r"latest|\d+\.\d+\.\d+")


def image_problem(image: str) -> str | None:
    """Why `image` is not a publisher:offer:sku:version URN, or None when it is one."""
    if image.startswith("/"):
        return "is a resource id; azlab creates VMs from publisher:offer:sku:version only"
    parts = image.split(":")
    if len(parts) != 4:
        return f"is not publisher:offer:sku:version ({len(parts)} part(s), 4 needed)"
    publisher, offer, sku, version = parts
    for label, part in (("publisher", publisher), ("offer", offer), ("sku", sku)):
        if not _PART.fullmatch(part):
            return f"has a malformed {label} {part!r}"
    if not _VERSION.fullmatch(version):
        return f"has version {version!r}; use latest or Major.Minor.Build"
    return None


def image_references(ctx: LintContext) -> None:
    for gi, vi, _, vm in ctx.vms():
        problem = image_problem(vm.image)
        if problem:
            ctx.error(
                "AZL080",
                f"vm {vm.name!r}: image {vm.image!r} {problem}",
                *vm_path(gi, vi, "image"),
            )


RULES: list[Any] = [image_references]
