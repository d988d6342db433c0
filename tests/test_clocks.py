"""Clock engine internals against slow, obvious versions: ordering, repeat flags, period scoping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from slametrics import api
from slametrics.engine.clocks import compute_clocks, prepare_log, timeline_order
from slametrics.engine.repeats import repeat_flags
from slametrics.metrics import period as figures
from slametrics.periods import parse_period
from slametrics.policy import load_policy, parse_policy
from slametrics.sample import write_sample_csv

POLICIES = Path(__file__).resolve().parents[1] / "policies"


@st.composite
def timelines(draw, sorted_events: bool):
    n = draw(st.integers(1, 6))
    created = np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), dtype=np.int64)
    rows = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 30)), max_size=25))
    tix = np.array([r[0] for r in rows], dtype=np.int64)
    at = np.array([created[r[0]] + r[1] for r in rows], dtype=np.int64)  # never before creation
    seq = np.arange(len(rows), dtype=np.int64)  # distinct, as (ticket, at, seq) is in the log
    if sorted_events:
        order = np.lexsort((seq, at, tix))
        tix, at, seq = tix[order], at[order], seq[order]
    st_tix = np.concatenate([np.arange(n), tix])
    st_at = np.concatenate([created, at])
    st_seq = np.concatenate([np.full(n, -1, dtype=np.int64), seq])
    return st_tix, st_at, st_seq, n


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_timeline_order_equals_full_sort(data) -> None:
    """Merging creation rows into sorted events orders exactly like a lexsort (sorted or not)."""
    st_tix, st_at, st_seq, n = data.draw(timelines(sorted_events=data.draw(st.booleans())))
    got = timeline_order(st_tix, st_at, st_seq, n)
    want = np.lexsort((st_seq, st_at, st_tix))
    assert sorted(got.tolist()) == list(range(len(st_tix)))  # a permutation
    for key in (st_tix, st_at, st_seq):
        assert key[got].tolist() == key[want].tolist()


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["incident", "request"]),
            st.sampled_from(["Acme", " acme", "ACME ", "Birch", "", None]),
            st.sampled_from(["mail", "Mail", "vpn", None]),
            st.integers(0, 20),  # days
        ),
        max_size=30,
    ),
    window_days=st.integers(0, 10),
)
def test_repeat_flags_equal_brute_force(rows, window_days) -> None:
    """An incident repeats when an earlier incident (same trimmed, case-folded key) is within the window."""
    t = pd.DataFrame(rows, columns=["kind", "organization", "category", "day"])
    t["organization"] = t["organization"].astype("string")
    t["category"] = t["category"].astype("string")
    t["created_at"] = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(t["day"], unit="D")
    policy = parse_policy(
        {"repeat_incidents": {"key": ["organization", "category"], "window": f"{window_days}d"}}
    )
    got = repeat_flags(t, policy)

    def norm(v):
        return None if v is None or pd.isna(v) or not v.strip() else v.strip().lower()

    want = []
    for i, (kind, org, cat, day) in enumerate(rows):
        key = (norm(org), norm(cat))
        earlier = [
            d
            for j, (k2, o2, c2, d) in enumerate(rows)
            if k2 == "incident"
            and (norm(o2), norm(c2)) == key
            and (d < day or (d == day and j < i))
        ]
        want.append(
            kind == "incident" and None not in key and any(day - d <= window_days for d in earlier)
        )
    assert got.tolist() == want


@pytest.fixture(scope="module")
def sample_log(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("scoped")
    paths = write_sample_csv(tmp / "csv", 2500, seed=11, start="2026-03-02", weeks=14)
    api.import_exports(list(paths), tmp / "log")
    return api.load_source([tmp / "log"]).log


@pytest.mark.parametrize("policy_name", ["ru-contract", "business-hours", "24x7"])
def test_figures_from_scoped_tickets_equal_the_whole_log(sample_log, policy_name, monkeypatch):
    """Leaving out tickets settled before a period changes none of its figures, lean or not."""
    policy = load_policy(POLICIES / f"{policy_name}.yaml")
    prepared = prepare_log(sample_log.tickets, sample_log.events, policy)
    weeks = [parse_period(f"2026-W{w:02d}", policy.timezone) for w in range(10, 25, 2)]
    scoped_sizes = []
    for period in weeks:
        for as_of in (period.end - pd.Timedelta(microseconds=1), period.start + pd.Timedelta("3D")):
            scoped = figures.period_figures(sample_log, policy, period, as_of, prepared, lean=True)
            full_state = compute_clocks(
                sample_log.tickets, sample_log.events, policy, as_of, prepared
            )
            with monkeypatch.context() as m:
                m.setattr(figures, "compute_clocks", lambda *a, s=full_state, **k: s)
                full = figures.period_figures(sample_log, policy, period, as_of, prepared)
            assert {k: v.model_dump() for k, v in scoped.metrics.items()} == {
                k: v.model_dump() for k, v in full.metrics.items()
            }, (period.label, as_of)
            key = ["ticket_id", "clock"]
            want = full.counted.sort_values(key)[["ticket_id", "clock", "outcome", "stopped_at"]]
            got = scoped.counted.assign(
                ticket_id=prepared.tickets["ticket_id"].to_numpy()[scoped.counted["tix"].to_numpy()]
            )
            got = got.sort_values(key)[["ticket_id", "clock", "outcome", "stopped_at"]]
            assert (
                want.reset_index(drop=True)
                .astype(str)
                .equals(got.reset_index(drop=True).astype(str))
            )
            want_backlog = full.backlog.sort_values(key)[["ticket_id", "clock", "decided_at"]]
            got_backlog = scoped.backlog.assign(
                ticket_id=prepared.tickets["ticket_id"].to_numpy()[scoped.backlog["tix"].to_numpy()]
            ).sort_values(key)[["ticket_id", "clock", "decided_at"]]
            assert (
                want_backlog.reset_index(drop=True)
                .astype(str)
                .equals(got_backlog.reset_index(drop=True).astype(str))
            )
            scoped_sizes.append(len(scoped.state.tickets) / len(full.state.tickets))
    assert max(scoped_sizes[4:]) < 0.6  # later weeks really compute a slice of the log


@settings(max_examples=200, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["T-1", "T-10", "T-2", "a", "b", "Я"]), min_size=0, max_size=20),
    presorted=st.booleans(),
)
def test_ticket_codes_equal_sorted_factorize(ids, presorted) -> None:
    """The neighbour-comparison shortcut for ordered ticket ids agrees with pandas' factorize."""
    from slametrics.importers.base import ticket_codes

    values = pd.Series(sorted(ids) if presorted else ids, dtype="string")
    code, uniques = ticket_codes(values)
    want_code, want_uniques = pd.factorize(values, sort=True)
    assert list(code) == list(want_code)
    assert list(uniques) == list(want_uniques)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["T-1", "T-2", "a"]),
            st.integers(0, 3),
            st.sampled_from(["created", "status", "agent_reply"]),
        ),
        max_size=25,
    ),
    presorted=st.booleans(),
)
def test_sorted_events_order_and_seq_equal_pandas(rows, presorted) -> None:
    """Events come out by ticket, time, created first, then source order; `seq` numbers the
    events sharing a ticket and time (as pandas' sort and cumcount)."""
    from slametrics.importers.base import sorted_events

    frame = pd.DataFrame(rows, columns=["ticket_id", "at", "event"])
    frame["ticket_id"] = frame["ticket_id"].astype("string")
    frame["at"] = pd.to_datetime(frame["at"], unit="h", utc=True).astype("datetime64[us, UTC]")
    frame["n"] = np.arange(len(frame))
    if presorted:
        frame = frame.sort_values(["ticket_id", "at"], kind="stable").reset_index(drop=True)
    got, _, _ = sorted_events(frame.copy())
    want = frame.assign(later=(frame["event"] != "created").astype(int)).sort_values(
        ["ticket_id", "at", "later", "n"]
    )
    want["seq"] = want.groupby(["ticket_id", "at"]).cumcount()
    assert got["n"].tolist() == want["n"].tolist()
    assert got["seq"].tolist() == want["seq"].tolist()


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(st.sampled_from(["T-1", "T-10", "T-2", "a", "Я"]), max_size=20),
    tickets=st.lists(st.sampled_from(["T-1", "T-10", "T-2", "a", "Я", "b"]), unique=True),
    presorted=st.booleans(),
)
@example(ids=["T-1", "T-1", "a"], tickets=["T-1", "a"], presorted=True)  # the tickets are the ids
@example(ids=["T-1", "a"], tickets=["a", "T-1"], presorted=False)
def test_link_events_equals_dictionary_lookups(ids, tickets, presorted) -> None:
    """Codes, ticket positions and known flags agree with plain Python lookups, whether the ids
    come sorted, the tickets match the events' ids exactly, or neither."""
    from slametrics.importers.base import link_events

    if presorted:
        ids, tickets = sorted(ids), sorted(tickets)
    events = pd.DataFrame({"ticket_id": pd.Series(ids, dtype="string")})
    frame = pd.DataFrame({"ticket_id": pd.Series(tickets, dtype="string")})
    links = link_events(events, frame)
    uniques = sorted(set(ids))
    assert list(links.uniques) == uniques
    assert links.code.tolist() == [uniques.index(i) for i in ids]
    assert links.known.tolist() == [u in tickets for u in uniques]
    assert links.pos.tolist() == [uniques.index(t) if t in uniques else -1 for t in tickets]
