"""Every benchmark in one run, its results as JSON and its figures in docs/performance.md.

Run: .venv/bin/python -m benchmarks.suite [--quick] [--only NAME,...] [--docs | --no-docs]
     .venv/bin/python -m benchmarks.suite --render RESULTS.json   (the docs from saved results)

A full run writes benchmarks/results/latest.json, a copy named after its start
time, and the generated part of docs/performance.md. `--quick` (fewer repeats,
smaller sizes) writes benchmarks/results/quick.json and leaves the docs alone
unless `--docs` asks; so does `--only`, to benchmarks/results/partial.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timezone
from importlib import import_module
from pathlib import Path
from typing import Any

from benchmarks import report
from benchmarks.common import note
from benchmarks.environment import ROOT, machine, versions

# Cheap ones first, so a broken setup shows in seconds; copy, the longest, last.
# Each name: its module and the arguments its `measure` takes besides `quick`.
BENCHMARKS: dict[str, tuple[str, dict[str, Any]]] = {
    "validate": ("benchmarks.validate_bench", {}),
    "sandbox_throughput": ("benchmarks.sandbox_throughput", {}),
    "reconcile": ("benchmarks.reconcile_bench", {}),
    "import": ("benchmarks.import_bench", {}),
    "tick": ("benchmarks.tick_bench", {}),
    "scaling": ("benchmarks.scaling_bench", {}),
    "gateway": ("benchmarks.gateway_bench", {}),
    "copy": ("benchmarks.copy_bench", {}),
    # The per-blob limit of a standard page blob, once: above what Azurite serves here,
    # so the gateway benchmark's figure is the ceiling, not the limit (docs say so).
    "copy_60": ("benchmarks.copy_bench", {"limit_mib": 60.0, "rounds": 1}),
}
# What --quick leaves out: copy at 60 MiB/s repeats copy's point with a bigger bound.
NOT_QUICK = {"copy_60"}
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs" / "performance.md"


def run(names: list[str], quick: bool) -> dict[str, Any]:
    began = time.monotonic()
    results: dict[str, Any] = {
        "schema": 1,
        "mode": "quick" if quick else "full",
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "benchmarks": {},
    }
    load_start = results["machine"].pop("load")
    for name in names:
        module_name, arguments = BENCHMARKS[name]
        module = import_module(module_name)
        measure: Callable[..., dict[str, Any]] = module.measure
        describe: Callable[[dict[str, Any]], list[str]] = module.describe
        note(f"{name}: starting")
        start = time.monotonic()
        try:
            result = measure(quick=quick, **arguments)
        except Exception as exc:  # one failing benchmark must not lose the others' figures
            traceback.print_exc()
            result = {"error": f"{type(exc).__name__}: {exc}"}
        result["seconds"] = time.monotonic() - start
        results["benchmarks"][name] = result
        if "error" not in result:
            print("\n".join(describe(result)), flush=True)
        note(f"{name}: {result['seconds']:.0f}s")
    results["seconds"] = time.monotonic() - began
    results["load"] = {"start": load_start, "end": machine()["load"]}
    return results


def write_docs(results: dict[str, Any], source: str) -> None:
    generated = report.render(results, source)
    DOCS.write_text(report.replace_generated(DOCS.read_text(), generated))
    print(f"wrote {DOCS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.suite", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes")
    parser.add_argument("--only", help=f"comma-separated, of: {', '.join(BENCHMARKS)}")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", action="store_true", default=None, help="write the docs")
    docs.add_argument("--no-docs", dest="docs", action="store_false", help="do not write them")
    parser.add_argument("--render", type=Path, metavar="RESULTS", help="only render saved results")
    args = parser.parse_args(argv)

    if args.render:
        write_docs(json.loads(args.render.read_text()), _shown(args.render))
        return 0
    names = list(BENCHMARKS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in BENCHMARKS]
        if unknown:
            parser.error(f"unknown benchmark {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}")
    complete = names == list(BENCHMARKS)
    if args.quick and not args.only:
        names = [n for n in names if n not in NOT_QUICK]

    results = run(names, args.quick)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.quick:
        outputs = [RESULTS / "quick.json"]
    elif not complete:
        outputs = [RESULTS / "partial.json"]
    else:
        stamp = results["started"].replace(" UTC", "").replace(" ", "T").replace(":", "")
        outputs = [RESULTS / "latest.json", RESULTS / f"{stamp}.json"]
    for out in outputs:
        out.write_text(json.dumps(results, indent=1) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")
    wanted = args.docs if args.docs is not None else (complete and not args.quick)
    if wanted:
        # The stamped copy stays where it is; latest.json is replaced by the next run.
        write_docs(results, _shown(outputs[-1]))
    failed = [n for n, b in results["benchmarks"].items() if "error" in b]
    note(f"done in {results['seconds'] / 60:.1f} min" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
