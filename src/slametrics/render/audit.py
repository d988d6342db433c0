"""Renderers of `audit`: agreement per clock and priority, causes, tickets, fitted rules."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from rich.console import Group
from rich.text import Text

from slametrics.render.machine import frame_records
from slametrics.render.terminal import frame_table

AUDIT_TABLE_ROWS = 200  # the terminal shows the first rows; --format csv has them all
SUGGEST_SHOWN = ["stop", "pauses", "calendar", "compared", "target", "agreement"]


def _dump(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def audit_json(result: Any) -> str:
    """The audit as one JSON document: summary per clock and priority, causes, tickets."""
    return _dump(
        {
            "summary": frame_records(result.summary),
            "causes": dict(result.causes),
            "tickets": frame_records(result.tickets),
        }
    )


def audit_sheets(result: Any) -> dict[str, pd.DataFrame]:
    """The audit as workbook sheets: the summary, the causes and the compared tickets."""
    causes = pd.DataFrame(list(result.causes.items()), columns=["cause", "disagreements"])
    return {"summary": result.summary, "causes": causes, "tickets": result.tickets}


def causes_line(causes: dict[str, int]) -> str:
    shown = [f"{name} {n}" for name, n in causes.items() if n]
    return "disagreements by cause: " + (", ".join(shown) if shown else "none")


def audit_tables(result: Any) -> Group:
    """Summary, causes and the first compared tickets for a terminal."""
    if not len(result.summary):
        return Group(Text("no vendor SLA verdicts in the data to compare"))
    summary = result.summary.assign(agreement=result.summary["agreement"].map("{:.2f}%".format))
    parts = [frame_table(summary, "vendor verdicts against the recomputation")]
    parts.append(Text(causes_line(result.causes)))
    if len(result.tickets):
        shown = result.tickets.head(AUDIT_TABLE_ROWS)
        keep = ["ticket_id", "clock", "vendor_met", "outcome", "cause", "evidence", "priority"]
        parts.append(frame_table(shown.drop(columns=["source"], errors="ignore"), keep=keep))
    return Group(*parts)


def _optimum(row: pd.Series) -> str:
    hi = (
        "inf"
        if not pd.notna(row["optimum_to_s"]) or row["optimum_to_s"] == float("inf")
        else (f"{row['optimum_to_s']:g} s")
    )
    return f"[{row['optimum_from_s']:g} s, {hi})"


def suggest_json(candidates: pd.DataFrame, per_clock: pd.DataFrame, warning: str) -> str:
    """Every candidate with its fitted target (`best` per clock and priority), per clock."""
    return _dump(
        {
            "warning": warning,
            "best": frame_records(candidates[candidates["best"]]),
            "per_clock": frame_records(per_clock),
            "candidates": frame_records(candidates),
        }
    )


def suggest_tables(candidates: pd.DataFrame, per_clock: pd.DataFrame) -> Group:
    """The best candidate per clock and priority, with the sharpness of its optimum."""
    if not len(candidates):
        return Group(Text("no vendor SLA verdicts in the data to fit"))
    best = candidates[candidates["best"]].copy()
    best["optimum"] = best.apply(_optimum, axis=1)
    cols = ["clock", "priority", *SUGGEST_SHOWN, "agreement_0_8x", "agreement_1_25x"]
    cols += ["optimum", "optimum_agreement"]
    return Group(
        frame_table(best[cols], "best rule per clock and priority (agreement in %)"),
        frame_table(per_clock, "one clock definition for all priorities (agreement in %)"),
    )
