"""Tests of the ServiceNow importer: update log (real and sample), list export, task_sla."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from naive_notices import pop_naive

from conftest import run_importer
from slametrics.errors import UserError
from slametrics.importers import detect_importer, get_importer
from slametrics.importers.base import ImportOptions
from slametrics.importers.io import InputFile, open_inputs
from slametrics.importers.servicenow import ServiceNowImporter
from slametrics.schema import validate_events, validate_tickets

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_data" / "servicenow"
FIXTURES = ROOT / "tests" / "fixtures" / "servicenow"
LOG_SAMPLE = SAMPLES / "incident_event_log.csv"
LIST_SAMPLE = SAMPLES / "incident.csv"
SLA_SAMPLE = SAMPLES / "task_sla.csv"
REAL_SUBSET = FIXTURES / "incident_event_log_first60.csv"
REALDATA = Path(os.environ.get("SLAMETRICS_REALDATA") or ROOT / ".." / "shared" / "realdata")
REAL_LOG = (
    REALDATA
    / "servicenow-incident-log"
    / "incident_event_log.original_format.first_119998rows.csv.gz"
)
PROBLEM = ["code", "line", "column", "value"]


def load(*paths, **options):
    return run_importer(ServiceNowImporter, *paths, **options)


def ts(value: str) -> pd.Timestamp:
    return pd.Timestamp(value, tz="UTC")


def by_id(result) -> pd.DataFrame:
    return result.tickets.set_index("ticket_id")


def history(result, ticket: str) -> list[list]:
    ev = result.events[result.events["ticket_id"] == ticket].sort_values(["at", "seq"])
    ev = ev[ev["status_class"].notna()]
    return [[str(a), e, v, c] for a, e, v, c in ev[["at", "event", "value", "status_class"]].values]


def variant(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def expected_from_log(path: Path) -> pd.DataFrame:
    """Per incident, from the raw file with plain pandas: its last row (by sys_mod_count)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["mod"] = raw["sys_mod_count"].astype(int)
    waits = raw["incident_state"].isin(["Awaiting User Info", "Awaiting Evidence"])
    raw["ever_waiting_customer"] = waits.groupby(raw["number"]).transform("any")
    last = raw.sort_values(["number", "mod"], kind="stable").groupby("number").tail(1)
    return last.set_index("number")


# --- detection -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        LOG_SAMPLE,
        LIST_SAMPLE,
        SLA_SAMPLE,
        REAL_SUBSET,
        FIXTURES / "incident_list_ru.csv",
        FIXTURES / "incident_list_de.csv",
        FIXTURES / "task_sla_dv.csv",
    ],
)
def test_detects_servicenow_exports(path):
    (f,) = open_inputs(path)
    assert detect_importer(f) == "servicenow"
    assert get_importer("servicenow") is ServiceNowImporter


def test_does_not_claim_the_canonical_csv_or_freshdesk_and_vice_versa():
    canonical = InputFile("tickets.csv", b"ticket_id,created_at,status\n1,2026-11-02 09:00,open\n")
    assert ServiceNowImporter.detect(canonical) == 0
    (freshdesk,) = open_inputs(ROOT / "sample_data" / "freshdesk" / "tickets_export.csv")
    assert ServiceNowImporter.detect(freshdesk) == 0
    for path in (LOG_SAMPLE, LIST_SAMPLE, SLA_SAMPLE):
        (f,) = open_inputs(path)
        assert get_importer("csv").detect(f) == 0
        assert get_importer("freshdesk").detect(f) == 0


# --- the update-log sample -------------------------------------------------------------------


def test_log_sample_counts_and_classes():
    r = load(LOG_SAMPLE)
    t = r.tickets
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (154, 154, 0)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.problems == []
    assert len(t) == 24 and t["ticket_id"].is_unique
    assert set(t["fidelity"]) == {"history"} and set(t["type"]) == {"incident"}
    assert t["status_class"].value_counts().to_dict() == {
        "closed": 22,
        "waiting_customer": 1,
        "open": 1,
    }
    assert t["vendor_resolution_met"].value_counts().to_dict() == {True: 18, False: 6}
    assert t.set_index("ticket_id")["reopens"].loc[lambda s: s > 0].to_dict() == {
        "INC0031020": 1,
        "INC0031021": 1,
    }
    classes = set(r.events["status_class"].dropna())
    assert {"waiting_customer", "waiting_third_party"} <= classes


def test_log_sample_waiting_incident_by_hand():
    r = load(LOG_SAMPLE)
    assert history(r, "INC0031016") == [
        ["2026-11-07 15:19:00+00:00", "created", "new", "new"],
        ["2026-11-07 16:06:00+00:00", "status", "Active", "open"],
        ["2026-11-07 18:00:00+00:00", "status", "Awaiting User Info", "waiting_customer"],
        ["2026-11-08 07:01:00+00:00", "status", "Active", "open"],
        ["2026-11-08 10:04:00+00:00", "resolved", "Resolved", "resolved"],
        ["2026-11-13 10:04:00+00:00", "closed", "Closed", "closed"],
    ]
    t = by_id(r).loc["INC0031016"]
    assert t["created_at"] == ts("2026-11-07 15:19")  # opened_at, not the first update
    assert t["resolved_at"] == ts("2026-11-08 10:04") and t["closed_at"] == ts("2026-11-13 10:04")
    assert (t["status"], t["priority"], t["requester"], t["group"]) == (
        "Closed",
        "3 - Moderate",
        "Caller 4520",
        "Group 24",
    )
    assert dict(t["extra"])["reassignment_count"] == "1"


def test_log_sample_reopens_by_hand():
    r = load(LOG_SAMPLE)
    # reopened from Resolved ...
    assert history(r, "INC0031020")[2:4] == [
        ["2026-11-09 04:57:00+00:00", "resolved", "Resolved", "resolved"],
        ["2026-11-09 21:57:00+00:00", "reopened", "Active", "open"],
    ]
    # ... and from Closed
    assert [h[1] for h in history(r, "INC0031021")] == [
        "created",
        "status",
        "resolved",
        "closed",
        "reopened",
        "resolved",
        "closed",
    ]
    t = by_id(r)
    # made_sla of the last row, though it was true at first
    assert t.loc["INC0031020", "vendor_resolution_met"] == False  # noqa: E712
    assert t.loc["INC0031004", ["priority", "vendor_resolution_met"]].tolist() == [
        "1 - Critical",
        False,
    ]


def test_log_sample_open_incident_has_no_resolution():
    r = load(LOG_SAMPLE)
    t = by_id(r).loc["INC0031022"]
    assert (t["status"], t["status_class"]) == ("Awaiting User Info", "waiting_customer")
    assert pd.isna(t["resolved_at"]) and pd.isna(t["closed_at"])
    assert history(r, "INC0031022")[-1] == [
        "2026-11-10 04:32:00+00:00",
        "status",
        "Awaiting User Info",
        "waiting_customer",
    ]


def test_log_timezone_option():
    t = by_id(load(LOG_SAMPLE, tz="Europe/Berlin")).loc["INC0031016"]
    assert t["created_at"] == ts("2026-11-07 14:19")


# --- the real subset (first 60 incidents of the UCI log) -------------------------------------


def test_real_subset_matches_the_raw_file():
    r = load(REAL_SUBSET)
    exp = expected_from_log(REAL_SUBSET)
    t = by_id(r).reindex(exp.index)
    assert len(r.tickets) == 60 and r.report.rows_read == 374 == r.report.rows_imported
    assert (t["reopens"] == exp["reopen_count"].astype(int)).all()
    assert (t["vendor_resolution_met"] == (exp["made_sla"] == "true")).all()
    assert (t["priority"] == exp["priority"]).all()
    assert (t["status"] == exp["incident_state"]).all()
    waited = r.events.loc[r.events["status_class"] == "waiting_customer", "ticket_id"].unique()
    assert set(waited) == set(exp.index[exp["ever_waiting_customer"]])


def test_real_subset_out_of_order_updates_are_warned():
    r = load(REAL_SUBSET)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["out-of-order-update", 330, "sys_updated_at", "29/2/2016 07:27", "warning"],
        ["out-of-order-update", 346, "sys_updated_at", "29/2/2016 07:55", "warning"],
        ["out-of-order-update", 351, "sys_updated_at", "29/2/2016 09:27", "warning"],
        ["out-of-order-update", 361, "sys_updated_at", "29/2/2016 11:03", "warning"],
        # their logs begin at sys_mod_count 1: the priority they were opened with is unknown
        ["priority-at-start-unknown", 331, "number", "INC0000130", "warning"],
        ["priority-at-start-unknown", 347, "number", "INC0000134", "warning"],
        ["priority-at-start-unknown", 352, "number", "INC0000135", "warning"],
        ["priority-at-start-unknown", 360, "number", "INC0000137", "warning"],
    ]
    # event times never go back within an incident
    ev = r.events.sort_values(["ticket_id", "at", "seq"])
    assert (ev.groupby("ticket_id")["at"].diff().dropna() >= pd.Timedelta(0)).all()


# --- list export + task_sla ------------------------------------------------------------------


def test_list_sample_alone_is_a_snapshot():
    r = load(LIST_SAMPLE)
    t = by_id(r)
    assert pop_naive(r.report) == ["UTC"]
    assert (r.report.rows_read, r.report.rows_imported, r.report.problems) == (25, 25, [])
    assert set(t["fidelity"]) == {"snapshot"}
    assert t["status_class"].value_counts().to_dict() == {
        "resolved": 6,
        "closed": 8,
        "open": 4,
        "waiting_customer": 2,
        "new": 2,
        "waiting_third_party": 2,
        "canceled": 1,
    }
    # On Hold is refined by its hold reason
    assert t.loc[["INC0032013", "INC0032015", "INC0032016"], "status_class"].tolist() == [
        "waiting_third_party",
        "waiting_third_party",
        "waiting_customer",
    ]
    one = t.loc["INC0032001"]
    assert one["created_at"] == ts("2026-11-03 08:49:00")
    assert one["resolved_at"] == ts("2026-11-06 10:48:00")
    assert (one["subject"], one["requester"], one["vendor_resolution_met"]) == (
        "Email not syncing on mobile",
        "Abel Tuter",
        False,
    )
    assert t.loc["INC0032006", "reopens"] == 1
    assert pd.isna(one.get("vendor_first_response_met")) and pd.isna(one.get("due_at"))


def test_task_sla_sets_verdicts_and_due_times():
    r = load(LIST_SAMPLE, SLA_SAMPLE)
    t = by_id(r)
    assert pop_naive(r.report) == ["UTC", "UTC"]
    assert (r.report.rows_read, r.report.rows_imported, r.report.problems) == (74, 74, [])
    one = t.loc["INC0032001"]
    assert (bool(one["vendor_first_response_met"]), bool(one["vendor_resolution_met"])) == (
        True,
        False,
    )
    assert one["due_at"] == ts("2026-11-05 15:00:00")
    # per clock, the planned end of its SLA: "P3 response (4 hour)", "P3 resolution (24 hour)"
    assert one["vendor_resolution_due_at"] == ts("2026-11-05 15:00:00")
    assert one["vendor_first_response_due_at"] == ts("2026-11-03 12:49:00")
    # a paused resolution SLA has no verdict yet; its response SLA breached
    held = t.loc["INC0032016"]
    assert pd.isna(held["vendor_resolution_met"]) and held["vendor_first_response_met"] == False  # noqa: E712
    assert held["due_at"] == ts("2026-11-09 17:00:00")
    # canceled incident: no task_sla rows, its made_sla stays
    assert t.loc["INC0032019", "vendor_resolution_met"] == True  # noqa: E712
    assert pd.isna(t.loc["INC0032019", "due_at"])


def test_cancelled_sla_is_ignored(tmp_path):
    text = SLA_SAMPLE.read_text(encoding="utf-8").replace(
        "INC0032003,P4 response (8 hour),Cancelled,false",
        "INC0032003,P4 response (8 hour),Cancelled,true",
    )
    t = by_id(load(LIST_SAMPLE, variant(tmp_path, text, "task_sla.csv")))
    assert t.loc["INC0032003", "vendor_first_response_met"] == True  # noqa: E712


def test_task_sla_display_value_columns_and_strays():
    r = load(LIST_SAMPLE, FIXTURES / "task_sla_dv.csv")
    assert pop_naive(r.report) == ["UTC", "UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["unknown-ticket", 4, "dv_task", "INC0099999", "error"],
        ["unknown-sla-definition", 5, "dv_sla", "Customer satisfaction OLA", "warning"],
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (29, 28, 1)
    t = by_id(r).loc["INC0032001"]
    # German definition names: Reaktionszeit = response, Lösungszeit = resolution
    assert (t["vendor_first_response_met"], t["vendor_resolution_met"]) == (True, False)
    assert t["due_at"] == ts("2026-11-05 15:00:00")


def test_task_sla_alone_is_a_clear_error():
    with pytest.raises(UserError, match="task_sla export holds SLA verdicts only"):
        load(SLA_SAMPLE)


def test_log_list_and_task_sla_together():
    r = load(LOG_SAMPLE, LIST_SAMPLE, SLA_SAMPLE)
    t = by_id(r)
    assert len(t) == 49
    assert t["fidelity"].value_counts().to_dict() == {"snapshot": 25, "history": 24}


# --- localized list exports ------------------------------------------------------------------


def test_russian_list_export():
    r = load(FIXTURES / "incident_list_ru.csv")
    t = by_id(r)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.problems == []
    assert t["status_class"].tolist() == ["closed", "open", "on_hold", "resolved"]
    assert t.loc["INC0040001", "created_at"] == ts("2026-11-02 09:15:00")
    assert t.loc["INC0040001", "subject"] == "Не работает почта"
    assert t["vendor_resolution_met"].tolist() == [True, True, False, False]


def test_german_list_export_with_bom_and_semicolons():
    r = load(FIXTURES / "incident_list_de.csv")
    t = by_id(r)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.problems == []
    assert t["status_class"].tolist() == ["closed", "open", "canceled"]
    assert t.loc["INC0041002", "created_at"] == ts("2026-11-03 14:02:10")
    assert t.loc["INC0041001", "group"] == "Service Desk"


def test_russian_list_in_cp1251_with_semicolons(tmp_path):
    text = FIXTURES.joinpath("incident_list_ru.csv").read_text(encoding="utf-8")
    path = tmp_path / "list.csv"
    path.write_bytes(text.replace(",", ";").encode("cp1251"))
    r = load(path)
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [["encoding-guessed", 1, None, "cp1251"]]
    assert by_id(r).loc["INC0040003", "status"] == "Приостановлено"


# --- broken variants -------------------------------------------------------------------------


def test_log_missing_column_names_it_and_the_columns_found(tmp_path):
    text = LOG_SAMPLE.read_text(encoding="utf-8").replace("sys_mod_count", "mods", 1)
    with pytest.raises(UserError) as err:
        load(variant(tmp_path, text))
    msg = str(err.value)
    assert "needs column 'sys_mod_count'" in msg
    assert "columns found: 'number', 'incident_state', 'active'" in msg and "'mods'" in msg


def test_list_missing_column(tmp_path):
    text = LIST_SAMPLE.read_text(encoding="utf-8").replace("opened_at", "open_date", 1)
    with pytest.raises(
        UserError, match=r"not a ServiceNow export.*opened_at.*columns found: number, open_date"
    ):
        load(variant(tmp_path, text))


def test_log_bad_timestamp_rejects_the_update(tmp_path):
    text = LOG_SAMPLE.read_text(encoding="utf-8").replace(
        "Updated by 327,2/11/2026 13:30,", "Updated by 327,yesterday,", 1
    )
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [
        ["unparseable-timestamp", 5, "sys_updated_at", "yesterday"]
    ]
    assert (r.report.rows_read, r.report.rows_imported, r.report.rows_rejected) == (154, 153, 1)
    assert len(r.tickets) == 24


def test_log_unknown_state_is_a_warning(tmp_path):
    text = LOG_SAMPLE.read_text(encoding="utf-8").replace(
        "INC0031016,Awaiting User Info", "INC0031016,Triage", 1
    )
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["unknown-status", 98, "incident_state", "Triage", "warning"]
    ]
    assert history(r, "INC0031016")[2][2:] == ["Triage", "open"]


def test_log_missing_number_and_state(tmp_path):
    lines = LOG_SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = "?" + lines[1][len("INC0031001") :]
    lines[2] = lines[2].replace("INC0031001,Active,", "INC0031001,?,", 1)
    r = load(variant(tmp_path, "".join(lines)))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM + ["severity"]) == [
        ["missing-value", 2, "number", None, "error"],
        ["missing-value", 3, "incident_state", None, "warning"],
        # its first update (line 2, sys_mod_count 0) was rejected: the log starts later
        ["priority-at-start-unknown", 3, "number", "INC0031001", "warning"],
    ]
    assert r.report.rows_rejected == 1
    # the state of the row with `?` is carried over from the previous update
    assert [h[1:] for h in history(r, "INC0031001")][:2] == [
        ["created", "new", "new"],
        ["status", "Active", "open"],
    ]


def test_list_bad_timestamp_and_unknown_state(tmp_path):
    text = LIST_SAMPLE.read_text(encoding="utf-8")
    text = text.replace("2026-11-03 08:49:00", "03/13/2026 25:99", 1).replace(
        "3 - Moderate,In Progress", "3 - Moderate,Triage", 1
    )
    r = load(variant(tmp_path, text))
    assert pop_naive(r.report) == ["UTC"]
    assert r.report.flatten(PROBLEM) == [
        ["unparseable-timestamp", 2, "opened_at", "03/13/2026 25:99"],
        ["unknown-status", 22, "state", "Triage"],
    ]
    assert r.report.rows_rejected == 1


@pytest.mark.parametrize(
    "data",
    [
        b"number,incident_state,sys_mod_count,sys_updated_at,opened_at\n",
        b"number,incident_state,sys_mod_count,sys_updated_at,opened_at\nINC1,New,x,?,?\n",
        b"number,incident_state,sys_mod_count,sys_updated_at,opened_at\nINC1,New,0,1/1/2026 10:00,??\n",
        b"task,sla,stage,has_breached\nINC1,P1 response,Completed,maybe\n",
        b"number,opened_at\n,\n",
        b"\xff\xfe\x00junk",
    ],
)
def test_garbage_never_raises_a_traceback(data):
    try:
        r = ServiceNowImporter().read([InputFile("junk.csv", data)], ImportOptions())
    except UserError:
        return
    assert r.report.balanced


# --- the full real log -----------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_LOG.exists(), reason=f"real data not found at {REAL_LOG}")
def test_full_real_log():
    files = open_inputs(REAL_LOG)
    start = time.perf_counter()
    r = ServiceNowImporter().read(files, ImportOptions())
    seconds = time.perf_counter() - start
    validate_tickets(r.tickets)
    validate_events(r.events)
    rep = r.report
    assert rep.balanced and (rep.rows_read, rep.rows_imported, rep.rows_rejected) == (
        119998,
        119998,
        0,
    )
    with gzip.open(REAL_LOG, "rt") as fh:
        raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    raw["mod"] = raw["sys_mod_count"].astype(int)
    last = raw.sort_values(["number", "mod"], kind="stable").groupby("number").tail(1)
    last = last.set_index("number")
    t = by_id(r)
    # one ticket per incident number
    assert len(t) == raw["number"].nunique() == 20769 and t.index.is_unique
    t = t.reindex(last.index)
    assert (t["reopens"].to_numpy() == last["reopen_count"].astype(int).to_numpy()).all()
    assert (t["vendor_resolution_met"] == (last["made_sla"] == "true")).all()
    assert t["vendor_resolution_met"].sum() == 12595
    # Awaiting * states map to the waiting classes
    ev = r.events
    cls = ev.loc[ev["event"].isin(["status", "reopened"])].groupby("value")["status_class"].unique()
    assert cls.loc["Awaiting User Info"].tolist() == ["waiting_customer"]
    assert cls.loc["Awaiting Evidence"].tolist() == ["waiting_customer"]
    assert cls.loc["Awaiting Vendor"].tolist() == ["waiting_third_party"]
    assert cls.loc["Awaiting Problem"].tolist() == ["waiting_third_party"]
    waits = raw["incident_state"].isin(["Awaiting User Info", "Awaiting Evidence"])
    ever_waiting = raw.loc[waits, "number"].unique()
    waited = ev.loc[ev["status_class"] == "waiting_customer", "ticket_id"].unique()
    assert set(waited) == set(ever_waiting)
    # reopened events agree with reopen_count except where the log's own order is corrupt
    reopened = ev[ev["event"] == "reopened"].groupby("ticket_id").size().reindex(t.index).fillna(0)
    assert list(t.index[reopened.to_numpy() != t["reopens"].to_numpy()]) == ["INC0000135"]
    assert pop_naive(rep) == ["UTC"]
    # 5 of the 20,769 incidents have no sys_mod_count 0 update in the log
    codes = [p.code for p in rep.problems]
    assert codes == ["out-of-order-update"] * 5 + ["priority-at-start-unknown"] * 5
    assert np.isclose(len(ev[ev["event"] == "created"]), 20769)
    print(f"\nServiceNow log: {rep.rows_read / seconds:,.0f} rows/s ({seconds:.2f} s)")
