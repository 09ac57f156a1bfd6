"""Markdown for docs/performance.md from the results of `python -m benchmarks.suite`.

Only the part between BEGIN and END is generated; the prose around it is
written by hand and kept as it is when the figures are replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
MIB = 1024 * 1024
AUTOMATION_LIMIT_MIB = 400e6 / MIB  # an Azure Automation sandbox's 400 MB


@dataclass(frozen=True)
class Figure:
    name: str
    target: str
    baseline: str
    measured: str
    ratio: str
    met: bool | None = None  # None: the row has no target of its own


def mark(met: bool | None) -> str:
    return "—" if met is None else "met" if met else "**not met**"


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def median(summary: dict[str, Any], unit: Callable[[float], str] = seconds) -> str:
    """`median 4.50 s (4.38 to 4.62, 5 runs)`: the median with its spread."""
    runs = summary["runs"]
    if len(runs) == 1:
        return f"{unit(runs[0])} (1 run)"
    return (
        f"median {unit(summary['median'])} "
        f"({unit(summary['min'])} to {unit(summary['max'])}, {len(runs)} runs)"
    )


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


def mib_per_s(value: float) -> str:
    return f"{value:.1f} MiB/s"


def validate_figures(r: dict[str, Any]) -> list[Figure]:
    s = r["settings"]
    return [
        Figure(
            f"`validate`, {s['vms']}-VM plan in {s['groups']} groups (parse, schema, every lint)",
            "under 1 s",
            f"bare parse with PyYAML's C loader: {median(r['parse_s'])}",
            median(r["validate_s"]),
            f"{r['ratio']:.1f}x the parse",
            r["validate_s"]["median"] < 1.0,
        )
    ]


def throughput_figures(r: dict[str, Any]) -> list[Figure]:
    s = r["settings"]
    figures = []
    for verb, key in (("GET", "get"), ("PUT", "put")):
        figures.append(
            Figure(
                f"sandbox: {verb} resource group, {s['connections']} connections, latency 0",
                f"≥ {r['needed_per_s']:,}/s",
                f"{r['needed_per_s']:,}/s, what the benchmarks ask at their busiest",
                median(r[f"{key}_per_s"], rate),
                f"{r[f'{key}_ratio']:.1f}x",
                r[f"{key}_ratio"] >= 1.0,
            )
        )
    return figures


def reconcile_figures(r: dict[str, Any]) -> list[Figure]:
    s, noop = r["settings"], r["noop"]
    figures = [
        Figure(
            f"no-op `plan` of a {noop['vms']}-VM plan, with power states: ARM requests",
            "≤ 10, whatever the plan's size",
            f"one GET per resource observed: {noop['resources']:,}",
            str(noop["requests"]),
            f"{noop['requests'] / max(1, noop['resources']):.3f}x",
            noop["requests"] <= 10,
        ),
        Figure(
            f"`apply` of a {s['plan_vms']}-VM plan ({r['apply_operations']} operations), "
            f"parallelism {s['parallelism']}",
            "≤ 1.30x the critical path",
            f"critical path (1-VM plan: group, vNet, NIC, VM): {median(r['critical_path_s'])}",
            median(r["apply_s"]),
            f"{r['apply_ratio']:.2f}x",
            r["apply_ratio"] <= 1.30,
        ),
    ]
    throttled = r.get("throttled_apply")
    if throttled:
        done = throttled["operations"] - throttled["failed"]
        figures.append(
            Figure(
                "the same apply with Azure's published throttling on",
                "all done, no 429",
                f"the apply without throttling: {seconds(r['apply_s']['median'])}",
                f"{seconds(throttled['seconds'])} (1 run), {done} of "
                f"{throttled['operations']} done, {throttled['throttled']} answers of 429",
                f"{throttled['seconds'] / r['apply_s']['median']:.1f}x",
                throttled["failed"] == 0 and throttled["throttled"] == 0,
            )
        )
    return figures


def import_figures(r: dict[str, Any]) -> list[Figure]:
    vms = r["settings"]["vms"]
    return [
        Figure(
            f"`azlab import` of a {vms}-VM resource group: ARM requests",
            "list calls only: a no-op plan's and three more",
            f"no-op `plan` of the same group: {r['noop_requests']}",
            str(r["requests"]),
            f"{r['requests'] / max(1, r['noop_requests']):.2f}x",
            r["requests"] <= r["noop_requests"] + 3,
        ),
        Figure(
            f"`azlab import` of a {vms}-VM resource group: seconds (read, build, write YAML)",
            "≤ 2x the no-op plan",
            f"no-op `plan` of the same group: {median(r['noop_s'])}",
            median(r["import_s"]),
            f"{r['ratio']:.2f}x",
            r["ratio"] <= 2.0,
        ),
    ]


def tick_figures(r: dict[str, Any]) -> list[Figure]:
    s = r["settings"]
    vms = s["vms"]
    big = f"tick of {vms:,} VMs"
    classic = r["classic_extrapolated_s"]
    return [
        Figure(
            f"{big} in {s['groups']} groups of two tiers, throttling on "
            f"(evening and morning, every VM acted on)",
            "≤ 1.25x the bound",
            f"bound: the larger of the critical path (2-VM plan, "
            f"{median(r['critical_path_s'])}) and {r.get('writes', r['actions']):,.0f} writes "
            f"through ARM's bucket ({seconds(r['bucket_s'])}) = {seconds(r['bound_s'])}",
            median(r["tick_s"]),
            f"{r['ratio']:.2f}x",
            r["ratio"] <= 1.25,
        ),
        Figure(
            f"{big} against the one-at-a-time runbook loop",
            "faster",
            f"runbook loop: {r['classic_per_vm_s']:.2f} s per VM over "
            f"{s['classic_vms']} VMs = {seconds(classic)} for {r.get('acted', r['actions']):,.0f}",
            seconds(r["tick_s"]["median"]),
            f"{r['classic_ratio']:.3f}x ({1 / r['classic_ratio']:.0f}x faster)",
            r["classic_ratio"] < 1.0,
        ),
        Figure(
            f"{big}: answers of 429",
            "none",
            "—",
            f"{r['throttled']} in {len(r['ticks'])} ticks",
            "—",
            r["throttled"] == 0,
        ),
        Figure(
            f"{big}: ARM reads per polling round",
            "≤ 2 (one list page holds 1,000 VMs)",
            "one GET per VM waited on, per round",
            f"{r['reads_per_round']:.1f} at most",
            f"{r['reads_per_round'] / max(1, r['actions']):.4f}x",
            r["reads_per_round"] <= 2,
        ),
        Figure(
            f"{big}: peak threads of the client",
            "≤ 4, not one per operation",
            f"{r['actions']:,.0f} operations",
            str(r["peak_threads"]),
            "—",
            r["peak_threads"] <= 4,
        ),
        Figure(
            f"{big}: peak memory of the client",
            f"under {AUTOMATION_LIMIT_MIB:.0f} MiB (an Automation sandbox's 400 MB)",
            f"after imports: {r['rss_after_imports_mib']:.0f} MiB",
            f"{r['peak_rss_mib']:.0f} MiB",
            f"{r['peak_rss_mib'] / r['rss_after_imports_mib']:.2f}x",
            r["peak_rss_mib"] < AUTOMATION_LIMIT_MIB,
        ),
    ]


def copy_figures(r: dict[str, Any]) -> list[Figure]:
    s = r["settings"]
    disk = s["disk"]
    limit = s["blob_limits"].split(",")[0]
    allocated = f"{r['allocated'] / MIB:,.0f} MiB"
    what = f"`copy`, {allocated} allocated of a {disk['size'] / MIB:,.0f} MiB VHD"
    azlab = r["azlab_s"]["median"]
    figures = [
        Figure(
            f"{what}, {limit} per blob",
            "≤ 1.15x the bound",
            f"bound: {allocated} / {limit} = {seconds(r['bound_s'])}",
            median(r["azlab_s"]),
            f"{r['ratio']:.2f}x",
            r["ratio"] <= 1.15,
        ),
        Figure(
            f"{what}: bytes moved",
            "the allocated bytes only",
            f"{allocated} allocated",
            f"{r['moved'] / MIB:,.0f} MiB",
            f"{r['moved_ratio']:.3f}x",
            r["moved"] == r["allocated"],
        ),
    ]
    azcopy = r.get("azcopy_s")
    if azcopy:
        figures.append(
            Figure(
                f"{what}, against AzCopy `--from-to BlobBlob`",
                "not slower",
                f"AzCopy: {median(azcopy)}",
                seconds(azlab),
                f"{azcopy['ratio']:.2f}x",
                azcopy["ratio"] <= 1.0,
            )
        )
    figures += [
        Figure(
            f"{what}, against the async Copy Blob loop polled every second",
            "faster",
            f"the loop: {seconds(r['loop_s'])} (1 run; the service copies the whole blob "
            f"at {limit})",
            seconds(azlab),
            f"{r['loop_ratio']:.2f}x",
            r["loop_ratio"] < 1.0,
        ),
        Figure(
            f"{what}: progress accuracy (reported against true share of allocated bytes)",
            "within 5 points at every sample",
            f"the loop's percentage of the whole blob: off by up to "
            f"{r['loop_progress_worst_points']:.1f} points",
            f"off by {r['progress_worst_points']:.1f} points at most "
            f"({r['progress_samples']} samples)",
            "—",
            r["progress_worst_points"] <= 5.0,
        ),
    ]
    return figures


def gateway_figures(r: dict[str, Any]) -> list[Figure]:
    s = r["settings"]
    return [
        Figure(
            f"storage gateway: Put Page From URL, {s['mib']:,} MiB in {s['request_mib']} MiB "
            f"requests, {s['parallel']} at a time",
            f"≥ {r['target']:.2f}x the upload's speed",
            f"Put Page upload straight to Azurite: {mib_per_s(r['upload_mib_per_s'])} "
            f"({median(r['upload_s'])})",
            f"{mib_per_s(r['copy_mib_per_s'])} ({median(r['copy_s'])})",
            f"{r['ratio']:.2f}x",
            r["ratio"] >= r["target"],
        )
    ]


BUILDERS: dict[str, Callable[[dict[str, Any]], list[Figure]]] = {
    "validate": validate_figures,
    "sandbox_throughput": throughput_figures,
    "reconcile": reconcile_figures,
    "import": import_figures,
    "tick": tick_figures,
    "copy": copy_figures,
    "copy_60": copy_figures,
    "gateway": gateway_figures,
}


def figures(results: dict[str, Any]) -> list[Figure]:
    found: list[Figure] = []
    for name, build in BUILDERS.items():
        bench = results["benchmarks"].get(name)
        if bench and "error" not in bench:
            found += build(bench)
    return found


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join("---" for _ in head) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def scaling_lines(r: dict[str, Any]) -> list[str]:
    s = r["settings"]
    lines = [
        f"Latency {s['latency']}, power operations {s['op_time']}, throttling {s['throttle']} "
        f"(so the figures show azlab's own cost, not ARM's write bucket), page size "
        f"{s['page_size']}; each measurement in a fresh client process. Medians of "
        f"{s['noop_rounds']} no-op plans and {s['tick_rounds']} ticks (evening and morning in "
        f"turn) per size; the tick's baseline is the critical path, a 2-VM plan's tick: "
        f"{median(r['critical_path_s'])}.",
        "",
    ]
    rows = []
    for p in r["points"]:
        noop, tick = p["noop"], p["tick"]
        rows.append(
            [
                f"{p['vms']:,}",
                median(noop["seconds"]),
                str(noop["requests"]),
                f"{noop['peak_rss_mib']:.0f} MiB",
                median(tick["seconds"]),
                f"{tick['ratio']:.2f}x",
                f"{tick['requests']:,}",
                f"{tick['peak_rss_mib']:.0f} MiB",
            ]
        )
    lines += table(
        [
            "VMs",
            "no-op plan: wall",
            "ARM requests",
            "client peak memory",
            "tick: wall",
            "vs critical path",
            "ARM requests",
            "client peak memory",
        ],
        rows,
    )
    return lines


def settings_line(name: str, settings: dict[str, Any]) -> str:
    parts = []
    for key, value in settings.items():
        shown = value
        if isinstance(value, dict):
            shown = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        parts.append(f"{key.replace('_', ' ')} {shown}")
    return f"- {name}: " + "; ".join(parts)


def render(results: dict[str, Any], source: str = "benchmarks/results/latest.json") -> str:
    machine, versions, benches = results["machine"], results["versions"], results["benchmarks"]
    minutes, rest = divmod(round(results["seconds"]), 60)
    load_start, load_end = results["load"]["start"][0], results["load"]["end"][0]
    lines = [
        BEGIN,
        "<!-- Written by `make bench` (benchmarks/suite.py, benchmarks/report.py); "
        "edit those, not this part. -->",
        "",
        "## Figures from the last run",
        "",
        f"`make bench`, {results['mode']} mode, started {results['started']}, "
        f"{minutes} min {rest} s; 1-minute load average {load_start:.1f} at the start and "
        f"{load_end:.1f} at the end on a machine shared with other work. Raw results: "
        f"`{source}`. Every ratio is against a bound or a baseline measured in the same run.",
        "",
    ]
    rows = [
        [f.name, f.target, f.baseline, f.measured, f.ratio, mark(f.met)] for f in figures(results)
    ]
    lines += table(
        ["figure", "target", "baseline or bound (same run)", "measured", "ratio", "result"], rows
    )
    failed = {n: b["error"] for n, b in benches.items() if "error" in b}
    missing = [n for n in BUILDERS if n not in benches]
    if failed or missing:
        lines.append("")
        lines += [f"- {n}: failed: {e}" for n, e in failed.items()]
        lines += [f"- {n}: not run" for n in missing]
    scaling = benches.get("scaling")
    if scaling and "error" not in scaling:
        lines += ["", "### Scaling: no-op plan and tick by lab size", ""]
        lines += scaling_lines(scaling)
    memory = machine.get("memory_gib")
    lines += ["", "### Machine and versions", ""]
    lines += table(
        ["", ""],
        [
            ["cores", str(machine["cores"])],
            ["CPU", machine["cpu"]],
            ["memory", f"{memory:.1f} GiB" if memory else "unknown"],
            ["OS", f"{machine['os']}, Linux {machine['kernel']}"],
            *([name, str(version)] for name, version in versions.items()),
        ],
    )
    lines += ["", "### Settings", ""]
    lines += [settings_line(n, b["settings"]) for n, b in benches.items() if "settings" in b]
    lines += ["", END]
    return "\n".join(lines) + "\n"


def replace_generated(document: str, generated: str) -> str:
    """`document` with the part between the markers replaced; appended if it has none."""
    start, end = document.find(BEGIN), document.find(END)
    if start == -1 or end == -1 or end < start:
        return document.rstrip("\n") + "\n\n" + generated
    return document[:start] + generated.rstrip("\n") + document[end + len(END) :]
