"""The report under DESIGN r2: null metrics as n/a with a reason, threshold states, the backlog
beside the on-time share, untargeted tickets, the data's freshness, what the source cannot tell."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from slametrics.render.i18n import Texts
from slametrics.render.report import page_view, render_report
from slametrics.render.report.text import keep_na
from slametrics.results import (
    ClockStats,
    DataQuality,
    MetricsResult,
    MetricValue,
    PeriodInfo,
    ThresholdValue,
    TicketLine,
    TrendDirection,
    TrendPoint,
    VolumeRow,
    WorkStatusRow,
)
from test_report import NOW, TextOf, import_sample, sample_result

UTC = dt.UTC
W46_START = dt.datetime(2026, 11, 8, 21, tzinfo=UTC)
W46_END = dt.datetime(2026, 11, 15, 21, tzinfo=UTC)
STALE_PERIOD = "2026-W47"  # the sample's data ends 22:38 local on the week's last day
BEFORE_PERIOD = "2026-W48"  # the sample's data ends before this week starts


def na_result() -> MetricsResult:
    """A week of snapshot tickets without reply data, under a policy with no resolution target:
    every share is null with a reason, and both contract thresholds are not judgeable."""
    no_reply = MetricValue(value=None, numerator=0, denominator=0, reason="no reply data")
    weeks = [W46_START - dt.timedelta(days=7 * k) for k in (3, 2, 1, 0)]
    return MetricsResult(
        policy="Snapshot export, no resolution targets",
        period=PeriodInfo(start=W46_START, end=W46_END, label="2026-W46", timezone="Europe/Moscow"),
        as_of=W46_END - dt.timedelta(microseconds=1),
        data_until=W46_END + dt.timedelta(days=2),
        metrics={
            "on_time_share": no_reply,
            "first_contact_resolution": no_reply,
            "repeat_incident_rate": MetricValue(
                value=None, numerator=0, denominator=0, reason="no tickets"
            ),
            "reopen_rate": MetricValue(
                value=None, numerator=0, denominator=0, reason="no status history"
            ),
            "waiting_on_customer": MetricValue(value=0),
            "created": MetricValue(value=12),
            "resolved": MetricValue(value=7),
            "canceled": MetricValue(value=1),
            "open_at_end": MetricValue(value=5),
            "excluded": MetricValue(value=2),
        },
        clocks={
            "first_response": ClockStats(unknown=12, reason="no reply data"),
            "resolution": ClockStats(untargeted=12, reason="no target"),
        },
        volumes=[
            VolumeRow(kind="consultation", priority="normal", created=12, resolved=7, open_at_end=5)
        ],
        work_status=[
            WorkStatusRow(kind="consultation", in_progress=2, waiting=3, done_in_period=7)
        ],
        excluded=[TicketLine(ticket_id=f"ZD-{n}", kind="consultation") for n in (901, 902)],
        excluded_total=2,
        trend=[
            TrendPoint(
                label=f"2026-W{43 + k}",
                start=start,
                end=start + dt.timedelta(days=7),
                on_time_share=None,
                first_contact_resolution=None,
                repeat_incident_rate=None,
                reopen_rate=None,
                created=9 + k,
                resolved=7,
                waiting_on_customer=0,
            )
            for k, start in enumerate(weeks)
        ],
        directions=[
            TrendDirection(metric=m, direction="unknown", better=None, worse_streak=0)
            for m in ("on_time_share", "first_contact_resolution", "reopen_rate")
        ],
        thresholds=[
            ThresholdValue(
                label="on_time_share",
                metric="on_time_share",
                value=None,
                min=0.95,
                state="not judgeable",
                passed=False,
                reason="no reply data",
            ),
            ThresholdValue(
                label="on_time_share clock=resolution",
                metric="on_time_share",
                clock="resolution",
                value=None,
                min=0.9,
                state="not judgeable",
                passed=False,
                reason="no target",
            ),
            ThresholdValue(
                label="repeat_incident_rate",
                metric="repeat_incident_rate",
                value=None,
                max=0.05,
                state="no tickets",
                passed=True,
                reason="no tickets",
            ),
        ],
        data_quality=DataQuality(fidelity={"snapshot": 14}, sources={"zendesk": 14}),
    )


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_sample(tmp_path_factory.mktemp("judgeable") / "log")


def pages(r: MetricsResult, lang: str) -> tuple[str, str]:
    """The Markdown and the visible text of the HTML page outside its charts (their axes are
    labelled 0% to 100%)."""
    md = render_report(r, fmt="md", lang=lang, now=NOW)
    html = render_report(r, fmt="html", lang=lang, now=NOW)
    html = re.sub(r'<span class="na">(.*?)</span>', r"\1", html)  # n/a kept on one line
    return md, TextOf.of(re.sub(r"<svg.*?</svg>", "", html, flags=re.S)).text


# --- n/a with its reason ---------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_null_metrics_show_na_with_the_reason_never_a_number(lang: str) -> None:
    t = Texts(lang)
    md, page = pages(na_result(), lang)
    na, no_reply, no_target = t("na"), t("reason.no_reply_data"), t("reason.no_target")
    for text in (md, page):
        assert t("verdict.on_time_none", reason=no_reply) in text  # the headline
        assert f"{t('clock.resolution')}: {t('na.reason', reason=no_target)}" in text  # SLA
        assert t("reason.no_status_history") in text  # reopen rate, a KPI row
        assert not re.search(r"\b0([.,]0)?\s?%", text), "a null share shown as 0%"
        assert t.percent(1.0) not in text
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    for name in (
        "on_time_share",
        "first_contact_resolution",
        "repeat_incident_rate",
        "reopen_rate",
    ):
        row = next(row for row in rows if row.startswith(f"| {t('m.' + name)} |"))
        assert row.split(" | ")[1] == f"**{na}**", row
    trend = [row for row in rows if row.startswith("| 2026-W") or row.startswith("| **2026-W")]
    assert trend and all(row.count(na) == 2 for row in trend)  # on time and FCR per week
    html = render_report(na_result(), fmt="html", lang=lang, now=NOW)
    assert html.count("<svg") == 1 and "<circle" not in html  # no line without a point: n/a


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_not_judgeable_thresholds_are_said_and_never_met(lang: str) -> None:
    t = Texts(lang)
    md, page = pages(na_result(), lang)
    status = t("verdict.unjudged", n="2", total="3")
    also = t("verdict.also_no_tickets", n="1")
    assert f"⚠️ **{status}**; {also}" in md
    assert status in page and t("verdict.all_met") not in page
    assert (
        md.count(f"⚠️ {t('result.unjudged')}") == 2 and md.count(f"➖ {t('result.no_tickets')}") == 1
    )
    view, _ = page_view(na_result(), t, NOW)
    assert view["verdict"]["status"] == "unjudged"
    assert [row["status"] for row in view["verdict"]["rows"][:3]] == [
        "unjudged",
        "unjudged",
        "no_data",
    ]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_data_quality_says_what_the_source_cannot_tell(lang: str) -> None:
    t = Texts(lang)
    md, page = pages(na_result(), lang)
    unknown = t(
        "quality.unknown",
        clock=t("clock.first_response").lower(),
        reason=t("reason.no_reply_data"),
        n="12",
    )
    fcr = t(
        "quality.metric_na",
        metric=t("m.first_contact_resolution").lower(),
        reason=t("reason.no_reply_data"),
    )
    untargeted = t("quality.untargeted", items=f"{t('clock.resolution').lower()} 12")
    for text in (md, page):
        assert unknown in text and fcr in text
        assert untargeted in text
        assert t("quality.excluded", n="2") + " (ZD-901, ZD-902)" in text
        assert t("quality.canceled", n="1") in text


# --- backlog, untargeted and freshness beside the share --------------------------------------


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_backlog_stands_beside_the_share_never_inside(log_dir: Path, lang: str) -> None:
    r = sample_result(log_dir, period=STALE_PERIOD, as_of=None)
    backlog = sum(c.backlog for c in r.clocks.values())
    assert backlog, "the sample's W47 should have clocks past target since before the week"
    t = Texts(lang)
    md, page = pages(r, lang)
    on_time = r.metrics["on_time_share"]
    share = t(
        "verdict.on_time",
        value=t.percent(on_time.value),
        num=t.integer(on_time.numerator or 0),
        den=t.integer(on_time.denominator or 0),
    )
    oldest = min(c.backlog_oldest_at for c in r.clocks.values() if c.backlog_oldest_at)
    beside = t("backlog.week", n=t.integer(backlog), date=t.date(oldest, "Europe/Moscow"))
    headline = next(line for line in md.splitlines() if line.startswith(share))
    assert headline.endswith("; " + beside)
    assert beside in page


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_freshness_banner_when_the_data_ends_before_the_period(log_dir: Path, lang: str) -> None:
    t = Texts(lang)
    stale = sample_result(log_dir, period=STALE_PERIOD, as_of=None)
    assert stale.data_until is not None and stale.data_until < stale.period.end
    until = t.datetime(stale.data_until, "Europe/Moscow")
    last_day = t.date(stale.period.end - dt.timedelta(microseconds=1), "Europe/Moscow")
    text = t("fresh.stale", until=until, end=last_day)
    md, page = pages(stale, lang)
    assert f"> ⚠️ **{text}**" in md and text in page
    before = sample_result(log_dir, period=BEFORE_PERIOD, as_of=None)
    start = t.date(before.period.start, "Europe/Moscow")
    md, page = pages(before, lang)
    assert t("fresh.before", until=until, start=start) in md
    html = render_report(before, fmt="html", lang=lang, now=NOW)
    assert '<div class="banner before" id="freshness">' in html
    fresh = sample_result(log_dir, period="2026-W46", as_of=None)
    assert "freshness" not in render_report(fresh, fmt="html", lang=lang, now=NOW)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_untargeted_tickets_where_the_share_is_shown(lang: str) -> None:
    t = Texts(lang)
    r = na_result()
    r.metrics["on_time_share"] = MetricValue(value=0.5, numerator=3, denominator=6)
    r.clocks["first_response"] = ClockStats(met=3, breached=3, on_time_share=0.5, untargeted=4)
    md, _ = pages(r, lang)
    items = f"{t('clock.first_response').lower()} 4, {t('clock.resolution').lower()} 12"
    headline = next(line for line in md.splitlines() if line.startswith(t("m.on_time_share")))
    assert headline.endswith("; " + t("verdict.untargeted", items=items))


def test_na_never_breaks_at_its_slash_and_stays_escaped() -> None:
    assert str(keep_na("<b>n/a</b> н/д")) == (
        '&lt;b&gt;<span class="na">n/a</span>&lt;/b&gt; <span class="na">н/д</span>'
    )
    html = render_report(na_result(), fmt="html", lang="ru", now=NOW)
    assert 'В срок: <span class="na">н/д</span> (нет данных об ответах)' in html
