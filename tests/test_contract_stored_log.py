"""Contract figures of a short period read the earlier billing periods whole from a stored log."""

from __future__ import annotations

import json
from pathlib import Path

from slametrics.cli import main

ROOT = Path(__file__).resolve().parents[1]
POLICY = str(ROOT / "policies" / "contract-example.yaml")
EXPORTS = [str(ROOT / "sample_data" / "tickets.csv"), str(ROOT / "sample_data" / "events.csv")]


def _contract(capsys, sources: list[str], period: str) -> dict:
    capsys.readouterr()
    rc = main(["metrics", *sources, "--policy", POLICY, "--period", period, "--format", "json"])
    out = capsys.readouterr().out
    assert rc == 0
    return json.loads(out)["contract"]


def test_stored_log_and_exports_agree_on_every_billing_period(tmp_path, capsys) -> None:
    log = str(tmp_path / "log")
    assert main(["import", *EXPORTS, "--log", log]) == 0
    for period in ("2026-W46", "2026-11-20", "2026-10"):
        stored = _contract(capsys, [log], period)
        files = _contract(capsys, EXPORTS, period)
        assert stored == files, period
        # the trend reaches back to earlier billing periods, whose volumes are not empty
        assert sum(p["tickets"] for p in stored["trend"]) > 0, period
