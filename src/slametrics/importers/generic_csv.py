"""Generic CSV importer: canonical tickets.csv / events.csv, or any CSV through a column map."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.columns import categorical, concat_frames
from slametrics.errors import UserError
from slametrics.importers.arrow_text import clean_text, text_codes, to_series
from slametrics.importers.base import (
    BOOL_FALSE,
    BOOL_TRUE,
    IMPLIED_CLASSES,
    NULL_TOKENS,
    Importer,
    ImportOptions,
    ImportResult,
    TicketLinks,
    clean_strings,
    distinct_value_warnings,
    extra_map,
    finalize_with_codes,
    link_events,
    map_status_classes,
    parse_booleans,
    parse_numbers,
    parse_timestamps,
    snapshot_events,
    status_classes_of,
)
from slametrics.importers.io import CsvTable, InputFile, first_record, read_csv, unique_names
from slametrics.importers.options import (
    ColumnMapping,
    EventMapping,
    load_mapping,
    timezone_and_source,
)
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import ACTORS, EVENT_TYPES, STATUS_CLASSES, TICKET_COLUMNS

TIMESTAMP_FIELDS = (
    "created_at",
    "updated_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "due_at",
)
NUMBER_FIELDS = ("agent_replies", "reopens", "csat", "time_spent_s")
BOOL_FIELDS = ("vendor_first_response_met", "vendor_resolution_met")
TEXT_FIELDS = tuple(
    c
    for c in TICKET_COLUMNS
    if c
    not in (
        *TIMESTAMP_FIELDS,
        *NUMBER_FIELDS,
        *BOOL_FIELDS,
        "source",
        "tags",
        "extra",
        "fidelity",
        "status_class",
    )
)


def _role(header: list[str]) -> str | None:
    cols = {h.strip().lower() for h in header}
    if {"ticket_id", "at", "event"} <= cols:
        return "events"
    if {"ticket_id", "created_at"} <= cols:
        return "tickets"
    return None


class GenericCsvImporter(Importer):
    name = "csv"
    description = "canonical tickets.csv (+ events.csv), or any CSV with --mapping FILE"
    fidelity = "history if events.csv is given, else snapshot"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        return 60 if _role(first_record(f)) else 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        mapping = load_mapping(options.mapping) if options.mapping else None
        tz, source = timezone_and_source(options, mapping, default_tz="UTC", default_source="csv")
        report = ProblemReport()
        ticket_parts, event_parts = [], []
        # the next file is parsed (Arrow, GIL released) while this one is cleaned
        with ThreadPoolExecutor(max_workers=1) as reader:
            upcoming = reader.submit(_read_csv, files[0], mapping) if files else None
            for i, f in enumerate(files):
                table = upcoming.result()
                f.release()
                upcoming = (
                    reader.submit(_read_csv, files[i + 1], mapping) if i + 1 < len(files) else None
                )
                report.problems += table.problems
                if mapping is not None and mapping.layout == "events":
                    tickets, events, rep = _read_event_layout(table, f.name, mapping, tz)
                    ticket_parts.append(tickets)
                    event_parts.append(events)
                else:
                    role = "tickets" if mapping is not None else _role(table.header)
                    if role is None:
                        raise UserError(
                            f"{f.name}: not a canonical tickets.csv or events.csv (needs columns "
                            "ticket_id, created_at / ticket_id, at, event); give --mapping FILE"
                        )
                    if role == "tickets":
                        frame, rep = _read_tickets(table, f.name, mapping, tz)
                        ticket_parts.append(frame)
                    else:
                        frame, rep = _read_events(table, f.name, tz)
                        event_parts.append(frame)
                rep.rows_read = table.rows_read
                rep.rows_rejected += table.rows_read - table.rows
                report = report.merge(rep)
                del table  # the raw string columns are not needed past this point
        if not ticket_parts:
            raise UserError("events.csv given without tickets.csv: the tickets file is required")
        tickets = pd.concat(ticket_parts, ignore_index=True)
        tickets, dup_problems = _dedupe_tickets(tickets)
        report.problems += dup_problems
        history = bool(event_parts)
        events = concat_frames(event_parts) if history else snapshot_events(tickets)
        event_parts.clear()
        frame = None  # the loop's last reference to a part, so it can be freed
        links = link_events(events, tickets)
        events, orphan_problems, links = _drop_orphans(events, links)
        report.problems += orphan_problems
        report.rows_imported -= len(orphan_problems)
        report.rows_rejected += len(orphan_problems)
        tickets = tickets.drop(columns=["_line", "_file"], errors="ignore")
        events = events.drop(columns=["_line", "_file"], errors="ignore")
        tickets, events, codes = finalize_with_codes(
            tickets,
            events,
            source=source,
            fidelity="history" if history else "snapshot",
            links=links,
        )
        return ImportResult(tickets, events, report, self.name, codes)


CODED_EVENT_FIELDS = ("event", "value", "actor", "status_class", "public")


def _read_csv(f: InputFile, mapping: ColumnMapping | None) -> CsvTable:
    """`read_csv`, with a canonical events file's few-valued columns coded while parsing."""
    header = first_record(f)
    if mapping is not None or _role(header) != "events":
        return read_csv(f)
    lower = {name.strip().lower(): name for name in unique_names(header)}
    return read_csv(f, dictionary={lower[c] for c in CODED_EVENT_FIELDS if c in lower})


def _column_for(table: CsvTable, field: str, mapping: ColumnMapping | None) -> str | None:
    if mapping is not None:
        col = mapping.columns.get(field)
        if col is None:
            return None
        if col not in table.frame.columns:
            return "__missing__:" + col
        return col
    lower = {c.strip().lower(): c for c in table.columns}
    return lower.get(field)


def _read_tickets(
    table: CsvTable, file: str, mapping: ColumnMapping | None, tz: str
) -> tuple[pd.DataFrame, ProblemReport]:
    df = table.frame
    problems: list[Problem] = []
    nulls = tuple(mapping.null_values) if mapping else NULL_TOKENS
    out = pd.DataFrame(index=df.index)
    out["_line"] = df["_line"]
    out["_file"] = file
    cols = {f: _column_for(table, f, mapping) for f in TICKET_COLUMNS}
    for field, col in cols.items():
        if col and col.startswith("__missing__:"):
            raise UserError(
                f"{file}: the mapping names column {col.split(':', 1)[1]!r} for {field}, "
                f"but the file has no such column; columns: {', '.join(table.columns[:40])}"
            )
    for req in ("ticket_id", "created_at"):
        if not cols.get(req):
            raise UserError(f"{file}: missing required column for {req!r}")
    renamed = pd.DataFrame({f: df[c] for f, c in cols.items() if c}, index=df.index)
    renamed["_line"] = df["_line"]
    values = mapping.values if mapping else {}
    for field, vmap in values.items():
        if field in renamed:
            key = renamed[field].astype("string").str.strip()
            mapped = key.map({str(k): v for k, v in vmap.items()})
            renamed[field] = (
                mapped.where(mapped.notna(), key)
                .astype("object")
                .map(lambda v: v if isinstance(v, str) or pd.isna(v) else str(v).lower())
                if field in BOOL_FIELDS
                else mapped.where(mapped.notna(), key)
            )
    fmt = mapping.timestamp_format if mapping else None
    dayfirst = mapping.dayfirst if mapping else False
    with ThreadPoolExecutor(max_workers=2) as pool:  # columns are independent; Arrow frees the GIL
        texts = {
            f: pool.submit(clean_strings, renamed[f], nulls) for f in TEXT_FIELDS if f in renamed
        }
        times = {
            f: pool.submit(
                parse_timestamps,
                renamed,
                f,
                file=file,
                tz=tz,
                fmt=fmt,
                dayfirst=dayfirst,
                null_tokens=nulls,
            )
            for f in TIMESTAMP_FIELDS
            if f in renamed
        }
        for field, job in texts.items():
            out[field] = job.result()
        for field, job in times.items():
            out[field], probs = job.result()
            problems += _rename_columns(probs, cols)
    for field in NUMBER_FIELDS:
        if field in renamed:
            out[field], probs = parse_numbers(renamed, field, file=file)
            problems += _rename_columns(probs, cols)
    for field in BOOL_FIELDS:
        if field in renamed:
            out[field], probs = parse_booleans(renamed, field, file=file)
            problems += _rename_columns(probs, cols)
    if "status" in out:
        out["status_class"], probs = map_status_classes(
            out["status"],
            out,
            column="status",
            file=file,
            overrides=mapping.statuses if mapping else None,
        )
        problems += _rename_columns(probs, cols)
    if "tags" in renamed:
        out["tags"] = clean_strings(renamed["tags"], nulls).str.split(r"[,\s]+", regex=True)
    mapped_cols = {c for c in cols.values() if c}
    extra_cols = [c for c in table.columns if c not in mapped_cols]
    if extra_cols and mapping is not None:
        out["extra"] = extra_map(df[extra_cols])
    missing_id = out["ticket_id"].isna()
    problems += problems_from_mask(
        out,
        missing_id,
        code="missing-value",
        column="ticket_id",
        file=file,
        label=cols["ticket_id"],
    )
    missing_created = out["created_at"].isna() & ~missing_id
    if missing_created.any():  # empty ones are missing values (bad ones were reported)
        raw_created = clean_strings(renamed["created_at"], nulls)
        problems += problems_from_mask(
            out.assign(created_at=raw_created),
            missing_created & raw_created.isna(),
            code="missing-value",
            column="created_at",
            file=file,
            label=cols["created_at"],
        )
    reject = missing_id | missing_created
    for field in ("first_response_at", "resolved_at", "closed_at"):
        if field not in out:
            continue
        # clock skew between systems: a case "closed at creation" may carry a time seconds
        # earlier; it is kept at creation time and reported, not dropped
        before = out[field].notna() & (out[field] < out["created_at"]) & ~reject
        problems += problems_from_mask(
            out.assign(**{field: renamed.get(field)}),
            before,
            code="resolved-before-created",
            column=field,
            file=file,
            label=cols[field],
            severity="warning",
        )
        out.loc[before, field] = out.loc[before, "created_at"]
    kept = out[~reject] if reject.any() else out
    rep = ProblemReport(rows_imported=len(kept), rows_rejected=int(reject.sum()), problems=problems)
    return kept, rep


def _rename_columns(problems: list[Problem], cols: dict[str, str | None]) -> list[Problem]:
    """Problems name the source column, not our canonical field."""
    for p in problems:
        if p.column in cols and cols[p.column]:
            p.column = cols[p.column]
    return problems


STATUS_EVENTS = ("status", "created", "reopened", "resolved", "closed")


def _read_events(table: CsvTable, file: str, tz: str) -> tuple[pd.DataFrame, ProblemReport]:
    """Canonical events.csv rows, cleaned in Arrow: text columns are coded by distinct value,
    so ten million rows cost a few vectorized passes (the pandas string path took seconds)."""
    # column by column on two threads: Arrow's kernels release the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        return _clean_events(table, file, tz, pool)


def _clean_events(
    table: CsvTable, file: str, tz: str, pool: ThreadPoolExecutor
) -> tuple[pd.DataFrame, ProblemReport]:
    lines = table.lines
    lower = {c.strip().lower(): c for c in table.columns}
    n = table.rows
    raw = table.take_columns()  # each raw column is freed once coded
    problems: list[Problem] = []
    ticket_job = pool.submit(clean_text, raw.pop(lower["ticket_id"]), NULL_TOKENS)
    at_job = pool.submit(_event_times, raw.pop(lower["at"]), lines, file, tz)
    code_jobs = {
        field: pool.submit(
            text_codes,
            raw.pop(lower[field]),
            NULL_TOKENS,
            None if field == "value" else pc.utf8_lower,
        )
        for field in CODED_EVENT_FIELDS
        if field in lower
    }
    del raw
    coded = {field: job.result() for field, job in code_jobs.items()}
    ticket_id = ticket_job.result()
    at, probs = at_job.result()
    problems += probs
    ev_codes, ev_names = coded["event"]
    if "public" in coded:
        public, probs = _event_booleans(coded["public"], lines, file)
        problems += probs
    status_like = _lookup(ev_codes, [e in STATUS_EVENTS for e in ev_names])
    cls_codes, cls_names, probs = _status_classes(coded.get("value"), status_like, lines, file, n)
    problems += probs
    # a class or actor outside the schema's is a warning and left empty (derived instead)
    for field, allowed in (("status_class", STATUS_CLASSES), ("actor", ACTORS)):
        if field in coded:
            *coded[field], probs = _allowed_only(*coded[field], allowed, field, lines, file)
            problems += probs
    if "status_class" in coded:  # a class the file states wins over one derived from the value
        sc_codes, sc_names = coded["status_class"]
        to_cls = np.array([cls_names.index(c) for c in sc_names] + [-1], dtype=np.int64)
        cls_codes = np.where(sc_codes >= 0, to_cls[sc_codes], cls_codes)
    # the class an event type implies (created -> new ...) where the value gave none
    implied = [
        cls_names.index(IMPLIED_CLASSES[e]) if e in IMPLIED_CLASSES else -1 for e in ev_names
    ]
    implied_codes = np.array([*implied, -1], dtype=np.int64)[ev_codes]
    cls_codes = np.where(cls_codes >= 0, cls_codes, implied_codes)
    bad_event = _lookup(ev_codes, [e not in EVENT_TYPES for e in ev_names])
    problems += _row_problems(
        bad_event,
        lines,
        lambda rows: np.array(ev_names)[ev_codes[rows]],
        code="unknown-event",
        column="event",
        file=file,
    )
    missing_id = pc.is_null(ticket_id).to_numpy(zero_copy_only=False)
    problems += _row_problems(
        missing_id,
        lines,
        lambda rows: [None] * len(rows),
        code="missing-value",
        column="ticket_id",
        file=file,
    )
    reject = missing_id | bad_event | np.isnat(at) | (ev_codes < 0)
    keep = np.flatnonzero(~reject)
    all_kept = len(keep) == n
    texts = {"event": (ev_codes, ev_names), "status_class": (cls_codes, cls_names)}
    texts |= {f: coded[f] for f in ("value", "actor") if f in coded}
    out = pd.DataFrame(
        {
            "_line": lines if all_kept else lines[keep],
            "_file": pd.Categorical.from_codes(np.zeros(len(keep), dtype=np.int8), [file]),
            "ticket_id": to_series(ticket_id if all_kept else ticket_id.take(pa.array(keep))),
        }
    )
    # text columns stay codes (categoricals) up to the Parquet writer, which takes them as
    # dictionaries: decoding ten million cells to strings and hashing them again costs seconds
    for field in ("event", "value", "actor"):
        if field in texts:
            codes, names = texts[field]
            out[field] = categorical(codes if all_kept else codes[keep], names).array
    out["at"] = pd.Series(at if all_kept else at[keep]).dt.tz_localize("UTC")
    if "public" in coded:
        public = public if all_kept else public[keep]
        out["public"] = pd.arrays.BooleanArray(public == 1, public < 0)
    out["status_class"] = categorical(cls_codes if all_kept else cls_codes[keep], cls_names).array
    return out, ProblemReport(
        rows_imported=len(keep), rows_rejected=int(reject.sum()), problems=problems
    )


def _lookup(codes: np.ndarray, flags: list[bool]) -> np.ndarray:
    """Per row, the flag of its code (False for -1): a table lookup, not a set search."""
    return np.array([*flags, False], dtype=bool)[codes]


def _row_problems(mask: np.ndarray, lines: np.ndarray, values_at, **kw) -> list[Problem]:
    """Problems for the rows in `mask`; `values_at(rows)` gives their cells (only bad rows)."""
    if not mask.any():
        return []
    rows = np.flatnonzero(mask)
    frame = pd.DataFrame({"_line": lines[rows], kw["column"]: list(values_at(rows))})
    return problems_from_mask(frame, pd.Series(True, index=frame.index), **kw)


def _event_times(
    raw: pa.ChunkedArray, lines: np.ndarray, file: str, tz: str
) -> tuple[np.ndarray, list[Problem]]:
    """UTC instants (datetime64[us], NaT when missing or bad) of the `at` column."""
    frame = pd.DataFrame({"_line": lines, "at": to_series(raw)})
    at, problems = parse_timestamps(frame, "at", file=file, tz=tz)
    return at.dt.tz_localize(None).to_numpy("datetime64[us]"), problems


def _event_booleans(coded, lines: np.ndarray, file: str) -> tuple[np.ndarray, list[Problem]]:
    """`public` as True/False/None per row (as `parse_booleans`), decided per distinct value."""
    codes, names = coded
    truth = [1 if v in BOOL_TRUE else 0 if v in BOOL_FALSE else -1 for v in names]
    values = np.array([*truth, -1], dtype=np.int8)[codes]  # 1 true, 0 false, -1 unknown
    bad = np.array([t < 0 for t in truth] + [False])[codes]
    return values, _row_problems(
        bad,
        lines,
        lambda rows: np.array(names)[codes[rows]],
        code="bad-boolean",
        column="public",
        file=file,
    )


def _allowed_only(
    codes: np.ndarray,
    names: list[str],
    allowed: tuple[str, ...],
    column: str,
    lines: np.ndarray,
    file: str,
) -> tuple[np.ndarray, list[str], list[Problem]]:
    """(codes, names, problems) with values outside `allowed` made missing, one warning each."""
    bad = [n not in allowed for n in names]
    if not any(bad):
        return codes, names, []
    kept = [n for n in names if n in allowed]
    remap = np.array(
        [-1 if b else kept.index(n) for n, b in zip(names, bad, strict=True)] + [-1], dtype=np.int64
    )
    rows = np.flatnonzero(_lookup(codes, bad))
    problems = distinct_value_warnings(
        rows,
        codes,
        names,
        lines,
        file=file,
        column=column,
        code="unknown-value",
        note=f"not one of {', '.join(allowed)}; left empty",
    )
    return remap[codes], kept, problems


def _status_classes(
    coded, status_like: np.ndarray, lines: np.ndarray, file: str, n: int
) -> tuple[np.ndarray, list[str], list[Problem]]:
    """(codes, names, problems): the status class of each status-like event, from its value
    (as `map_status_classes`: case-insensitive, unknown -> open and one warning per value)."""
    names_out = list(STATUS_CLASSES)
    if coded is None:
        return np.full(n, -1, dtype=np.int64), names_out, []
    codes, names = coded
    mapped = status_classes_of(names)
    to_cls = np.array([names_out.index(m) if m else -1 for m in mapped] + [-1], dtype=np.int64)
    cls = np.where(status_like, to_cls[codes], -1)
    unknown = status_like & (codes >= 0) & (to_cls[codes] < 0)
    rows = np.flatnonzero(unknown)
    problems = distinct_value_warnings(
        rows, codes, names, lines, file=file, column="value", code="unknown-status"
    )
    cls[rows] = names_out.index("open")
    return cls, names_out, problems


def _read_event_layout(
    table: CsvTable, file: str, mapping: ColumnMapping, tz: str
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    """An export with one row per activity: events from each row, tickets from the first/last."""
    em = mapping.event_mapping or EventMapping()
    cols = {**mapping.columns, **em.columns}
    df = table.frame
    missing = [c for c in cols.values() if c not in df.columns]
    if missing:
        raise UserError(f"{file}: the mapping names missing column(s) {missing}")
    if "ticket_id" not in cols or "at" not in cols:
        raise UserError(f"{file}: an events layout mapping needs columns for ticket_id and at")
    renamed = pd.DataFrame({f: df[c] for f, c in cols.items()}, index=df.index)
    renamed["_line"] = df["_line"]
    problems: list[Problem] = []
    at, probs = parse_timestamps(
        renamed, "at", file=file, tz=tz, fmt=mapping.timestamp_format, dayfirst=mapping.dayfirst
    )
    problems += _rename_columns(probs, cols)
    ev = pd.DataFrame(
        {"_line": df["_line"], "ticket_id": clean_strings(renamed["ticket_id"]), "at": at}
    )
    raw_event = (
        clean_strings(renamed["event"])
        if "event" in renamed
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    ev["event"] = raw_event.map(em.events).fillna("status")
    status_col = "status" if "status" in renamed else None
    raw_status = clean_strings(renamed[status_col]) if status_col else raw_event
    ev["value"] = raw_status
    classes, probs = map_status_classes(
        raw_status,
        ev.assign(value=raw_status),
        column="value",
        file=file,
        overrides=mapping.statuses,
    )
    problems += probs
    ev["status_class"] = classes.where(
        ev["event"].isin(["status", "resolved", "closed", "reopened", "created"])
    )
    ev["actor"] = np.where(
        ev["event"] == "customer_reply",
        "customer",
        np.where(ev["event"] == "agent_reply", "agent", "system"),
    )
    ev["public"] = ev["event"].isin(["agent_reply", "customer_reply"])
    reject = ev["ticket_id"].isna() | ev["at"].isna()
    ev = ev[~reject].sort_values(["ticket_id", "at", "_line"], kind="stable")
    g = ev.groupby("ticket_id", sort=False)
    tickets = pd.DataFrame(
        {
            "ticket_id": g["ticket_id"].first(),
            "created_at": g["at"].min(),
            "_line": g["_line"].first(),
        }
    )
    last_rows = renamed.loc[g.tail(1).index]
    for field in TEXT_FIELDS:
        if field in last_rows and field not in ("ticket_id",):
            tickets[field] = (
                clean_strings(last_rows[field])
                .set_axis(last_rows.index)
                .groupby(ev.loc[last_rows.index, "ticket_id"].values)
                .first()
                .reindex(tickets.index)
            )
    tickets = tickets.reset_index(drop=True)
    rep = ProblemReport(rows_imported=len(ev), rows_rejected=int(reject.sum()), problems=problems)
    return tickets, ev, rep


def _dedupe_tickets(tickets: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    dup = tickets.duplicated("ticket_id", keep="last")
    problems = (
        problems_from_mask(
            tickets.assign(_line=tickets["_line"]),
            dup,
            code="duplicate-ticket",
            column="ticket_id",
            file="",
            severity="warning",
        )
        if "_line" in tickets
        else []
    )
    if "_file" in tickets:
        files = tickets.loc[dup, "_file"].tolist()
        for p, f in zip(problems, files, strict=True):
            p.file = f
    return tickets[~dup].reset_index(drop=True), problems


def _drop_orphans(events: pd.DataFrame, links: TicketLinks):
    """Events of tickets not in the tickets file dropped, each a problem (when lines are known)."""
    orphan = ~links.known[links.code]
    if not orphan.any():
        return events, [], links
    problems: list[Problem] = []
    if "_line" in events:
        problems = problems_from_mask(
            events,
            pd.Series(orphan, index=events.index),
            code="unknown-ticket",
            column="ticket_id",
            file="",
        )
        for p, f in zip(problems, events.loc[orphan, "_file"].tolist(), strict=True):
            p.file = f
    return events[~orphan].reset_index(drop=True), problems, links.without(orphan)
