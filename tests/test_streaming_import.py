"""A streamed import (CSV read in chunks, in parts of whole tickets) gives the whole-file import's
log, counts and problems: bundled and generated samples, bad rows, a mapped CSV, random cuts."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SAMPLE
from slametrics import api
from slametrics.api import streaming
from slametrics.api.streaming import _bucket_of, streamed_groups
from slametrics.eventlog import read_log
from slametrics.eventlog.buckets import snapshot_files, ticket_buckets
from slametrics.eventlog.spill import ImportSpill
from slametrics.importers.base import ImportOptions
from slametrics.importers.generic_csv import GenericCsvImporter
from slametrics.importers.io import InputFile, open_inputs
from slametrics.importers.stream import (
    StreamSettings,
    capped_over_parts,
    estimated_tickets,
    in_file_order,
    part_of,
    record_chunks,
)
from slametrics.problems import MAX_PER_CODE, Problem, more_problems, problem
from slametrics.sample import write_sample_csv

TICKETS_HEAD = "ticket_id,created_at,subject,priority,status,resolved_at\n"
EVENTS_HEAD = "ticket_id,at,event,value,actor\n"


def _streamed(chunk: int, part: int) -> StreamSettings:
    return StreamSettings(threshold=0, chunk_bytes=chunk, part_bytes=part)


def _import_both(files, tmp: Path, chunk: int, part: int, **kw):
    """(whole-file summary, streamed summary), after checking that both logs hold equal tables."""
    whole = api.import_exports(files, tmp / "whole", per_bucket=64, **kw)
    streamed = api.import_exports(
        files, tmp / "streamed", per_bucket=64, stream=_streamed(chunk, part), **kw
    )
    _same_log(tmp / "whole", tmp / "streamed")
    return whole, streamed


def _same_log(a: Path, b: Path) -> None:
    """Equal tables, and equal stored event codes bucket by bucket (the metrics read those)."""
    la, lb = read_log(a), read_log(b)
    pd.testing.assert_frame_equal(la.tickets, lb.tickets)
    pd.testing.assert_frame_equal(la.events, lb.events)
    fa, fb = snapshot_files(a), snapshot_files(b)
    assert len(fa) == len(fb)
    for x, y in zip(fa, fb, strict=True):
        assert pq.read_table(x.codes).equals(pq.read_table(y.codes), check_metadata=True), x.codes


def _same_summary(whole, streamed) -> None:
    w, s = whole.model_dump(), streamed.model_dump()
    w.pop("log"), s.pop("log")
    assert s == w


def test_bundled_sample_streamed_equals_whole(tmp_path: Path) -> None:
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    whole, streamed = _import_both(files, tmp_path, chunk=4096, part=16_000)
    _same_summary(whole, streamed)
    assert streamed.tickets == 400 and streamed.events > 4 * streamed.tickets
    assert streamed.tickets_new == 400 and streamed.events_new == streamed.events


def test_generated_sample_streamed_equals_whole(tmp_path: Path) -> None:
    files = list(write_sample_csv(tmp_path / "data", 20_000, seed=3))
    whole, streamed = _import_both(files, tmp_path, chunk=1 << 18, part=1 << 20)
    _same_summary(whole, streamed)
    assert streamed.tickets == 20_000


def _bad_files(tmp: Path) -> list[Path]:
    """Tickets with a duplicate far from its first row, a quoted value over several lines, a
    malformed row, a missing id; events of an unknown ticket and a malformed row."""
    rows = [f"T{i},2026-01-{1 + i % 28:02d}T09:00:00Z,subject {i},high,open,\n" for i in range(60)]
    rows[10] = (
        'T10,2026-01-11T09:00:00Z,"two\nlines, quoted\nand ""more""",low,solved,2026-01-12T09:00:00Z\n'
    )
    rows[20] = "T20,2026-01-21T09:00:00Z,too,many,cells,here,x\n"
    rows[30] = ",2026-01-02T09:00:00Z,no id,low,open,\n"
    rows.append("T5,2026-02-01T09:00:00Z,duplicate of T5,low,open,\n")
    events = [f"T{i},2026-01-{1 + i % 28:02d}T10:00:00Z,status,open,agent\n" for i in range(60)]
    events[40] = "T999,2026-01-05T10:00:00Z,status,open,agent\n"
    events[45] = "T45,broken\n"
    t, e = tmp / "tickets.csv", tmp / "events.csv"
    t.write_text(TICKETS_HEAD + "".join(rows), encoding="utf-8")
    e.write_text(EVENTS_HEAD + "".join(events), encoding="utf-8")
    return [t, e]


def test_bad_rows_give_the_same_problems(tmp_path: Path) -> None:
    files = _bad_files(tmp_path)
    whole, streamed = _import_both(files, tmp_path, chunk=300, part=700)
    _same_summary(whole, streamed)
    found = {(p.code, Path(p.file).name, p.line) for p in streamed.problems}
    # tickets.csv: T10's value spans lines 12-14, so T20 is on line 24, the missing id on 34,
    # the duplicate of T5 on 64; events.csv: header + 40 rows before T999, the broken row on 47
    assert ("malformed-row", "tickets.csv", 24) in found
    assert ("missing-value", "tickets.csv", 34) in found
    assert ("duplicate-ticket", "tickets.csv", 7) in found  # the earlier T5 row loses
    assert ("unknown-ticket", "events.csv", 42) in found
    assert ("malformed-row", "events.csv", 47) in found
    subject = read_log(tmp_path / "streamed").tickets.set_index("ticket_id")["subject"]
    assert subject["T10"] == 'two\nlines, quoted\nand "more"'
    assert subject["T5"] == "duplicate of T5"


def test_malformed_rows_capped_over_the_whole_file(tmp_path: Path) -> None:
    bad = MAX_PER_CODE + 250
    rows = [f"T{i},2026-01-05T09:00:00Z,s,low,open,\n" for i in range(50)]
    rows += [f"X{i},2026-01-05T09:00:00Z,broken\n" for i in range(bad)]
    path = tmp_path / "tickets.csv"
    path.write_text(TICKETS_HEAD + "".join(rows), encoding="utf-8")
    whole, streamed = _import_both([path], tmp_path, chunk=2000, part=8000)
    _same_summary(whole, streamed)
    malformed = [p for p in streamed.problems if p.code == "malformed-row"]
    assert len(malformed) == MAX_PER_CODE + 1
    assert malformed[-1].message.endswith("and 250 more")
    assert streamed.rows_rejected == bad


def test_streamed_import_is_idempotent(tmp_path: Path) -> None:
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    first = api.import_exports(
        files, tmp_path / "log", per_bucket=64, stream=_streamed(4096, 16_000)
    )
    before = read_log(tmp_path / "log")
    before_events = before.events  # read now: the next import replaces the snapshot
    again = api.import_exports(
        files, tmp_path / "log", per_bucket=64, stream=_streamed(4096, 16_000)
    )
    after = read_log(tmp_path / "log")
    pd.testing.assert_frame_equal(before.tickets, after.tickets)
    pd.testing.assert_frame_equal(before_events, after.events)
    assert (again.tickets_new, again.events_new) == (0, 0)
    assert again.events_duplicate == first.events_new
    # and merged into an existing log as the whole-file import merges
    whole_again = api.import_exports(files, tmp_path / "whole", per_bucket=64)
    whole_again = api.import_exports(files, tmp_path / "whole", per_bucket=64)
    _same_summary(whole_again, again)


def test_no_spill_left_behind(tmp_path: Path) -> None:
    files = _bad_files(tmp_path)
    api.import_exports(files, tmp_path / "log", stream=_streamed(300, 700))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv", "log", "tickets.csv"]


def test_mapped_csv_streamed_equals_whole(tmp_path: Path) -> None:
    kinds = ["Open", "Assignment", "Mail to Customer", "Update from customer", "Resolved"]
    lines = ["Incident ID,DateStamp,Assignment Group,IncidentActivity_Type\n"]
    for i in range(300):
        k = i % 37
        lines.append(
            f"IM{k:04d},2014-01-{1 + i % 27:02d} {i % 24:02d}:00:00+00:00,team {i % 3},"
            f"{kinds[i % len(kinds)]}\n"
        )
    path = tmp_path / "activity.csv"
    path.write_text("".join(lines), encoding="utf-8")
    mapping = ROOT / "mappings" / "bpic2014-activity.yaml"
    whole, streamed = _import_both([path], tmp_path, chunk=500, part=2000, mapping=mapping)
    _same_summary(whole, streamed)
    assert streamed.tickets == 37


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk=st.integers(40, 3000), part=st.integers(100, 6000))
def test_any_cut_gives_the_whole_file_import(tmp_path_factory, chunk: int, part: int) -> None:
    tmp = tmp_path_factory.mktemp("cut")
    whole, streamed = _import_both(_bad_files(tmp), tmp, chunk=chunk, part=part)
    _same_summary(whole, streamed)


CHUNKED = 'a,b\n1,"x\ny"\n2,z\n\n3,"""q"""\n4,"m\n\nn"\n5,e'


@given(chunk=st.integers(1, 200))
def test_chunks_end_at_record_ends(chunk: int) -> None:
    _chunks_end_at_record_ends(InputFile("t.csv", CHUNKED.encode()), CHUNKED, chunk)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk=st.integers(1, 200), bom=st.booleans(), newline_at_end=st.booleans())
def test_chunks_read_from_disk_end_at_record_ends(
    tmp_path_factory, chunk: int, bom: bool, newline_at_end: bool
) -> None:
    """Read from the file (not decoded in memory): the UTF-8 BOM is skipped, and the last
    record counts whether or not a newline ends it."""
    text = CHUNKED + ("\n" if newline_at_end else "")
    path = tmp_path_factory.mktemp("chunks") / "t.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    f = open_inputs(path)[0]
    assert f.unread_path is not None
    _chunks_end_at_record_ends(f, text, chunk)


def _chunks_end_at_record_ends(f: InputFile, text: str, chunk: int) -> None:
    # a chunk is valid until the one after next is read (two buffers in turn): copied here
    chunks = [(bytes(c), line) for c, line in record_chunks(f, chunk)]
    assert "".join(c.decode() for c, _ in chunks) == text
    at = 0
    for data, line in chunks:
        assert data.count(b'"') % 2 == 0  # never cut inside a quoted value
        assert line == text[:at].count("\n") + 1  # the file line the chunk starts on
        at += len(data)


def test_chunks_are_read_into_two_buffers_in_turn(tmp_path: Path) -> None:
    """No fresh memory per chunk: the chunks take turns in two buffers; one that is still
    held (here by a view) is left as it is, and a new buffer takes its turn."""
    path = tmp_path / "t.csv"
    path.write_bytes(b"".join(b"%d,row %d\n" % (i, i) for i in range(1000)))
    f = open_inputs(path)[0]
    seen = [(id(c), bytes(c)) for c, _ in record_chunks(f, 1000)]
    assert b"".join(c for _, c in seen) == path.read_bytes()
    assert len(seen) > 10 and len({i for i, _ in seen}) == 2
    assert [i for i, _ in seen[:4]] == [seen[0][0], seen[1][0]] * 2
    chunks = record_chunks(f, 1000)
    first = next(chunks)[0]
    kept, held = bytes(first), memoryview(first)
    next(chunks)
    third = next(chunks)[0]
    assert third is not first and held.tobytes() == kept == seen[0][1]
    assert bytes(third) == seen[2][1]
    held.release()
    next(chunks)
    assert next(chunks)[0] is third  # the new buffer takes the old one's turns from now on


def test_not_utf8_is_read_whole(tmp_path: Path) -> None:
    rows = "".join(f"T{i},2026-01-05T09:00:00Z,Сбой {i},low,open,\n" for i in range(30))
    path = tmp_path / "tickets.csv"
    path.write_bytes((TICKETS_HEAD + rows).encode("cp1251"))
    whole, streamed = _import_both([path], tmp_path, chunk=200, part=500)
    _same_summary(whole, streamed)
    assert [p.code for p in streamed.problems] == ["encoding-guessed"]


def test_only_large_groups_stream(tmp_path: Path) -> None:
    files = [f for p in _bad_files(tmp_path) for f in open_inputs(p)]
    size = sum(f.size for f in files)
    options = ImportOptions()
    assert streamed_groups({"csv": files}, options, StreamSettings(threshold=size + 1)) == {}
    found = streamed_groups({"csv": files}, options, StreamSettings(threshold=size))
    assert [s.key for s in found["csv"]] == ["ticket_id", "ticket_id"]
    # a vendor importer reads its files whole
    assert streamed_groups({"zendesk": files}, options, StreamSettings(threshold=0)) == {}


def test_problems_of_parts_are_capped_over_the_whole() -> None:
    def part(lines: range) -> list[Problem]:
        found = [problem("bad-number", file="t.csv", line=i, column="csat") for i in lines]
        kept = found[:MAX_PER_CODE]
        tail = [more_problems("bad-number", len(found) - MAX_PER_CODE, file="t.csv", column="csat")]
        notice = problem("encoding-guessed", file="t.csv", value="cp1251")
        return kept + tail + [notice]

    # part one holds the even lines, part two the odd ones: 1005 problems each
    problems = part(range(2, 2012, 2)) + part(range(3, 2013, 2))
    merged = in_file_order(capped_over_parts(in_file_order(problems, ["t.csv"])), ["t.csv"])
    lines = [p.line for p in merged if p.line is not None]
    assert lines == list(range(2, 2 + MAX_PER_CODE))  # the first lines of the whole file
    assert [p.message for p in merged if p.line is None and p.code == "bad-number"] == [
        more_problems("bad-number", 1010, file="t.csv", column="csat").message
    ]
    assert [p.code for p in merged].count("encoding-guessed") == 1  # said once, not per part


def test_gzip_files_stream_from_memory(tmp_path: Path) -> None:
    import gzip

    files = []
    for path in _bad_files(tmp_path):
        packed = path.with_suffix(".csv.gz")
        packed.write_bytes(gzip.compress(path.read_bytes()))
        files.append(packed)
    whole, streamed = _import_both(files, tmp_path, chunk=256, part=600)
    _same_summary(whole, streamed)
    assert any(p.code == "malformed-row" for p in streamed.problems)


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(st.text(" Tab-1xé", min_size=1, max_size=6), min_size=1, max_size=60),
    n=st.sampled_from([2, 4, 8, 64]),
    repeat=st.integers(1, 4),
)
def test_parts_cut_by_the_log_hash_are_bucket_groups(ids: list[str], n: int, repeat: int) -> None:
    # phase 1 cuts by the log's bucket hash of the trimmed id: part p holds bucket group p;
    # ids repeated in runs (a ticket's events) are hashed once a run, to the same parts
    ids = [i for i in ids for _ in range(repeat)]
    keys = pa.array(ids)
    cut = part_of(keys, n, partial(_bucket_of, "csv"))
    trimmed = [i.strip() for i in ids]
    by_column = ticket_buckets(pa.array(["csv"] * len(ids)), pa.array(trimmed), n)
    assert cut.tolist() == by_column.tolist()
    assert cut.tolist() == ticket_buckets("csv", pa.array(trimmed), n).tolist()
    by_id = part_of(keys, n)  # no source known: the ids' own hash, the same for a trimmed id
    assert by_id.tolist() == part_of(pa.array(trimmed), n).tolist()
    assert by_id.tolist() == [by_id[trimmed.index(t)] for t in trimmed]


def _spy_groups(monkeypatch, ordered: list | None = None) -> list:
    """The group given with each part spilled (`ordered`: those of the parts written as
    their bucket in log order, which are also in the list returned)."""
    seen: list = []
    add, add_ordered = ImportSpill.add, ImportSpill.add_ordered

    def spy(self, tickets, events, group=None):
        seen.append(group)
        return add(self, tickets, events, group)

    def spy_ordered(self, files, tickets, events, group):
        seen.append(group)
        if ordered is not None:
            ordered.append(group)
        return add_ordered(self, files, tickets, events, group)

    monkeypatch.setattr(ImportSpill, "add", spy)
    monkeypatch.setattr(ImportSpill, "add_ordered", spy_ordered)
    return seen


def test_parts_spilled_as_their_bucket_group(tmp_path: Path, monkeypatch) -> None:
    # 400 tickets at 64 a bucket: 8 buckets; 16 parts: each part is spilled whole as its own
    # group (bucket b reads groups b and b + 8), and the log equals the whole-file import's
    seen = _spy_groups(monkeypatch)
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    size = sum(f.stat().st_size for f in files)
    whole, streamed = _import_both(files, tmp_path, chunk=4096, part=size // 12)
    _same_summary(whole, streamed)
    assert seen == list(range(16))
    assert read_log(tmp_path / "streamed").tickets["ticket_id"].nunique() == 400


def test_rows_of_another_source_are_hashed_again(tmp_path: Path, monkeypatch) -> None:
    # a wrong guess of the source (the parts were cut by another key) is caught after
    # reading: each part's rows are hashed and grouped again, the log is still right
    seen = _spy_groups(monkeypatch)
    monkeypatch.setattr(GenericCsvImporter, "stream_source", classmethod(lambda cls, o: "x"))
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    size = sum(f.stat().st_size for f in files)
    whole, streamed = _import_both(files, tmp_path, chunk=4096, part=size // 12)
    _same_summary(whole, streamed)
    assert len(seen) == 16 and set(seen) == {None}


def test_ids_the_importer_changed_are_hashed_again(tmp_path: Path, monkeypatch) -> None:
    # ids changed after the parts were cut (here suffixed) hash to other buckets: a part
    # whose rows are not all of its group is hashed and grouped again; the log is still right
    seen = _spy_groups(monkeypatch)
    read = GenericCsvImporter.read

    def renamed(self, files, options):
        result = read(self, files, options)
        for frame in (result.tickets, result.events):
            frame["ticket_id"] = frame["ticket_id"].astype("string") + "-moved"
        return result

    monkeypatch.setattr(GenericCsvImporter, "read", renamed)
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    size = sum(f.stat().st_size for f in files)
    whole, streamed = _import_both(files, tmp_path, chunk=4096, part=size // 12)
    _same_summary(whole, streamed)
    assert len(seen) == 16 and set(seen) == {None}
    assert read_log(tmp_path / "streamed").tickets["ticket_id"].str.endswith("-moved").all()


def test_more_buckets_than_parts_filters_the_groups(tmp_path: Path, monkeypatch) -> None:
    # 400 tickets at 8 a bucket: 64 buckets from 4 parts (groups), the tickets estimated
    # short: each bucket is filtered out of its group when merging
    seen = _spy_groups(monkeypatch)
    monkeypatch.setattr(streaming, "estimated_tickets", lambda files: 10)
    streamed = _sample_at_8_a_bucket(tmp_path)
    assert seen == [0, 1, 2, 3] and streamed.tickets == 400


def _sample_at_8_a_bucket(tmp: Path):
    """The bundled sample (400 tickets) whole and streamed in 3 parts' worth of bytes at 8
    tickets a bucket: equal logs and summaries; the streamed summary."""
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    size = sum(f.stat().st_size for f in files)
    stream = _streamed(4096, size // 3)
    whole = api.import_exports(files, tmp / "whole", per_bucket=8)
    streamed = api.import_exports(files, tmp / "streamed", per_bucket=8, stream=stream)
    _same_log(tmp / "whole", tmp / "streamed")
    _same_summary(whole, streamed)
    return streamed


def test_parts_as_many_as_the_estimated_buckets(tmp_path: Path, monkeypatch) -> None:
    # 400 tickets at 8 a bucket: the 3 parts the bytes ask for become 64 (the tickets
    # estimated from the files' heads), each spilled as its bucket group
    seen = _spy_groups(monkeypatch)
    _sample_at_8_a_bucket(tmp_path)
    ids = read_log(tmp_path / "streamed").tickets["ticket_id"]
    held = sorted(set(ticket_buckets("csv", pa.array(ids.astype(str)), 64).tolist()))
    assert len(held) > 50 and seen == held  # an empty part (no ticket of its bucket) is skipped


def test_parts_written_as_buckets_are_moved_into_the_new_log(tmp_path: Path, monkeypatch) -> None:
    # 64 parts for the 64 buckets of a new log: each part is written as its bucket in its
    # own thread and moved into the log (nothing of it goes through the spill's IPC files)
    ordered: list = []
    seen = _spy_groups(monkeypatch, ordered)
    _sample_at_8_a_bucket(tmp_path)
    assert len(ordered) > 50 and ordered == seen


def test_parts_written_as_buckets_of_a_wrong_estimate_are_read_back(
    tmp_path: Path, monkeypatch
) -> None:
    # 1000 tickets estimated: 128 parts, each written as a bucket of 128; the log has 64
    # (400 tickets): each bucket reads two such parts back and orders them again
    ordered: list = []
    _spy_groups(monkeypatch, ordered)
    monkeypatch.setattr(streaming, "estimated_tickets", lambda files: 1000)
    streamed = _sample_at_8_a_bucket(tmp_path)
    assert len(ordered) > 100 and max(ordered) >= 64 and streamed.tickets == 400


def test_parts_written_as_buckets_merge_with_rows_of_another_import(
    tmp_path: Path, monkeypatch
) -> None:
    # a Zendesk page imported with the streamed CSV: its tickets fall into buckets that a
    # part was written for, which then read both back (Parquet and the spill's IPC files)
    ordered: list = []
    seen = _spy_groups(monkeypatch, ordered)
    files = [
        SAMPLE / "tickets.csv",
        SAMPLE / "events.csv",
        ROOT / "tests" / "fixtures" / "zendesk" / "show_ticket.json",
    ]
    size = sum(f.stat().st_size for f in files[:2])
    whole = api.import_exports(files, tmp_path / "whole", per_bucket=8)
    stream = _streamed(4096, size // 3)
    streamed = api.import_exports(files, tmp_path / "streamed", per_bucket=8, stream=stream)
    _same_log(tmp_path / "whole", tmp_path / "streamed")
    _same_summary(whole, streamed)
    assert len(ordered) > 50 and None in seen  # the Zendesk rows hashed into their groups
    assert set(read_log(tmp_path / "streamed").tickets["source"]) == {"csv", "zendesk"}


def test_parts_written_as_buckets_into_a_log_whose_folder_is_new(
    tmp_path: Path, monkeypatch
) -> None:
    # the log's parent folder does not exist yet: the spill goes to the system's temporary
    # folder, and the buckets written there still end up in the log
    ordered: list = []
    _spy_groups(monkeypatch, ordered)
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    size = sum(f.stat().st_size for f in files)
    log = tmp_path / "new" / "folder" / "log"
    api.import_exports(files, log, per_bucket=8, stream=_streamed(4096, size // 3))
    api.import_exports(files, tmp_path / "whole", per_bucket=8)
    assert len(ordered) > 50
    _same_log(tmp_path / "whole", log)


def test_tickets_estimated_from_the_heads(tmp_path: Path) -> None:
    # 20,000 tickets and their events (about 16 MB): the first MiB of each file, scaled
    # to its size, times its share of distinct ids; the files' least estimate
    paths = write_sample_csv(tmp_path, 20_000, seed=3)
    files = [f for p in paths for f in open_inputs(p)]
    found = streamed_groups({"csv": files}, ImportOptions(), _streamed(1 << 20, 1 << 22))
    estimate = estimated_tickets(found["csv"])
    assert estimate is not None and 18_000 <= estimate <= 22_000
    events_only = estimated_tickets([sf for sf in found["csv"] if "events" in sf.file.name])
    assert events_only is not None and 18_000 <= events_only <= 22_000


def test_head_of_a_utf8_file_is_read_without_the_whole_file(tmp_path: Path) -> None:
    # a large Cyrillic export: detection reads its head only, the file stays unread (its
    # streamed import reads it in chunks); a character cut by the head's end is dropped
    path = tmp_path / "tickets.csv"
    row = "T-1,2026-11-16T09:00:00Z,Не работает принтер,high,open,\n"
    path.write_text(TICKETS_HEAD + row * 2000, encoding="utf-8")
    f = open_inputs(path)[0]
    head = f.head(100)
    assert f.unread_path == path
    assert (TICKETS_HEAD + row * 2).startswith(head) and len(head.encode()) in (99, 100)
    cp1251 = tmp_path / "cp1251.csv"
    cp1251.write_bytes((TICKETS_HEAD + row).encode("cp1251"))
    g = open_inputs(cp1251)[0]
    assert "Не работает" in g.head(200) and g.unread_path is None  # decoded whole, as before


def test_a_part_spilled_as_one_group_is_written_once(tmp_path: Path) -> None:
    # the other groups' batches are empty: the file holds the rows once, whatever the count
    # of groups (an empty slice of the batch carried all of its buffers, once per group)
    from slametrics.eventlog.spill import _write_groups

    n = 20_000
    table = pa.table(
        {
            "ticket_id": [f"T-{i:06d}" for i in range(n)],
            "event": pa.array(["status", "agent_reply"] * (n // 2)).dictionary_encode(),
            "public": [True] * n,
        }
    )
    sizes = {}
    for groups in (2, 128):
        path = tmp_path / f"g{groups}.arrow"
        counts = _write_groups(path, table, np.full(n, 1), groups, only=1)
        assert counts.tolist() == [0, n] + [0] * (groups - 2)
        reader = pa.ipc.open_file(pa.memory_map(str(path)))
        back = pa.Table.from_batches([reader.get_batch(g) for g in range(groups)])
        assert back.equals(table.combine_chunks())
        sizes[groups] = path.stat().st_size
    assert sizes[128] < 1.5 * sizes[2], sizes


def test_events_of_another_source_than_their_tickets_are_sorted_by_key() -> None:
    """Events are matched to tickets by id alone only when tickets and events share one
    source: events of source b never take the rows of source a's tickets of the same ids."""
    from slametrics.eventlog.spill import _events_in_log_order  # noqa: PLC0415

    tickets = pa.table({"source": ["a", "a"], "ticket_id": ["1", "2"]})
    at = pa.array([2, 1, 3], pa.timestamp("us", tz="UTC"))
    events = pa.table(
        {"source": ["b", "b", "b"], "ticket_id": ["2", "1", "1"], "at": at, "seq": [0, 0, 1]}
    )
    ordered, tix = _events_in_log_order(tickets, events)
    assert tix is None
    assert ordered.column("ticket_id").to_pylist() == ["1", "1", "2"]
    same, tix = _events_in_log_order(tickets, events.set_column(0, "source", pa.array(["a"] * 3)))
    assert tix.tolist() == [0, 0, 1]
    assert same.column("ticket_id").to_pylist() == ["1", "1", "2"]


def test_a_streamed_part_is_spilled_as_its_bucket_group_only_when_every_id_is_its_own(
    tmp_path: Path, monkeypatch
) -> None:
    """Parts cut by the log's hash go to the spill as their group as they are (no second
    hash); a part whose importer changed an id, or gave another source, is hashed row by row."""
    groups_given: list[int | None] = []
    add = ImportSpill.add

    def spy(self, tickets, events, group=None):
        groups_given.append(group)
        return add(self, tickets, events, group=group)

    monkeypatch.setattr(ImportSpill, "add", spy)
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    settings = _streamed(4096, 16_000)
    api.import_exports(files, tmp_path / "log", per_bucket=64, stream=settings)
    assert groups_given and all(g is not None for g in groups_given)

    ids = pa.array(["T-1", "T-2"], pa.large_string())
    tickets = pa.table({"source": pa.array(["csv", "csv"]), "ticket_id": ids})
    events = pa.table({"source": pa.array(["csv"]), "ticket_id": pa.array(["T-2"])})
    assert streaming._all_known(tickets, events, "csv", ids)
    changed = pa.table({"source": pa.array(["csv"]), "ticket_id": pa.array(["T-2 "])})
    assert not streaming._all_known(tickets, changed, "csv", ids)
    assert not streaming._all_known(tickets, events, "zendesk", ids)
