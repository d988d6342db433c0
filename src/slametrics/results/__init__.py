"""Result models: what the metrics engine and the threshold check return (pure data, JSON-ready)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, Field, model_serializer

from slametrics.problems import Problem

# a running clock that has used this share of its target is a risk (report, metrics)
RISK_SHARE = 0.8
# critical incidents, most pressing first: a capped list keeps these first, the report shows them so
CRITICAL_RANK = {"breached": 0, "running": 1, "met": 2}


class PeriodInfo(BaseModel):
    start: dt.datetime
    end: dt.datetime
    label: str
    timezone: str


class MetricValue(BaseModel):
    """A metric's value, with numerator and denominator where it is a share."""

    value: float | int | None
    numerator: int | None = None
    denominator: int | None = None
    reason: str | None = None  # why value is null: no tickets, no reply data, no target, ...


class ClockStats(BaseModel):
    """One clock in a period: outcomes decided in it, running and past-target clocks at its end."""

    met: int = 0
    breached: int = 0
    running: int = 0
    unknown: int = 0
    canceled: int = 0
    untargeted: int = 0
    backlog: int = 0  # still running at the period's end, breached before the period
    backlog_oldest_at: dt.datetime | None = None  # the earliest breach among the backlog
    on_time_share: float | None = None
    reason: str | None = None
    p50_s: float | None = None
    p90_s: float | None = None
    p95_s: float | None = None


class SliceStats(BaseModel):
    """On-time figures for one value of a dimension (priority, kind or a --by field)."""

    dimension: str
    key: str
    clock: str
    met: int
    breached: int
    running: int
    on_time_share: float | None
    p50_s: float | None = None
    p90_s: float | None = None
    p95_s: float | None = None


class VolumeRow(BaseModel):
    kind: str
    priority: str
    created: int
    resolved: int
    canceled: int = 0
    excluded: int = 0
    open_at_end: int


class WorkStatusRow(BaseModel):
    """Tickets of one kind at as_of: in progress, waiting (customer, third party, on hold), done."""

    kind: str
    in_progress: int
    waiting: int
    done_in_period: int


class TicketLine(BaseModel):
    """A ticket named in the result (critical incident, waiting, risk)."""

    ticket_id: str
    subject: str | None = None
    priority: str | None = None
    kind: str | None = None
    organization: str | None = None
    requester: str | None = None
    created_at: dt.datetime | None = None
    clock: str | None = None
    outcome: str | None = None
    elapsed_s: float | None = None
    target_s: float | None = None
    due_at: dt.datetime | None = None
    stopped_at: dt.datetime | None = None
    waiting_since: dt.datetime | None = None
    waiting_hours: float | None = None
    used_share: float | None = None
    decided_at: dt.datetime | None = None


class RepeatGroup(BaseModel):
    key: dict[str, str]
    tickets: list[str]


class TrendPoint(BaseModel):
    label: str
    start: dt.datetime
    end: dt.datetime
    on_time_share: float | None
    first_contact_resolution: float | None
    repeat_incident_rate: float | None
    reopen_rate: float | None
    created: int
    resolved: int
    waiting_on_customer: int


class TrendDirection(BaseModel):
    metric: str
    direction: str  # up | down | flat | unknown
    better: bool | None
    worse_streak: int


class VendorDisagreement(BaseModel):
    clock: str
    compared: int
    disagree: int
    vendor_met_recomputed_breached: int
    vendor_breached_recomputed_met: int
    tickets: list[str] = Field(default_factory=list)


class DataQuality(BaseModel):
    fidelity: dict[str, int]
    sources: dict[str, int]
    rows_rejected: int = 0
    problems: int = 0
    vendor: list[VendorDisagreement] = Field(default_factory=list)


class ThresholdValue(BaseModel):
    """A policy threshold with its measured value; `check` judges it (`passed`, `note`)."""

    label: str
    metric: str
    clock: str | None = None
    priority: str | None = None
    kind: str | None = None
    value: float | None
    min: float | None = None
    max: float | None = None
    # pass | fail | no tickets | not judgeable; None until judged by `check.judge_thresholds`
    state: str | None = None
    passed: bool | None = None
    reason: str | None = None  # why `value` is null
    note: str = ""


class ContractCredit(BaseModel):
    """A service credit of a billing period and the thresholds whose miss caused it."""

    threshold: str  # as the contract's credit names it
    credit: float  # share of the fee
    amount: Decimal
    missed: list[str]  # labels of the missed thresholds


class ContractPeriod(BaseModel):
    """One billing period: volumes against the included ones, overage, credits, net amount due."""

    label: str
    start: dt.datetime
    end: dt.datetime
    complete: bool  # the billing period had ended by as_of (else figures so far)
    tickets: int  # created in the billing period, not excluded
    included_tickets: int | None = None
    overage_tickets: int | None = None
    overage_tickets_amount: Decimal | None = None
    hours: Decimal | None = None  # time_spent of the tickets whose resolution falls in it
    hours_reason: str | None = None
    hours_unknown: int = 0  # tickets resolved in it without time_spent
    included_hours: Decimal | None = None
    overage_hours: Decimal | None = None
    overage_hours_amount: Decimal | None = None
    credits: list[ContractCredit] = Field(default_factory=list)
    not_judgeable: list[str] = Field(default_factory=list)  # credited thresholds without a value
    credit_share: float = 0.0  # after the cap
    credit_capped: bool = False
    credit_amount: Decimal = Decimal(0)
    fee: Decimal
    net: Decimal  # fee + overage - credits


class ContractFigures(BaseModel):
    """The contract's money for the billing periods a query period touches, and their trend."""

    currency: str
    billing_period: str
    whole: bool  # the query period is made of whole billing periods
    note: str | None = None
    periods: list[ContractPeriod]
    trend: list[ContractPeriod] = Field(default_factory=list)  # earlier ones, oldest first


class LineRow(BaseModel):
    """Tickets resolved in the period whose highest line is this one."""

    line: str
    tickets: int
    share: float | None
    resolution_p50_s: float | None = None
    resolution_p90_s: float | None = None
    time_spent_s: float | None = None


class LineFigures(BaseModel):
    """Support lines (DESIGN §12): first-line resolution and escalation over resolved tickets."""

    resolved: int  # resolved in the period, assignment history known
    first_line: MetricValue
    escalation: MetricValue
    lines: list[LineRow] = Field(default_factory=list)
    unlined: int = 0  # resolved tickets whose assignments match no line
    unknown: int = 0  # resolved tickets of sources without assignment history
    reason: str | None = None


class HoursRow(BaseModel):
    kind: str
    priority: str
    tickets: int
    hours: float


class HoursPoint(BaseModel):
    """Support against development hours of one period, beside the incidents' resolution time."""

    label: str
    support_hours: float | None
    development_hours: float | None
    development_share: float | None
    incident_resolution_p50_s: float | None


class HoursFigures(BaseModel):
    """time_spent of the tickets resolved in the period by kind and priority, and its trend."""

    rows: list[HoursRow] = Field(default_factory=list)
    unknown: int = 0  # resolved tickets without time_spent
    trend: list[HoursPoint] = Field(default_factory=list)  # earlier periods, then this one
    development_up_resolution_slower: bool | None = None
    reason: str | None = None


class SignalCount(BaseModel):
    """A behaviour signal: how many tickets show it, which, and where (neutral facts)."""

    code: str
    count: int
    tickets: list[str] = Field(default_factory=list)
    by_group: dict[str, int] = Field(default_factory=dict)
    by_assignee: dict[str, int] = Field(default_factory=dict)
    reason: str | None = None  # why the source cannot show the signal


class SignalEvidence(BaseModel):
    """One occurrence of a signal on one ticket, with the instants and values behind it."""

    code: str
    ticket_id: str
    at: dt.datetime
    group: str | None = None
    assignee: str | None = None
    evidence: dict[str, str | float | int | None] = Field(default_factory=dict)


class SignalsResult(BaseModel):
    """`signals`: each signal of the period with every ticket and its evidence."""

    policy: str
    period: PeriodInfo
    as_of: dt.datetime
    signals: list[SignalCount]
    tickets: list[SignalEvidence]


class MetricsResult(BaseModel):
    """Everything computed for one period: the data behind check, report and metrics output."""

    policy: str
    period: PeriodInfo
    as_of: dt.datetime
    data_until: dt.datetime | None = None  # the latest instant in the data (not in the future)
    metrics: dict[str, MetricValue]
    clocks: dict[str, ClockStats]
    by_priority: list[SliceStats] = Field(default_factory=list)
    by_kind: list[SliceStats] = Field(default_factory=list)
    by_field: list[SliceStats] = Field(default_factory=list)
    volumes: list[VolumeRow] = Field(default_factory=list)
    work_status: list[WorkStatusRow] = Field(default_factory=list)
    critical_incidents: list[TicketLine] = Field(default_factory=list)
    critical_total: int = 0
    critical_outcomes: dict[str, int] = Field(
        default_factory=dict, description="Critical incidents of the period by outcome"
    )
    repeat_groups: list[RepeatGroup] = Field(default_factory=list)
    waiting: list[TicketLine] = Field(default_factory=list)
    waiting_total: int = 0
    at_risk: list[TicketLine] = Field(default_factory=list)
    at_risk_total: int = 0
    backlog: list[TicketLine] = Field(default_factory=list)
    backlog_total: int = 0
    excluded: list[TicketLine] = Field(default_factory=list)
    excluded_total: int = 0
    priority_order: list[str] = Field(
        default_factory=list, description="Priorities as the policy's target rules list them"
    )
    trend: list[TrendPoint] = Field(default_factory=list)
    directions: list[TrendDirection] = Field(default_factory=list)
    thresholds: list[ThresholdValue] = Field(default_factory=list)
    data_quality: DataQuality
    # DESIGN §12, only with a `contract:` in the policy (absent from the output otherwise)
    contract: ContractFigures | None = None
    lines: LineFigures | None = None
    hours: HoursFigures | None = None
    signals: list[SignalCount] | None = None

    @model_serializer(mode="wrap")
    def _without_absent_sections(self, handler):
        out = handler(self)
        for key in ("contract", "lines", "hours", "signals"):
            if out.get(key) is None:
                out.pop(key, None)
        return out


class CheckResult(BaseModel):
    """Thresholds evaluated for one period; `passed` decides the exit code."""

    policy: str
    period: PeriodInfo
    as_of: dt.datetime
    data_until: dt.datetime | None = None
    passed: bool
    allow_unjudged: bool = False
    untargeted: dict[str, int] = Field(default_factory=dict)  # per clock, tickets of the period
    thresholds: list[ThresholdValue]


class FileSummary(BaseModel):
    importer: str
    files: list[str]
    rows_read: int
    rows_imported: int
    rows_rejected: int


class ImportSummary(BaseModel):
    """What an import did: per importer row accounting, merge counts and every problem."""

    log: str | None = None
    groups: list[FileSummary] = Field(default_factory=list)
    tickets: int = 0
    events: int = 0
    tickets_new: int = 0
    tickets_updated: int = 0
    events_new: int = 0
    events_duplicate: int = 0
    # tickets the log knew newer (kept as stored); a snapshot's events of those; stored events
    # a newer snapshot or history replaced (see `eventlog.MergeStats`)
    tickets_outdated: int = 0
    events_outdated: int = 0
    events_replaced: int = 0
    # how the log was stored before the import when it changed (a flat log partitioned)
    layout_change: str | None = None
    problems: list[Problem] = Field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return sum(g.rows_rejected for g in self.groups)
