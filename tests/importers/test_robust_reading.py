"""Robust reading: cells of any size are one row (imported or rejected), never the whole file."""

from __future__ import annotations

import subprocess
import sys

import pytest
from naive_notices import pop_naive

from conftest import run_importer
from slametrics.importers.csv_reader import block_size_for, longest_record
from slametrics.importers.servicenow import ServiceNowImporter

HEADER = "number,opened_at,short_description\n"
BIG = 3 << 20  # over Arrow's former 1 MiB block: the whole file used to fail (or hang, or abort)


def _rows(n: int, big_row: str, at: int) -> str:
    rows = [f"INC{i:07d},2026-01-0{1 + i % 9} 10:00:00,row {i}\n" for i in range(n)]
    rows.insert(at, big_row)
    return HEADER + "".join(rows)


def test_longest_record_counts_quoted_newlines():
    data = b'a,b\n1,"x\ny\nz"\n22,3\n'
    assert longest_record(data, quoted=True) == len(b'1,"x\ny\nz"\n')
    assert longest_record(data, quoted=False) == len(b'1,"x\n')
    assert longest_record(b"abc", quoted=False) == 3  # no newline at all: the whole buffer


def test_block_size_holds_two_records():
    assert block_size_for(100) == 1 << 20
    assert block_size_for(3 << 20) == 8 << 20
    assert block_size_for(1 << 30) == 0  # beyond what Arrow can count: the caller refuses


@pytest.mark.parametrize("quoted", [True, False])
def test_a_huge_cell_is_one_imported_row(tmp_path, quoted):
    cell = ("line\n" * (BIG // 5)) if quoted else "x" * BIG
    row = (
        f'INCBIG,2026-01-05 10:00:00,"{cell}"\n'
        if quoted
        else f"INCBIG,2026-01-05 10:00:00,{cell}\n"
    )
    path = tmp_path / "incidents.csv"
    path.write_text(_rows(3000, row, 1500), encoding="utf-8")
    result = run_importer(ServiceNowImporter, path)
    report = result.report
    assert (report.rows_read, report.rows_imported, report.rows_rejected) == (3001, 3001, 0)
    big = result.tickets.set_index("ticket_id").loc["INCBIG", "subject"]
    assert len(big) == len(cell.strip())
    assert pop_naive(report) == ["UTC"]
    assert report.problems == []


def test_a_huge_malformed_row_is_one_rejected_row(tmp_path):
    row = f'INCBIG,2026-01-05 10:00:00,"{"y" * BIG}",one cell too many\n'
    path = tmp_path / "incidents.csv"
    path.write_text(_rows(3000, row, 1500), encoding="utf-8")
    result = run_importer(ServiceNowImporter, path)
    report = result.report
    assert (report.rows_read, report.rows_imported, report.rows_rejected) == (3001, 3000, 1)
    assert pop_naive(report) == ["UTC"]
    assert [(p.code, p.line) for p in report.problems] == [("malformed-row", 1502)]
    assert len(report.problems[0].value) <= 200  # the problem holds a prefix, not 3 MiB


def test_cli_exit_code_is_2_for_unusable_files(tmp_path):
    cases = {
        "empty.csv": b"",
        "binary.csv": bytes(range(256)) * 50,
        "broken.json": b'{"records": [{"number": "INC1",',
        "bad.zip": b"PK\x03\x04" + b"\x00" * 40,
        "bad.gz": b"\x1f\x8b" + b"\x00" * 40,
        "bad.xlsx": b"PK\x03\x04" + b"\x00" * 40,
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "slametrics",
                "import",
                str(path),
                "--log",
                str(tmp_path / "log"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, (name, proc.returncode, proc.stderr[-500:])
        assert "Traceback" not in proc.stderr, name


@pytest.mark.parametrize(
    "lengths",
    [
        [100] * 10_000,  # short lines: the windows' shortcut
        [100] * 3000 + [(1 << 18) - 1] + [100] * 3000,  # just within the shortcut's bound
        [100] * 3000 + [(1 << 19) + 7] + [100] * 3000,  # a window without a newline: measured
        [100] * 3000 + [3 << 20],  # longer than the default block, at the end
    ],
)
def test_block_size_shortcut_agrees_with_the_longest_line(lengths):
    """The block chosen from newline windows is never smaller than the longest line needs."""
    from slametrics.importers.csv_reader import _block_size

    data = b"".join(b"x" * (n - 1) + b"\n" for n in lengths)
    want = block_size_for(longest_record(data, quoted=False))
    assert _block_size(data, quoted=False) >= want
    if max(lengths) > 1 << 18:
        assert _block_size(data, quoted=False) == want
