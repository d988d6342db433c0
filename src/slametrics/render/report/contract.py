"""The report's contract block: each billing period's money, and the signals worth a conversation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from slametrics.render.report.labels import Labels
from slametrics.results import ContractPeriod, MetricsResult

MAX_BILLING_LINES = 3  # a quarter of monthly billing periods
MAX_SIGNALS = 4  # the most frequent ones; `slametrics signals` lists them all
MAX_SIGNAL_IDS = 2


def _money(lab: Labels, amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return lab.t("none")
    return f"{lab.t.decimal(amount, 2)} {currency}"


def _threshold(lab: Labels, label: str) -> str:
    """A missed threshold's label in plain words where it is a plain metric."""
    return lab.metric(label) if label.isidentifier() else label


def _billing_line(p: ContractPeriod, currency: str, lab: Labels) -> str:
    t = lab.t
    parts = [t("contract.tickets", n=t.integer(p.tickets))]
    if p.included_tickets is not None:
        parts.append(
            t(
                "contract.included",
                n=t.integer(p.included_tickets),
                extra=t.integer(p.overage_tickets or 0),
                amount=_money(lab, p.overage_tickets_amount, currency),
            )
        )
    if p.overage_hours_amount:
        parts.append(
            t("contract.extra_hours", amount=_money(lab, p.overage_hours_amount, currency))
        )
    if p.credits:
        missed = sorted({_threshold(lab, label) for c in p.credits for label in c.missed})
        credit = t(
            "contract.credits",
            amount=_money(lab, p.credit_amount, currency),
            missed=", ".join(missed),
        )
        parts.append(credit + (t("contract.capped") if p.credit_capped else ""))
    if p.not_judgeable:
        parts.append(t("contract.not_judgeable", labels=", ".join(p.not_judgeable)))
    head = t("contract.period", label=p.label) + ("" if p.complete else t("contract.so_far"))
    due = t("contract.net", fee=_money(lab, p.fee, currency), net=_money(lab, p.net, currency))
    return f"{head}: " + "; ".join(parts) + f"; {due}"


def _signals_line(r: MetricsResult, lab: Labels) -> str:
    t = lab.t
    shown = sorted((s for s in r.signals or [] if s.count), key=lambda s: (-s.count, s.code))
    if not shown:
        return t("signals.none") if r.signals is not None else ""
    items = []
    for s in shown[:MAX_SIGNALS]:
        ids = ", ".join(s.tickets[:MAX_SIGNAL_IDS]) + (
            " …" if len(s.tickets) > MAX_SIGNAL_IDS else ""
        )
        items.append(f"{t('signal.' + s.code)} {t.integer(s.count)} ({ids})")
    more = len(shown) - MAX_SIGNALS
    tail = t("signals.more", n=more) if more > 0 else ""
    return t("signals.head") + ": " + "; ".join(items) + tail


def contract_block(r: MetricsResult, lab: Labels) -> dict[str, Any]:
    """Lines under the verdict when the policy has a `contract:` (none otherwise)."""
    if r.contract is None:
        return {"lines": [], "signals": ""}
    c = r.contract
    lines = [_billing_line(p, c.currency, lab) for p in c.periods[:MAX_BILLING_LINES]]
    if len(c.periods) > MAX_BILLING_LINES:
        lines.append(lab.t("contract.more", n=len(c.periods) - MAX_BILLING_LINES))
    return {"lines": lines, "signals": _signals_line(r, lab)}
