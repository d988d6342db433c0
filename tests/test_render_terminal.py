"""The terminal's metrics tables under DESIGN r2: n/a with a reason, threshold states, the data's
freshness, the backlog beside the share, unknown and untargeted clocks."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from rich.console import Console

from slametrics.render.terminal import duration, metrics_tables, tickets_table
from slametrics.results import ClockStats, MetricsResult
from test_render_judgeable import W46_END, W46_START, na_result


def shown(r: MetricsResult) -> str:
    console = Console(width=200, no_color=True, record=True, file=io.StringIO())
    console.print(metrics_tables(r))
    return console.export_text()


def row(text: str, first: str, last: bool = False) -> str:
    """The table row that starts with `first` (the last such row: a threshold's, not a metric's)."""
    rows = [line for line in text.splitlines() if line.startswith(f"│ {first} ")]
    return rows[-1] if last else rows[0]


def test_null_metrics_and_thresholds_show_na_with_the_reason() -> None:
    text = shown(na_result())
    assert "n/a (no reply data)" in row(text, "on_time_share")
    assert "n/a (no status history)" in row(text, "reopen_rate")
    assert "n/a (no target)" in row(text, "resolution")
    assert "0/0" not in row(text, "on_time_share")
    assert "NOT JUDGEABLE" in row(text, "on_time_share", last=True)
    assert "no tickets" in row(text, "repeat_incident_rate", last=True)
    assert "0.0%" not in text and "100.0%" not in text


def test_unknown_and_untargeted_clocks_are_counted_and_said() -> None:
    text = shown(na_result())
    header = next(line for line in text.splitlines() if "untargeted" in line and "┃" in line)
    cells = [c.strip() for c in header.strip("┃ ").split("┃")]
    first = [c.strip() for c in row(text, "first_response").strip("│ ").split("│")]
    resolution = [c.strip() for c in row(text, "resolution").strip("│ ").split("│")]
    assert first[cells.index("unknown")] == "12"
    assert resolution[cells.index("untargeted")] == "12"
    assert "untargeted tickets of the period: resolution 12" in text


def test_freshness_and_backlog_beside_the_share() -> None:
    r = na_result()
    r.data_until = W46_START + dt.timedelta(days=3, hours=11, minutes=5)
    r.clocks["resolution"] = ClockStats(
        met=8,
        breached=2,
        on_time_share=0.8,
        backlog=3,
        backlog_oldest_at=W46_START - dt.timedelta(days=11),
    )
    text = shown(r)
    assert "data until 2026-11-12 08:05 UTC, before the period ends (2026-11-15 21:00 UTC)" in text
    assert (
        "backlog: 3 clock(s) past target since before the period, oldest breached 2026-10-28 21:00 UTC"
        in text
    )
    assert "80.0%" in row(text, "resolution")  # the backlog is not inside the share
    r.data_until = W46_START - dt.timedelta(hours=1)
    assert "before the period starts (2026-11-08 21:00 UTC)" in shown(r)
    r.data_until = W46_END + dt.timedelta(days=1)
    assert "data until 2026-11-16 21:00 UTC\n" in shown(r)


def test_durations_read_as_hours_and_minutes() -> None:
    assert [duration(s) for s in (12000, 3600 * 52 + 60 * 5, 45 * 60, 40, None)] == [
        "3h 20m",
        "52h 05m",
        "45m",
        "40s",
        "—",
    ]


def _rows(n: int, long_id: str) -> pd.DataFrame:
    at = pd.Timestamp("2026-11-02 09:00", tz="UTC")
    return pd.DataFrame(
        {
            "ticket_id": [f"{long_id}{i}" for i in range(n)],
            "clock": ["first_response"] * n,
            "priority": ["urgent"] * n,
            "outcome": ["breached"] * n,
            "elapsed_s": [86400.0 * 36 + 7] * n,
            "target_s": [900.0] * n,
            "due_at": [at] * n,
            "subject": ["a long subject that has to wrap over several lines somewhere"] * n,
            "organization": ["Northwind Retail web shop"] * n,
        }
    )


def test_a_narrow_terminal_shows_every_id_and_number_in_full() -> None:
    rows = _rows(5, "1010012834567")
    console = Console(width=80, no_color=True, record=True, file=io.StringIO())
    console.print(tickets_table(rows))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    for i in range(5):
        assert f"1010012834567{i}" in text
    assert "864h 00m" in text and "15m" in text and "…" not in text
    assert "not shown at this width" in text  # what was left out is named
