"""``python -m bench [public|gateways|events|district]…`` (``make bench``): run the benchmarks, print the figures.

No pass/fail: the figures go into docs/benchmarks.md, compared as ratios within one run.
``BENCH_SECONDS`` sets the length of each measured load (default 10 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from bench.dataset import District
from bench.district import run_district
from bench.events import run_events
from bench.gateways import run_gateways
from bench.public import run_public

__all__ = ["main"]

SUITES = ("public", "gateways", "events", "district")


def main() -> None:
    """Run the named suites (all by default) and write their figures to ``--out`` as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("suites", nargs="*", help=f"any of {', '.join(SUITES)} (default: all)")
    parser.add_argument("--out", default="bench/last-run.json", help="where the figures are written as JSON")
    args = parser.parse_args()
    unknown = set(args.suites) - set(SUITES)
    if unknown:
        parser.error(f"unknown suite {', '.join(sorted(unknown))}; choose from {', '.join(SUITES)}")
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    figures: dict[str, object] = {"machine": _machine(), "seconds_per_load": seconds}
    for suite in args.suites or SUITES:
        began = time.perf_counter()
        print(f"\n== {suite} ==", flush=True)
        if suite == "public":
            figures["public"] = run_public(seconds=seconds, connections=(50, 1))
        elif suite == "gateways":
            district = District(communities=20, needs=4_000, items=800, organizations=400).arguments()
            runs = run_gateways(seconds=seconds, connections=16, district=district)
            figures["gateways"] = [{"gateway": run.gateway, "operation": run.operation, **run.figures} for run in runs]
            _print_ratios(figures["gateways"])
        elif suite == "events":
            figures["events"] = run_events(count=5_000, rates=[100, 200, 500], seconds=seconds)
            print("\nthe fan-out again, the events service at NICENESS=10 (deploy/settings.md)", flush=True)
            figures["events_niceness_10"] = run_events(count=0, rates=[], seconds=seconds, throughput=False, events_niceness=10)
        else:
            figures["district"] = run_district(District(), seconds=seconds, connections=8)
        print(f"({suite}: {time.perf_counter() - began:.0f} s)", flush=True)
    Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nfigures written to {args.out}")


def _print_ratios(rows: object) -> None:
    """Ours against each peer, operation by operation: RPS ratio and p95 ratio."""
    assert isinstance(rows, list)
    ours = {row["operation"]: row for row in rows if row["gateway"] == "renling" and "rps" in row}
    for row in rows:
        if row["gateway"] == "renling":
            continue
        mine = ours.get(row["operation"])
        if mine is None or "rps" not in row:
            print(f"  renling / {row['gateway']:<12} {row['operation']:<42} not compared: one of the two answered wrong")
            continue
        print(
            f"  renling / {row['gateway']:<12} {row['operation']:<42} "
            f"RPS ×{mine['rps'] / row['rps']:.2f}   p95 ×{mine['p95_ms'] / row['p95_ms']:.2f}   peak memory ×{mine['peak_mib'] / row['peak_mib']:.2f}"
        )


def _machine() -> dict[str, object]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()}


if __name__ == "__main__":
    main()
