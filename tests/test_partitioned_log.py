"""The partitioned event log: hash buckets of tickets, merged bucket by bucket, read by DuckDB."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SAMPLE
from slametrics.api import import_exports, read_exports
from slametrics.eventlog import (
    bucket_count,
    merge_into_log,
    read_log,
    snapshot_dir,
    snapshot_files,
    ticket_buckets,
    write_snapshot,
)
from slametrics.eventlog.buckets import buckets_for
from slametrics.schema import validate_events, validate_tickets

SAMPLE_FILES = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]


def _flat_log(path: Path, t: pd.DataFrame, e: pd.DataFrame) -> None:
    """A log as written before partitioning: one tickets and one events file per snapshot."""
    path.mkdir(parents=True)
    tickets = validate_tickets(t.sort_values(["source", "ticket_id"], kind="stable"))
    order = np.lexsort((e["seq"], e["at"], e["ticket_id"], e["source"]))
    write_snapshot(path, tickets, validate_events(e.take(order)))


def _same_log(a: Path, b: Path) -> None:
    la, lb = read_log(a), read_log(b)
    pd.testing.assert_frame_equal(la.tickets, lb.tickets)
    pd.testing.assert_frame_equal(la.events, lb.events)
    for name in ("tix", "at", "cls", "reply"):
        assert np.array_equal(getattr(la.codes, name), getattr(lb.codes, name)), name
    pa_, pb_ = la.codes, lb.codes
    names_a, names_b = np.array([*pa_.prio_names, None]), np.array([*pb_.prio_names, None])
    assert names_a[pa_.prio].tolist() == names_b[pb_.prio].tolist()


def test_buckets_hold_their_tickets_and_all_their_events(tmp_path: Path) -> None:
    t, e, _ = read_exports(SAMPLE_FILES)
    stats = merge_into_log(tmp_path / "log", t, e, per_bucket=50)  # 400 tickets: 8 buckets
    assert stats.buckets == 8 == bucket_count(snapshot_dir(tmp_path / "log"))
    files = snapshot_files(tmp_path / "log")
    assert [f.tickets.parent.name for f in files] == [f"bucket={b:02d}" for b in range(8)]
    seen = 0
    for b, f in enumerate(files):
        tickets, events = pq.read_table(f.tickets), pq.read_table(f.events)
        assert 0 < tickets.num_rows < 400
        assert set(ticket_buckets(tickets["source"], tickets["ticket_id"], 8)) == {b}
        assert set(events["ticket_id"].to_pylist()) <= set(tickets["ticket_id"].to_pylist())
        seen += tickets.num_rows
    assert seen == 400


def test_bucketed_flat_and_one_bucket_logs_read_the_same(tmp_path: Path) -> None:
    t, e, _ = read_exports(SAMPLE_FILES)
    merge_into_log(tmp_path / "eight", t, e, per_bucket=50)
    merge_into_log(tmp_path / "one", t, e)
    _flat_log(tmp_path / "flat", t, e)
    _same_log(tmp_path / "eight", tmp_path / "one")
    _same_log(tmp_path / "flat", tmp_path / "one")
    since = pd.Timestamp("2026-11-20", tz="UTC")
    a = read_log(tmp_path / "eight", active_since=since)
    b = read_log(tmp_path / "one", active_since=since)
    assert 0 < len(a.tickets) < 400
    pd.testing.assert_frame_equal(a.tickets, b.tickets)
    assert np.array_equal(a.codes.tix, b.codes.tix) and np.array_equal(a.codes.at, b.codes.at)


def test_merging_bucket_by_bucket_equals_importing_at_once(tmp_path: Path) -> None:
    """Two overlapping halves merged into 8 buckets give the log of both at once; a re-import
    changes nothing, and buckets an import does not touch are carried over (hard links)."""
    t, e, _ = read_exports(SAMPLE_FILES)
    first = t["ticket_id"].isin(t["ticket_id"].iloc[:300])
    second = t["ticket_id"].isin(t["ticket_id"].iloc[200:])
    log = tmp_path / "log"
    merge_into_log(log, t[first], e[e["ticket_id"].isin(t.loc[first, "ticket_id"])], per_bucket=50)
    s2 = merge_into_log(
        log, t[second], e[e["ticket_id"].isin(t.loc[second, "ticket_id"])], per_bucket=50
    )
    assert (s2.tickets_new, s2.tickets_updated) == (100, 100)
    merge_into_log(tmp_path / "once", t, e, per_bucket=50)
    _same_log(log, tmp_path / "once")
    again = merge_into_log(log, t, e, per_bucket=50)
    assert (again.tickets_new, again.events_new, again.events_replaced) == (0, 0, 0)
    _same_log(log, tmp_path / "once")
    # one ticket re-imported: only its bucket is rewritten
    before = {f.tickets.parent.name: f.tickets.stat().st_ino for f in snapshot_files(log)}
    one = t["ticket_id"] == t["ticket_id"].iloc[0]
    merge_into_log(log, t[one], e[e["ticket_id"] == t["ticket_id"].iloc[0]], per_bucket=50)
    after = {f.tickets.parent.name: f.tickets.stat().st_ino for f in snapshot_files(log)}
    assert sum(before[k] != after[k] for k in before) == 1
    _same_log(log, tmp_path / "once")


def test_a_growing_log_splits_its_buckets(tmp_path: Path) -> None:
    t, e, _ = read_exports(SAMPLE_FILES)
    head = t["ticket_id"].isin(t["ticket_id"].iloc[:80])
    log = tmp_path / "log"
    merge_into_log(log, t[head], e[e["ticket_id"].isin(t.loc[head, "ticket_id"])], per_bucket=50)
    assert bucket_count(snapshot_dir(log)) == 2  # 80 at 50 a bucket: 1.6, nearest 2
    stats = merge_into_log(log, t, e, per_bucket=50)
    # past twice its buckets' size: sized for the stored tickets plus the import's rows
    # (80 + 400 at 50 a bucket: 9.6, the nearest power of two by ratio is 8)
    assert stats.buckets == 8 == bucket_count(snapshot_dir(log))
    assert (stats.tickets_new, stats.tickets_updated) == (320, 80)
    merge_into_log(tmp_path / "once", t, e, per_bucket=50)
    assert bucket_count(snapshot_dir(tmp_path / "once")) == 8
    _same_log(log, tmp_path / "once")


def test_a_flat_log_is_partitioned_by_the_next_import(tmp_path: Path) -> None:
    t, e, _ = read_exports(SAMPLE_FILES)
    _flat_log(tmp_path / "log", t, e)
    assert bucket_count(snapshot_dir(tmp_path / "log")) is None
    summary = import_exports(SAMPLE_FILES, tmp_path / "log")
    assert (summary.tickets_new, summary.events_new) == (0, 0)
    assert "partitioned into 1 hash bucket" in summary.layout_change
    assert bucket_count(snapshot_dir(tmp_path / "log")) == 1
    again = import_exports(SAMPLE_FILES, tmp_path / "log")
    assert again.layout_change is None
    import_exports(SAMPLE_FILES, tmp_path / "fresh")
    _same_log(tmp_path / "log", tmp_path / "fresh")


def test_duckdb_reads_the_log_as_hive_partitioned_parquet(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    t, e, _ = read_exports(SAMPLE_FILES)
    merge_into_log(tmp_path / "log", t, e, per_bucket=50)
    snap = snapshot_dir(tmp_path / "log")
    con = duckdb.connect()
    by_class = con.execute(
        f"""
        SELECT status_class, count(*) AS n, count(DISTINCT bucket) AS buckets
        FROM read_parquet('{snap}/tickets/*/*.parquet', hive_partitioning = true)
        GROUP BY status_class ORDER BY status_class
        """
    ).fetchall()
    want = t["status_class"].value_counts().sort_index()
    assert [(c, n) for c, n, _ in by_class] == list(want.items())
    assert max(b for _, _, b in by_class) > 1
    replies = con.execute(
        f"""
        SELECT count(*) FROM read_parquet('{snap}/events/*/*.parquet', hive_partitioning = true) e
        JOIN read_parquet('{snap}/tickets/*/*.parquet', hive_partitioning = true) t
          USING (source, ticket_id, bucket)
        WHERE e.event = 'agent_reply'
        """
    ).fetchone()[0]
    assert replies == int((e["event"] == "agent_reply").sum())


@given(tickets=st.integers(0, 10**9), per_bucket=st.integers(1, 1 << 20))
def test_bucket_count_is_the_nearest_power_of_two(tickets: int, per_bucket: int) -> None:
    """A new log's buckets hold 0.71 to 1.41 times the target each (one bucket: up to 1.41)."""
    n = buckets_for(tickets, per_bucket)
    assert n >= 1 and n & (n - 1) == 0
    fill = Fraction(tickets, per_bucket * n)
    assert fill * fill <= 2  # at most sqrt(2) times the target
    if n > 1:
        assert 2 * fill * fill > 1  # more than 1 / sqrt(2) of it


def test_bucket_counts_of_the_benchmark_sizes() -> None:
    """Hand-computed: 1M tickets need 7.63 buckets of 131,072 (8), 3M 22.9 (32: 22.9 is past
    16 * 1.41), 10M 76.3 (64: 76.3 is short of 64 * 1.41 = 90.5)."""
    assert [buckets_for(n) for n in (10**6, 3 * 10**6, 10**7)] == [8, 32, 64]
