"""Contract money per billing period (DESIGN §12): volumes, overage, credits (capped), net due."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from slametrics.columns import NAT, to_us
from slametrics.engine.clocks import PreparedLog, compute_clocks
from slametrics.eventlog import EventLog
from slametrics.metrics.hours import NO_TIME_SPENT, Resolutions, hours_figures, resolutions
from slametrics.metrics.lines import line_figures
from slametrics.metrics.lists import LIST_LIMIT
from slametrics.metrics.period import PeriodFigures, measure_thresholds, period_figures
from slametrics.metrics.signals import find_signals, in_window, signal_counts
from slametrics.periods import Period, month_period, quarter_period
from slametrics.policy import Policy
from slametrics.policy.contract import Contract
from slametrics.results import ContractCredit, ContractFigures, ContractPeriod, ThresholdValue

CENT = Decimal("0.01")


def money(x: Decimal) -> Decimal:
    """Amounts to the minor unit, half up (as invoices round)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def billing_period_of(instant: pd.Timestamp, contract: Contract, tz: str) -> Period:
    """The billing period (month or quarter, local midnights) that contains `instant`."""
    local = instant.tz_convert(tz)
    if contract.billing_period == "quarter":
        return quarter_period(local.year, (local.month - 1) // 3 + 1, tz)
    return month_period(local.year, local.month, tz)


def touched_billing_periods(period: Period, contract: Contract) -> list[Period]:
    """The billing periods that overlap `period`, oldest first (a loop over periods only)."""
    out = [billing_period_of(period.start, contract, period.timezone)]
    while out[-1].end < period.end:
        out.append(billing_period_of(out[-1].end, contract, period.timezone))
    return out


def _in(us: np.ndarray, p: Period) -> np.ndarray:
    lo, hi = (int(to_us(pd.DatetimeIndex([x]))[0]) for x in (p.start, p.end))
    return (us != NAT) & (us >= lo) & (us < hi)


def _hours(seconds: float) -> Decimal:
    return (Decimal(repr(float(seconds))) / 3600).quantize(CENT, rounding=ROUND_HALF_UP)


def _missed(th: ThresholdValue) -> bool:
    """A threshold with a value outside its bounds (the rule of `check.judge_threshold`)."""
    if th.value is None:
        return False
    return (th.min is not None and th.value < th.min) or (th.max is not None and th.value > th.max)


def credits_of(
    contract: Contract, thresholds: list[ThresholdValue], fee: Decimal
) -> tuple[list[ContractCredit], list[str], float, bool, Decimal]:
    """(credits, unjudgeable thresholds, share after cap, capped, amount) of a billing period.

    A credit names a threshold by metric or label; it is due once when any of them is missed.
    A threshold without a value (no tickets, not judgeable) gives no credit and is listed.
    """
    out, unjudged = [], []
    for c in contract.credits:
        named = [th for th in thresholds if c.threshold in (th.label, th.metric)]
        missed = [th.label for th in named if _missed(th)]
        unjudged += [th.label for th in named if th.value is None and th.reason != "no tickets"]
        if missed:
            amount = money(fee * Decimal(repr(c.credit)))
            out.append(
                ContractCredit(threshold=c.threshold, credit=c.credit, amount=amount, missed=missed)
            )
    total = sum((Decimal(repr(c.credit)) for c in out), Decimal(0))
    cap = Decimal(repr(contract.credit_cap))
    capped = total > cap
    share = min(total, cap)
    return out, list(dict.fromkeys(unjudged)), float(share), capped, money(fee * share)


def contract_period(
    contract: Contract,
    b: Period,
    res: Resolutions,
    thresholds: list[ThresholdValue],
    as_of: pd.Timestamp,
) -> ContractPeriod:
    """Volumes, overage, credits and the net amount due of one billing period."""
    fee = money(contract.fee)
    tickets = int((_in(res.created, b) & res.judged).sum())
    row = ContractPeriod(
        label=b.label,
        start=b.start,
        end=b.end,
        complete=bool(as_of >= b.end - pd.Timedelta(1, "us")),
        tickets=tickets,
        fee=fee,
        net=fee,
    )
    extra = Decimal(0)
    inc = contract.included
    if inc.tickets is not None:
        row.included_tickets = inc.tickets
        row.overage_tickets = max(tickets - inc.tickets, 0)
        if contract.overage.ticket is not None:
            row.overage_tickets_amount = money(row.overage_tickets * contract.overage.ticket)
            extra += row.overage_tickets_amount
    resolved = _in(res.resolved, b) & res.judged
    if not res.time_spent_known:
        row.hours_reason = NO_TIME_SPENT
    else:
        spent = res.time_spent_s[resolved]
        row.hours = _hours(np.nansum(spent)) if len(spent) else Decimal("0.00")
        row.hours_unknown = int(np.isnan(spent).sum())
        if inc.hours is not None:
            row.included_hours = Decimal(repr(inc.hours)).quantize(CENT)
            row.overage_hours = max(row.hours - row.included_hours, Decimal("0.00"))
            if contract.overage.hour is not None:
                row.overage_hours_amount = money(row.overage_hours * contract.overage.hour)
                extra += row.overage_hours_amount
    credits, unjudged, share, capped, amount = credits_of(contract, thresholds, fee)
    row.credits, row.not_judgeable = credits, unjudged
    row.credit_share, row.credit_capped, row.credit_amount = share, capped, amount
    row.net = money(fee + extra - amount)
    return row


def contract_figures(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog,
    fig: PeriodFigures,
    knowledge: pd.Timestamp | None,
) -> ContractFigures:
    """The billing periods `period` touches and the earlier ones of the trend, each at as_of.

    The thresholds behind the credits are measured over each billing period (a clock counts in
    the period its outcome was decided), at its end or at as_of when earlier.
    """
    contract = policy.contract
    assert contract is not None
    touched = touched_billing_periods(period, contract)
    whole = touched[0].start == period.start and touched[-1].end == period.end
    first_data = log.tickets["created_at"].min() if len(log.tickets) else None
    earlier = [
        p
        for p in touched[0].previous(policy.trend_periods)
        if first_data is not None and p.end > first_data
    ]
    res = resolutions(prepared, as_of)

    def one(b: Period) -> ContractPeriod:
        cut = min(as_of, b.end - pd.Timedelta(1, "us"))
        same = b.start == period.start and b.end == period.end
        f = fig if same else period_figures(log, policy, b, cut, prepared, knowledge=knowledge)
        return contract_period(
            contract, b, res, measure_thresholds(policy, f.summary, f.metrics), as_of
        )

    note = None
    if not whole:
        names = ", ".join(b.label for b in touched)
        name = "the whole span of the data" if period.unit == "all" else period.label
        note = (
            f"{name} is not a whole billing period ({contract.billing_period}); it touches {names}"
        )
    return ContractFigures(
        currency=contract.currency,
        billing_period=contract.billing_period,
        whole=whole,
        note=note,
        periods=[one(b) for b in touched],
        trend=[one(b) for b in earlier],
    )


__all__ = [
    "NO_TIME_SPENT",
    "billing_period_of",
    "contract_figures",
    "credits_of",
    "money",
    "resolutions",
    "touched_billing_periods",
]


def contract_sections(
    log: EventLog,
    policy: Policy,
    period: Period,
    as_of: pd.Timestamp,
    prepared: PreparedLog,
    fig: PeriodFigures,
    knowledge: pd.Timestamp | None,
) -> dict:
    """The result's `contract`, `lines`, `hours` and `signals` (DESIGN §12); nothing without a
    `contract:` in the policy, so that other policies' outputs stay as they were."""
    if policy.contract is None:
        return {}
    state = compute_clocks(log.tickets, None, policy, as_of, prepared)
    found, reasons = find_signals(log, policy, as_of, prepared, state)
    return {
        "contract": contract_figures(log, policy, period, as_of, prepared, fig, knowledge),
        "lines": line_figures(log, policy, period, fig, prepared, as_of)
        if policy.contract.lines
        else None,
        "hours": hours_figures(log, policy, period, as_of, prepared, state),
        "signals": signal_counts(
            in_window(found, prepared, period, as_of), reasons, prepared, LIST_LIMIT
        ),
    }


def contract_active_since(policy: Policy, period: Period) -> pd.Timestamp | None:
    """The earliest instant the contract figures of `period` read: the start of the earliest
    billing period of their trend, less the repeat window (its thresholds include repeats).

    A loader that drops tickets settled before some instant must reach back this far, else
    the earlier billing periods lose tickets.
    """
    if policy.contract is None:
        return None
    first = touched_billing_periods(period, policy.contract)[0]
    earliest = (first.previous(policy.trend_periods) or [first])[0].start
    return earliest - pd.Timedelta(seconds=policy.repeat_incidents.window)
