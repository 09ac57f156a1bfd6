"""The benchmark report: rows, targets and marks from a results dict, and prose kept around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.common import summary

MIB = 1024 * 1024


def sample() -> dict[str, Any]:
    return {
        "schema": 1,
        "mode": "full",
        "started": "2026-11-24 02:05 UTC",
        "seconds": 1500.0,
        "load": {"start": [1.5, 1.0, 0.5], "end": [2.5, 2.0, 1.5]},
        "machine": {
            "cores": 2,
            "cpu": "Intel(R) Xeon(R) Processor @ 2.00GHz",
            "memory_gib": 23.5,
            "os": "Debian GNU/Linux 12 (bookworm)",
            "kernel": "6.1.0",
        },
        "versions": {
            "python": "3.11.7",
            "azlab": "0.1.0",
            "azurite": "3.37.0",
            "azcopy": "10.32.2",
        },
        "benchmarks": {
            "validate": {
                "settings": {"vms": 500, "groups": 50, "rounds": 3},
                "validate_s": summary([0.11, 0.12, 0.13]),
                "parse_s": summary([0.03, 0.03, 0.04]),
                "ratio": 4.0,
            },
            "sandbox_throughput": {
                "settings": {"latency": "0", "connections": 32, "requests": 5000, "rounds": 3},
                "get_per_s": summary([2600, 2626, 2700]),
                "put_per_s": summary([900, 950, 990]),
                "needed_per_s": 1000,
                "get_ratio": 2.626,
                "put_ratio": 0.95,
            },
            "reconcile": {
                "settings": {"latency": "20ms", "parallelism": 200, "plan_vms": 200},
                "critical_path_s": summary([3.21, 3.22, 3.23]),
                "apply_s": summary([4.4, 4.5, 4.6]),
                "apply_operations": 402,
                "apply_max_in_flight": 200,
                "apply_ratio": 4.5 / 3.22,
                "noop": {"vms": 500, "requests": 9, "resources": 1002},
                "throttled_apply": {
                    "seconds": 22.9,
                    "operations": 402,
                    "failed": 0,
                    "throttled": 0,
                },
            },
            "tick": {
                "settings": {"vms": 1000, "groups": 50, "classic_vms": 20},
                "critical_path_s": summary([5.0, 5.2, 5.4]),
                "ticks": [{"label": "evening"}, {"label": "morning"}],
                "tick_s": summary([88.0, 92.0]),
                "actions": 1000,
                "bucket_s": 80.0,
                "bound_s": 80.0,
                "ratio": 90.0 / 80.0,
                "throttled": 0,
                "reads_per_round": 1.0,
                "peak_threads": 1,
                "peak_rss_mib": 212.0,
                "rss_after_imports_mib": 120.0,
                "classic_per_vm_s": 1.08,
                "classic_extrapolated_s": 1080.0,
                "classic_ratio": 90.0 / 1080.0,
            },
            "copy": {
                "settings": {
                    "blob_limits": "16MiB/s,500/s",
                    "disk": {"size": 4096 * MIB, "extents": 64, "extent": 8 * MIB},
                },
                "allocated": 512 * MIB,
                "bound_s": 32.0,
                "azlab_s": summary([31.8, 32.5, 33.0]),
                "ratio": 32.5 / 32.0,
                "moved": 512 * MIB,
                "moved_ratio": 1.0,
                "progress_worst_points": 0.8,
                "progress_samples": 190,
                "azcopy_s": {**summary([42.2, 43.0, 44.0]), "ratio": 32.5 / 43.0},
                "loop_s": 256.2,
                "loop_ratio": 32.5 / 256.2,
                "loop_progress_worst_points": 87.5,
            },
            "gateway": {"error": "RuntimeError: the sandbox did not start"},
            "scaling": {
                "settings": {
                    "latency": "20ms",
                    "op_time": "1s",
                    "throttle": "off",
                    "page_size": 1000,
                    "noop_rounds": 3,
                    "tick_rounds": 3,
                },
                "critical_path_s": summary([5.0, 5.2]),
                "points": [
                    {
                        "vms": vms,
                        "noop": {
                            "seconds": summary([0.1 * k, 0.2 * k, 0.3 * k]),
                            "requests": 9,
                            "peak_rss_mib": 100.0 + k,
                        },
                        "tick": {
                            "seconds": summary([5.5 * k]),
                            "ratio": 5.5 * k / 5.2,
                            "requests": 2 * vms + 8,
                            "peak_rss_mib": 120.0 + 2 * k,
                        },
                    }
                    for k, vms in ((1, 100), (2, 1000), (3, 5000))
                ],
            },
        },
    }


def rows(markdown: str) -> dict[str, list[str]]:
    """Table rows by their first cell."""
    found = {}
    for line in markdown.splitlines():
        if line.startswith("| ") and not line.startswith("| ---"):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            found[cells[0]] = cells
    return found


def row(markdown: str, start: str) -> list[str]:
    matches = [cells for name, cells in rows(markdown).items() if name.startswith(start)]
    assert len(matches) == 1, (start, list(rows(markdown)))
    return matches[0]


def test_each_figure_has_its_target_baseline_ratio_and_mark() -> None:
    text = report.render(sample())
    apply = row(text, "`apply` of a 200-VM plan (402 operations)")
    assert apply[1:] == [
        "≤ 1.30x the critical path",
        "critical path (1-VM plan: group, vNet, NIC, VM): median 3.22 s (3.21 s to 3.23 s, 3 runs)",
        "median 4.50 s (4.40 s to 4.60 s, 3 runs)",
        "1.40x",
        "**not met**",
    ]
    noop = row(text, "no-op `plan` of a 500-VM plan")
    assert noop[1] == "≤ 10, whatever the plan's size"
    assert noop[3:] == ["9", "0.009x", "met"]
    tick = row(text, "tick of 1,000 VMs in 50 groups")
    assert tick[1] == "≤ 1.25x the bound"
    assert "= 80.0 s" in tick[2]
    assert tick[4:] == ["1.12x", "met"]
    assert row(text, "tick of 1,000 VMs against the one-at-a-time runbook")[4:] == [
        "0.083x (12x faster)",
        "met",
    ]
    assert row(text, "tick of 1,000 VMs: peak memory")[3:] == ["212 MiB", "1.77x", "met"]
    assert row(text, "`copy`, 512 MiB allocated of a 4,096 MiB VHD, 16MiB/s")[4:] == [
        "1.02x",
        "met",
    ]
    assert row(text, "`copy`, 512 MiB allocated of a 4,096 MiB VHD, against AzCopy")[4:] == [
        "0.76x",
        "met",
    ]
    assert row(text, "`copy`, 512 MiB allocated of a 4,096 MiB VHD: progress")[-1] == "met"


def test_marks_follow_the_targets() -> None:
    marks = {f.name: f.met for f in report.figures(sample())}
    assert marks["sandbox: GET resource group, 32 connections, latency 0"] is True
    assert marks["sandbox: PUT resource group, 32 connections, latency 0"] is False
    assert marks["the same apply with Azure's published throttling on"] is True
    assert report.mark(True) == "met"
    assert report.mark(False) == "**not met**"
    assert report.mark(None) == "—"


def test_a_failed_or_missing_benchmark_is_named_not_dropped_silently() -> None:
    results = sample()
    del results["benchmarks"]["validate"]
    text = report.render(results)
    assert "- gateway: failed: RuntimeError: the sandbox did not start" in text
    assert "- validate: not run" in text
    assert not any(name.startswith("storage gateway") for name in rows(text))


def test_scaling_table_has_a_row_per_size() -> None:
    text = report.render(sample())
    assert row(text, "1,000") == [
        "1,000",
        "median 0.40 s (0.20 s to 0.60 s, 3 runs)",
        "9",
        "102 MiB",
        "11.0 s (1 run)",
        "2.12x",
        "2,008",
        "124 MiB",
    ]
    assert {"100", "5,000"} <= set(rows(text))


def test_machine_versions_and_settings_are_shown() -> None:
    text = report.render(sample())
    assert row(text, "cores")[1] == "2"
    assert row(text, "CPU")[1] == "Intel(R) Xeon(R) Processor @ 2.00GHz"
    assert row(text, "azurite")[1] == "3.37.0"
    assert "- reconcile: latency 20ms; parallelism 200; plan vms 200" in text
    assert "load average 1.5 at the start and 2.5 at the end" in text


PROSE_BEFORE = "# Performance\n\nHand-written introduction.\n\n"
PROSE_AFTER = "\n\n## Why\n\nHand-written explanation.\n"


def test_replacing_the_generated_part_keeps_the_prose() -> None:
    old = f"{PROSE_BEFORE}{report.BEGIN}\nold figures\n{report.END}{PROSE_AFTER}"
    generated = report.render(sample())
    once = report.replace_generated(old, generated)
    assert once.startswith(PROSE_BEFORE + report.BEGIN)
    assert once.endswith(report.END + PROSE_AFTER)
    assert "old figures" not in once
    assert once.count(report.BEGIN) == once.count(report.END) == 1
    assert report.replace_generated(once, generated) == once


def test_a_document_without_markers_gets_the_part_appended() -> None:
    text = report.replace_generated(PROSE_BEFORE, "<!-- bench:begin -->\nx\n<!-- bench:end -->\n")
    assert text.startswith(PROSE_BEFORE.rstrip("\n"))
    assert text.endswith("<!-- bench:end -->\n")


def test_the_docs_hold_one_generated_part() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "performance.md").read_text()
    assert text.count(report.BEGIN) == 1
    assert text.count(report.END) == 1
    assert text.index(report.BEGIN) < text.index(report.END)
