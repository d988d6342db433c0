"""The UCI ServiceNow incident log's made_sla against policies/servicenow-made-sla.yaml (skipped
when ../shared/realdata is absent)."""

from __future__ import annotations

from pathlib import Path

from conftest import POLICIES
from slametrics import api
from slametrics.api.audit import audit_result

SN_LOG = "servicenow-incident-log/incident_event_log.original_format.first_119998rows.csv.gz"


def test_servicenow_made_sla_policy_reproduces_made_sla(realdata: Path, tmp_path: Path) -> None:
    api.import_exports([realdata / SN_LOG], tmp_path)  # no options: no import tricks
    q = api.Query(sources=[tmp_path], policy=POLICIES / "servicenow-made-sla.yaml")
    result = audit_result(q, disagreements_only=False)
    s = result.summary
    for row in s.itertuples():
        print(f"{row.clock} {row.priority}: {row.agree}/{row.compared} = {row.agreement:.2f}%")
    agreement = s["agree"].sum() / s["compared"].sum()
    print(f"all: {s['agree'].sum()}/{s['compared'].sum()} = {100 * agreement:.2f}%")
    print("causes:", result.causes)
    assert s["compared"].sum() > 20000
    assert agreement >= 0.98
