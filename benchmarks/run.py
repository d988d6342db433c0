"""Benchmark slametrics on synthetic logs against the pyarrow floor and per-row business-time code."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
POLICY = REPO / "policies" / "ru-contract.yaml"
WEEK = "2026-W46"
REPORT_NOW = "2026-11-23T00:00:00+00:00"  # fixed "generated at": the report text is deterministic
MIB = 1024**2
GIB = 1024**3
TARGETS = {
    "end_to_end_s": 20.0,  # 1M tickets: import + metrics + report
    "end_to_end_peak_rss_gib": 3.0,
    "import_over_floor": 2.0,
    "business_time_speedup": 1000.0,  # slametrics vs businesstimedelta, intervals per second
}
TARGET_SIZE = 1_000_000
WORK_HOURS = (9 * 3600, 18 * 3600)  # 09:00-18:00, Mon-Fri, in the comparisons of business time
# Intervals for business time: starts uniform over this span (UTC), lengths log-normal.
SPAN = ("2025-01-01", "2026-12-01")
MEDIAN_LENGTH_S = 5 * 3600
LENGTH_SIGMA = 1.6
MAX_LENGTH_S = 21 * 86400
HOLIDAY_YEARS = range(2024, 2028)


# --- child side: one phase per fresh process ----------------------------------------------------


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
    data, log = Path(p["data"]), Path(p["log"])
    shutil.rmtree(log, ignore_errors=True)
    t0 = time.perf_counter()
    summary = api.import_exports([data / "tickets.csv", data / "events.csv"], log)
    wall = time.perf_counter() - t0
    return {
        "wall_s": wall,
        "rows_read": sum(g.rows_read for g in summary.groups),
        "rows_imported": sum(g.rows_imported for g in summary.groups),
        "rows_rejected": summary.rows_rejected,
        "tickets": summary.tickets,
        "events": summary.events,
        "importers": sorted({g.importer for g in summary.groups}),
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
    result = compute_metrics(loaded.log, policy, period, as_of,
                             rows_rejected=loaded.rows_rejected, problems=loaded.problems)  # fmt: skip
    t2 = time.perf_counter()
    return {
        "load_s": t1 - t0,
        "wall_s": t2 - t1,
        "period": result.period.label,
        "tickets_read": len(loaded.log.tickets),
        "on_time_share": result.metrics["on_time_share"].value,
        "trend_points": len(result.trend),
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


# --- business time: slametrics vs businesstimedelta ----------------------------------------------


def _intervals(n: int, seed: int, step_s: int = 1):
    """`n` intervals [start, end) in UTC seconds: uniform starts over SPAN, log-normal lengths."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lo, hi = (int(np.datetime64(d, "s").astype(np.int64)) for d in SPAN)
    start = lo + rng.integers(0, (hi - lo) // step_s, n) * step_s
    length = np.minimum(rng.lognormal(np.log(MEDIAN_LENGTH_S), LENGTH_SIGMA, n), MAX_LENGTH_S)
    length = (np.round(length / step_s) * step_s).astype(np.int64)
    return start.astype(np.int64), (start + length).astype(np.int64)


def _stress_intervals(n: int, seed: int, tz: str, holidays: list[dt.date], step_s: int = 60):
    """As `_intervals`, but a quarter contain a DST transition and a quarter a holiday's start."""
    import numpy as np
    import pandas as pd

    start, end = _intervals(n, seed, step_s)
    length = end - start
    lo, hi = (pd.Timestamp(d, tz="UTC") for d in SPAN)
    dst = _dst_transitions(tz, lo, hi)
    midnights = pd.DatetimeIndex(sorted(holidays)).tz_localize(tz).tz_convert("UTC")
    hol = midnights.as_unit("s").asi8
    hol = hol[(hol >= int(lo.timestamp())) & (hol < int(hi.timestamp()))]
    rng = np.random.default_rng(seed + 1)
    kind = rng.integers(0, 4, n)  # 0: near a DST transition, 1: near a holiday, else uniform
    anchor = np.where(kind == 0, rng.choice(dst, n), rng.choice(hol, n))
    before = (np.floor(rng.random(n) * length / step_s) * step_s).astype(np.int64)
    start = np.where(kind <= 1, anchor - before, start)
    return start, start + length


def _dst_transitions(tz: str, lo, hi):
    """UTC seconds at which the zone's UTC offset changes in [lo, hi) (to the minute)."""
    import numpy as np
    import pandas as pd

    grid = pd.date_range(lo, hi, freq="min", tz="UTC")
    off = grid.tz_convert(tz).tz_localize(None).asi8 - grid.tz_localize(None).asi8
    change = np.nonzero(off[1:] != off[:-1])[0] + 1
    return grid.as_unit("s").asi8[change].astype(np.int64)


def _utc_offsets_s(tz: str, t_s):
    import pandas as pd

    idx = pd.DatetimeIndex(t_s.astype("datetime64[s]")).tz_localize("UTC")
    return (idx.tz_convert(tz).tz_localize(None).as_unit("s").asi8 - t_s).astype("int64")


def _local_day(tz: str, t_s):
    """Local date of each UTC second as days since 1970-01-01."""
    return (t_s + _utc_offsets_s(tz, t_s)) // 86400


def _touches(days, a_s, b_s, tz: str):
    """Whether [a, b) touches any of `days` (local dates, days since epoch)."""
    import numpy as np

    d = np.sort(np.asarray(days, dtype=np.int64))
    first = _local_day(tz, a_s)
    last = _local_day(tz, np.maximum(b_s - 1, a_s))
    return np.searchsorted(d, last, side="right") - np.searchsorted(d, first, side="left") > 0


def _day_numbers(dates) -> list[int]:
    return sorted((d - dt.date(1970, 1, 1)).days for d in dates)


def oracle_business(a_s: int, b_s: int, tz: str, off: list[int], worked: list[int],
                    step_s: int = 60) -> int:  # fmt: skip
    """Brute force: working seconds in [a, b), testing every `step_s`-th second's local wall time.

    Exact when a, b and the working windows fall on multiples of `step_s` (and transitions of
    the zone on whole minutes). Mon-Fri 09:00-18:00 except `off` days, plus `worked` days.
    """
    import numpy as np
    import pandas as pd

    t = np.arange(a_s, b_s, step_s, dtype=np.int64)
    if not len(t):
        return 0
    local = pd.DatetimeIndex(t.astype("datetime64[s]")).tz_localize("UTC").tz_convert(tz)
    wall = local.tz_localize(None).as_unit("s").asi8
    day, sod = wall // 86400, wall % 86400
    weekday = (day + 3) % 7
    working = ((weekday < 5) & ~np.isin(day, off)) | np.isin(day, worked)
    inside = (sod >= WORK_HOURS[0]) & (sod < WORK_HOURS[1])
    return int((working & inside).sum()) * step_s


def _iso(t_s: int, tz: str | None = None) -> str:
    import pandas as pd

    ts = pd.Timestamp(int(t_s), unit="s", tz="UTC")
    return (ts.tz_convert(tz) if tz else ts).isoformat()


def _bdt_rules(tz: str, country: str):
    """businesstimedelta as users set it up by hand: a WorkDayRule plus a HolidayRule."""
    import businesstimedelta
    import holidays
    import pytz

    zone = pytz.timezone(tz)
    workday = businesstimedelta.WorkDayRule(
        start_time=dt.time(9), end_time=dt.time(18), working_days=[0, 1, 2, 3, 4], tz=zone
    )
    days_off = businesstimedelta.HolidayRule(holidays.country_holidays(country), tz=zone)
    return businesstimedelta.Rules([workday, days_off])


def _bdt_seconds(rules, a_s, b_s) -> tuple[list[float], float]:
    """businesstimedelta's business seconds per interval, looping; and the loop's wall time."""
    starts = [dt.datetime.fromtimestamp(int(x), dt.UTC) for x in a_s]
    ends = [dt.datetime.fromtimestamp(int(x), dt.UTC) for x in b_s]
    t0 = time.perf_counter()
    out = [
        rules.difference(a, b).timedelta.total_seconds() for a, b in zip(starts, ends, strict=True)
    ]
    return out, time.perf_counter() - t0


def _to_index(t_s):
    import pandas as pd

    return pd.DatetimeIndex(t_s.astype("datetime64[s]")).tz_localize("UTC")


def _mismatch_example(i: int, a_s, b_s, tz: str, ours, theirs, **extra) -> dict[str, Any]:
    return {
        "start": _iso(a_s[i], tz), "end": _iso(b_s[i], tz),
        "slametrics_s": float(ours[i]), "other_s": float(theirs[i]), **extra,
    }  # fmt: skip


def phase_business_time(p: dict[str, Any]) -> dict[str, Any]:
    import holidays
    import numpy as np

    from slametrics.business_time import business_seconds
    from slametrics.policy import BusinessCalendar, HolidaySource

    n, k, seed = p["intervals"], p["bdt_sample"], p["seed"]
    tz, country = "Europe/Moscow", "RU"
    ru = holidays.country_holidays(country, years=list(HOLIDAY_YEARS))
    days_off = sorted(ru.keys())
    worked_days = sorted(getattr(ru, "weekend_workdays", set()) or set())
    hours = {"mon-fri": "09:00-18:00"}
    # like for like: exactly the days businesstimedelta's HolidayRule sees, no transferred workdays
    same = BusinessCalendar(hours=hours, extra_holidays=days_off)
    # as a policy states it: the RU production calendar, with its transferred working Saturdays
    production = BusinessCalendar(hours=hours, holidays=HolidaySource(country=country))

    a_s, b_s = _intervals(n, seed)
    a_idx, b_idx = _to_index(a_s), _to_index(b_s)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        ours = business_seconds(same, tz, a_idx, b_idx)
        runs.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    ours_prod = business_seconds(production, tz, a_idx, b_idx)
    prod_s = time.perf_counter() - t0

    rules = _bdt_rules(tz, country)
    theirs, bdt_s = _bdt_seconds(rules, a_s[:k], b_s[:k])
    theirs = np.array(theirs)
    sa, sb = a_s[:k], b_s[:k]
    ours_k, prod_k = ours[:k], ours_prod[:k]
    differ = np.nonzero(ours_k != theirs)[0]
    like = {"sample": k, "mismatches": int(len(differ))}
    if len(differ):
        i = int(differ[0])
        off_n = _day_numbers(days_off)
        like["example"] = _mismatch_example(
            i, sa, sb, tz, ours_k, theirs, oracle_s=oracle_business(int(sa[i]), int(sb[i]), tz,
                                                                    off_n, [], step_s=1),
        )  # fmt: skip

    # production calendar: differences must be the working time on transferred working days
    pdiff = np.nonzero(prod_k != theirs)[0]
    worked_n = _day_numbers(worked_days)
    extra = prod_k - theirs
    overlap = np.zeros(k)
    for d in worked_n:  # a handful of dates
        w0 = int(np.datetime64(d, "D").astype("datetime64[s]").astype(np.int64))
        local = np.array([w0 + WORK_HOURS[0], w0 + WORK_HOURS[1]])
        u0, u1 = local - _utc_offsets_s(tz, local)
        overlap += np.clip(np.minimum(sb, u1) - np.maximum(sa, u0), 0, None)
    explained = extra == overlap
    prod = {
        "sample": k,
        "mismatches": int(len(pdiff)),
        "explained_by_transferred_workdays": int((explained & (extra != 0)).sum()),
        "unexplained": int((~explained).sum()),
        "transferred_workdays": [str(d) for d in worked_days],
        "wall_s_full": prod_s,
    }
    if len(pdiff):
        i = int(pdiff[0])
        off_n = _day_numbers(days_off)
        prod["example"] = _mismatch_example(
            i, sa, sb, tz, prod_k, theirs,
            oracle_s=oracle_business(int(sa[i]), int(sb[i]), tz, off_n, worked_n, step_s=1),
        )  # fmt: skip

    # DST: the same comparison in Europe/Berlin with DE holidays, on intervals around transitions
    btz, bcountry = "Europe/Berlin", "DE"
    de = sorted(holidays.country_holidays(bcountry, years=list(HOLIDAY_YEARS)).keys())
    ba, bb = _stress_intervals(k, seed + 7, btz, de, step_s=1)
    crosses = _utc_offsets_s(btz, ba) != _utc_offsets_s(btz, bb)
    ours_b = business_seconds(BusinessCalendar(hours=hours, extra_holidays=de), btz,
                              _to_index(ba), _to_index(bb))  # fmt: skip
    theirs_b, _ = _bdt_seconds(_bdt_rules(btz, bcountry), ba, bb)
    theirs_b = np.array(theirs_b)
    bdiff = np.nonzero(ours_b != theirs_b)[0]
    dst = {
        "sample": k, "crossing_dst": int(crosses.sum()), "mismatches": int(len(bdiff)),
        "mismatches_crossing_dst": int(crosses[bdiff].sum()),
    }  # fmt: skip
    if len(bdiff):
        i = int(bdiff[0])
        dst["example"] = _mismatch_example(
            i, ba, bb, btz, ours_b, theirs_b,
            oracle_s=oracle_business(int(ba[i]), int(bb[i]), btz, _day_numbers(de), [], step_s=1),
        )  # fmt: skip

    best = min(runs)
    ours_rate = n / best
    bdt_rate = k / bdt_s
    return {
        "wall_s": best,
        "calendar": "Mon-Fri 09:00-18:00, RU holidays, Europe/Moscow",
        "intervals": n,
        "median_length_h": float(np.median(b_s - a_s) / 3600),
        "mean_length_h": float(np.mean(b_s - a_s) / 3600),
        "slametrics": {"intervals": n, "best_s": best, "runs_s": runs, "per_s": ours_rate},
        "businesstimedelta": {"intervals": k, "wall_s": bdt_s, "per_s": bdt_rate},
        "speedup": ours_rate / bdt_rate,
        "like_for_like": like,
        "production_calendar": prod,
        "dst_check": dst,
    }


# --- correctness: common alternatives vs slametrics vs a brute-force oracle ---------------------


def _cbh_seconds(a_s, b_s, tz: str | None, holidays: list[dt.date], inclusive: str):
    """pandas CustomBusinessHour: business hours counted as the offset's ticks in [a, b]."""
    import pandas as pd

    cbh = pd.offsets.CustomBusinessHour(start="09:00", end="18:00", holidays=holidays)
    a_idx, b_idx = _to_index(a_s), _to_index(b_s)
    if tz:
        a_idx, b_idx = a_idx.tz_convert(tz), b_idx.tz_convert(tz)
    out = []
    t0 = time.perf_counter()
    for a, b in zip(a_idx, b_idx, strict=True):
        try:
            out.append(len(pd.date_range(a, b, freq=cbh, inclusive=inclusive)) * 3600.0)
        except ValueError:  # e.g. an endpoint in the repeated hour when DST ends
            out.append(float("nan"))
    return out, time.perf_counter() - t0


def phase_correctness(p: dict[str, Any]) -> dict[str, Any]:
    import holidays
    import numpy as np
    import pandas as pd

    from slametrics.business_time import business_seconds
    from slametrics.policy import BusinessCalendar, HolidaySource

    n, k, m, seed = p["intervals"], p["alt_sample"], p["oracle_sample"], p["seed"]
    tz, country = "Europe/Berlin", "DE"
    de = holidays.country_holidays(country, years=list(HOLIDAY_YEARS))
    de_days = sorted(de.keys())
    de_n = _day_numbers(de_days)
    calendar = BusinessCalendar(hours={"mon-fri": "09:00-18:00"},
                                holidays=HolidaySource(country=country))  # fmt: skip

    # 24x7 over all intervals (minute resolution)
    a_s, b_s = _stress_intervals(n, seed + 11, tz, de_days, step_s=60)
    crosses = _utc_offsets_s(tz, a_s) != _utc_offsets_s(tz, b_s)
    a_idx, b_idx = _to_index(a_s), _to_index(b_s)
    ours_24 = business_seconds("24x7", tz, a_idx, b_idx)
    a_loc, b_loc = pd.Series(a_idx.tz_convert(tz)), pd.Series(b_idx.tz_convert(tz))
    naive = (b_loc.dt.tz_localize(None) - a_loc.dt.tz_localize(None)).dt.total_seconds().to_numpy()

    def clock_s(s: pd.Series) -> np.ndarray:
        return (s.dt.hour * 3600 + s.dt.minute * 60 + s.dt.second).to_numpy()

    days = (b_loc.dt.normalize() - a_loc.dt.normalize()).dt.days.to_numpy()
    day_based = days * 86400.0 + clock_s(b_loc) - clock_s(a_loc)

    # business hours on a sample, endpoints floored to whole hours (CBH counts whole hours)
    ha, hb = (a_s[:k] // 3600) * 3600, (b_s[:k] // 3600) * 3600
    h_cross = _utc_offsets_s(tz, ha) != _utc_offsets_s(tz, hb)
    h_hol = _touches(de_n, ha, hb, tz)
    ours_bh = business_seconds(calendar, tz, _to_index(ha), _to_index(hb))
    ours_24h = business_seconds("24x7", tz, _to_index(ha), _to_index(hb))
    cbh_utc, t_utc = _cbh_seconds(ha, hb, None, de_days, "both")
    cbh_both, t_both = _cbh_seconds(ha, hb, tz, de_days, "both")
    cbh_left, t_left = _cbh_seconds(ha, hb, tz, de_days, "left")
    h_loc_a, h_loc_b = (
        pd.Series(_to_index(ha).tz_convert(tz)),
        pd.Series(_to_index(hb).tz_convert(tz)),
    )
    naive_h = (h_loc_b.dt.tz_localize(None) - h_loc_a.dt.tz_localize(None)).dt.total_seconds()
    day_h = ((h_loc_b.dt.normalize() - h_loc_a.dt.normalize()).dt.days.to_numpy() * 86400.0
             + clock_s(h_loc_b) - clock_s(h_loc_a))  # fmt: skip
    methods_bh = {
        "cbh_utc_as_stored": (np.array(cbh_utc), t_utc),
        "cbh_local_default_inclusive": (np.array(cbh_both), t_both),
        "cbh_local_inclusive_left": (np.array(cbh_left), t_left),
    }

    # oracle sample: the disagreements of every alternative first (round robin), then the rest
    candidates = [np.nonzero(v != ours_bh)[0] for v, _ in methods_bh.values()]
    candidates += [np.nonzero(naive_h.to_numpy() != ours_24h)[0], np.nonzero(day_h != ours_24h)[0]]
    chosen: list[int] = []
    seen: set[int] = set()
    for j in range(k):
        for c in candidates:
            if j < len(c) and int(c[j]) not in seen and len(chosen) < m // 2:
                seen.add(int(c[j]))
                chosen.append(int(c[j]))
    for i in range(k):
        if len(chosen) >= m:
            break
        if i not in seen:
            seen.add(i)
            chosen.append(i)
    chosen.sort()
    t0 = time.perf_counter()
    oracle_bh = np.array([oracle_business(int(ha[i]), int(hb[i]), tz, de_n, []) for i in chosen])
    oracle_24 = np.array([
        len(pd.date_range(_to_index(ha[i:i + 1])[0], _to_index(hb[i:i + 1])[0], freq="min",
                          inclusive="left")) * 60.0
        for i in chosen
    ])  # fmt: skip
    oracle_s = time.perf_counter() - t0
    idx = np.array(chosen, dtype=np.int64)

    def row(values, ours, cross, hol, calendar_name, wall=None, oracle=None, a=None, b=None):
        values = np.asarray(values, dtype=float)
        diff = values != ours
        out = {
            "calendar": calendar_name,
            "intervals": int(len(values)),
            "differ": int(diff.sum()),
            "share": float(diff.mean()) if len(values) else 0.0,
            "crossing_dst": int(cross.sum()),
            "differ_crossing_dst": int((diff & cross).sum()),
            "touching_holiday": int(hol.sum()) if hol is not None else None,
            "differ_touching_holiday": int((diff & hol).sum()) if hol is not None else None,
            "differ_other": int((diff & ~cross & (~hol if hol is not None else True)).sum()),
            "errors": int(np.isnan(values).sum()),
        }
        if wall is not None:
            out["per_s"] = len(values) / wall if wall else None
        if oracle is not None:
            out["oracle_agree"] = int((values[idx] == oracle).sum())
            out["oracle_sample"] = int(len(idx))
        for key, where in (
            ("example", diff & ~np.isnan(values)),
            ("error_example", diff & np.isnan(values)),
        ):
            if where.any():
                i = int(np.nonzero(where)[0][0])
                out[key] = _mismatch_example(i, a, b, tz, ours, values)
                if i in seen and oracle is not None:
                    out[key]["oracle_s"] = float(oracle[chosen.index(i)])
        return out

    result: dict[str, Any] = {
        "zone": tz,
        "holidays": country,
        "intervals_24x7": n,
        "sample_business_hours": k,
        "oracle_sample": len(chosen),
        "oracle_s": oracle_s,
        "methods": {
            "slametrics_business": row(
                ours_bh, ours_bh, h_cross, h_hol, "business", oracle=oracle_bh, a=ha, b=hb
            ),
            **{
                name: row(
                    v, ours_bh, h_cross, h_hol, "business", wall=w, oracle=oracle_bh, a=ha, b=hb
                )
                for name, (v, w) in methods_bh.items()
            },
            "slametrics_24x7": row(ours_24, ours_24, crosses, None, "24x7", a=a_s, b=b_s),
            "naive_local_subtraction": row(naive, ours_24, crosses, None, "24x7", a=a_s, b=b_s),
            "day_based": row(day_based, ours_24, crosses, None, "24x7", a=a_s, b=b_s),
        },  # fmt: skip
        "oracle_24x7": {
            "slametrics_24x7": int((ours_24h[idx] == oracle_24).sum()),
            "naive_local_subtraction": int((naive_h.to_numpy()[idx] == oracle_24).sum()),
            "day_based": int((day_h[idx] == oracle_24).sum()),
            "sample": int(len(idx)),
        },
    }
    return result


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "noop": phase_noop,
    "generate": phase_generate,
    "floor": phase_floor,
    "import": phase_import,
    "clocks": phase_clocks,
    "metrics_span": phase_metrics,
    "metrics_week": phase_metrics,
    "report": phase_report,
    "business_time": phase_business_time,
    "correctness": phase_correctness,
}


def child(name: str, params: dict[str, Any], result: Path, profile: Path | None) -> None:
    func = PHASES[name]
    if profile is None:
        out = func(params)
    else:
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
    result.write_text(json.dumps(out, default=str), encoding="utf-8")


# --- parent side ------------------------------------------------------------------------------


def run_phase(name: str, params: dict[str, Any], out: Path,
              profile: Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Run one phase in a fresh interpreter; add its process wall time and peak RSS."""
    result = out / f".phase-{name}.json"
    log = out / f".phase-{name}.log"
    result.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", name,
           "--params", json.dumps(params), "--result", str(result)]  # fmt: skip
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


SIZE_PHASES = [
    ("generate", "generate CSV (sample.write_sample_csv)"),
    ("floor", "floor: pyarrow read_csv + write_table"),
    ("import", "import CSV -> Parquet (api.import_exports)"),
    ("clocks", "clocks (compute_clocks)"),
    ("metrics_span", "metrics whole span (compute_metrics)"),
    ("metrics_week", f"metrics {WEEK} (compute_metrics)"),
    ("report", f"report md {WEEK} (api.report)"),
]


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


def run_long(size: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    data = out / "data" / f"long{size}"
    common = {"data": str(data), "log": str(data / "log"), "size": size, "seed": args.seed,
              "start": LONG_START, "weeks": LONG_WEEKS}  # fmt: skip
    phases: dict[str, Any] = {}
    for name, _ in LONG_PHASES:
        params = dict(common, period=WEEK if name in ("metrics_week", "report") else None)
        phases[name] = run_phase("report" if name == "report_span" else name, params, out)
        _progress(f"  long n={size:,} {name}: {_brief(phases[name])}")
        if "error" in phases[name]:
            break
    if not args.keep_data:
        shutil.rmtree(data, ignore_errors=True)
    for ph in phases.values():
        if "wall_s" in ph:
            ph["total_s"] = ph["wall_s"] + ph.get("load_s", 0.0)
    out_: dict[str, Any] = {"tickets": phases.get("import", {}).get("tickets"),
                            "events": phases.get("import", {}).get("events"), "phases": phases}  # fmt: skip
    for week, span in (("metrics_week", "metrics_span"), ("report", "report_span")):
        if phases.get(week, {}).get("total_s") and phases.get(span, {}).get("total_s"):
            out_[f"{week}_over_span"] = phases[week]["total_s"] / phases[span]["total_s"]
    return out_


def run_size(size: int, args: argparse.Namespace, out: Path) -> dict[str, Any]:
    data = out / "data" / f"n{size}"
    log = data / "log"
    common = {"data": str(data), "log": str(log), "size": size, "seed": args.seed}
    phases: dict[str, Any] = {}
    for name, _ in SIZE_PHASES:
        params = dict(common)
        if name == "floor":
            params["work"] = str(data / "floor")
        if name == "metrics_span":
            params["period"] = None
        if name in ("metrics_week", "report"):
            params["period"] = WEEK
        phases[name] = run_phase(name, params, out)
        _progress(f"  n={size:,} {name}: {_brief(phases[name])}")
        if name == "generate" and "error" in phases[name]:
            break
    if args.profile and size == max(args.sizes):
        for name in args.profile:
            params = dict(common, period=WEEK if name in ("metrics_week", "report") else None)
            target = out / f"profile-{name}-n{size}.txt"
            res = run_phase(name, params, out, profile=target)
            _progress(f"  profile {name}: {target} ({_brief(res)})")
    if not args.keep_data:
        shutil.rmtree(data, ignore_errors=True)
    return summarize_size(size, phases)


def summarize_size(size: int, phases: dict[str, Any]) -> dict[str, Any]:
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


def _brief(res: dict[str, Any]) -> str:
    if "error" in res:
        return f"FAILED {res['error']}"
    if "skipped" in res:
        return f"skipped: {res['skipped']}"
    rss = res.get("peak_rss_bytes", 0) / MIB
    return f"{res.get('wall_s', 0):.2f}s, peak RSS {rss:,.0f} MiB"


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the readable table -----------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]], align: str) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(r, widths, align, strict=True)
        ).rstrip()

    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def _num(x: float | None, spec: str = ",.0f") -> str:
    return "-" if x is None else format(x, spec)


def _verdict(ok: bool) -> str:
    return "MET" if ok else "MISSED"


def _render_long(long: dict[str, Any]) -> list[str]:
    lines = ["", f"period pruning: {long.get('tickets') or 0:,} tickets / "
                 f"{long.get('events') or 0:,} events over {LONG_WEEKS} weeks from {LONG_START}"]  # fmt: skip
    rows = []
    for name, label in LONG_PHASES:
        ph = long["phases"].get(name)
        if ph is None or "error" in ph:
            rows.append([label, "FAILED" if ph else "-", "", ""])
            continue
        rows.append([label, _num(ph.get("load_s"), ".2f") if "load_s" in ph else "",
                     _num(ph["wall_s"], ".2f"), _num(ph["peak_rss_bytes"] / MIB)])  # fmt: skip
    lines.append(_table(["phase", "load s", "wall s", "peak RSS MiB"], rows, "lrrr"))
    for key, what in (("metrics_week_over_span", "metrics"), ("report_over_span", "report")):
        if key in long:
            lines.append(f"{what} {WEEK} costs {long[key]:.0%} of the whole-span {what} "
                         "(load included)")  # fmt: skip
    return lines


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"slametrics benchmark: {m.get('cores')} cores ({m.get('cpu', '?')}), "
        f"{m.get('memory_gib', '?')} GiB RAM, Python {m.get('python')}, pandas {m.get('pandas')}, "
        f"pyarrow {m.get('pyarrow')}, numpy {m.get('numpy')}",
        f"policy {POLICY.relative_to(REPO)}, week {WEEK}, seed {results['config']['seed']}; "
        "each phase in a fresh process; wall = the measured call, load = reading the Parquet "
        "log and policy before it; rows = CSV rows (tickets + events)",
    ]
    before, after = results.get("load_average_before"), results.get("load_average_after")
    if before or after:
        lines.append(f"load average (1, 5, 15 min) before {before}, after {after}: other work on "
                     "the machine inflates wall times")  # fmt: skip
    base = results.get("baseline", {})
    if "peak_rss_bytes" in base:
        lines.append(
            f"baseline: python + `import slametrics.api` takes {base['process_s']:.2f}s and "
            f"{base['peak_rss_bytes'] / MIB:,.0f} MiB (included in every peak RSS below)"
        )
    for size, s in results["sizes"].items():
        lines += ["", f"size {int(size):,} tickets / {s['events'] or 0:,} events "
                      f"({s['rows'] or 0:,} CSV rows)"]  # fmt: skip
        rows = []
        for name, label in SIZE_PHASES:
            ph = s["phases"].get(name)
            if ph is None:
                continue
            if "error" in ph or "skipped" in ph:
                rows.append([label, "-", "FAILED" if "error" in ph else "skipped", *"----"])
                continue
            rows.append([
                label, _num(ph.get("load_s"), ".2f") if "load_s" in ph else "",
                _num(ph["wall_s"], ".2f"), _num(ph.get("rows_per_s")),
                _num(ph["peak_rss_bytes"] / MIB), _num(ph["process_s"], ".2f"),
                _num(ph.get("cpu_s"), ".2f"),
            ])  # fmt: skip
        lines.append(_table(["phase", "load s", "wall s", "rows/s", "peak RSS MiB", "process s",
                             "cpu s"], rows, "lrrrrrr"))  # fmt: skip
        if "import_over_floor" in s:
            ok = s["import_over_floor"] <= TARGETS["import_over_floor"]
            lines.append(f"import / floor = {s['import_over_floor']:.1f}x "
                         f"(target <= {TARGETS['import_over_floor']:.0f}x: {_verdict(ok)})")  # fmt: skip
        for label, e in s["end_to_end"].items():
            what = "metrics " + (WEEK if label == "week" else "whole span")
            text = (f"end to end (import + {what} incl. load + report {WEEK}): "
                    f"{e['total_s']:.1f}s measured, {e['process_s']:.1f}s with process start, "
                    f"peak RSS {e['peak_rss_bytes'] / GIB:.2f} GiB")  # fmt: skip
            if int(size) == TARGET_SIZE:
                ok_t = e["total_s"] <= TARGETS["end_to_end_s"]
                ok_m = e["peak_rss_bytes"] <= TARGETS["end_to_end_peak_rss_gib"] * GIB
                text += (f" (targets < {TARGETS['end_to_end_s']:.0f}s: {_verdict(ok_t)}, "
                         f"< {TARGETS['end_to_end_peak_rss_gib']:.0f} GiB: {_verdict(ok_m)})")  # fmt: skip
            lines.append(text)
        for name, ph in s["phases"].items():
            if "error" in ph:
                lines.append(f"{name} FAILED ({ph['error']}):\n{ph['log_tail']}")
    if results.get("long"):
        lines += _render_long(results["long"])
    bt = results.get("business_time")
    if bt and "error" not in bt:
        sl, bd = bt["slametrics"], bt["businesstimedelta"]
        lines += [
            "",
            f"business time per interval: {bt['calendar']}; intervals {SPAN[0]}..{SPAN[1]}, "
            f"median {bt['median_length_h']:.1f} h, mean {bt['mean_length_h']:.1f} h "
            f"(peak RSS {bt['peak_rss_bytes'] / MIB:,.0f} MiB)",
            _table(
                ["method", "intervals", "seconds", "intervals/s"],
                [
                    [
                        "slametrics business_seconds (vectorized, best of 3)",
                        _num(sl["intervals"]),
                        _num(sl["best_s"], ".3f"),
                        _num(sl["per_s"]),
                    ],
                    [
                        "businesstimedelta Rules.difference, one call per interval",
                        _num(bd["intervals"]),
                        _num(bd["wall_s"], ".3f"),
                        _num(bd["per_s"]),
                    ],
                ],  # fmt: skip
                "lrrr",
            ),
        ]
        ok = bt["speedup"] >= TARGETS["business_time_speedup"]
        lines.append(f"speed ratio {bt['speedup']:,.0f}x "
                     f"(target >= {TARGETS['business_time_speedup']:,.0f}x: {_verdict(ok)})")  # fmt: skip
        lf, pr, ds = bt["like_for_like"], bt["production_calendar"], bt["dst_check"]
        lines.append(
            f"identical results, same calendar (the RU days off the HolidayRule sees, no "
            f"transferred workdays): {lf['mismatches']} mismatches of {lf['sample']:,}"
            f" -> {'IDENTICAL' if lf['mismatches'] == 0 else 'NOT IDENTICAL'}"
        )
        if "example" in lf:
            lines.append(f"  e.g. {json.dumps(lf['example'])}")
        lines.append(
            f"RU production calendar (holidays: {{country: RU}}, transferred working days "
            f"{', '.join(pr['transferred_workdays']) or 'none'}): {pr['mismatches']} of "
            f"{pr['sample']:,} differ, {pr['explained_by_transferred_workdays']} of them exactly "
            f"by the working time on those days (businesstimedelta has no way to add a working "
            f"date), {pr['unexplained']} unexplained"
        )
        if "example" in pr:
            lines.append(f"  e.g. {json.dumps(pr['example'])}")
        lines.append(
            f"DST check (Europe/Berlin, DE holidays, intervals near transitions/holidays): "
            f"{ds['mismatches']} mismatches of {ds['sample']:,} ({ds['crossing_dst']} cross a DST "
            f"transition, {ds['mismatches_crossing_dst']} of those differ)"
        )
        if "example" in ds:
            lines.append(f"  e.g. {json.dumps(ds['example'])}")
    elif bt:
        lines += ["", f"business time FAILED ({bt['error']}):\n{bt.get('log_tail', '')}"]
    co = results.get("correctness")
    if co and "error" not in co:
        lines += [
            "",
            f"correctness ({co['zone']}, {co['holidays']} holidays, Mon-Fri 09:00-18:00 or 24x7; "
            f"a quarter of the intervals contain a DST transition, a quarter a holiday's start; "
            f"business hours on the first {co['sample_business_hours']:,} intervals floored to "
            f"whole hours, 24x7 on {co['intervals_24x7']:,} minute-aligned intervals; oracle = "
            f"per-minute brute force on {co['oracle_sample']} of the hour-aligned intervals, "
            f"disagreements first)",
        ]
        names = {
            "slametrics_business": "slametrics business_seconds",
            "cbh_utc_as_stored": "pandas CBH date_range count, UTC as stored",
            "cbh_local_default_inclusive": "pandas CBH date_range count, local, inclusive=both",
            "cbh_local_inclusive_left": "pandas CBH date_range count, local, inclusive=left",
            "slametrics_24x7": "slametrics 24x7",
            "naive_local_subtraction": "naive local wall-clock subtraction",
            "day_based": "day-based: normalize().days*24h + clock times",
        }
        rows = []
        o24 = co["oracle_24x7"]
        for key, r in co["methods"].items():
            if "oracle_agree" in r:
                oracle = f"{r['oracle_agree']}/{r['oracle_sample']}"
            else:
                oracle = f"{o24[key]}/{o24['sample']}"
            rows.append([
                names.get(key, key), r["calendar"], _num(r["intervals"]), _num(r["differ"]),
                f"{100 * r['share']:.1f}%", f"{r['differ_crossing_dst']}/{r['crossing_dst']}",
                "-" if r["touching_holiday"] is None
                else f"{r['differ_touching_holiday']}/{r['touching_holiday']}",
                _num(r["differ_other"]), oracle,
            ])  # fmt: skip
        lines.append(_table(
            ["method", "calendar", "intervals", "differ", "share", "differ/cross DST",
             "differ/holiday", "differ other", "= oracle"], rows, "llrrrrrrr"))  # fmt: skip
        for key, r in co["methods"].items():
            if "example" in r:
                lines.append(f"  {names.get(key, key)}: e.g. {json.dumps(r['example'])}")
            if r.get("errors"):
                lines.append(f"  {names.get(key, key)}: raised on {r['errors']} intervals "
                             f"(ValueError), e.g. {json.dumps(r['error_example'])}")  # fmt: skip
    elif co:
        lines += ["", f"correctness FAILED ({co['error']}):\n{co.get('log_tail', '')}"]
    return "\n".join(lines)


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
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    ap.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--profile-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    unknown = set(args.profile) - set(PHASES)
    if unknown:
        ap.error(f"--profile: unknown phases {sorted(unknown)}; use {', '.join(PHASES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        child(args.phase, json.loads(args.params), args.result, args.profile_out)
        return 0
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "machine": machine(),
        "config": {
            "sizes": args.sizes,
            "seed": args.seed,
            "intervals": args.intervals,
            "bdt_sample": args.bdt_sample,
            "alt_sample": args.alt_sample,
            "oracle_sample": args.oracle_sample,
            "policy": str(POLICY.relative_to(REPO)),
            "week": WEEK,
            "targets": TARGETS,
        },  # fmt: skip
        "load_average_before": _loadavg(),
        "baseline": run_phase("noop", {}, out),
        "sizes": {},
    }

    def save() -> None:
        tmp = out / ".results.json.tmp"
        tmp.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        os.replace(tmp, out / "results.json")

    for size in args.sizes:
        _progress(f"size {size:,}")
        results["sizes"][str(size)] = run_size(size, args, out)
        save()
    if args.long_size:
        _progress(f"period pruning: {args.long_size:,} tickets over {LONG_WEEKS} weeks")
        results["long"] = run_long(args.long_size, args, out)
        save()
    common = {"intervals": args.intervals, "seed": args.seed, "bdt_sample": args.bdt_sample,
              "alt_sample": args.alt_sample, "oracle_sample": args.oracle_sample}  # fmt: skip
    if not args.skip_business_time:
        _progress("business time")
        results["business_time"] = run_phase("business_time", common, out)
        save()
    if not args.skip_correctness:
        _progress("correctness")
        results["correctness"] = run_phase("correctness", common, out)
        save()
    results["load_average_after"] = _loadavg()
    save()
    text = render(results)
    print(text)
    (out / "results.txt").write_text(text + "\n", encoding="utf-8")
    print(f"\nresults: {out / 'results.json'}")
    failed = [k for k, v in results["sizes"].items() for p in v["phases"].values() if "error" in p]
    failed += [k for k in ("business_time", "correctness") if "error" in results.get(k, {})]
    failed += [n for n, p in results.get("long", {}).get("phases", {}).items() if "error" in p]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
