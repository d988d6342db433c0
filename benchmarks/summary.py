"""The printed summary: one table per section, each target MET or MISSED."""

from __future__ import annotations

import json
from typing import Any

from benchmarks.intervals import SPAN
from benchmarks.phases import LONG_PHASES, LONG_START, LONG_WEEKS, POLICY, REPO, SIZE_PHASES, WEEK

MIB = 1024**2
GIB = 1024**3
TARGETS = {
    "end_to_end_s": 20.0,  # 1M tickets: import + metrics + report
    "end_to_end_peak_rss_gib": 3.0,
    "import_over_floor": 2.0,
    "business_time_speedup": 1000.0,  # slametrics vs businesstimedelta, intervals per second
}
TARGET_SIZE = 1_000_000
METHOD_NAMES = {
    "slametrics_business": "slametrics business_seconds",
    "cbh_utc_as_stored": "pandas CBH date_range count, UTC as stored",
    "cbh_local_default_inclusive": "pandas CBH date_range count, local, inclusive=both",
    "cbh_local_inclusive_left": "pandas CBH date_range count, local, inclusive=left",
    "slametrics_24x7": "slametrics 24x7",
    "naive_local_subtraction": "naive local wall-clock subtraction",
    "day_based": "day-based: normalize().days*24h + clock times",
}


def brief(res: dict[str, Any]) -> str:
    """One phase's result on one line, for the progress log."""
    if "error" in res:
        return f"FAILED {res['error']}"
    if "skipped" in res:
        return f"skipped: {res['skipped']}"
    rss = res.get("peak_rss_bytes", 0) / MIB
    return f"{res.get('wall_s', 0):.2f}s, peak RSS {rss:,.0f} MiB"


def render(results: dict[str, Any]) -> str:
    lines = _header(results)
    lines += _render_startup(results.get("startup"))
    for size, s in results["sizes"].items():
        lines += _render_size(int(size), s)
    lines += _render_growth(results["sizes"])
    if results.get("long"):
        lines += _render_long(results["long"])
    bt = results.get("business_time")
    if bt and "error" not in bt:
        lines += _render_business_time(bt)
    elif bt:
        lines += ["", f"business time FAILED ({bt['error']}):\n{bt.get('log_tail', '')}"]
    co = results.get("correctness")
    if co and "error" not in co:
        lines += _render_correctness(co)
    elif co:
        lines += ["", f"correctness FAILED ({co['error']}):\n{co.get('log_tail', '')}"]
    return "\n".join(lines)


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


def _header(results: dict[str, Any]) -> list[str]:
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
        lines.append(
            f"load average (1, 5, 15 min) before {before}, after {after}: other work on "
            "the machine inflates wall times"
        )
    base = results.get("baseline", {})
    if "peak_rss_bytes" in base:
        lines.append(
            f"baseline: python + `import slametrics.api` takes {base['process_s']:.2f}s and "
            f"{base['peak_rss_bytes'] / MIB:,.0f} MiB (included in every peak RSS below)"
        )
    return lines


STARTUP_TARGET = 3.0  # `slametrics --help` within 3x `python -c "import typer"`
GROWTH_TARGET = 1.6  # peak of import + metrics + report at 5x the tickets, at most this ratio


def _render_startup(st: dict[str, Any] | None) -> list[str]:
    if not st:
        return []
    if "error" in st:
        return ["", f"start-up FAILED ({st['error']}):\n{st.get('log_tail', '')}"]
    ok = st["ratio"] <= STARTUP_TARGET
    return [
        "",
        f'start-up: `slametrics --help` {st["help_s"]:.3f}s, `python -c "import typer"` '
        f"{st['typer_s']:.3f}s (best of {st.get('repeat', 5)}, alternated): {st['ratio']:.1f}x "
        f"(target <= {STARTUP_TARGET:.0f}x: {_verdict(ok)})",
    ]


def bounded_peak(s: dict[str, Any]) -> int | None:
    """Peak RSS of import, bucket-by-bucket whole-span metrics and report at one size."""
    parts = [s["phases"].get(n, {}) for n in ("import", "metrics_span_buckets", "report")]
    if not all("peak_rss_bytes" in p for p in parts):
        return None
    return max(p["peak_rss_bytes"] for p in parts)


def _render_growth(sizes: dict[str, Any]) -> list[str]:
    """How peak memory grows with the log: each size against the smallest."""
    peaks = {int(k): bounded_peak(v) for k, v in sizes.items()}
    peaks = {k: v for k, v in sorted(peaks.items()) if v}
    if len(peaks) < 2:
        return []
    base_size, base = next(iter(peaks.items()))
    lines = ["", "peak RSS of import + metrics (bucket by bucket) + report, against the smallest:"]
    for size, peak in peaks.items():
        ratio = peak / base
        mark = ""
        if size == 5 * base_size:
            mark = f" (target <= {GROWTH_TARGET}x at 5x the tickets: {_verdict(ratio <= GROWTH_TARGET)})"
        lines.append(f"  {size:>12,} tickets: {peak / MIB:,.0f} MiB = {ratio:.2f}x{mark}")
    return lines


def _size_row(label: str, ph: dict[str, Any]) -> list[str]:
    if "error" in ph or "skipped" in ph:
        return [label, "-", "FAILED" if "error" in ph else "skipped", *"----"]
    return [
        label,
        _num(ph.get("load_s"), ".2f") if "load_s" in ph else "",
        _num(ph["wall_s"], ".2f"),
        _num(ph.get("rows_per_s")),
        _num(ph["peak_rss_bytes"] / MIB),
        _num(ph["process_s"], ".2f"),
        _num(ph.get("cpu_s"), ".2f"),
    ]


def _of_runs(phases: dict[str, Any]) -> str:
    """ ", best of N alternated runs (pairs: ...)" when floor and import were repeated."""
    pairs = phases.get("import", {}).get("pair_ratios")
    if not pairs or len(pairs) < 2:
        return ""
    listed = ", ".join(f"{r:.2f}" for r in pairs)
    return f", best of {len(pairs)} alternated runs each (pairs: {listed})"


def _render_size(size: int, s: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"size {size:,} tickets / {s['events'] or 0:,} events ({s['rows'] or 0:,} CSV rows)",
    ]
    rows = [
        _size_row(label, s["phases"][name]) for name, label in SIZE_PHASES if name in s["phases"]
    ]
    header = ["phase", "load s", "wall s", "rows/s", "peak RSS MiB", "process s", "cpu s"]
    lines.append(_table(header, rows, "lrrrrrr"))
    if "import_over_floor" in s:
        ok = s["import_over_floor"] <= TARGETS["import_over_floor"]
        lines.append(
            f"import / floor = {s['import_over_floor']:.2f}x{_of_runs(s['phases'])} "
            f"(target <= {TARGETS['import_over_floor']:.0f}x: {_verdict(ok)})"
        )
    for label, e in s["end_to_end"].items():
        lines.append(_end_to_end(size, label, e))
    for name, ph in s["phases"].items():
        if "error" in ph:
            lines.append(f"{name} FAILED ({ph['error']}):\n{ph['log_tail']}")
    return lines


def _end_to_end(size: int, label: str, e: dict[str, Any]) -> str:
    what = "metrics " + (WEEK if label == "week" else "whole span")
    text = (
        f"end to end (import + {what} incl. load + report {WEEK}): "
        f"{e['total_s']:.1f}s measured, {e['process_s']:.1f}s with process start, "
        f"peak RSS {e['peak_rss_bytes'] / GIB:.2f} GiB"
    )
    if size == TARGET_SIZE:
        ok_t = e["total_s"] <= TARGETS["end_to_end_s"]
        ok_m = e["peak_rss_bytes"] <= TARGETS["end_to_end_peak_rss_gib"] * GIB
        text += (
            f" (targets < {TARGETS['end_to_end_s']:.0f}s: {_verdict(ok_t)}, "
            f"< {TARGETS['end_to_end_peak_rss_gib']:.0f} GiB: {_verdict(ok_m)})"
        )
    return text


def _render_long(long: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"period pruning: {long.get('tickets') or 0:,} tickets / "
        f"{long.get('events') or 0:,} events over {LONG_WEEKS} weeks from {LONG_START}",
    ]
    rows = []
    for name, label in LONG_PHASES:
        ph = long["phases"].get(name)
        if ph is None or "error" in ph:
            rows.append([label, "FAILED" if ph else "-", "", ""])
            continue
        load = _num(ph.get("load_s"), ".2f") if "load_s" in ph else ""
        rows.append([label, load, _num(ph["wall_s"], ".2f"), _num(ph["peak_rss_bytes"] / MIB)])
    lines.append(_table(["phase", "load s", "wall s", "peak RSS MiB"], rows, "lrrr"))
    for key, what in (("metrics_week_over_span", "metrics"), ("report_over_span", "report")):
        if key in long:
            lines.append(
                f"{what} {WEEK} costs {long[key]:.0%} of the whole-span {what} (load included)"
            )
    return lines


def _render_business_time(bt: dict[str, Any]) -> list[str]:
    sl, bd = bt["slametrics"], bt["businesstimedelta"]
    rows = [
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
    ]
    ok = bt["speedup"] >= TARGETS["business_time_speedup"]
    return [
        "",
        f"business time per interval: {bt['calendar']}; intervals {SPAN[0]}..{SPAN[1]}, "
        f"median {bt['median_length_h']:.1f} h, mean {bt['mean_length_h']:.1f} h "
        f"(peak RSS {bt['peak_rss_bytes'] / MIB:,.0f} MiB)",
        _table(["method", "intervals", "seconds", "intervals/s"], rows, "lrrr"),
        f"speed ratio {bt['speedup']:,.0f}x "
        f"(target >= {TARGETS['business_time_speedup']:,.0f}x: {_verdict(ok)})",
        *_business_time_checks(bt),
    ]


def _business_time_checks(bt: dict[str, Any]) -> list[str]:
    lf, pr, ds = bt["like_for_like"], bt["production_calendar"], bt["dst_check"]
    lines = [
        f"identical results, same calendar (the RU days off the HolidayRule sees, no "
        f"transferred workdays): {lf['mismatches']} mismatches of {lf['sample']:,}"
        f" -> {'IDENTICAL' if lf['mismatches'] == 0 else 'NOT IDENTICAL'}"
    ]
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
    return lines


def _correctness_row(key: str, r: dict[str, Any], o24: dict[str, Any]) -> list[str]:
    if "oracle_agree" in r:
        oracle = f"{r['oracle_agree']}/{r['oracle_sample']}"
    else:
        oracle = f"{o24[key]}/{o24['sample']}"
    holiday = (
        "-"
        if r["touching_holiday"] is None
        else f"{r['differ_touching_holiday']}/{r['touching_holiday']}"
    )
    return [
        METHOD_NAMES.get(key, key),
        r["calendar"],
        _num(r["intervals"]),
        _num(r["differ"]),
        f"{100 * r['share']:.1f}%",
        f"{r['differ_crossing_dst']}/{r['crossing_dst']}",
        holiday,
        _num(r["differ_other"]),
        oracle,
    ]


def _render_correctness(co: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"correctness ({co['zone']}, {co['holidays']} holidays, Mon-Fri 09:00-18:00 or 24x7; "
        f"a quarter of the intervals contain a DST transition, a quarter a holiday's start; "
        f"business hours on the first {co['sample_business_hours']:,} intervals floored to "
        f"whole hours, 24x7 on {co['intervals_24x7']:,} minute-aligned intervals; oracle = "
        f"per-minute brute force on {co['oracle_sample']} of the hour-aligned intervals, "
        f"disagreements first)",
    ]
    rows = [_correctness_row(key, r, co["oracle_24x7"]) for key, r in co["methods"].items()]
    header = ["method", "calendar", "intervals", "differ", "share", "differ/cross DST"]
    header += ["differ/holiday", "differ other", "= oracle"]
    lines.append(_table(header, rows, "llrrrrrrr"))
    for key, r in co["methods"].items():
        name = METHOD_NAMES.get(key, key)
        if "example" in r:
            lines.append(f"  {name}: e.g. {json.dumps(r['example'])}")
        if r.get("errors"):
            lines.append(
                f"  {name}: raised on {r['errors']} intervals "
                f"(ValueError), e.g. {json.dumps(r['error_example'])}"
            )
    return lines
