"""Shared fixtures: repository paths, the real-data folder, a CLI runner, golden-file updating."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slametrics.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
POLICIES = ROOT / "policies"
REALDATA = Path(os.environ.get("SLAMETRICS_REALDATA", ROOT.parent / "shared" / "realdata"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden files")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real data not available at {REALDATA}")
    return REALDATA


def invoke(
    args: list[str], capsys: pytest.CaptureFixture[str], expect_code: int = 0
) -> tuple[str, str]:
    """Run the CLI in-process; assert the exit code; return (stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == expect_code, f"exit {code} != {expect_code}\nstdout:\n{out}\nstderr:\n{err}"
    return out, err


def run_importer(importer_cls, *paths, **options):
    """Read export files with one importer; check the schema and the row accounting."""
    from slametrics.importers.base import ImportOptions
    from slametrics.importers.io import open_inputs
    from slametrics.schema import validate_events, validate_tickets

    files = [f for p in paths for f in open_inputs(p)]
    result = importer_cls().read(files, ImportOptions(**options))
    validate_tickets(result.tickets)
    validate_events(result.events)
    assert result.report.balanced
    return result
