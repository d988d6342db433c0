"""Audit: the vendor's own SLA verdicts beside the recomputation, per clock and ticket."""

from __future__ import annotations

import pandas as pd

from slametrics.api.queries import Query, period_clocks
from slametrics.metrics import (
    counted_clocks,
    vendor_agreement,
)
from slametrics.metrics.quality import VENDOR_VERDICTS

AUDIT_COLUMNS = [
    "ticket_id",
    "clock",
    "vendor_met",
    "outcome",
    "agree",
    "elapsed_s",
    "target_s",
    "started_at",
    "stopped_at",
    "vendor_due_at",
    "due_at",
    "priority",
    "source",
]


def audit(q: Query, disagreements_only: bool = True) -> tuple[list, pd.DataFrame]:
    """Where the source's own SLA verdicts and the recomputation disagree, per clock and ticket.

    Compared are the clocks decided in the period (met at their stop, breached when they breached)
    and whose ticket carries the vendor's verdict for that clock.
    """
    clocks, tickets_in_scope, period = period_clocks(q)
    counted = counted_clocks(clocks, period)
    t = tickets_in_scope.set_index("tix")
    parts = []
    for clock, col in VENDOR_VERDICTS.items():
        c = counted[counted["clock"] == clock]
        vendor = t[col].reindex(c["tix"]).set_axis(c.index) if col in t else pd.NA
        c = c.assign(
            vendor_met=vendor, vendor_due_at=t["due_at"].reindex(c["tix"]).set_axis(c.index)
        )
        parts.append(c[pd.notna(c["vendor_met"])])
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=AUDIT_COLUMNS)
    rows["vendor_met"] = rows["vendor_met"].astype(bool)
    rows["agree"] = rows["vendor_met"] == (rows["outcome"] == "met")
    summary = vendor_agreement(tickets_in_scope, counted)
    if disagreements_only:
        rows = rows[~rows["agree"]]
    rows = rows.sort_values(["clock", "ticket_id"], kind="stable")
    return summary, rows[AUDIT_COLUMNS].reset_index(drop=True)
