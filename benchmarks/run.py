"""Benchmark slametrics on synthetic logs against the pyarrow floor and per-row business-time code."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

# Run as a script (`python benchmarks/run.py`) or loaded from its path (the smoke test): either
# way the `benchmarks` package beside it has to be importable.
if __package__ in (None, "") and str(Path(__file__).resolve().parents[1]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.phases import LONG_WEEKS, PHASES, POLICY, REPO, WEEK  # noqa: E402
from benchmarks.runner import child, loadavg, machine, run_all, run_phase, save  # noqa: E402
from benchmarks.summary import TARGET_SIZE, TARGETS, render  # noqa: E402

HUGE_SIZE = 10_000_000  # --size-10m: the 10M-ticket / 100M-event log of the issue


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        child(args.phase, json.loads(args.params), args.result, args.profile_out)
        return 0
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": machine(),
        "config": _config(args),
        "load_average_before": loadavg(),
        "baseline": run_phase("noop", {}, out),
        "sizes": {},
    }
    run_all(results, args, out)
    results["load_average_after"] = loadavg()
    save(results, out)
    text = render(results)
    print(text)
    (out / "results.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nresults: {out / 'results.json'}")
    return 1 if _failed(results) else 0


def _config(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "sizes": args.sizes,
        "dask": args.dask,
        "seed": args.seed,
        "repeat": args.repeat,
        "intervals": args.intervals,
        "bdt_sample": args.bdt_sample,
        "alt_sample": args.alt_sample,
        "oracle_sample": args.oracle_sample,
        "policy": str(POLICY.relative_to(REPO)),
        "week": WEEK,
        "targets": TARGETS,
    }


def _failed(results: dict[str, Any]) -> list[str]:
    failed = [k for k, v in results["sizes"].items() for p in v["phases"].values() if "error" in p]
    failed += [k for k in ("business_time", "correctness") if "error" in results.get(k, {})]
    failed += [n for n, p in results.get("long", {}).get("phases", {}).items() if "error" in p]
    return failed


def _sizes(text: str) -> list[int]:
    return [int(float(x.replace("_", ""))) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument(
        "--sizes",
        type=_sizes,
        default=_sizes("10000,100000,1000000"),
        help="tickets per synthetic log, comma-separated (default 10000,100000,1000000)",
    )
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "slametrics-bench",
        help="directory for results.json, profiles and (temporary) data",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--intervals",
        type=int,
        default=1_000_000,
        help="random intervals for slametrics' business time and the 24x7 checks",
    )
    ap.add_argument(
        "--bdt-sample",
        type=int,
        default=3000,
        help="intervals timed and compared with businesstimedelta",
    )
    ap.add_argument(
        "--alt-sample",
        type=int,
        default=3000,
        help="intervals compared with pandas CustomBusinessHour",
    )
    ap.add_argument(
        "--oracle-sample",
        type=int,
        default=300,
        help="intervals checked against the per-minute brute force",
    )
    ap.add_argument(
        "--size-10m",
        action="store_true",
        help="also run the 10M-ticket / 100M-event size (opt-in: about an hour on 2 cores, "
        "and some 20 GB of CSV and Parquet in --out)",
    )
    ap.add_argument(
        "--dask",
        action="store_true",
        help="also run whole-span metrics with --engine dask (a local cluster of 2 workers)",
    )
    ap.add_argument("--skip-business-time", action="store_true")
    ap.add_argument("--skip-correctness", action="store_true")
    ap.add_argument(
        "--long-size",
        type=lambda t: _sizes(t)[0],
        default=TARGET_SIZE,
        help=f"tickets in the {LONG_WEEKS}-week log for period pruning (0 skips it; "
        f"default {TARGET_SIZE:,})",
    )
    ap.add_argument(
        "--profile",
        type=lambda s: [x for x in s.split(",") if x],
        default=[],
        help="phases to rerun under cProfile at the largest size, e.g. import,metrics_week",
    )
    ap.add_argument("--keep-data", action="store_true", help="keep the generated CSVs and logs")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run floor and import this many times, alternated, and compare the best of each "
        "(this machine's speed drifts by a third between minutes)",
    )
    # a fresh process running one phase (runner.run_phase) is told what to do with these
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    return _checked(ap, ap.parse_args(argv))


def _checked(ap: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    if args.size_10m and HUGE_SIZE not in args.sizes:
        args.sizes = [*args.sizes, HUGE_SIZE]
    unknown = set(args.profile) - set(PHASES)
    if unknown:
        ap.error(f"--profile: unknown phases {sorted(unknown)}; use {', '.join(PHASES)}")
    return args


if __name__ == "__main__":
    sys.exit(main())
