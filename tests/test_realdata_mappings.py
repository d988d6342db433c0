"""The shipped mappings on the real BPIC 2013 / 2014 logs and Boston 311 2022 (../shared/realdata),
with reopen counts checked against a case-by-case walk over the raw file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from conftest import ROOT
from slametrics import api

MAPPINGS = ROOT / "mappings"


def _walk_reopens(raw: pd.DataFrame, case: str, step) -> tuple[int, int]:
    """(cases reopened, reopens) by walking each case's rows in order with `step(rows) -> n`."""
    counts = [step(list(rows)) for _, rows in raw.groupby(case, sort=False)["_act"]]
    return sum(c > 0 for c in counts), sum(counts)


def _in_time_order(raw: pd.DataFrame, case: str, at: pd.Series) -> pd.DataFrame:
    return raw.assign(_at=at, _row=range(len(raw))).sort_values(
        [case, "_at", "_row"], kind="stable"
    )


def test_bpic2013_incidents(realdata: Path) -> None:
    export = realdata / "bpic2013-volvo" / "bpi_challenge_2013_incidents.csv.gz"
    t, e, s = api.read_exports([export], mapping=MAPPINGS / "bpic2013-incidents.yaml")
    g = s.groups[0]
    assert (g.rows_read, g.rows_imported, g.rows_rejected) == (65533, 65533, 0)
    assert len(t) == 7554 and not s.problems  # every Status/Sub Status pair is mapped
    raw = pd.read_csv(export, dtype=str)
    raw = _in_time_order(raw, "case:concept:name", pd.to_datetime(raw["time:timestamp"], utc=True))
    raw["_act"] = raw["concept:name"] + "/" + raw["lifecycle:transition"]

    def repeated_resolution(acts: list[str]) -> int:
        # a move out of Completed reopens when a later Resolved/Closed/In Call follows
        done, n = False, 0
        for i, a in enumerate(acts):
            if a.startswith("Completed/"):
                done = True
            elif done and any(
                x.startswith("Completed/") and x != "Completed/Cancelled" for x in acts[i + 1 :]
            ):
                done, n = False, n + 1
        return n

    cases, reopens = _walk_reopens(raw, "case:concept:name", repeated_resolution)
    assert (cases, reopens) == (513, 579)
    assert ((t["reopens"] > 0).sum(), t["reopens"].sum()) == (cases, reopens)
    # SOURCE.md: a `Wait - User` sub status in 2,495 cases, `Wait - Customer` in 86
    waiting = e.loc[e["status_class"] == "waiting_customer", "ticket_id"].nunique()
    assert (
        waiting
        == raw.loc[
            raw["_act"].str.contains("Wait - (?:User|Customer)"), "case:concept:name"
        ].nunique()
    )
    assert t["priority"].value_counts().to_dict() == {
        "Medium": 4045,
        "Low": 3245,
        "High": 261,
        "Major": 3,
    }


def test_bpic2014_activity(realdata: Path) -> None:
    export = (
        realdata / "bpic2014-rabobank" / "detail_incident_activity_subset_16782_incidents.csv.gz"
    )
    t, e, s = api.read_exports([export], mapping=MAPPINGS / "bpic2014-activity.yaml")
    g = s.groups[0]
    assert (g.rows_read, g.rows_imported, g.rows_rejected) == (166702, 166702, 0)
    assert len(t) == 16782
    assert not [p for p in s.problems if p.code == "unknown-status"]
    raw = pd.read_csv(export, dtype=str)
    wall = pd.to_datetime(raw["DateStamp"].str.slice(0, 19))
    raw = _in_time_order(raw, "Incident ID", wall)
    raw["_act"] = raw["IncidentActivity_Type"]

    def explicit_reopen(acts: list[str]) -> int:
        done, n = False, 0
        for a in acts:
            if a in ("Closed", "Resolved"):
                done = True
            elif a == "Reopen":
                done, n = False, n + done
        return n

    cases, reopens = _walk_reopens(raw, "Incident ID", explicit_reopen)
    assert (cases, reopens) == (763, 865)  # SOURCE.md: 763 incidents with a Reopen
    assert ((t["reopens"] > 0).sum(), t["reopens"].sum()) == (cases, reopens)
    # the offsets were conversion artifacts: times are Amsterdam wall clock
    first = t.set_index("ticket_id").loc["IM0014984", "created_at"]
    assert first == pd.Timestamp("2013-11-19 12:19:43", tz="Europe/Amsterdam")
    # an assignment's value is its group; a mail to the customer is a reply and a wait
    assigned = e[e["event"] == "assigned"]
    assert (
        len(assigned)
        == (raw["_act"].isin(["Assignment", "Reassignment"])).sum()
        + (raw["_act"] == "External Vendor Assignment").sum()
    )
    assert assigned["value"].str.startswith("TEAM").all()
    replies = e[(e["event"] == "agent_reply")]
    assert (
        len(replies) == raw["_act"].isin(["Mail to Customer", "Communication with customer"]).sum()
    )


def test_boston_2022_json_lines_as_its_csv(realdata: Path) -> None:
    mapping = ROOT / "sample_data" / "boston311" / "mapping-2022.yaml"
    folder = realdata / "boston-311"
    from_csv, _, _ = api.read_exports([folder / "boston311_2022_100rows.csv"], mapping=mapping)
    from_json, _, s = api.read_exports([folder / "boston311_2022_100rows.jsonl"], mapping=mapping)
    g = s.groups[0]
    assert (g.rows_read, g.rows_rejected, len(from_json)) == (100, 0, 100)
    cols = ["ticket_id", "created_at", "due_at", "resolved_at", "status_class", "group"]
    cols += ["vendor_resolution_met", "channel", "organization", "subject"]
    a = from_csv[cols].sort_values("ticket_id").reset_index(drop=True)
    b = from_json[cols].sort_values("ticket_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
