"""Machine-readable renderers: JSON, CSV (formula-safe), JUnit XML, GitHub annotations, text."""

from __future__ import annotations

import io
import json
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
from pydantic import BaseModel

from slametrics.results import CheckResult, ThresholdValue

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def render_json(model: BaseModel) -> str:
    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"


def frame_to_json(df: pd.DataFrame) -> str:
    return json.dumps(frame_records(df), indent=2, ensure_ascii=False) + "\n"


def frame_records(df: pd.DataFrame) -> list[dict]:
    return json.loads(_iso(df).to_json(orient="records", force_ascii=False))


def _iso(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as ISO 8601 UTC strings with Z, seconds as plain numbers."""
    out = df.copy()
    for col in out.columns:
        if isinstance(out[col].dtype, pd.DatetimeTZDtype):
            out[col] = out[col].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def neutralize(value: object) -> object:
    """Prefix cells that a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        try:
            float(value)
            return value  # a negative number stays a number
        except ValueError:
            return "'" + value
    return value


def frame_to_csv(df: pd.DataFrame) -> str:
    out = _iso(df)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            # element by element: `map` would infer a float column from integer counts
            cells = [neutralize(v) for v in out[col].tolist()]
            out[col] = pd.Series(cells, index=out.index, dtype=object)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _describe(t: ThresholdValue) -> str:
    bound = (f">= {t.min:g}" if t.min is not None else "") + (
        (" and " if t.min is not None and t.max is not None else "")
        + (f"<= {t.max:g}" if t.max is not None else "")
    )
    value = f"n/a ({t.reason or 'no data'})" if t.value is None else f"{t.value:.4g}"
    return f"{t.label}: {value} (limit {bound})"


def _instant(value) -> str:
    return "none" if value is None else pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _context(result: CheckResult) -> list[str]:
    """What every check format says besides the verdicts: freshness and untargeted tickets."""
    lines = [f"data until {_instant(result.data_until)}"]
    if result.data_until is not None and pd.Timestamp(result.data_until) < pd.Timestamp(
        result.period.end
    ):
        lines[0] += f" (before the period's end {_instant(result.period.end)})"
    untargeted = ", ".join(f"{clock} {n}" for clock, n in result.untargeted.items())
    lines.append(f"untargeted tickets of the period: {untargeted or 'none'}")
    return lines


def _verdict(result: CheckResult) -> str:
    failed = sum(t.state == "fail" for t in result.thresholds)
    unjudged = sum(t.state == "not judgeable" for t in result.thresholds)
    if result.passed:
        allowed = f" ({unjudged} not judgeable, allowed)" if unjudged else ""
        return "all thresholds met" + allowed
    parts = [f"{failed} threshold(s) missed"] if failed else []
    parts += [f"{unjudged} threshold(s) not judgeable"] if unjudged else []
    return ", ".join(parts)


def check_text(result: CheckResult) -> str:
    as_of = result.as_of.isoformat(timespec="seconds")
    lines = [f"{result.policy}: period {result.period.label}, as of {as_of}", *_context(result)]
    for t in result.thresholds:
        status = (t.state or ("pass" if t.passed else "fail")).upper()
        note = f" [{t.note}]" if t.note else ""
        lines.append(f"{status} {_describe(t)}{note}")
    if not result.thresholds:
        lines.append("no thresholds in the policy")
    lines.append(_verdict(result))
    return "\n".join(lines) + "\n"


def check_junit(result: CheckResult) -> str:
    failures = sum(not t.passed for t in result.thresholds)
    skipped = sum(t.state == "no tickets" for t in result.thresholds)
    name = quoteattr(f"slametrics {result.policy} {result.period.label}")
    counts = f'tests="{len(result.thresholds)}" failures="{failures}" skipped="{skipped}"'
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<testsuites name={name} {counts}>",
        f'  <testsuite name={name} {counts} timestamp="{result.as_of.isoformat()}">',
        "    <properties>",
        f'      <property name="data_until" value="{_instant(result.data_until)}"/>',
        *(
            f'      <property name="untargeted.{clock}" value="{n}"/>'
            for clock, n in result.untargeted.items()
        ),
        "    </properties>",
    ]
    for t in result.thresholds:
        out.append(f'    <testcase classname="slametrics.thresholds" name={quoteattr(t.label)}>')
        described = f"{(t.state or '').upper()}: {_describe(t)}"
        if not t.passed:
            out.append(
                f"      <failure message={quoteattr(described)}>{escape(described)}</failure>"
            )
        elif t.state == "no tickets":
            out.append(f"      <skipped message={quoteattr(t.note or 'no tickets')}/>")
        elif t.note:
            out.append(f"      <system-out>{escape(t.note)}</system-out>")
        out.append("    </testcase>")
    out.append(f"    <system-out>{escape('; '.join(_context(result)))}</system-out>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def check_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: an ::error per missed or unjudged threshold, a
    ::warning for stale data, a ::notice summary with freshness and untargeted counts."""

    def esc(s: str) -> str:
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for t in result.thresholds:
        if not t.passed:
            title = (
                "SLA threshold not judgeable"
                if t.state == "not judgeable"
                else ("SLA threshold missed")
            )
            lines.append(f"::error title={title}::{esc(_describe(t))}")
    context = _context(result)
    if "before the period" in context[0]:
        lines.append(f"::warning title=slametrics data is stale::{esc(context[0])}")
    summary = "; ".join([_verdict(result), *context])
    lines.append(f"::notice title=slametrics {esc(result.period.label)}::{esc(summary)}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    """A Markdown table cell: pipes escaped, no line breaks."""
    return text.replace("|", "\\|").replace("\n", " ")


def _limit(t: ThresholdValue) -> str:
    bounds = (
        f">= {t.min:g}" if t.min is not None else "",
        f"<= {t.max:g}" if t.max is not None else "",
    )
    return " and ".join(b for b in bounds if b)


def check_markdown(result: CheckResult) -> str:
    """The check as a Markdown summary (GitHub's job summary): verdict, thresholds, context."""
    mark = "passed" if result.passed else "failed"
    as_of = result.as_of.isoformat(timespec="seconds")
    lines = [
        f"### slametrics check {mark}: {_md(result.policy)}, period {_md(result.period.label)}",
        "",
        f"**{_verdict(result)}** (as of {as_of})",
        "",
    ]
    if result.thresholds:
        lines += ["| threshold | value | limit | result |", "|---|---:|---|---|"]
        for t in result.thresholds:
            value = f"n/a ({t.reason or 'no data'})" if t.value is None else f"{t.value:.4g}"
            state = t.state or ("pass" if t.passed else "fail")
            note = f" ({t.note})" if t.note else ""
            lines.append(f"| {_md(t.label)} | {_md(value)} | {_limit(t)} | {_md(state + note)} |")
    else:
        lines.append("no thresholds in the policy")
    lines += ["", *(f"- {_md(line)}" for line in _context(result)), ""]
    return "\n".join(lines) + "\n"


def metrics_frame(result) -> pd.DataFrame:
    """Metrics as flat rows (section, name, clock, key, value, numerator, denominator) for CSV."""
    rows = [
        ("metric", name, "", "", m.value, m.numerator, m.denominator, m.reason)
        for name, m in result.metrics.items()
    ]
    fields = (
        "met",
        "breached",
        "running",
        "unknown",
        "canceled",
        "untargeted",
        "backlog",
        "on_time_share",
        "p50_s",
        "p90_s",
        "p95_s",
    )
    for clock, c in result.clocks.items():
        for field in fields:
            reason = c.reason if field == "on_time_share" else None
            rows.append(("clock", field, clock, "", getattr(c, field), None, None, reason))
    for s in [*result.by_priority, *result.by_kind, *result.by_field]:
        counts = (s.met, s.met + s.breached)
        rows.append(
            (f"by_{s.dimension}", "on_time_share", s.clock, s.key, s.on_time_share, *counts, None)
        )
    columns = ["section", "name", "clock", "key", "value", "numerator", "denominator", "reason"]
    # object columns: counts stay integers beside shares (a float column would print 34.0)
    return pd.DataFrame(rows, columns=columns, dtype=object)
