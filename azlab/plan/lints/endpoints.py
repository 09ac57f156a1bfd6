"""Endpoints: port clashes, keepalives the idle timeout would cut, management ports left open."""

from __future__ import annotations

from datetime import timedelta

from azlab.plan.context import LintContext, Rule, vm_path

AZURE_DEFAULT_IDLE = timedelta(minutes=4)
IDLE_MIN = timedelta(minutes=4)
IDLE_MAX = timedelta(minutes=30)
MANAGEMENT_PORTS = {22: "SSH", 3389: "RDP", 5985: "WinRM", 5986: "WinRM"}
ANY_SOURCE = {"*", "internet", "0.0.0.0/0", "any"}


def endpoints(ctx: LintContext) -> None:
    for gi, vi, _, vm in ctx.vms():
        if vm.idle_timeout is not None and not IDLE_MIN <= vm.idle_timeout <= IDLE_MAX:
            ctx.error(
                "AZL063",
                f"vm {vm.name!r}: idle_timeout must be between 4m and 30m (Azure's range)",
                *vm_path(gi, vi, "idle_timeout"),
            )
        idle = vm.idle_timeout or AZURE_DEFAULT_IDLE
        seen: dict[tuple[int, str], str] = {}
        for ei, endpoint in enumerate(vm.endpoints):
            at = vm_path(gi, vi, "endpoints", ei)
            key = (endpoint.port, endpoint.protocol)
            if key in seen:
                ctx.error(
                    "AZL060",
                    f"vm {vm.name!r}: endpoints {seen[key]!r} and {endpoint.name!r} both use "
                    f"{endpoint.protocol}/{endpoint.port}; the second service cannot bind it",
                    *at,
                    "port",
                )
            else:
                seen[key] = endpoint.name
            if endpoint.keepalive is not None and endpoint.keepalive >= idle:
                ctx.error(
                    "AZL061",
                    f"vm {vm.name!r}: endpoint {endpoint.name!r} sends keepalives every "
                    f"{_say(endpoint.keepalive)}, but idle flows are dropped after {_say(idle)}; "
                    "make the keepalive shorter or raise idle_timeout",
                    *at,
                    "keepalive",
                )
            if endpoint.port in MANAGEMENT_PORTS and endpoint.source.lower() in ANY_SOURCE:
                ctx.warning(
                    "AZL062",
                    f"vm {vm.name!r}: {MANAGEMENT_PORTS[endpoint.port]} port {endpoint.port} "
                    "is open to any source; restrict source to your address range",
                    *at,
                    "source",
                )


def _say(value: timedelta) -> str:
    minutes, seconds = divmod(int(value.total_seconds()), 60)
    return f"{minutes}m" if not seconds else f"{int(value.total_seconds())}s"


RULES: list[Rule] = [endpoints]
