"""Fuzzing importers and the policy loader: any input ends imported, as problems, or as one UserError."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SAMPLE
from slametrics.api import read_exports
from slametrics.errors import UserError
from slametrics.importers import IMPORTERS
from slametrics.policy import parse_policy

CANONICAL = (SAMPLE / "tickets.csv").read_bytes()[:4000]
HEADER = CANONICAL.split(b"\n", 1)[0].decode()
# SLAMETRICS_FUZZ_EXAMPLES=2000 for a deep run; CI keeps it short
EXAMPLES = int(os.environ.get("SLAMETRICS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read(data: bytes, name: str, format: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        try:
            t, e, s = read_exports([p], format=format)
        except UserError as exc:
            assert str(exc).strip()
            return
        for g in s.groups:
            assert g.rows_read == g.rows_imported + g.rows_rejected, g
        assert t["ticket_id"].notna().all()
        assert t["created_at"].notna().all()


@FUZZ
@given(
    data=st.binary(max_size=2000),
    name=st.sampled_from(["x.csv", "x.json", "x.ndjson", "x.csv.gz", "x"]),
)
def test_random_bytes(data: bytes, name: str) -> None:
    _read(data, name)


@FUZZ
@given(cut=st.integers(0, len(CANONICAL)), fmt=st.sampled_from([None, *IMPORTERS]))
def test_truncated_canonical_file(cut: int, fmt: str | None) -> None:
    _read(CANONICAL[:cut], "tickets.csv", fmt)


@FUZZ
@given(
    order=st.permutations(HEADER.split(",")),
    values=st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "",
                    "?",
                    "null",
                    "2026-11-02T09:00:00Z",
                    "1900-01-01",
                    "9999-12-31T00:00:00Z",
                    "31/12/2026 25:61",
                    "open",
                    "solved",
                    "=1+1",
                    "x" * 5000,
                    "T-1",
                    "T-1",
                ]
            ),
            st.text(max_size=20),
        ),
        min_size=1,
        max_size=60,
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1251", "utf-16"]),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_random_columns_and_cells(order, values, encoding, delimiter) -> None:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(order)
    for i in range(0, len(values), len(order)):
        w.writerow(values[i : i + len(order)])
    try:
        data = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        data = buf.getvalue().encode("utf-8")
    _read(data, "tickets.csv")
    _read(gzip.compress(data), "tickets.csv.gz")


POLICY_KEYS = [
    "version",
    "name",
    "timezone",
    "calendars",
    "kinds",
    "clocks",
    "targets",
    "thresholds",
    "repeat_incidents",
    "first_contact_resolution",
    "trend_periods",
    "bogus",
]
YAML_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-5, 10**6),
        st.text(max_size=12),
        st.sampled_from(["24x7", "4h", "UTC", "mon-fri", "09:00-18:00", "always"]),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(POLICY_KEYS + ["hours", "match", "calendar", "resolution", "min"]),
            inner,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@FUZZ
@given(doc=st.dictionaries(st.sampled_from(POLICY_KEYS), YAML_VALUES, max_size=6))
def test_policy_loader_never_raises_anything_but_policy_errors(doc) -> None:
    text = yaml.safe_dump(doc)
    try:
        parse_policy(yaml.safe_load(text))
    except UserError as exc:
        assert str(exc).startswith("invalid policy")


@pytest.mark.parametrize("fmt", sorted(IMPORTERS))
def test_named_importer_on_a_foreign_file_is_a_clear_error(fmt: str, tmp_path: Path) -> None:
    p = tmp_path / "foreign.csv"
    p.write_text("alpha,beta\n1,2\n", encoding="utf-8")
    try:
        read_exports([p], format=fmt)
    except UserError as exc:
        assert str(exc).strip()


@settings(max_examples=500, deadline=None)
@given(
    data=st.binary(max_size=64)
    | st.text(max_size=32).map(lambda t: t.encode("utf-8", "surrogatepass"))
)
def test_utf8_check_agrees_with_python(data: bytes) -> None:
    """The allocation-free UTF-8 check accepts exactly what Python's decoder accepts."""
    from slametrics.importers.io import is_utf8

    try:
        data.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert is_utf8(data) == valid


FIXTURES = Path(__file__).resolve().parent / "fixtures"
JSON_SCALARS = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _mutate(value, draw, depth: int = 0):
    """A copy of a JSON document with some values replaced, keys dropped or junk added."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            action = draw(st.integers(0, 9))
            if action == 0:
                continue  # key dropped
            out[key] = draw(JSON_VALUES) if action == 1 else _mutate(item, draw, depth + 1)
        return out
    if isinstance(value, list):
        items = [_mutate(v, draw, depth + 1) for v in value]
        if draw(st.integers(0, 9)) == 0:
            items.append(draw(JSON_VALUES))
        return items
    return draw(JSON_VALUES) if draw(st.integers(0, 5)) == 0 else value


def _fuzz_json(path: Path, draw, ndjson: bool = False) -> bytes:
    if ndjson:
        docs = [json.loads(line) for line in path.read_text().splitlines()]
        return "\n".join(json.dumps(_mutate(d, draw)) for d in docs).encode()
    return json.dumps(_mutate(json.loads(path.read_text()), draw)).encode()


@FUZZ
@given(data=st.data())
def test_servicenow_json_mutated(data) -> None:
    name = data.draw(st.sampled_from(["incident_jsonv2.json", "incident_table_api.json"]))
    raw = _fuzz_json(FIXTURES / "servicenow" / name, data.draw)
    _read(raw, name, data.draw(st.sampled_from([None, "servicenow"])))


@FUZZ
@given(data=st.data())
def test_jira_pages_mutated(data) -> None:
    name = data.draw(st.sampled_from(["search_v2_no_names.json", "search_v3_pages.ndjson"]))
    raw = _fuzz_json(FIXTURES / "jira" / name, data.draw, ndjson=name.endswith(".ndjson"))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    _read(raw[:cut], name, data.draw(st.sampled_from([None, "jira"])))


EXCEL_CELLS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1))
)


@settings(max_examples=max(EXAMPLES // 3, 10), deadline=None)
@given(
    header=st.sampled_from(
        [
            ["number", "opened_at", "priority", "state", "resolved_at"],
            ["ticket_id", "created_at", "status", "priority", "resolved_at"],
            ["a", "b"],
        ]
    ),
    rows=st.lists(st.lists(EXCEL_CELLS, min_size=0, max_size=6), max_size=8),
)
def test_excel_sheets_with_typed_cells(header, rows) -> None:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Export")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, header)
    for i, row in enumerate(rows, start=1):
        for j, cell in enumerate(row):
            if isinstance(cell, dt.datetime):
                sheet.write_datetime(i, j, cell, when)
            elif cell is not None:
                sheet.write(i, j, cell)
    book.close()
    _read(buf.getvalue(), "export.xlsx")


@settings(max_examples=max(EXAMPLES // 6, 5), deadline=None)
@given(
    size=st.integers(1 << 19, 3 << 20),
    quoted=st.booleans(),
    extra_cell=st.booleans(),
    at=st.integers(0, 400),
)
def test_big_cells_are_one_row(size, quoted, extra_cell, at) -> None:
    rows = [f"INC{i:07d},2026-11-02 10:00:00,row {i}\n" for i in range(400)]
    cell = ("ab\n" * (size // 3)) if quoted else "x" * size
    cell = f'"{cell}"' if quoted else cell
    rows.insert(at, f"INCBIG,2026-11-02 10:00:00,{cell}{',more' if extra_cell else ''}\n")
    _read(("number,opened_at,short_description\n" + "".join(rows)).encode(), "incidents.csv")
