"""Tests for the synthetic helpdesk log generator (slametrics.sample)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slametrics import schema
from slametrics.policy import DEFAULT_KINDS
from slametrics.sample import (
    CSV_EVENT_COLUMNS,
    CSV_TICKET_COLUMNS,
    generate_sample,
    write_sample_csv,
)

REPO = Path(__file__).resolve().parents[1]
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
STATUS_EVENTS = ["created", "status", "resolved", "reopened", "closed"]


@pytest.fixture(scope="module")
def frames():
    return generate_sample(3000, seed=11)


def test_deterministic():
    a_t, a_e = generate_sample(500, seed=5)
    b_t, b_e = generate_sample(500, seed=5)
    pd.testing.assert_frame_equal(a_t, b_t)
    pd.testing.assert_frame_equal(a_e, b_e)
    c_t, _ = generate_sample(500, seed=6)
    assert not a_t["created_at"].equals(c_t["created_at"])


def test_columns_and_schema(frames):
    tickets, events = frames
    assert list(tickets.columns) == schema.TICKET_COLUMNS
    assert list(events.columns) == schema.EVENT_COLUMNS
    schema.validate_tickets(tickets)
    schema.validate_events(events)
    assert set(tickets["source"]) == {"sample"} and set(events["source"]) == {"sample"}
    assert set(tickets["fidelity"]) == {"history"}
    assert set(events["event"]) <= set(schema.EVENT_TYPES)
    assert set(events["actor"]) <= set(schema.ACTORS)
    assert set(tickets["status"]) <= set(schema.STATUS_CLASSES)
    assert (tickets["status"] == tickets["status_class"]).all()
    kinds = {raw: kind for kind, raws in DEFAULT_KINDS.items() for raw in raws}
    assert (tickets["type"].map(kinds) == tickets["kind"]).all()


def test_ticket_ids(frames):
    tickets, events = frames
    assert tickets["ticket_id"].is_unique
    assert tickets["ticket_id"].str.fullmatch(r"T-\d{6}").all()
    assert tickets["ticket_id"].iloc[0] == "T-000001"
    assert tickets["created_at"].is_monotonic_increasing
    big, _ = generate_sample(1_234_567 // 1000, seed=1)
    assert big["ticket_id"].str.len().eq(8).all()
    assert set(events["ticket_id"]) == set(tickets["ticket_id"])


def test_events_ordered_and_after_creation(frames):
    tickets, events = frames
    assert not events.duplicated(["ticket_id", "seq"]).any()
    key = events["ticket_id"]
    assert (key.to_numpy()[1:] >= key.to_numpy()[:-1]).all()
    same = key.to_numpy()[1:] == key.to_numpy()[:-1]
    at = events["at"].to_numpy()
    assert (at[1:][same] >= at[:-1][same]).all()
    assert (events.groupby("ticket_id").cumcount() == events["seq"]).all()
    created = events["ticket_id"].map(tickets.set_index("ticket_id")["created_at"])
    assert (events["at"] >= created).all()
    first = events[events["seq"] == 0].set_index("ticket_id")
    assert (first["event"] == "created").all() and (first["value"] == "new").all()
    assert (first["at"] == tickets.set_index("ticket_id")["created_at"]).all()
    assert (events["at"] == events["at"].dt.floor("s")).all()


def test_tickets_consistent_with_events(frames):
    tickets, events = frames
    t = tickets.set_index("ticket_id")
    ids = t.index

    replies = events[(events["event"] == "agent_reply") & (events["public"] == True)]  # noqa: E712
    first_reply = replies.groupby("ticket_id")["at"].min().reindex(ids)
    pd.testing.assert_series_equal(
        t["first_response_at"], first_reply, check_names=False, check_freq=False
    )
    counts = replies.groupby("ticket_id").size().reindex(ids, fill_value=0)
    assert (t["agent_replies"] == counts).all()
    reopens = events[events["event"] == "reopened"].groupby("ticket_id").size()
    assert (t["reopens"] == reopens.reindex(ids, fill_value=0)).all()

    status_ev = events[events["event"].isin(STATUS_EVENTS)]
    last_status = status_ev.groupby("ticket_id")["value"].last().reindex(ids)
    assert (t["status"] == last_status).all()
    assert (status_ev["status_class"] == status_ev["value"]).all()
    assert events.loc[~events["event"].isin(STATUS_EVENTS), "status_class"].isna().all()

    done = t["status"].isin(["resolved", "closed"])
    last_resolved = events[events["event"] == "resolved"].groupby("ticket_id")["at"].max()
    expected = last_resolved.reindex(ids).where(done)
    pd.testing.assert_series_equal(t["resolved_at"], expected, check_names=False)
    closed = events[events["event"] == "closed"].groupby("ticket_id")["at"].max().reindex(ids)
    pd.testing.assert_series_equal(t["closed_at"], closed, check_names=False)
    assert ((t["status"] == "closed") == t["closed_at"].notna()).all()
    assert (t["updated_at"] == events.groupby("ticket_id")["at"].max().reindex(ids)).all()

    assigned = events[events["event"] == "assigned"].groupby("ticket_id")["value"].last()
    assert (t["assignee"].dropna() == assigned.reindex(t["assignee"].dropna().index)).all()
    assert t["csat"].dropna().between(1, 5).all()
    assert t.loc[t["csat"].notna(), "status"].isin(["resolved", "closed"]).all()
    # replies and notes carry `public`, status-like events do not
    comment = events["event"].isin(["agent_reply", "customer_reply", "note"])
    assert events.loc[comment, "public"].notna().all()
    assert events.loc[~comment, "public"].isna().all()
    assert not events.loc[events["event"] == "note", "public"].any()


def test_realistic_shape():
    tickets, events = generate_sample(20_000, seed=3)
    per_ticket = len(events) / len(tickets)
    assert 8.5 < per_ticket < 11.5
    open_share = 1 - tickets["status"].isin(["resolved", "closed"]).mean()
    assert 0.04 < open_share < 0.12
    prio = tickets["priority"].value_counts(normalize=True)
    assert abs(prio["urgent"] - 0.03) < 0.01 and abs(prio["normal"] - 0.60) < 0.03
    types = tickets["type"].value_counts(normalize=True)
    assert abs(types["incident"] - 0.45) < 0.03
    assert set(tickets["channel"]) == {"email", "web", "phone", "chat"}
    assert 15 <= tickets["organization"].nunique() <= 25
    local = tickets["created_at"].dt.tz_convert("Europe/Moscow")
    business = (local.dt.day_of_week < 5) & local.dt.hour.between(9, 17)
    assert business.mean() > 0.7
    assert (local.dt.day_of_week >= 5).mean() < 0.1
    span = tickets["created_at"].max() - tickets["created_at"].min()
    assert pd.Timedelta(days=50) < span <= pd.Timedelta(weeks=8)
    # urgent tickets are answered much faster than normal ones, and not every response is on time
    wait = tickets["first_response_at"] - tickets["created_at"]
    by_prio = wait.groupby(tickets["priority"]).median()
    assert by_prio["urgent"] < pd.Timedelta(minutes=15) < by_prio["normal"]
    assert (wait[tickets["priority"] == "urgent"] > pd.Timedelta(minutes=15)).any()
    for status in ("waiting_customer", "waiting_third_party", "on_hold", "resolved", "open"):
        assert (events["value"] == status).any()
    assert (tickets["reopens"] > 0).mean() > 0.02
    assert tickets["closed_at"].notna().mean() > 0.4
    # repeat incidents: the same organization and category again within a few days
    inc = tickets[tickets["type"] == "incident"].sort_values("created_at")
    gap = inc["created_at"] - inc.groupby(["organization", "category"])["created_at"].shift()
    assert (gap <= pd.Timedelta(days=3)).mean() > 0.1
    # nothing happens after the end of the period (the export time)
    end = pd.Timestamp("2026-11-23", tz="Europe/Moscow")
    assert events["at"].max() < end


def test_no_work_on_russian_holiday():
    tickets, events = generate_sample(5000, seed=2)
    local = events["at"].dt.tz_convert("Europe/Moscow")
    on_holiday = local.dt.date == pd.Timestamp("2026-11-04").date()
    replies = events["event"] == "agent_reply"
    urgent = events["ticket_id"].map(tickets.set_index("ticket_id")["priority"]) == "urgent"
    assert not (on_holiday & replies & ~urgent).any()
    assert (on_holiday & replies & urgent).any() or not urgent.any()


def test_other_timezone_and_size():
    tickets, events = generate_sample(50, seed=0, tz="America/New_York", country=None, weeks=2)
    assert len(tickets) == 50
    assert tickets["ticket_id"].iloc[-1] == "T-000050"
    start = pd.Timestamp("2026-09-28", tz="America/New_York")
    assert (tickets["created_at"] >= start).all()
    assert events["at"].max() < start + pd.Timedelta(weeks=2)
    with pytest.raises(ValueError):
        generate_sample(0)


def test_csv_form(tmp_path):
    t_path, e_path = write_sample_csv(tmp_path / "out", 300, seed=4)
    assert t_path.name == "tickets.csv" and e_path.name == "events.csv"
    header_t = t_path.read_text().splitlines()[0]
    header_e = e_path.read_text().splitlines()[0]
    assert header_t == ",".join(CSV_TICKET_COLUMNS)
    assert header_e == ",".join(CSV_EVENT_COLUMNS)
    assert CSV_TICKET_COLUMNS == [
        "ticket_id",
        "created_at",
        "subject",
        "type",
        "priority",
        "channel",
        "organization",
        "requester",
        "assignee",
        "group",
        "category",
        "service",
        "status",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "agent_replies",
        "reopens",
        "csat",
    ]
    assert CSV_EVENT_COLUMNS == ["ticket_id", "at", "event", "value", "actor", "public"]

    tickets, events = generate_sample(300, seed=4)
    read_t = pd.read_csv(t_path, dtype=str, keep_default_na=False)
    read_e = pd.read_csv(e_path, dtype=str, keep_default_na=False)
    assert len(read_t) == len(tickets) and len(read_e) == len(events)
    for col in ("created_at", "first_response_at", "resolved_at", "closed_at"):
        cells = read_t[col]
        assert cells[cells != ""].str.match(ISO_Z).all()
        parsed = pd.to_datetime(cells.replace("", None), utc=True)
        pd.testing.assert_series_equal(
            parsed.astype(tickets[col].dtype), tickets[col], check_names=False
        )
    assert read_e["at"].str.match(ISO_Z).all()
    assert set(read_e["public"]) <= {"true", "false", ""}
    assert (read_e["public"] == "").sum() == events["public"].isna().sum()
    assert (read_e["ticket_id"] == events["ticket_id"]).all()
    assert (read_e["value"] == events["value"].fillna("")).all()
    assert (read_t["status"] == tickets["status"]).all()
    assert (read_t["agent_replies"].astype(int) == tickets["agent_replies"]).all()
    csat = pd.to_numeric(read_t["csat"].replace("", None))
    assert np.allclose(csat.fillna(-1), tickets["csat"].fillna(-1))


def test_module_entry_point(tmp_path):
    out = tmp_path / "cli"
    subprocess.run(
        [sys.executable, "-m", "slametrics.sample", "--tickets", "40", "--seed", "2", "--out", out],
        check=True,
        capture_output=True,
    )
    assert (out / "tickets.csv").exists() and (out / "events.csv").exists()
    lines = (out / "tickets.csv").read_text().splitlines()
    assert len(lines) == 41


# numpy keeps a Generator's streams stable only within a version line, so the byte-for-byte check
# runs on the line that wrote sample_data (regenerate with the command in sample_data/README.md)
GENERATED_WITH_NUMPY = "2.4."


def test_bundled_sample_data_is_current(tmp_path):
    import numpy

    bundled = REPO / "sample_data"
    if not (bundled / "tickets.csv").exists():
        pytest.skip("sample_data not generated")
    if not numpy.__version__.startswith(GENERATED_WITH_NUMPY):
        pytest.skip(
            f"sample_data was written with numpy {GENERATED_WITH_NUMPY}x, not {numpy.__version__}"
        )
    write_sample_csv(tmp_path, 400, seed=7, start="2026-09-28", weeks=8, tz="Europe/Moscow")
    for name in ("tickets.csv", "events.csv"):
        assert (bundled / name).read_bytes() == (tmp_path / name).read_bytes(), name


def test_a_large_sample_is_written_in_parts_with_their_own_ids(tmp_path, monkeypatch) -> None:
    """Over CHUNK_TICKETS the sample is parts (seed + k, ids T<k>-...), each as generated alone."""
    import pyarrow.csv as pacsv

    from slametrics.sample import writer
    from slametrics.sample.generator import generate_tables

    monkeypatch.setattr(writer, "CHUNK_TICKETS", 400)
    tickets_path, events_path = writer.write_sample_csv(tmp_path, 1000, seed=3)
    t, e = pacsv.read_csv(tickets_path), pacsv.read_csv(events_path)
    ids = t.column("ticket_id").to_pylist()
    assert len(ids) == len(set(ids)) == 1000
    assert [i.split("-")[0] for i in ids[::400]] == ["T0", "T1", "T2"]
    part, part_events = generate_tables(200, seed=5)  # the third part: seed 3 + 2, 200 tickets
    assert ids[800:] == [i.replace("T-", "T2-") for i in part.column("ticket_id").to_pylist()]
    third = [i for i in e.column("ticket_id").to_pylist() if i.startswith("T2-")]
    assert len(third) == part_events.num_rows
    assert set(e.column("ticket_id").to_pylist()) <= set(ids)
