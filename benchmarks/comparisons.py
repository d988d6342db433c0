"""The business-time phases: slametrics against businesstimedelta, pandas idioms and an oracle."""

from __future__ import annotations

import time
from typing import Any

from benchmarks.intervals import (
    HOLIDAY_YEARS,
    HOURS,
    WORK_HOURS,
    bdt_rules,
    bdt_seconds,
    cbh_seconds,
    day_numbers,
    mismatch_example,
    oracle_24x7,
    oracle_business,
    random_intervals,
    stress_intervals,
    to_index,
    touches,
    utc_offsets_s,
)

# --- business time: slametrics vs businesstimedelta ----------------------------------------------


def phase_business_time(p: dict[str, Any]) -> dict[str, Any]:
    import holidays
    import numpy as np

    from slametrics.policy import BusinessCalendar, HolidaySource

    n, k, seed = p["intervals"], p["bdt_sample"], p["seed"]
    tz, country = "Europe/Moscow", "RU"
    ru = holidays.country_holidays(country, years=list(HOLIDAY_YEARS))
    days_off = sorted(ru.keys())
    worked_days = sorted(getattr(ru, "weekend_workdays", set()) or set())
    # like for like: exactly the days businesstimedelta's HolidayRule sees, no transferred workdays
    same = BusinessCalendar(hours=HOURS, extra_holidays=days_off)
    # as a policy states it: the RU production calendar, with its transferred working Saturdays
    production = BusinessCalendar(hours=HOURS, holidays=HolidaySource(country=country))

    a_s, b_s = random_intervals(n, seed)
    runs, ours, ours_prod, prod_s = _time_slametrics(same, production, tz, a_s, b_s)
    theirs, bdt_s = bdt_seconds(bdt_rules(tz, country), a_s[:k], b_s[:k])
    theirs = np.array(theirs)
    sa, sb = a_s[:k], b_s[:k]
    like = _like_for_like(k, sa, sb, tz, ours[:k], theirs, day_numbers(days_off))
    prod = _production_calendar(
        k, sa, sb, tz, ours_prod[:k], theirs, (days_off, worked_days), prod_s
    )
    dst = _dst_check(k, seed)

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


def _time_slametrics(same, production, tz: str, a_s, b_s):
    """slametrics on every interval: best of 3 like for like, once with the production calendar."""
    from slametrics.business_time import business_seconds

    a_idx, b_idx = to_index(a_s), to_index(b_s)
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        ours = business_seconds(same, tz, a_idx, b_idx)
        runs.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    ours_prod = business_seconds(production, tz, a_idx, b_idx)
    return runs, ours, ours_prod, time.perf_counter() - t0


def _like_for_like(k: int, sa, sb, tz: str, ours, theirs, off_n: list[int]) -> dict[str, Any]:
    import numpy as np

    differ = np.nonzero(ours != theirs)[0]
    like: dict[str, Any] = {"sample": k, "mismatches": int(len(differ))}
    if len(differ):
        i = int(differ[0])
        oracle = oracle_business(int(sa[i]), int(sb[i]), tz, off_n, [], step_s=1)
        like["example"] = mismatch_example(i, sa, sb, tz, ours, theirs, oracle_s=oracle)
    return like


def _production_calendar(
    k: int, sa, sb, tz: str, prod, theirs, days: tuple[list, list], wall_s: float
) -> dict[str, Any]:
    """Differences must be exactly the working time on the transferred working days."""
    import numpy as np

    days_off, worked_days = days
    pdiff = np.nonzero(prod != theirs)[0]
    worked_n = day_numbers(worked_days)
    extra = prod - theirs
    overlap = np.zeros(k)
    for d in worked_n:  # a handful of dates
        w0 = int(np.datetime64(d, "D").astype("datetime64[s]").astype(np.int64))
        local = np.array([w0 + WORK_HOURS[0], w0 + WORK_HOURS[1]])
        u0, u1 = local - utc_offsets_s(tz, local)
        overlap += np.clip(np.minimum(sb, u1) - np.maximum(sa, u0), 0, None)
    explained = extra == overlap
    out: dict[str, Any] = {
        "sample": k,
        "mismatches": int(len(pdiff)),
        "explained_by_transferred_workdays": int((explained & (extra != 0)).sum()),
        "unexplained": int((~explained).sum()),
        "transferred_workdays": [str(d) for d in worked_days],
        "wall_s_full": wall_s,
    }
    if len(pdiff):
        i = int(pdiff[0])
        off_n = day_numbers(days_off)
        oracle = oracle_business(int(sa[i]), int(sb[i]), tz, off_n, worked_n, step_s=1)
        out["example"] = mismatch_example(i, sa, sb, tz, prod, theirs, oracle_s=oracle)
    return out


def _dst_check(k: int, seed: int) -> dict[str, Any]:
    """The like-for-like comparison in Europe/Berlin with DE holidays, around transitions."""
    import holidays
    import numpy as np

    from slametrics.business_time import business_seconds
    from slametrics.policy import BusinessCalendar

    tz, country = "Europe/Berlin", "DE"
    de = sorted(holidays.country_holidays(country, years=list(HOLIDAY_YEARS)).keys())
    ba, bb = stress_intervals(k, seed + 7, tz, de, step_s=1)
    crosses = utc_offsets_s(tz, ba) != utc_offsets_s(tz, bb)
    calendar = BusinessCalendar(hours=HOURS, extra_holidays=de)
    ours = business_seconds(calendar, tz, to_index(ba), to_index(bb))
    theirs, _ = bdt_seconds(bdt_rules(tz, country), ba, bb)
    theirs = np.array(theirs)
    bdiff = np.nonzero(ours != theirs)[0]
    dst: dict[str, Any] = {
        "sample": k,
        "crossing_dst": int(crosses.sum()),
        "mismatches": int(len(bdiff)),
        "mismatches_crossing_dst": int(crosses[bdiff].sum()),
    }
    if len(bdiff):
        i = int(bdiff[0])
        oracle = oracle_business(int(ba[i]), int(bb[i]), tz, day_numbers(de), [], step_s=1)
        dst["example"] = mismatch_example(i, ba, bb, tz, ours, theirs, oracle_s=oracle)
    return dst


# --- correctness: common alternatives vs slametrics vs a brute-force oracle ---------------------


def phase_correctness(p: dict[str, Any]) -> dict[str, Any]:
    import holidays
    import numpy as np

    from slametrics.policy import BusinessCalendar, HolidaySource

    n, k, m, seed = p["intervals"], p["alt_sample"], p["oracle_sample"], p["seed"]
    tz, country = "Europe/Berlin", "DE"
    de_days = sorted(holidays.country_holidays(country, years=list(HOLIDAY_YEARS)).keys())
    calendar = BusinessCalendar(hours=HOURS, holidays=HolidaySource(country=country))
    all_day = _all_day_methods(n, seed, tz, de_days)
    hourly = _hour_methods(all_day["a"][:k], all_day["b"][:k], tz, de_days, calendar)
    methods_bh = hourly["methods"]

    # oracle sample: the disagreements of every alternative first (round robin), then the rest
    candidates = [np.nonzero(v != hourly["ours_bh"])[0] for v, _ in methods_bh.values()]
    candidates += [np.nonzero(hourly[x] != hourly["ours_24h"])[0] for x in ("naive", "day")]
    chosen = _oracle_sample(candidates, k, m)
    ha, hb = hourly["a"], hourly["b"]
    de_n = day_numbers(de_days)
    t0 = time.perf_counter()
    oracle_bh = np.array([oracle_business(int(ha[i]), int(hb[i]), tz, de_n, []) for i in chosen])
    oracle_24 = np.array([oracle_24x7(ha[i], hb[i]) for i in chosen])
    oracle_s = time.perf_counter() - t0
    idx = np.array(chosen, dtype=np.int64)

    business = _Rows(tz, hourly["cross"], hourly["hol"], "business", chosen, oracle_bh, ha, hb)
    full = _Rows(tz, all_day["cross"], None, "24x7", chosen, None, all_day["a"], all_day["b"])
    ours_bh, ours_24 = hourly["ours_bh"], all_day["ours"]
    return {
        "zone": tz,
        "holidays": country,
        "intervals_24x7": n,
        "sample_business_hours": k,
        "oracle_sample": len(chosen),
        "oracle_s": oracle_s,
        "methods": {
            "slametrics_business": business.row(ours_bh, ours_bh),
            **{name: business.row(v, ours_bh, wall=w) for name, (v, w) in methods_bh.items()},
            "slametrics_24x7": full.row(ours_24, ours_24),
            "naive_local_subtraction": full.row(all_day["naive"], ours_24),
            "day_based": full.row(all_day["day"], ours_24),
        },
        "oracle_24x7": {
            "slametrics_24x7": int((hourly["ours_24h"][idx] == oracle_24).sum()),
            "naive_local_subtraction": int((hourly["naive"][idx] == oracle_24).sum()),
            "day_based": int((hourly["day"][idx] == oracle_24).sum()),
            "sample": int(len(idx)),
        },
    }


def _clock_s(s):
    """Seconds since local midnight of each timestamp of a Series."""
    return (s.dt.hour * 3600 + s.dt.minute * 60 + s.dt.second).to_numpy()


def _wall_clock_methods(a_s, b_s, tz: str):
    """Naive local wall-clock subtraction and the day-based idiom, in seconds."""
    import pandas as pd

    a_loc = pd.Series(to_index(a_s).tz_convert(tz))
    b_loc = pd.Series(to_index(b_s).tz_convert(tz))
    naive = (b_loc.dt.tz_localize(None) - a_loc.dt.tz_localize(None)).dt.total_seconds().to_numpy()
    days = (b_loc.dt.normalize() - a_loc.dt.normalize()).dt.days.to_numpy()
    return naive, days * 86400.0 + _clock_s(b_loc) - _clock_s(a_loc)


def _all_day_methods(n: int, seed: int, tz: str, de_days) -> dict[str, Any]:
    """24x7 over all intervals (minute resolution): slametrics and the wall-clock idioms."""
    from slametrics.business_time import business_seconds

    a_s, b_s = stress_intervals(n, seed + 11, tz, de_days, step_s=60)
    naive, day_based = _wall_clock_methods(a_s, b_s, tz)
    return {
        "a": a_s,
        "b": b_s,
        "cross": utc_offsets_s(tz, a_s) != utc_offsets_s(tz, b_s),
        "ours": business_seconds("24x7", tz, to_index(a_s), to_index(b_s)),
        "naive": naive,
        "day": day_based,
    }


def _hour_methods(a_s, b_s, tz: str, de_days, calendar) -> dict[str, Any]:
    """Business hours on a sample, endpoints floored to whole hours (CBH counts whole hours)."""
    import numpy as np

    from slametrics.business_time import business_seconds

    ha, hb = (a_s // 3600) * 3600, (b_s // 3600) * 3600
    out: dict[str, Any] = {
        "a": ha,
        "b": hb,
        "cross": utc_offsets_s(tz, ha) != utc_offsets_s(tz, hb),
        "hol": touches(day_numbers(de_days), ha, hb, tz),
        "ours_bh": business_seconds(calendar, tz, to_index(ha), to_index(hb)),
        "ours_24h": business_seconds("24x7", tz, to_index(ha), to_index(hb)),
    }
    cbh_utc, t_utc = cbh_seconds(ha, hb, None, de_days, "both")
    cbh_both, t_both = cbh_seconds(ha, hb, tz, de_days, "both")
    cbh_left, t_left = cbh_seconds(ha, hb, tz, de_days, "left")
    out["naive"], out["day"] = _wall_clock_methods(ha, hb, tz)
    out["methods"] = {
        "cbh_utc_as_stored": (np.array(cbh_utc), t_utc),
        "cbh_local_default_inclusive": (np.array(cbh_both), t_both),
        "cbh_local_inclusive_left": (np.array(cbh_left), t_left),
    }
    return out


def _oracle_sample(candidates: list, k: int, m: int) -> list[int]:
    """Up to `m` of `k` indices: half the candidates (taken round robin), then the first others."""
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
    return sorted(chosen)


class _Rows:
    """One table's rows of methods compared with slametrics, on the same intervals."""

    def __init__(self, tz, cross, hol, calendar_name, chosen, oracle, a, b) -> None:
        import numpy as np

        self.tz, self.cross, self.hol, self.calendar_name = tz, cross, hol, calendar_name
        self.chosen, self.oracle, self.a, self.b = chosen, oracle, a, b
        self.idx = np.array(chosen, dtype=np.int64)

    def row(self, values, ours, wall: float | None = None) -> dict[str, Any]:
        import numpy as np

        values = np.asarray(values, dtype=float)
        diff = values != ours
        cross, hol = self.cross, self.hol
        out: dict[str, Any] = {
            "calendar": self.calendar_name,
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
        if self.oracle is not None:
            out["oracle_agree"] = int((values[self.idx] == self.oracle).sum())
            out["oracle_sample"] = int(len(self.idx))
        self._examples(out, values, ours, diff)
        return out

    def _examples(self, out: dict[str, Any], values, ours, diff) -> None:
        import numpy as np

        for key, where in (
            ("example", diff & ~np.isnan(values)),
            ("error_example", diff & np.isnan(values)),
        ):
            if where.any():
                i = int(np.nonzero(where)[0][0])
                out[key] = mismatch_example(i, self.a, self.b, self.tz, ours, values)
                if i in self.chosen and self.oracle is not None:
                    out[key]["oracle_s"] = float(self.oracle[self.chosen.index(i)])
