"""What every lint rule gets: the typed plan, its positions, and a way to report."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from azlab.plan.findings import Finding, Severity
from azlab.plan.model import Group, Plan, Vm
from azlab.plan.source import Document, PathKey, position


@dataclass
class LintContext:
    plan: Plan
    doc: Document
    path: str
    findings: list[Finding] = field(default_factory=list)

    def report(
        self, severity: Severity, code: str, message: str, *at: PathKey, key: bool = False
    ) -> None:
        line, col = position(self.doc, at, value=not key)
        self.findings.append(Finding(self.path, line, col, severity, code, message))

    def error(self, code: str, message: str, *at: PathKey, key: bool = False) -> None:
        self.report("error", code, message, *at, key=key)

    def warning(self, code: str, message: str, *at: PathKey, key: bool = False) -> None:
        self.report("warning", code, message, *at, key=key)

    def vms(self) -> Iterator[tuple[int, int, Group, Vm]]:
        """(group index, vm index, group, vm) for every VM."""
        for gi, group in enumerate(self.plan.groups):
            for vi, vm in enumerate(group.vms):
                yield gi, vi, group, vm


Rule = Callable[[LintContext], None]


def vm_path(gi: int, vi: int, *rest: PathKey) -> Sequence[PathKey]:
    return ("groups", gi, "vms", vi, *rest)
