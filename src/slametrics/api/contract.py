"""Behaviour signals of a period (DESIGN §12): every ticket behind each signal, with its evidence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from slametrics.api.queries import Query
from slametrics.columns import from_us
from slametrics.engine.clocks import PreparedLog, compute_clocks
from slametrics.errors import UserError
from slametrics.metrics import prepare, resolve_as_of
from slametrics.metrics.signals import CODES, Found, attr, find_signals, in_window, signal_counts
from slametrics.policy.contract import Contract
from slametrics.results import PeriodInfo, SignalEvidence, SignalsResult

__all__ = ["CODES", "signals"]


def signals(q: Query, code: str | None = None) -> SignalsResult:
    """The signals of the query's period at its as_of, each ticket with its evidence.

    A policy without a `contract:` uses the default signal thresholds (DESIGN §12). `code`
    keeps one signal.
    """
    if code is not None and code not in CODES:
        raise UserError(f"--code {code!r}: use one of {', '.join(CODES)}")
    loaded, policy, period, as_of = q.prepare()
    if policy.contract is None:
        policy = policy.model_copy(update={"contract": Contract()})
    log = loaded.log
    cut = resolve_as_of(log, period, as_of)
    prepared = prepare(log, policy)
    state = compute_clocks(log.tickets, None, policy, cut, prepared)
    found, reasons = find_signals(log, policy, cut, prepared, state)
    found = [f for f in in_window(found, prepared, period, cut) if code in (None, f.code)]
    return SignalsResult(
        policy=policy.name,
        period=PeriodInfo(
            start=period.start, end=period.end, label=period.label, timezone=period.timezone
        ),
        as_of=cut,
        signals=signal_counts(found, reasons, prepared, limit=len(prepared.tickets)),
        tickets=signal_evidence(found, prepared),
    )


def signal_evidence(found: list[Found], prepared: PreparedLog) -> list[SignalEvidence]:
    """One line per occurrence with its evidence, by ticket and instant."""
    t = prepared.tickets
    rows = []
    for f in found:
        ids, groups, people = (attr(t, c, f.tix) for c in ("ticket_id", "group", "assignee"))
        at = from_us(f.at)
        cols = {
            k: pd.Series(v, dtype=object).where(pd.notna(pd.Series(v)), None).tolist()
            for k, v in f.evidence.items()
        }
        # one object per occurrence: the output's lines, not a per-ticket computation
        rows += [
            SignalEvidence(
                code=f.code,
                ticket_id=str(ids[i]),
                at=at[i],
                group=groups[i],
                assignee=people[i],
                evidence={k: _plain(v[i]) for k, v in cols.items()},
            )
            for i in range(len(f.tix))
        ]
    return sorted(rows, key=lambda r: (r.ticket_id, r.at, r.code))


def _plain(v):
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return round(v, 3)
    return v
