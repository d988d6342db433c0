"""Metrics of a period (DESIGN §7): figures, breakdowns, lists, trend and data quality."""

from slametrics.metrics.compute import compute_metrics
from slametrics.metrics.figures import (
    DONE,
    backlog_clocks,
    counted_clocks,
    in_period,
    of_period_mask,
    prepare,
    resolve_as_of,
)
from slametrics.metrics.lists import LIST_LIMIT
from slametrics.metrics.quality import vendor_agreement

__all__ = [
    "DONE",
    "backlog_clocks",
    "in_period",
    "of_period_mask",
    "LIST_LIMIT",
    "compute_metrics",
    "counted_clocks",
    "prepare",
    "resolve_as_of",
    "vendor_agreement",
]
