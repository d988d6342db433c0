"""The Parquet event log: schema round trip, idempotent re-import, newest ticket wins, the lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from slametrics.api import read_exports
from slametrics.errors import UserError
from slametrics.eventcodes import code_events
from slametrics.eventlog import locked, merge_into_log, read_log, snapshot_files
from slametrics.periods import active_since
from slametrics.schema import EVENTS_SCHEMA, TICKETS_SCHEMA


def test_round_trip_keeps_schema_and_rows(tmp_path: Path) -> None:
    t, e, _ = read_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    merge_into_log(tmp_path, t, e)
    log = read_log(tmp_path)
    import pyarrow.parquet as pq

    (files,) = snapshot_files(tmp_path)  # 400 tickets: one bucket
    assert pq.read_schema(files.tickets).remove_metadata() == TICKETS_SCHEMA
    stored = pq.read_schema(files.events)
    assert stored.names == EVENTS_SCHEMA.names  # text is stored as Parquet UTF-8, read as text
    assert [str(f.type) for f in stored] == [
        str(f.type).removeprefix("large_") for f in EVENTS_SCHEMA
    ]
    assert len(log.tickets) == len(t) == 400
    assert len(log.events) == len(e)


def test_overlapping_exports_store_each_event_once(tmp_path: Path) -> None:
    t, e, _ = read_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    first = t["ticket_id"].isin(t["ticket_id"].iloc[:300])
    second = t["ticket_id"].isin(t["ticket_id"].iloc[200:])
    s1 = merge_into_log(tmp_path, t[first], e[e["ticket_id"].isin(t.loc[first, "ticket_id"])])
    s2 = merge_into_log(tmp_path, t[second], e[e["ticket_id"].isin(t.loc[second, "ticket_id"])])
    assert (s1.tickets_new, s2.tickets_new, s2.tickets_updated) == (300, 100, 100)
    assert (s2.tickets_outdated, s2.events_outdated, s2.events_replaced) == (0, 0, 0)  # history
    log = read_log(tmp_path)
    assert len(log.tickets) == 400
    assert len(log.events) == len(e)
    again = merge_into_log(tmp_path, t, e)
    assert (again.tickets_new, again.events_new) == (0, 0)


def test_newer_ticket_state_wins_over_older_reimport(tmp_path: Path) -> None:
    base = {
        "source": ["s"],
        "ticket_id": ["1"],
        "created_at": [pd.Timestamp("2026-11-01", tz="UTC")],
        "fidelity": ["snapshot"],
    }
    new = pd.DataFrame(
        {**base, "status": ["closed"], "updated_at": [pd.Timestamp("2026-11-05", tz="UTC")]}
    )
    old = pd.DataFrame(
        {**base, "status": ["open"], "updated_at": [pd.Timestamp("2026-11-02", tz="UTC")]}
    )
    empty = EVENTS_SCHEMA.empty_table().to_pandas()
    merge_into_log(tmp_path, new, empty)
    stats = merge_into_log(tmp_path, old, empty)
    assert read_log(tmp_path).tickets["status"].tolist() == ["closed"]
    assert (stats.tickets_new, stats.tickets_updated, stats.tickets_outdated) == (0, 0, 1)


def test_second_writer_waits_then_fails_clearly(tmp_path: Path) -> None:
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with locked(tmp_path):
            held.set()
            release.wait(5)

    th = threading.Thread(target=hold)
    th.start()
    held.wait(5)
    start = time.monotonic()
    with pytest.raises(UserError, match="another import holds the lock"):
        with locked(tmp_path, timeout_s=0.5):
            pass
    assert time.monotonic() - start >= 0.5
    release.set()
    th.join()
    with locked(tmp_path, timeout_s=0.5):
        pass


def test_not_a_log(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not an event log"):
        read_log(tmp_path)


KILL_SCRIPT = """
import sys, time
import slametrics.eventlog.snapshots as el
from slametrics.api import import_exports
from pathlib import Path
real = el.fsync_dir
def slow_fsync(path):
    real(path)
    if path.name.startswith(".tmp-"):  # every file of the new snapshot written, CURRENT not yet replaced
        print("written", flush=True)
        time.sleep(60)
el.fsync_dir = slow_fsync
import_exports([Path(sys.argv[1]), Path(sys.argv[2])], Path(sys.argv[3]))
"""


def test_import_killed_midway_leaves_log_as_before(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    log = tmp_path / "log"
    small = tmp_path / "tickets.csv"
    small.write_text("ticket_id,created_at\nX1,2026-11-02T09:00:00Z\n", encoding="utf-8")
    from slametrics.api import import_exports

    import_exports([small], log)
    before = read_log(log)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILL_SCRIPT,
            str(SAMPLE / "tickets.csv"),
            str(SAMPLE / "events.csv"),
            str(log),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "written"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = read_log(log)
    assert after.tickets["ticket_id"].tolist() == before.tickets["ticket_id"].tolist() == ["X1"]
    assert len(after.events) == len(before.events)
    import_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], log)  # the next run recovers
    assert len(read_log(log).tickets) == 401
    assert not list(log.glob(".tmp-*"))


def _sample_log_and_week(
    tmp_path: Path, tickets: int, seed: int, weeks: int, policy_name: str, week: str
):
    """A generated log at tmp_path/log from 2026-01-05, with (policy, week, the week's first
    instant a ticket must be active from to count)."""
    from conftest import POLICIES
    from slametrics import api
    from slametrics.periods import parse_period
    from slametrics.policy import load_policy
    from slametrics.sample import write_sample_csv

    paths = write_sample_csv(tmp_path / "csv", tickets, seed=seed, start="2026-01-05", weeks=weeks)
    api.import_exports(list(paths), tmp_path / "log")
    policy = load_policy(POLICIES / f"{policy_name}.yaml")
    period = parse_period(week, policy.timezone)
    return (
        policy,
        period,
        active_since(period, policy.trend_periods, policy.repeat_incidents.window, None),
    )


def test_reading_a_period_skips_tickets_it_cannot_count(tmp_path: Path) -> None:
    """A week's metrics from a pruned read equal those from the whole log, with fewer tickets read."""
    from slametrics import api
    from slametrics.metrics import compute_metrics

    policy, period, since = _sample_log_and_week(tmp_path, 3000, 5, 40, "ru-contract", "2026-W38")
    full = api.load_source([tmp_path / "log"])
    pruned = api.load_source([tmp_path / "log"], active_since=since)
    assert len(pruned.log.tickets) < len(full.log.tickets) / 2
    assert len(pruned.log.events) < len(full.log.events) / 2
    a = compute_metrics(full.log, policy, period).model_dump(mode="json")
    b = compute_metrics(pruned.log, policy, period).model_dump(mode="json")
    assert a == b


def test_event_codes_give_the_same_metrics_as_the_events(tmp_path: Path) -> None:
    """A snapshot's codes.parquet stands in for the events table, whole or pruned to a period."""
    from slametrics import api
    from slametrics.metrics import compute_metrics

    policy, period, since = _sample_log_and_week(
        tmp_path, 1500, 3, 20, "business-hours", "2026-W15"
    )
    with_codes = [api.load_source([tmp_path / "log"], active_since=s).log for s in (None, since)]
    results = []
    for log in with_codes:
        assert log.codes is not None
        results.append(compute_metrics(log, policy, period).model_dump(mode="json"))
        assert log._events is None  # the events table was never decoded
    for files in snapshot_files(tmp_path / "log"):  # a log written before codes existed
        files.codes.unlink()
    for s, want in zip((None, since), results, strict=True):
        log = api.load_source([tmp_path / "log"], active_since=s).log
        assert log.codes is None
        assert compute_metrics(log, policy, period).model_dump(mode="json") == want


def test_codes_of_a_merged_multi_source_log_match_its_events(tmp_path: Path) -> None:
    """Codes written after merges of several sources give the metrics the events give."""
    from conftest import POLICIES
    from slametrics import api
    from slametrics.metrics import compute_metrics
    from slametrics.periods import parse_period
    from slametrics.policy import load_policy

    log_dir = tmp_path / "log"
    t, e, _ = read_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    half = t["ticket_id"].isin(t["ticket_id"].iloc[::2])
    merge_into_log(log_dir, t[half], e[e["ticket_id"].isin(t.loc[half, "ticket_id"])])
    zendesk = [SAMPLE / "zendesk" / n for n in ("incremental_tickets.json", "ticket_audits.json")]
    api.import_exports(zendesk, log_dir)  # a second source between the halves
    api.import_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], log_dir)
    policy = load_policy(POLICIES / "business-hours.yaml")
    loaded = api.load_source([log_dir])
    assert loaded.log.codes is not None and loaded.log.tickets["source"].nunique() == 2
    periods = [parse_period(p, policy.timezone) for p in ("2026-W45", "2026-11")]
    with_codes = [compute_metrics(loaded.log, policy, p).model_dump(mode="json") for p in periods]
    for files in snapshot_files(log_dir):
        files.codes.unlink()
    plain = api.load_source([log_dir]).log
    assert plain.codes is None
    assert [
        compute_metrics(plain, policy, p).model_dump(mode="json") for p in periods
    ] == with_codes


def test_imported_text_columns_are_written_from_codes_and_read_as_text(
    tmp_path: Path,
) -> None:
    """`import` keeps event text as codes up to the Parquet writer; reading gives the same text
    as reading the exports in memory, also with two events files and tickets whose events
    lack a created event (both concatenate categorical columns)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from slametrics.api import import_exports

    tickets = (SAMPLE / "tickets.csv").read_text(encoding="utf-8")
    lines = (SAMPLE / "events.csv").read_text(encoding="utf-8").splitlines()
    header, rows = lines[0], [r for r in lines[1:] if ",created," not in r or r.startswith("T-01")]
    half = len(rows) // 2
    files = [tmp_path / "tickets.csv", tmp_path / "events-a.csv", tmp_path / "events-b.csv"]
    files[0].write_text(tickets, encoding="utf-8")
    files[1].write_text("\n".join([header, *rows[:half]]) + "\n", encoding="utf-8")
    # the second file spells its columns and values differently (case, spaces)
    files[2].write_text(
        "\n".join([header.upper(), *(r.replace(",agent,", ", Agent ,") for r in rows[half:])])
        + "\n"
    )
    import_exports(files, tmp_path / "log")
    events_file = snapshot_files(tmp_path / "log")[0].events
    for col in ("event", "value", "status_class", "actor"):  # other readers see plain text
        assert pq.read_schema(events_file).field(col).type == pa.string(), col
    assert str(pd.read_parquet(events_file)["event"].dtype) != "category"
    stored = read_log(tmp_path / "log").events
    _, in_memory, _ = read_exports(files)
    assert (stored["event"] == "created").sum() == in_memory["ticket_id"].nunique()
    assert str(stored["event"].dtype) == "string"

    def cells(df: pd.DataFrame) -> list[tuple]:
        df = df.sort_values(["ticket_id", "at", "seq"]).astype(object)
        return [tuple(None if pd.isna(x) else x for x in row) for row in df.itertuples(False)]

    assert cells(stored) == cells(in_memory)
    assert set(stored["actor"]) == {"agent", "customer", "system"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    tickets=st.lists(
        st.sampled_from(["T-2", "T-10", "a", "Я-1", "T-1"]), min_size=1, max_size=5, unique=True
    ),
    events=st.lists(
        st.tuples(
            st.sampled_from(["T-2", "T-10", "a", "Я-1", "T-1", "orphan"]),
            st.integers(0, 4),
            st.sampled_from(["created", "status", "agent_reply", "customer_reply"]),
            st.sampled_from(["open", "resolved", "pending", ""]),
            st.sampled_from(["agent", "customer", ""]),
            st.sampled_from(["true", "false", ""]),
        ),
        max_size=14,
    ),
)
def test_event_codes_from_the_importer_equal_codes_from_the_tables(
    tmp_path_factory, tickets, events
) -> None:
    """The codes the csv importer hands to the log equal `code_events` over the written tables:
    tickets in any order, some without a created event, orphans, ties and customer replies."""
    import numpy as np
    import pyarrow.parquet as pq

    from slametrics.api import import_exports
    from slametrics.eventcodes import code_events

    tmp = tmp_path_factory.mktemp("codes")
    (tmp / "tickets.csv").write_text(
        "ticket_id,created_at\n" + "".join(f"{t},2026-11-02T09:00:00Z\n" for t in tickets)
    )
    (tmp / "events.csv").write_text(
        "ticket_id,at,event,value,actor,public\n"
        + "".join(
            f"{t},2026-11-02T{9 + h:02d}:00:00Z,{e},{v},{a},{p}\n" for t, h, e, v, a, p in events
        )
    )
    import_exports([tmp / "tickets.csv", tmp / "events.csv"], tmp / "log")
    (files,) = snapshot_files(tmp / "log")
    t, e = pq.read_table(files.tickets), pq.read_table(files.events)
    want = code_events(t, e)
    last = np.ones(len(want.tix), dtype=bool)
    last[:-1] = want.tix[1:] != want.tix[:-1]
    want = want.take(np.flatnonzero((want.cls >= 0) | want.reply | last))
    got = pq.read_table(files.codes)
    assert got.column("tix").to_pylist() == want.tix.tolist()
    assert got.column("at").to_pylist() == want.at.tolist()
    assert got.column("cls").to_pylist() == want.cls.tolist()
    assert got.column("reply").to_pylist() == want.reply.tolist()


def test_csv_import_hands_its_event_codes_to_the_log(tmp_path: Path, monkeypatch) -> None:
    """The shortcut is taken: importing canonical files does not code the events again."""
    import slametrics.eventlog.snapshots as el
    from slametrics.api import import_exports

    calls = []
    monkeypatch.setattr(el, "code_events", lambda *a: calls.append(1) or code_events(*a))
    import_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], tmp_path / "log")
    assert calls == []
    import_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"], tmp_path / "log")
    assert calls == [1]  # a merge into an existing log codes the merged tables


def test_order_check_reads_dictionary_sources() -> None:
    """A one-value dictionary source orders nothing; two values are compared as text."""
    import pyarrow as pa

    from slametrics.eventlog import is_ordered

    def table(sources: list[str], ids: list[str]) -> pa.Table:
        return pa.table(
            {
                "source": pa.array(sources, pa.large_string()).dictionary_encode(),
                "ticket_id": pa.array(ids, pa.large_string()),
                "at": pa.array([0] * len(ids), pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                "seq": pa.array(range(len(ids)), pa.int64()),
            }
        )

    assert is_ordered(table(["csv"] * 3, ["1", "2", "3"]))
    assert not is_ordered(table(["csv"] * 3, ["2", "1", "3"]))
    assert is_ordered(table(["a", "b", "b"], ["9", "1", "2"]))
    assert not is_ordered(table(["b", "a", "a"], ["1", "2", "3"]))


def test_a_log_written_before_the_vendor_due_columns_is_read(tmp_path: Path) -> None:
    """A snapshot whose tickets file lacks columns declared later (the vendor due times) is
    read with those columns as typed nulls, by `read_log` and by a query's `load_source`."""
    import pyarrow.parquet as pq

    from slametrics.api.imports import load_source

    t, e, _ = read_exports([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    merge_into_log(tmp_path, t, e)
    (files,) = snapshot_files(tmp_path)
    old_columns = ["vendor_first_response_due_at", "vendor_resolution_due_at"]
    stored = pq.read_table(files.tickets)
    pq.write_table(stored.drop(old_columns), files.tickets)
    assert not set(old_columns) & set(pq.read_schema(files.tickets).names)
    for log in (read_log(tmp_path), load_source([tmp_path]).log):
        assert len(log.tickets) == 400
        for col in old_columns:
            assert log.tickets[col].isna().all()
            assert str(log.tickets[col].dtype) == "datetime64[us, UTC]"
    import_again = merge_into_log(tmp_path, t, e)  # a merge into the old log works too
    assert (import_again.tickets_new, import_again.events_new) == (0, 0)
