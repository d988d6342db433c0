"""Excel readers compared: python-calamine and openpyxl (read_only) on a 100k-row sheet.

Writes one export-like sheet with xlsxwriter (ids, text, dates, numbers), then reads it whole
with each reader in alternating runs and prints each reader's median seconds and their ratio.
Usage: .venv/bin/python benchmarks/excel_readers.py [--rows N] [--runs K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path


def write_sheet(path: Path, rows: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Tickets")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    header = "Ticket ID,Subject,Status,Priority,Created time,Resolved time,Agent,Group,Reopens"
    header = [*header.split(","), "Time tracked"]
    sheet.write_row(0, 0, header)
    start = dt.datetime(2026, 1, 1, 8, 0)
    for i in range(1, rows + 1):
        created = start + dt.timedelta(minutes=7 * i)
        sheet.write_number(i, 0, 10100000 + i)
        sheet.write_string(i, 1, f"Cannot log in to the portal, case {i}")
        sheet.write_string(i, 2, ("Open", "Pending", "Resolved", "Closed")[i % 4])
        sheet.write_string(i, 3, ("Low", "Medium", "High", "Urgent")[i % 4])
        sheet.write_datetime(i, 4, created, when)
        sheet.write_datetime(i, 5, created + dt.timedelta(hours=5), when)
        sheet.write_string(i, 6, f"Agent {i % 37}")
        sheet.write_string(i, 7, f"Group {i % 5}")
        sheet.write_number(i, 8, i % 3)
        sheet.write_number(i, 9, (i % 50) / 4)
    book.close()


def read_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return len(book.get_sheet_by_index(0).to_python())


def read_openpyxl(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    n = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    readers = {"python-calamine": read_calamine, "openpyxl (read_only)": read_openpyxl}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tickets.xlsx"
        write_sheet(path, args.rows)
        print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB")
        times: dict[str, list[float]] = {name: [] for name in readers}
        for _ in range(args.runs):  # alternate, so drift in machine load hits both alike
            for name, read in readers.items():
                t0 = time.perf_counter()
                assert read(path) == args.rows + 1
                times[name].append(time.perf_counter() - t0)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"{name:22} median {medians[name]:.2f} s  runs {', '.join(f'{x:.2f}' for x in t)}")
    fast, slow = medians["python-calamine"], medians["openpyxl (read_only)"]
    print(f"openpyxl / calamine: {slow / fast:.1f}x")


if __name__ == "__main__":
    main()
