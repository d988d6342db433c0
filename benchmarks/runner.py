"""Run phases in fresh processes and measure them: wall time, CPU time, peak memory."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.phases import (
    LONG_PHASES,
    LONG_START,
    LONG_WEEKS,
    OPTIONAL_PHASES,
    PHASES,
    SIZE_PHASES,
    WEEK,
)
from benchmarks.summary import GIB, brief

SCRIPT = Path(__file__).resolve().with_name("run.py")  # what a fresh process runs: `--phase`


# --- child side: one phase per fresh process ----------------------------------------------------


def child(name: str, params: dict[str, Any], result: Path, profile: Path | None) -> None:
    """Run phase `name` in this process and write its figures to `result` (JSON)."""
    func = PHASES[name]
    if profile is None:
        out = func(params)
    else:
        out = _profiled(func, params, profile)
    result.write_text(json.dumps(out, default=str), encoding="utf-8")


def _profiled(func, params: dict[str, Any], profile: Path) -> dict[str, Any]:
    """Run under cProfile: the `.prof` and the top 30 by own and by cumulative time."""
    import cProfile
    import io
    import pstats

    prof = cProfile.Profile()
    out = prof.runcall(func, params)
    prof.dump_stats(str(profile.with_suffix(".prof")))
    text = io.StringIO()
    for key in ("tottime", "cumulative"):
        text.write(f"=== sorted by {key} ===\n")
        pstats.Stats(prof, stream=text).sort_stats(key).print_stats(30)
    profile.write_text(text.getvalue(), encoding="utf-8")
    return out


# --- parent side ------------------------------------------------------------------------------


def run_phase(
    name: str, params: dict[str, Any], out: Path, profile: Path | None = None
) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; add its process wall time and peak RSS."""
    result = out / f".phase-{name}.json"
    log = out / f".phase-{name}.log"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, str(SCRIPT), "--phase", name, "--params", json.dumps(params)]
    cmd += ["--result", str(result)]
    if profile is not None:
        cmd += ["--profile-out", str(profile)]
    t0 = time.perf_counter()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not a running max
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0 or not result.exists():
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
        return {"error": f"exit {proc.returncode}", "log_tail": tail, "process_s": elapsed}
    data = json.loads(result.read_text(encoding="utf-8"))
    result.unlink()
    log.unlink()
    data["peak_rss_bytes"] = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    data["process_s"] = elapsed
    data["cpu_s"] = usage.ru_utime + usage.ru_stime  # the whole process, all threads
    return data


def run_all(results: dict[str, Any], args: argparse.Namespace, out: Path) -> None:
    """Every section in turn, saving `results.json` after each."""
    progress("start-up: slametrics --help against import typer")
    results["startup"] = run_phase("help", {"repeat": 10}, out)
    save(results, out)
    for size in args.sizes:
        progress(f"size {size:,}")
        results["sizes"][str(size)] = run_size(size, args, out)
        save(results, out)
    if args.long_size:
        progress(f"period pruning: {args.long_size:,} tickets over {LONG_WEEKS} weeks")
        results["long"] = run_long(args.long_size, args, out)
        save(results, out)
    common = {
        "intervals": args.intervals,
        "seed": args.seed,
        "bdt_sample": args.bdt_sample,
        "alt_sample": args.alt_sample,
        "oracle_sample": args.oracle_sample,
    }
    if not args.skip_business_time:
        progress("business time")
        results["business_time"] = run_phase("business_time", common, out)
        save(results, out)
    if not args.skip_correctness:
        progress("correctness")
        results["correctness"] = run_phase("correctness", common, out)
        save(results, out)


def save(results: dict[str, Any], out: Path) -> None:
    tmp = out / ".results.json.tmp"
    tmp.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, out / "results.json")


# phases that hold the whole log (or CSV) in memory: past this size only the bounded pipeline
# (streamed import, bucket-by-bucket metrics, report) runs, as a user's machine would
WHOLE_LOG_MAX = 2_000_000
WHOLE_LOG_PHASES = {"floor", "clocks", "metrics_span", "metrics_week"}


def run_size(size: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    data = out / "data" / f"n{size}"
    log = data / "log"
    common = {"data": str(data), "log": str(log), "size": size, "seed": args.seed}
    phases: dict[str, Any] = {}
    for name, _ in SIZE_PHASES:
        if name in OPTIONAL_PHASES and not getattr(args, "dask", False):
            continue
        if size > WHOLE_LOG_MAX and name in WHOLE_LOG_PHASES:
            phases[name] = {"skipped": f"holds the whole log in memory (over {WHOLE_LOG_MAX:,})"}
            continue
        params = dict(common)
        if name == "floor":
            params["work"] = str(data / "floor")
        if name.startswith("metrics_span"):
            params["period"] = None
        if name == "metrics_span_dask":
            params["engine"] = "dask"
        if name in ("metrics_week", "report"):
            params["period"] = WEEK
        phases[name] = run_phase(name, params, out)
        progress(f"  n={size:,} {name}: {brief(phases[name])}")
        if name == "generate" and "error" in phases[name]:
            break
    if getattr(args, "repeat", 1) > 1 and "wall_s" in phases.get("floor", {}):
        _alternate_floor_and_import(phases, common, data, args.repeat, out)
    if args.profile and size == max(args.sizes):
        for name in args.profile:
            params = dict(common, period=WEEK if name in ("metrics_week", "report") else None)
            target = out / f"profile-{name}-n{size}.txt"
            res = run_phase(name, params, out, profile=target)
            progress(f"  profile {name}: {target} ({brief(res)})")
    if not args.keep_data:
        shutil.rmtree(data, ignore_errors=True)
    return summarize_size(size, phases)


def _alternate_floor_and_import(
    phases: dict[str, Any], common: dict[str, Any], data: Path, repeat: int, out: Path
) -> None:
    """Floor and import run `repeat` times each, one after the other in turn: each keeps its
    best run (the least disturbed by the rest of the machine), and the pairs' ratios are kept."""
    runs: dict[str, list[dict[str, Any]]] = {name: [phases[name]] for name in ("floor", "import")}
    for i in range(1, repeat):
        for name in ("floor", "import"):
            params = dict(common, work=str(data / "floor")) if name == "floor" else dict(common)
            res = run_phase(name, params, out)
            if "error" in res:
                phases[name] = res
                return
            runs[name].append(res)
        progress(f"  alternated run {i + 1}/{repeat}: {brief(runs['floor'][-1])} / {brief(res)}")
    for name, done in runs.items():
        best = min(done, key=lambda r: r["wall_s"])
        phases[name] = dict(best, runs_s=[r["wall_s"] for r in done])
    pairs = zip(runs["import"], runs["floor"], strict=True)
    phases["import"]["pair_ratios"] = [i["wall_s"] / f["wall_s"] for i, f in pairs]


def run_long(size: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    data = out / "data" / f"long{size}"
    common = {
        "data": str(data),
        "log": str(data / "log"),
        "size": size,
        "seed": args.seed,
        "start": LONG_START,
        "weeks": LONG_WEEKS,
    }
    phases: dict[str, Any] = {}
    for name, _ in LONG_PHASES:
        params = dict(common, period=WEEK if name in ("metrics_week", "report") else None)
        phases[name] = run_phase("report" if name == "report_span" else name, params, out)
        progress(f"  long n={size:,} {name}: {brief(phases[name])}")
        if "error" in phases[name]:
            break
    if not args.keep_data:
        shutil.rmtree(data, ignore_errors=True)
    return summarize_long(phases)


def summarize_long(phases: dict[str, Any]) -> dict[str, Any]:
    """Load + wall per phase, and what the week's reads cost against the whole span's."""
    for ph in phases.values():
        if "wall_s" in ph:
            ph["total_s"] = ph["wall_s"] + ph.get("load_s", 0.0)
    imp = phases.get("import", {})
    out: dict[str, Any] = {"tickets": imp.get("tickets"), "events": imp.get("events")}
    out["phases"] = phases
    for week, span in (("metrics_week", "metrics_span"), ("report", "report_span")):
        if phases.get(week, {}).get("total_s") and phases.get(span, {}).get("total_s"):
            out[f"{week}_over_span"] = phases[week]["total_s"] / phases[span]["total_s"]
    return out


def summarize_size(size: int, phases: dict[str, Any]) -> dict[str, Any]:
    """Rows per second, import over the floor and the end-to-end sums of one size."""
    floor = phases.get("floor", {})
    rows = floor.get("rows") or phases.get("import", {}).get("rows_read") or 0
    for ph in phases.values():
        if "wall_s" in ph and rows:
            ph["rows_per_s"] = rows / ph["wall_s"] if ph["wall_s"] else None
        ph["total_s"] = ph.get("wall_s", 0.0) + ph.get("load_s", 0.0) if "wall_s" in ph else None
    out: dict[str, Any] = {
        "tickets": floor.get("tickets"),
        "events": floor.get("events"),
        "rows": rows,
        "phases": phases,
    }
    imp = phases.get("import", {})
    if "wall_s" in imp and floor.get("wall_s"):
        out["import_over_floor"] = imp["wall_s"] / floor["wall_s"]
    e2e = {}
    for label, metrics_phase in (("week", "metrics_week"), ("span", "metrics_span")):
        parts = [phases.get("import", {}), phases.get(metrics_phase, {}), phases.get("report", {})]
        if all("total_s" in p and p["total_s"] is not None for p in parts):
            e2e[label] = {
                "phases": ["import", metrics_phase, "report"],
                "total_s": sum(p["total_s"] for p in parts),
                "process_s": sum(p["process_s"] for p in parts),
                "peak_rss_bytes": max(p["peak_rss_bytes"] for p in parts),
            }
    out["end_to_end"] = e2e
    return out


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) * 1024 / GIB, 1)
    except OSError:
        pass
    try:
        from importlib.metadata import version

        for pkg in ("slametrics", "pandas", "pyarrow", "numpy", "holidays", "businesstimedelta"):
            try:
                info[pkg] = version(pkg)
            except Exception:
                info[pkg] = None
    except ImportError:
        pass
    return info


def loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)
