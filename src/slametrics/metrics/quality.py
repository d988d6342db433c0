"""Data quality of a period: fidelity, sources, rejected rows and the vendor's own verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@dataclass
class VendorPart:
    """One clock's comparison of the source's verdicts with the recomputed ones (counts, and
    the first LIST_LIMIT disagreeing ticket ids in order)."""

    compared: int = 0
    disagree: int = 0
    vendor_met_recomputed_breached: int = 0
    vendor_breached_recomputed_met: int = 0
    tickets: list[str] = field(default_factory=list)

    @staticmethod
    def merged(parts: list[VendorPart]) -> VendorPart:
        return VendorPart(
            *(sum(getattr(p, f) for p in parts) for f in COUNT_FIELDS),
            sorted(x for p in parts for x in p.tickets)[:LIST_LIMIT],
        )


COUNT_FIELDS = (
    "compared",
    "disagree",
    "vendor_met_recomputed_breached",
    "vendor_breached_recomputed_met",
)


def vendor_parts(t: pd.DataFrame, clocks: pd.DataFrame) -> dict[str, VendorPart]:
    """Per clock, how the source's own verdicts compare with the recomputed decided clocks.

    `t` holds the tickets (with `tix`), `clocks` the clock rows to compare.
    """
    vendor = {}
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
        vendor[clock] = VendorPart(
            int(known.sum()),
            int(diff.sum()),
            int((vm & ~rm).sum()),
            int((~vm & rm).sum()),
            disagreeing[:LIST_LIMIT],
        )
    return vendor


def vendor_agreement(t: pd.DataFrame, clocks: pd.DataFrame) -> list[VendorDisagreement]:
    """`vendor_parts` as the result's rows."""
    return vendor_rows(vendor_parts(t, clocks))


def vendor_rows(parts: dict[str, VendorPart]) -> list[VendorDisagreement]:
    return [
        VendorDisagreement(
            clock=clock, **{f: getattr(p, f) for f in COUNT_FIELDS}, tickets=p.tickets
        )
        for clock, p in parts.items()
    ]


def data_quality(
    fidelity: dict[str, int],
    sources: dict[str, int],
    vendor: dict[str, VendorPart],
    rows_rejected: int,
    problems: int,
) -> DataQuality:
    """Fidelity and sources of the tickets the period saw, rejected rows, vendor agreement."""
    return DataQuality(
        fidelity=dict(sorted(fidelity.items())),
        sources=dict(sorted(sources.items())),
        rows_rejected=rows_rejected,
        problems=problems,
        vendor=vendor_rows(vendor),
    )
