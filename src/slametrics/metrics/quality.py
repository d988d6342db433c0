"""Data quality of a period: fidelity, sources, rejected rows and the vendor's own verdicts."""

from __future__ import annotations

import pandas as pd

from slametrics.metrics.audit import VENDOR_COLUMNS
from slametrics.metrics.lists import LIST_LIMIT
from slametrics.periods import Period
from slametrics.results import (
    DataQuality,
    VendorDisagreement,
)


def touched(t: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Tickets the period saw: changed during or after its start, or still open at as_of."""
    open_now = ~t["status_class_at"].isin(["resolved", "closed", "canceled"])
    return t[(t["updated_at"] >= period.start) | open_now]


VENDOR_VERDICTS = {clock: met for clock, (met, _) in VENDOR_COLUMNS.items()}


def vendor_agreement(t: pd.DataFrame, clocks: pd.DataFrame) -> list[VendorDisagreement]:
    """Per clock, how the source's own verdicts compare with the recomputed decided clocks.

    `t` holds the tickets (with `tix`), `clocks` the clock rows to compare.
    """
    vendor = []
    for clock, col in VENDOR_VERDICTS.items():
        if col not in t:
            continue
        c = clocks[(clocks["clock"] == clock) & clocks["outcome"].isin(["met", "breached"])]
        v = t.set_index("tix")[col].reindex(c["tix"]).to_numpy()
        known = pd.notna(v)
        if not known.any():
            continue
        vm = v[known].astype(bool)
        rm = c["outcome"].to_numpy()[known] == "met"
        diff = vm != rm
        disagreeing = sorted(c["ticket_id"].to_numpy()[known][diff].astype(str).tolist())
        vendor.append(
            VendorDisagreement(
                clock=clock,
                compared=int(known.sum()),
                disagree=int(diff.sum()),
                vendor_met_recomputed_breached=int((vm & ~rm).sum()),
                vendor_breached_recomputed_met=int((~vm & rm).sum()),
                tickets=disagreeing[:LIST_LIMIT],
            )
        )
    return vendor


def data_quality(
    t: pd.DataFrame, clocks: pd.DataFrame, rows_rejected: int, problems: int
) -> DataQuality:
    """Fidelity and sources of the tickets the period saw, rejected rows, vendor agreement."""
    return DataQuality(
        fidelity={str(k): int(v) for k, v in t["fidelity"].value_counts().sort_index().items()},
        sources={str(k): int(v) for k, v in t["source"].value_counts().sort_index().items()},
        rows_rejected=rows_rejected,
        problems=problems,
        vendor=vendor_agreement(t, clocks),
    )
