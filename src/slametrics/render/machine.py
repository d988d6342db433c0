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
            out[col] = out[col].map(neutralize)
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _describe(t: ThresholdValue) -> str:
    bound = (f">= {t.min:g}" if t.min is not None else "") + (
        (" and " if t.min is not None and t.max is not None else "")
        + (f"<= {t.max:g}" if t.max is not None else "")
    )
    value = "no data" if t.value is None else f"{t.value:.4g}"
    return f"{t.label}: {value} (limit {bound})"


def check_text(result: CheckResult) -> str:
    as_of = result.as_of.isoformat(timespec="seconds")
    lines = [f"{result.policy}: period {result.period.label}, as of {as_of}"]
    for t in result.thresholds:
        status = "PASS" if t.passed else "FAIL"
        note = f" [{t.note}]" if t.note else ""
        lines.append(f"{status} {_describe(t)}{note}")
    if not result.thresholds:
        lines.append("no thresholds in the policy")
    missed = sum(not t.passed for t in result.thresholds)
    lines.append("all thresholds met" if result.passed else f"{missed} threshold(s) missed")
    return "\n".join(lines) + "\n"


def check_junit(result: CheckResult) -> str:
    failures = sum(not t.passed for t in result.thresholds)
    name = quoteattr(f"slametrics {result.policy} {result.period.label}")
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name={name} tests="{len(result.thresholds)}" failures="{failures}">',
        f'  <testsuite name={name} tests="{len(result.thresholds)}" failures="{failures}" '
        f'timestamp="{result.as_of.isoformat()}">',
    ]
    for t in result.thresholds:
        out.append(f'    <testcase classname="slametrics.thresholds" name={quoteattr(t.label)}>')
        if not t.passed:
            out.append(
                f"      <failure message={quoteattr(_describe(t))}>{escape(_describe(t))}</failure>"
            )
        elif t.note:
            out.append(f"      <system-out>{escape(t.note)}</system-out>")
        out.append("    </testcase>")
    out += ["  </testsuite>", "</testsuites>"]
    return "\n".join(out) + "\n"


def check_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: an ::error per missed threshold, a ::notice summary."""

    def esc(s: str) -> str:
        return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for t in result.thresholds:
        if not t.passed:
            lines.append(f"::error title=SLA threshold missed::{esc(_describe(t))}")
    verdict = "all thresholds met" if result.passed else "thresholds missed"
    lines.append(f"::notice title=slametrics {esc(result.period.label)}::{esc(verdict)}")
    return "\n".join(lines) + "\n"


def metrics_frame(result) -> pd.DataFrame:
    """Metrics as flat rows (section, name, clock, key, value, numerator, denominator) for CSV."""
    rows = [
        ("metric", name, "", "", m.value, m.numerator, m.denominator)
        for name, m in result.metrics.items()
    ]
    for clock, c in result.clocks.items():
        for field in ("met", "breached", "running", "on_time_share", "p50_s", "p90_s", "p95_s"):
            rows.append(("clock", field, clock, "", getattr(c, field), None, None))
    for s in [*result.by_priority, *result.by_kind, *result.by_field]:
        counts = (s.met, s.met + s.breached)
        rows.append(
            (f"by_{s.dimension}", "on_time_share", s.clock, s.key, s.on_time_share, *counts)
        )
    return pd.DataFrame(
        rows, columns=["section", "name", "clock", "key", "value", "numerator", "denominator"]
    )
