"""The measured phases: each a function of its parameters, run alone in a fresh process."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.comparisons import phase_business_time, phase_correctness

# The phases import the library inside their bodies: the parent process and the baseline
# measure no more than the interpreter plus what the phase itself needs.

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "policies" / "ru-contract.yaml"
WEEK = "2026-W46"
REPORT_NOW = "2026-11-23T00:00:00+00:00"  # fixed "generated at": the report text is deterministic

SIZE_PHASES = [
    ("generate", "generate CSV (sample.write_sample_csv)"),
    ("floor", "floor: pyarrow read_csv + write_table"),
    ("import", "import CSV -> Parquet (api.import_exports)"),
    ("clocks", "clocks (compute_clocks)"),
    ("metrics_span", "metrics whole span (whole log in memory: compute_metrics)"),
    ("metrics_span_buckets", "metrics whole span (bucket by bucket: api.metrics)"),
    ("metrics_span_dask", "metrics whole span (--engine dask, 2 local workers)"),
    ("metrics_week", f"metrics {WEEK} (compute_metrics)"),
    ("report", f"report md {WEEK} (api.report)"),
]
# opt-in (--dask): the Dask engine starts a cluster (seconds) and its workers' memory is not
# in the phase's peak RSS (they are separate processes)
OPTIONAL_PHASES = {"metrics_span_dask"}

# A year-long log of the target size: what a one-week read costs against the whole span when
# most tickets were settled long before the week (the 8-week logs above cannot show that).
LONG_START, LONG_WEEKS = "2025-11-24", 52
LONG_PHASES = [
    ("generate", f"generate CSV, {LONG_WEEKS} weeks"),
    ("import", "import CSV -> Parquet"),
    ("metrics_span", "metrics whole span"),
    ("metrics_week", f"metrics {WEEK}"),
    ("report_span", "report md whole span"),
    ("report", f"report md {WEEK}"),
]


def phase_noop(p: dict[str, Any]) -> dict[str, Any]:
    import slametrics.api  # noqa: F401  (the baseline: interpreter plus the library's imports)

    return {"wall_s": 0.0}


def phase_generate(p: dict[str, Any]) -> dict[str, Any]:
    from slametrics.sample import write_sample_csv

    span = {k: p[k] for k in ("start", "weeks") if k in p}
    t0 = time.perf_counter()
    tickets, events = write_sample_csv(Path(p["data"]), p["size"], seed=p["seed"], **span)
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "bytes": tickets.stat().st_size + events.stat().st_size}


def phase_floor(p: dict[str, Any]) -> dict[str, Any]:
    """What pyarrow alone needs: read both CSVs, write them as Parquet (zstd, as the event log)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    data, work = Path(p["data"]), Path(p["work"])
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"read_s": 0.0, "write_s": 0.0}
    for name in ("tickets", "events"):
        t0 = time.perf_counter()
        table = pacsv.read_csv(data / f"{name}.csv")
        t1 = time.perf_counter()
        pq.write_table(table, work / f"{name}.parquet", compression="zstd", row_group_size=1 << 20)
        t2 = time.perf_counter()
        out["read_s"] += t1 - t0
        out["write_s"] += t2 - t1
        out[name] = table.num_rows
        del table
    out["rows"] = out["tickets"] + out["events"]
    out["wall_s"] = out["read_s"] + out["write_s"]
    shutil.rmtree(work, ignore_errors=True)
    return out


def phase_import(p: dict[str, Any]) -> dict[str, Any]:
    from slametrics import api
    from slametrics.importers import IMPORTERS, get_importer

    for name in IMPORTERS:  # imports are not timed (the registry loads importers lazily)
        get_importer(name)
    from slametrics.importers.stream import StreamSettings

    data, log = Path(p["data"]), Path(p["log"])
    shutil.rmtree(log, ignore_errors=True)
    files = [data / "tickets.csv", data / "events.csv"]
    # past the threshold the CSVs stream (chunks, parts of whole tickets, bucket by bucket)
    streamed = sum(f.stat().st_size for f in files) >= StreamSettings().threshold
    t0 = time.perf_counter()
    summary = api.import_exports(files, log)
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "rows_read": sum(g.rows_read for g in summary.groups),
        "rows_imported": sum(g.rows_imported for g in summary.groups),
        "rows_rejected": summary.rows_rejected,
        "tickets": summary.tickets,
        "events": summary.events,
        "importers": sorted({g.importer for g in summary.groups}),
        "streamed": streamed,
    }


def phase_clocks(p: dict[str, Any]) -> dict[str, Any]:
    from slametrics.api import Query
    from slametrics.engine.clocks import compute_clocks
    from slametrics.metrics import prepare, resolve_as_of

    t0 = time.perf_counter()
    loaded, policy, period, as_of = Query([Path(p["log"])], POLICY).prepare()
    as_of = resolve_as_of(loaded.log, period, as_of)
    t1 = time.perf_counter()
    # as `slametrics tickets` does: prepared from the log's stored event codes, then every clock
    state = compute_clocks(loaded.log.tickets, None, policy, as_of, prepare(loaded.log, policy))
    t2 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "wall_s": t2 - t1,
        "clocks": len(state.clocks),
        "outcomes": {k: int(v) for k, v in state.clocks["outcome"].value_counts().items()},
    }


def phase_metrics(p: dict[str, Any]) -> dict[str, Any]:
    from slametrics.api import Query
    from slametrics.metrics import compute_metrics

    t0 = time.perf_counter()
    loaded, policy, period, as_of = Query([Path(p["log"])], POLICY, period=p["period"]).prepare()
    t1 = time.perf_counter()
    result = compute_metrics(
        loaded.log,
        policy,
        period,
        as_of,
        rows_rejected=loaded.rows_rejected,
        problems=loaded.problems,
    )
    t2 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "wall_s": t2 - t1,
        "period": result.period.label,
        "tickets_read": len(loaded.log.tickets),
        "on_time_share": result.metrics["on_time_share"].value,
        "trend_points": len(result.trend),
    }


def phase_metrics_api(p: dict[str, Any]) -> dict[str, Any]:
    """`api.metrics` as the CLI runs it: a partitioned log is computed bucket by bucket, on
    the engine named (`local` in this process, `dask` on a local cluster of workers)."""
    from slametrics import api

    engine = p.get("engine", "local")
    t0 = time.perf_counter()
    if engine == "dask":
        from dask.distributed import LocalCluster

        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster:
            t1 = time.perf_counter()
            q = api.Query(
                [Path(p["log"])],
                POLICY,
                period=p["period"],
                engine="dask",
                scheduler=cluster.scheduler_address,
            )
            result = api.metrics(q)
            t2 = time.perf_counter()
        return {
            "cluster_s": t1 - t0,
            "wall_s": t2 - t1,
            "on_time_share": result.metrics["on_time_share"].value,
        }
    result = api.metrics(api.Query([Path(p["log"])], POLICY, period=p["period"]))
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "on_time_share": result.metrics["on_time_share"].value}


def phase_help(p: dict[str, Any]) -> dict[str, Any]:
    """`slametrics --help` against `python -c "import typer"`: best of `repeat` runs each,
    the two alternated (this machine's speed drifts: one after the other would compare a
    slow minute with a fast one)."""
    import subprocess
    import sys

    commands = {
        "typer": [sys.executable, "-c", "import typer"],
        "help": [sys.executable, "-m", "slametrics", "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(p.get("repeat", 10)):
        for name, cmd in commands.items():
            t0 = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - t0)
    typer_s, help_s = min(times["typer"]), min(times["help"])
    return {
        "wall_s": help_s,
        "help_s": help_s,
        "typer_s": typer_s,
        "ratio": help_s / typer_s,
        "repeat": len(times["help"]),
    }


def phase_report(p: dict[str, Any]) -> dict[str, Any]:
    import importlib.util

    try:
        found = importlib.util.find_spec("slametrics.render.report") is not None
    except ImportError:
        found = False
    if not found:
        return {"skipped": "slametrics.render.report does not exist"}
    from slametrics import api

    q = api.Query([Path(p["log"])], POLICY, period=p.get("period"))
    t0 = time.perf_counter()
    text = api.report(q, fmt="md", now=dt.datetime.fromisoformat(REPORT_NOW))
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "chars": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "noop": phase_noop,
    "generate": phase_generate,
    "floor": phase_floor,
    "import": phase_import,
    "clocks": phase_clocks,
    "metrics_span": phase_metrics,
    "metrics_span_buckets": phase_metrics_api,
    "metrics_span_dask": phase_metrics_api,
    "metrics_week": phase_metrics,
    "help": phase_help,
    "report": phase_report,
    "business_time": phase_business_time,
    "correctness": phase_correctness,
}
