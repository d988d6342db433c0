"""Audit: the vendor's own SLA verdicts beside the recomputation, per clock, priority and ticket."""

from __future__ import annotations

import pandas as pd

from slametrics.api.queries import Query
from slametrics.metrics import prepare, resolve_as_of, vendor_agreement
from slametrics.metrics.audit import (
    AUDIT_COLUMNS,
    AuditInput,
    AuditResult,
    audit_clocks,
    classified_clocks,
)
from slametrics.metrics.suggest import FIT_WARNING, best_per_clock, suggest
from slametrics.results import VendorDisagreement

__all__ = ["AUDIT_COLUMNS", "FIT_WARNING", "audit", "audit_input", "audit_result", "audit_suggest"]


def audit_input(q: Query) -> AuditInput:
    """The query's log prepared under its policy, with the period and its instants."""
    loaded, policy, period, as_of = q.prepare()
    knowledge = as_of if as_of is not None else loaded.log.latest_timestamp()
    cut = resolve_as_of(loaded.log, period, as_of)
    return AuditInput(prepare(loaded.log, policy), policy, period, cut, knowledge)


def audit_result(q: Query, disagreements_only: bool = True) -> AuditResult:
    """Agreement per clock and priority, each disagreement with its cause and evidence.

    Compared are the clocks decided in the period (met at their stop, breached when they
    breached) whose ticket carries the vendor's verdict for that clock.
    """
    result = audit_clocks(audit_input(q))
    if disagreements_only:
        rows = result.tickets
        result.tickets = rows[~rows["agree"]].reset_index(drop=True)
    return result


def audit(
    q: Query, disagreements_only: bool = True
) -> tuple[list[VendorDisagreement], pd.DataFrame]:
    """Per clock, how the vendor's verdicts compare (counts, example tickets), and the compared
    clocks with their causes (`audit_result` adds the figures per priority)."""
    inp = audit_input(q)
    rows = classified_clocks(inp)
    summary = vendor_agreement(inp.prepared.tickets, rows)
    if disagreements_only:
        rows = rows[~rows["agree"]]
    return summary, rows[AUDIT_COLUMNS].reset_index(drop=True)


def audit_suggest(q: Query) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per clock, priority and candidate clock definition: the fitted target and its agreement
    (`best` marks the best candidate), and per clock each stop/pauses over all priorities."""
    frame = suggest(audit_input(q))
    return frame, best_per_clock(frame)
