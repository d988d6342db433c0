"""Zendesk importer: incremental ticket JSON, audits / ticket events, metric events, admin CSV."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.base import (
    Importer,
    ImportOptions,
    ImportResult,
    clean_strings,
    drop_resolved_before_created,
    duplicate_rows,
    empty_result,
    extra_map,
    finalize_mixed,
    map_status_classes,
    parse_numbers,
    parse_timestamps,
    read_translated_csv,
    reject_missing,
    resolve_columns,
    snapshot_events,
    text_series,
    transition_events,
)
from slametrics.importers.io import (
    InputFile,
    first_record,
    is_json,
    json_list,
    json_path,
    json_text,
    load_json,
)
from slametrics.importers.options import mapping_options
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import DONE_CLASSES

# Zendesk's six statuses (plus `deleted`, which the incremental export carries) and the labels
# the agent interface shows in Russian and German, since the admin CSV follows the UI language.
STATUS_CLASSES: dict[str, str] = {
    "new": "new",
    "open": "open",
    "pending": "waiting_customer",
    "hold": "on_hold",
    "on-hold": "on_hold",
    "solved": "resolved",
    "closed": "closed",
    "deleted": "canceled",
    "новый": "new",
    "открыт": "open",
    "в ожидании": "waiting_customer",
    "ожидание": "waiting_customer",
    "на удержании": "on_hold",
    "решен": "resolved",
    "решён": "resolved",
    "закрыт": "closed",
    "удален": "canceled",
    "neu": "new",
    "offen": "open",
    "wartend": "waiting_customer",
    "angehalten": "on_hold",
    "gelöst": "resolved",
    "geschlossen": "closed",
}

# Admin CSV header (normalized: lower case, single spaces) -> canonical field. English as Zendesk
# emits it, then Russian and German. `_`-prefixed fields are intermediate values.
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("id", "идентификатор", "id тикета", "номер тикета", "ticket-id"),
    "created_at": ("created at", "создано", "дата создания", "erstellt am"),
    "status": ("status", "статус"),
    "updated_at": ("updated at", "обновлено", "дата обновления", "aktualisiert am"),
    "resolved_at": ("solved at", "решено", "дата решения", "gelöst am"),
    "due_at": ("due date", "срок", "срок выполнения", "fälligkeitsdatum"),
    "subject": ("subject", "тема", "betreff"),
    "type": ("ticket type", "тип тикета", "tickettyp"),
    "priority": ("priority", "приоритет", "priorität"),
    "channel": ("via", "канал", "kanal"),
    "organization": ("organization", "организация", "organisation"),
    "requester": ("requester", "запрашивающий", "anfragender"),
    "_requester_id": ("requester id", "идентификатор запрашивающего", "anfragender-id"),
    "assignee": (
        "assignee",
        "исполнитель",
        "назначенный",
        "zugewiesener mitarbeiter",
        "bearbeiter",
    ),
    "group": ("group", "группа", "gruppe"),
    "tags": ("tags", "теги", "метки"),
    "reopens": ("reopens", "повторные открытия", "wiedereröffnungen"),
    "agent_replies": ("replies", "ответы", "antworten"),
    "_first_reply_min": (
        "first reply time in minutes",
        "время первого ответа в минутах",
        "erste antwortzeit in minuten",
    ),
    "csat": (
        "satisfaction score",
        "оценка удовлетворенности",
        "оценка удовлетворённости",
        "zufriedenheitsbewertung",
    ),
}
CSV_REQUIRED = {"ticket_id": "Id", "created_at": "Created at", "status": "Status"}
# Fields only a Zendesk admin export has; detection needs one of them besides the required ones.
CSV_MARKERS = (
    "requester",
    "resolved_at",
    "type",
    "channel",
    "reopens",
    "agent_replies",
    "_first_reply_min",
    "csat",
)
CSV_TIMESTAMPS = ("created_at", "updated_at", "resolved_at", "due_at")
CSV_TEXT = (
    "ticket_id",
    "status",
    "subject",
    "type",
    "priority",
    "channel",
    "organization",
    "requester",
    "_requester_id",
    "assignee",
    "group",
)

# Satisfaction Score / satisfaction_rating.score: Zendesk's scale is binary (good = 1, bad = 0);
# "offered" / "unoffered" carry no score.
CSAT = {"good": 1.0, "bad": 0.0, "хорошо": 1.0, "плохо": 0.0, "gut": 1.0, "schlecht": 0.0}

# ticket_metric_events metrics whose SLA is the ticket's resolution target (first reply is
# `reply_time` instance 1; later instances are next-reply SLAs).
RESOLUTION_METRICS = ("requester_wait_time", "agent_work_time", "resolution_time")

# Ticket summaries that finalize derives from events when a ticket has history.
SUMMARY_FIELDS = ("first_response_at", "resolved_at", "closed_at", "agent_replies", "reopens")

# Top-level keys of Zendesk's API documents -> what the file holds.
DOC_KEYS = {
    "tickets": "tickets",
    "ticket": "tickets",
    "audits": "audits",
    "ticket_events": "ticket_events",
    "ticket_metric_events": "metric_events",
    "ticket_metrics": "ticket_metrics",
    "ticket_metric": "ticket_metrics",
    "users": "users",
}
_KEY_RE = re.compile(r'"([A-Za-z_]+)"\s*:')
_JSON_MARKERS = {
    "requester_id",
    "submitter_id",
    "ticket_metric_events",
    "audits",
    "ticket_events",
    "child_events",
    "ticket_metrics",
    "reply_time_in_minutes",
    "instance_id",
    "via",
    "satisfaction_rating",
    "generated_timestamp",
}


class ZendeskImporter(Importer):
    """Zendesk exports into canonical tickets and events.

    JSON (UTC timestamps): incremental ticket export pages `{"tickets": [...]}` (with optional
    `users`/`groups`/`organizations` sideloads and `metric_set`), NDJSON with one ticket per line
    (bare or as `{"ticket": {...}}`), ticket audits `{"audits": [...]}`, incremental
    `{"ticket_events": [...]}` with `child_events`, `{"ticket_metric_events": [...]}` and
    `{"ticket_metrics": [...]}`. Files given together are combined: audits or ticket events make a
    ticket's fidelity `history` (first reply = first public comment whose author is an agent by
    the users sideload, else anyone but the requester; solved -> not solved = reopened). Without
    them a ticket is a `snapshot`; the tickets export has no solve time, so a solved ticket's
    `updated_at` stands for its resolution (and a closed one's for its closing) unless metric
    events (requester_wait_time fulfilment) or ticket_metrics (`solved_at`) give the real one.
    The SLA verdicts come from metric events: `breach` / `fulfill` of reply_time instance 1 ->
    vendor_first_response_met; of requester_wait_time / agent_work_time / resolution_time ->
    vendor_resolution_met, whose breach time is `due_at`.

    The admin CSV export (English, Russian or German headers) is a snapshot. Its timestamps are
    naive in the ACCOUNT's timezone: pass it as `--tz` (default UTC).
    """

    name = "zendesk"
    description = (
        "Zendesk incremental tickets JSON/NDJSON, audits, ticket_events, ticket_metric_events; "
        "admin CSV export"
    )
    fidelity = "history with audits / ticket_events, else snapshot"
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        head = f.head(1 << 16)
        start = head.lstrip()[:1]
        if start in ("{", "["):
            keys = set(_KEY_RE.findall(head))
            if {"issues", "fields", "issuetype"} & keys:
                return 0
            if {"tickets", "ticket", "users"} & keys and {"requester_id", "via"} & keys:
                return 90
            hits = len(_JSON_MARKERS & keys)
            return min(95, 40 + 15 * hits) if hits else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        header = first_record(f)
        lower = {h.strip().lower() for h in header}
        if {"ticket_id", "created_at"} <= lower:
            return 0  # the canonical generic CSV
        found = resolve_columns(header, CSV_ALIASES)
        if not all(k in found for k in CSV_REQUIRED):
            return 0
        markers = sum(m in found for m in CSV_MARKERS)
        return min(95, 60 + 8 * markers) if markers else 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        tz, overrides, source = mapping_options(
            options, statuses=STATUS_CLASSES, default_tz=self.default_tz, default_source="zendesk"
        )
        acc = _Accumulator()
        for f in files:
            if is_json(f):
                _read_json_file(f, acc, tz, overrides)
            else:
                _read_csv_file(f, acc, tz, overrides)
        return acc.build(source, overrides, self.name)


# --------------------------------------------------------------------------- shared helpers


def _texts(values: list[Any]) -> list[str | None]:
    """Scalars as text; containers (malformed input) missing."""
    return [json_text(v) for v in values]


# --------------------------------------------------------------------------- accumulation


class _Accumulator:
    """What the files of one import contribute, combined into tickets and events at the end."""

    def __init__(self) -> None:
        self.report = ProblemReport()
        self.rejected: set[tuple[str, int]] = set()
        self.json_tickets: list[pd.DataFrame] = []
        self.csv_tickets: list[pd.DataFrame] = []
        self.metrics: list[pd.DataFrame] = []
        self.metric_events: list[pd.DataFrame] = []
        self.activity: list[pd.DataFrame] = []
        self.activity_records: list[pd.DataFrame] = []
        self.users: dict[str, str] = {}
        self.roles: dict[str, str] = {}
        self.names: dict[str, dict[str, str]] = {"groups": {}, "organizations": {}}

    def reject(self, problems: list[Problem], mask: pd.Series, frame: pd.DataFrame) -> None:
        self.report.problems += problems
        sel = frame.loc[mask.fillna(False).astype(bool), ["_file", "_line"]]
        self.rejected.update(zip(sel["_file"], sel["_line"].astype(int), strict=True))

    def build(self, source: str, overrides: dict[str, str], importer: str) -> ImportResult:
        rep = self.report
        tickets = self._tickets()
        activity = pd.concat(self.activity, ignore_index=True) if self.activity else None
        metric_events = (
            pd.concat(self.metric_events, ignore_index=True) if self.metric_events else None
        )
        if tickets is None and activity is not None:
            tickets = _tickets_from_activity(activity)
        if tickets is None:
            if metric_events is not None or self.metrics:
                raise UserError(
                    "Zendesk metric files need the tickets they describe: add the tickets export "
                    "(incremental tickets JSON/NDJSON or the admin CSV) or the ticket audits"
                )
            tickets = pd.DataFrame(columns=["ticket_id", "created_at", "_file", "_line"])
        known = set(tickets["ticket_id"])
        events = None
        if activity is not None:
            records = pd.concat(self.activity_records, ignore_index=True)
            self._drop_orphans(records, known, "ticket_id")
            activity = activity[activity["ticket_id"].isin(known)]
            events = _activity_events(activity, tickets, self.roles, self.users, overrides, rep)
        if metric_events is not None:
            metric_events = self._drop_orphans(metric_events, known, "ticket_id")
        tickets = _apply_metrics(tickets, self.metrics, metric_events)
        rep.rows_rejected += len(self.rejected)
        rep.rows_imported = rep.rows_read - rep.rows_rejected
        if not len(tickets):
            return empty_result(rep, importer)
        history_ids = set(events["ticket_id"]) if events is not None else set()
        history = tickets["ticket_id"].isin(history_ids)
        tickets["fidelity"] = np.where(history, "history", "snapshot")
        # a ticket with history takes its summaries from its events, not from rounded CSV
        # minutes or a metric record that may predate a reopen
        for col in SUMMARY_FIELDS:
            if col in tickets:
                tickets[col] = tickets[col].mask(history)
        snap = _approximate_resolution(tickets[~history])
        parts = [snapshot_events(snap)] if len(snap) else []
        if events is not None and len(events):
            parts.append(events)
        tickets = pd.concat([tickets[history], snap]) if len(snap) else tickets
        ev = pd.concat(parts, ignore_index=True)
        tickets, ev = finalize_mixed(tickets, ev, source=source)
        return ImportResult(tickets, ev, rep, importer)

    def _tickets(self) -> pd.DataFrame | None:
        js = None
        if self.json_tickets:
            js = pd.concat(self.json_tickets, ignore_index=True)
            # the incremental export repeats a ticket for every update: the latest one wins
            js = js.sort_values("updated_at", na_position="first", kind="stable")
            js = js.drop_duplicates("ticket_id", keep="last").sort_index()
            for col, table in (
                ("requester", self.users),
                ("assignee", self.users),
                ("group", self.names["groups"]),
                ("organization", self.names["organizations"]),
            ):
                if table and col in js:
                    js[col] = js[col].replace(table)
        cs = None
        if self.csv_tickets:
            cs = pd.concat(self.csv_tickets, ignore_index=True)
            dup, probs = duplicate_rows(cs)
            self.report.problems += probs
            cs = cs[~dup]
        if js is None:
            return cs.reset_index(drop=True) if cs is not None else None
        if cs is None:
            return js.reset_index(drop=True)
        # the JSON export wins; the admin CSV fills what JSON lacks (solve time, reply counts)
        both = js.set_index("ticket_id").combine_first(cs.set_index("ticket_id"))
        return both.reset_index()

    def _drop_orphans(self, frame: pd.DataFrame, known: set, col: str) -> pd.DataFrame:
        orphan = ~frame[col].isin(known)
        if orphan.any():
            first = orphan & ~frame.duplicated(["_file", "_line"])
            probs = problems_from_mask(frame, first, code="unknown-ticket", column=col, file="")
            for p, file in zip(probs, frame.loc[first, "_file"], strict=True):
                p.file = file
            self.reject(probs, orphan, frame)
        return frame[~orphan]


# --------------------------------------------------------------------------- CSV


def _read_csv_file(f: InputFile, acc: _Accumulator, tz: str, overrides: dict[str, str]) -> None:
    table, cols = read_translated_csv(
        f, acc.report, CSV_ALIASES, CSV_REQUIRED, what="a Zendesk admin export"
    )
    df = table.frame
    out = pd.DataFrame(index=df.index)
    out["_line"] = df["_line"]
    out["_file"] = f.name
    out["_id_col"] = cols["ticket_id"]
    problems: list[Problem] = []
    for fld in CSV_TEXT:
        if fld in cols:
            out[fld] = clean_strings(df[cols[fld]])
    for fld in CSV_TIMESTAMPS:
        if fld in cols:
            out[fld], probs = parse_timestamps(df, cols[fld], file=f.name, tz=tz)
            problems += probs
    for fld in ("reopens", "agent_replies", "_first_reply_min"):
        if fld in cols:
            out[fld], probs = parse_numbers(df, cols[fld], file=f.name)
            problems += probs
    if "_first_reply_min" in out:
        minutes = pd.to_timedelta(out.pop("_first_reply_min"), unit="m")
        out["first_response_at"] = out["created_at"] + minutes
    if "csat" in cols:
        out["csat"] = _csat(clean_strings(df[cols["csat"]]))
    if "tags" in cols:
        out["tags"] = clean_strings(df[cols["tags"]]).str.split()
    out["status_class"], probs = map_status_classes(
        out["status"], df, column=cols["status"], file=f.name, overrides=overrides
    )
    problems += probs
    used = set(cols.values())
    out["extra"] = extra_map(df[[c for c in table.columns if c not in used]])
    if "resolved_at" in cols:
        problems += drop_resolved_before_created(out, f.name, cols["resolved_at"])
    acc.report.problems += problems
    bad, probs = reject_missing(out, df, cols, f.name)
    acc.reject(probs, bad, out)
    acc.csv_tickets.append(out[~bad])


def _csat(raw: pd.Series) -> pd.Series:
    key = raw.str.lower()
    return pd.to_numeric(key.map(CSAT).fillna(pd.to_numeric(key, errors="coerce")), errors="coerce")


# --------------------------------------------------------------------------- JSON


def _read_json_file(f: InputFile, acc: _Accumulator, tz: str, overrides: dict[str, str]) -> None:
    doc, records, lines, problems = load_json(f)
    acc.report.problems += f.problems + problems
    acc.report.rows_read += len(problems)
    acc.report.rows_rejected += len(problems)
    kind = None
    if doc is not None:
        records, kind = _doc_records(f, doc, acc)
        lines = list(range(1, len(records) + 1))
    # the full JSON export wraps each line as {"ticket": {...}}
    records = [
        r["ticket"] if r.keys() == {"ticket"} and isinstance(r["ticket"], dict) else r
        for r in records
    ]
    kind = kind or _record_kind(records)
    if kind is None:
        if not records:
            return
        keys = sorted(records[0])[:20]
        raise UserError(
            f"{f.name}: JSON records are not a Zendesk export this importer knows (tickets, "
            f"audits, ticket_events, ticket_metric_events, ticket_metrics); keys found: "
            f"{', '.join(keys)}"
        )
    if kind == "users":
        _add_users(records, acc)
        return
    acc.report.rows_read += len(records)
    if not records:
        return
    if kind == "tickets":
        _json_tickets(f, records, lines, acc, tz, overrides)
    elif kind == "metric_events":
        _json_metric_events(f, records, lines, acc, tz)
    elif kind == "ticket_metrics":
        frame = _metrics_frame(records, lines, f.name)
        acc.metrics.append(_parse_metrics(frame, f.name, tz, acc, own_rows=True))
    else:
        _json_activity(f, records, lines, kind, acc, tz)


def _doc_records(f: InputFile, doc: Any, acc: _Accumulator) -> tuple[list[dict], str | None]:
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)], None
    if not isinstance(doc, dict):
        raise UserError(f"{f.name}: JSON holds neither records nor a list of records")
    for key in ("users", "groups", "organizations"):
        if isinstance(doc.get(key), list) and key != _main_key(doc):
            _add_sideload(key, doc[key], acc)
    key = _main_key(doc)
    if key is None:
        return [doc], None
    value = doc[key]
    records = [value] if isinstance(value, dict) else [r for r in value if isinstance(r, dict)]
    return records, DOC_KEYS[key]


def _main_key(doc: dict) -> str | None:
    for key in DOC_KEYS:
        if key != "users" and isinstance(doc.get(key), (list, dict)):
            return key
    return "users" if isinstance(doc.get("users"), list) else None


def _record_kind(records: list[dict]) -> str | None:
    if not records:
        return None
    keys = set(records[0])
    if {"metric", "instance_id"} <= keys or {"metric", "time", "type"} <= keys:
        return "metric_events"
    if "child_events" in keys:
        return "ticket_events"
    if {"events", "ticket_id"} <= keys:
        return "audits"
    if "reply_time_in_minutes" in keys or {"ticket_id", "solved_at"} <= keys:
        return "ticket_metrics"
    if {"requester_id", "status"} & keys and "id" in keys:
        return "tickets"
    if {"role", "name"} <= keys:
        return "users"
    return None


def _add_users(records: list[dict], acc: _Accumulator) -> None:
    _add_sideload("users", records, acc)


def _add_sideload(key: str, records: list, acc: _Accumulator) -> None:
    recs = [r for r in records if isinstance(r, dict) and r.get("id") is not None]
    names = {str(r["id"]): str(r["name"]) for r in recs if r.get("name")}
    if key == "users":
        acc.users.update(names)
        acc.roles.update({str(r["id"]): str(r["role"]) for r in recs if r.get("role")})
    else:
        acc.names[key].update(names)


def _json_tickets(
    f: InputFile,
    recs: list[dict],
    lines: list[int],
    acc: _Accumulator,
    tz: str,
    overrides: dict[str, str],
) -> None:
    raw = pd.DataFrame(
        {
            "_line": lines,
            "id": _texts([r.get("id") for r in recs]),
            "created_at": _texts([r.get("created_at") for r in recs]),
            "updated_at": _texts([r.get("updated_at") for r in recs]),
            "due_at": _texts([r.get("due_at") for r in recs]),
            "status": _texts([r.get("status") for r in recs]),
        }
    )
    out = pd.DataFrame({"_line": lines, "_file": f.name})
    out["ticket_id"] = clean_strings(raw["id"])
    problems: list[Problem] = []
    for col in ("created_at", "updated_at", "due_at"):
        out[col], probs = parse_timestamps(raw, col, file=f.name, tz=tz)
        problems += probs
    text = {
        "subject": _texts([r.get("subject") or r.get("raw_subject") for r in recs]),
        "type": _texts([r.get("type") for r in recs]),
        "priority": _texts([r.get("priority") for r in recs]),
        "channel": _texts([json_path(r, "via", "channel") for r in recs]),
        "organization": _texts([r.get("organization_id") for r in recs]),
        "requester": _texts([r.get("requester_id") for r in recs]),
        "assignee": _texts([r.get("assignee_id") for r in recs]),
        "group": _texts([r.get("group_id") for r in recs]),
    }
    for col, values in text.items():
        out[col] = text_series(values)
    out["_requester_id"] = out["requester"]
    out["status"] = clean_strings(raw["status"])
    out["status_class"], probs = map_status_classes(
        out["status"], out, column="status", file=f.name, overrides=overrides
    )
    problems += probs
    out["csat"] = _csat(
        pd.Series(
            _texts([json_path(r, "satisfaction_rating", "score") for r in recs]), dtype="object"
        ).astype("string")
    )
    out["tags"] = [
        [str(t) for t in json_list(r.get("tags")) if isinstance(t, (str, int))] or None
        for r in recs
    ]
    out["extra"] = [_ticket_extra(r) for r in recs]
    acc.report.problems += problems
    bad, probs = reject_missing(out, raw, {"ticket_id": "id", "created_at": "created_at"}, f.name)
    acc.reject(probs, bad, out)
    acc.json_tickets.append(out[~bad])
    metric_sets = [
        (dict(r["metric_set"], ticket_id=r.get("id")), n)
        for r, n in zip(recs, lines, strict=True)
        if isinstance(r.get("metric_set"), dict)
    ]
    if metric_sets:
        frame = _metrics_frame([m for m, _ in metric_sets], [n for _, n in metric_sets], f.name)
        acc.metrics.append(_parse_metrics(frame, f.name, tz, acc, own_rows=False))


def _ticket_extra(r: dict) -> list[tuple[str, str]]:
    pairs = [
        (k, str(r[k]))
        for k in (
            "requester_id",
            "submitter_id",
            "assignee_id",
            "group_id",
            "organization_id",
            "external_id",
            "brand_id",
        )
        if r.get(k) is not None
    ]
    pairs += [
        (f"custom_field_{c.get('id')}", str(c.get("value")))
        for c in json_list(r.get("custom_fields"))
        if isinstance(c, dict) and c.get("value") not in (None, "")
    ]
    return pairs


def _metrics_frame(recs: list[dict], lines: list[int], file: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "_line": lines,
            "_file": file,
            "ticket_id": _texts([r.get("ticket_id") for r in recs]),
            "solved_at": _texts([r.get("solved_at") for r in recs]),
            "reopens": _texts([r.get("reopens") for r in recs]),
            "replies": _texts([r.get("replies") for r in recs]),
            "reply_minutes": _texts(
                [json_path(r, "reply_time_in_minutes", "calendar") for r in recs]
            ),
        }
    )


def _parse_metrics(
    frame: pd.DataFrame, file: str, tz: str, acc: _Accumulator, own_rows: bool
) -> pd.DataFrame:
    """ticket_metrics records; `own_rows` when they are the file's rows (not a `metric_set`)."""
    frame = frame.copy()
    frame["solved_at"], probs = parse_timestamps(frame, "solved_at", file=file, tz=tz)
    acc.report.problems += probs
    for col in ("reopens", "replies", "reply_minutes"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    missing = frame["ticket_id"].isna()
    if own_rows:
        acc.reject(
            problems_from_mask(frame, missing, code="missing-value", column="ticket_id", file=file),
            missing,
            frame,
        )
    return frame[~missing]


def _json_metric_events(
    f: InputFile, recs: list[dict], lines: list[int], acc: _Accumulator, tz: str
) -> None:
    frame = pd.DataFrame(
        {
            "_line": lines,
            "_file": f.name,
            "ticket_id": _texts([r.get("ticket_id") for r in recs]),
            "metric": _texts([r.get("metric") for r in recs]),
            "instance_id": pd.to_numeric(
                pd.Series([r.get("instance_id") for r in recs], dtype="object"), errors="coerce"
            ),
            "type": _texts([r.get("type") for r in recs]),
            "time": _texts([r.get("time") for r in recs]),
            "target_min": pd.to_numeric(
                pd.Series([_sla_target(r) for r in recs], dtype="object"), errors="coerce"
            ),
            "business_hours": [
                b if isinstance(b := json_path(r, "sla", "business_hours"), bool) else None
                for r in recs
            ],
        }
    )
    parsed, probs = parse_timestamps(frame, "time", file=f.name, tz=tz)
    keys = {"ticket_id": "ticket_id", "created_at": "time"}
    bad, missing = reject_missing(frame.assign(created_at=parsed), frame, keys, f.name)
    acc.reject(probs + missing, bad, frame)
    frame["time"] = parsed
    acc.metric_events.append(frame[~bad])


def _sla_target(r: dict) -> float | None:
    """An apply_sla event's target in minutes (`target`, or the newer `target_in_seconds`)."""
    sla = r.get("sla")
    if not isinstance(sla, dict):
        return None
    if isinstance(sla.get("target_in_seconds"), (int, float)):
        return sla["target_in_seconds"] / 60
    return sla.get("target") if isinstance(sla.get("target"), (int, float)) else None


def _json_activity(
    f: InputFile, recs: list[dict], lines: list[int], kind: str, acc: _Accumulator, tz: str
) -> None:
    """Audits or incremental ticket events, flattened to one row per relevant child event."""
    child_key = "events" if kind == "audits" else "child_events"
    audits = pd.DataFrame(
        {
            "_line": lines,
            "_file": f.name,
            "ticket_id": _texts([r.get("ticket_id") for r in recs]),
            "created_at": _texts([r.get("created_at") for r in recs]),
            "timestamp": pd.to_numeric(
                pd.Series([r.get("timestamp") for r in recs], dtype="object"), errors="coerce"
            ),
            "author_id": _texts([r.get("author_id", r.get("updater_id")) for r in recs]),
            "top_type": _texts([r.get("event_type") for r in recs]),
        }
    )
    from_unix = audits["created_at"].isna() & audits["timestamp"].notna()
    if from_unix.any():
        stamps = pd.to_datetime(audits.loc[from_unix, "timestamp"], unit="s", utc=True)
        audits.loc[from_unix, "created_at"] = stamps.dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    at, probs = parse_timestamps(audits, "created_at", file=f.name, tz=tz)
    keys = {"ticket_id": "ticket_id", "created_at": "created_at"}
    bad, missing = reject_missing(audits.assign(created_at=at), audits, keys, f.name)
    acc.reject(probs + missing, bad, audits)
    audits["at"] = at
    acc.activity_records.append(audits.loc[~bad, ["_file", "_line", "ticket_id"]])
    keep = (~bad).tolist()
    children = [
        (i, *_child(c))
        for i, r in enumerate(recs)
        if keep[i]
        for c in json_list(r.get(child_key))
        if isinstance(c, dict)
    ]
    cols = ["_row", "src", "kind", "field", "value", "previous", "public", "author"]
    ch = pd.DataFrame(children, columns=cols)
    creation = set(ch.loc[ch["kind"] == "Create", "_row"]) | set(
        np.flatnonzero(audits["top_type"].eq("Create").to_numpy())
    )
    ch["_creation"] = ch["_row"].isin(creation)
    relevant = (ch["kind"] == "Comment") | ch["field"].isin(
        ["status", "priority", "assignee_id", "requester_id"]
    )
    ch = ch[relevant & ch["kind"].isin(["Comment", "Change", "Create"])]
    base = audits.iloc[ch["_row"].to_numpy()].reset_index(drop=True)
    ch = ch.reset_index(drop=True)
    flat = pd.DataFrame(
        {
            "_line": base["_line"],
            "_file": base["_file"],
            "_order": np.arange(len(ch)),
            "ticket_id": base["ticket_id"],
            "at": base["at"],
            "kind": ch["kind"],
            "field": ch["field"],
            "value": ch["value"],
            "previous": ch["previous"],
            "public": ch["public"],
            "author": ch["author"].fillna(base["author_id"]),
            "creation": ch["_creation"],
            "_col": child_key + "." + ch["src"],
        }
    )
    acc.activity.append(flat)


def _child(c: dict) -> tuple:
    kind = _texts([c.get("type") or c.get("event_type")])[0]
    field, value, src = _texts([c.get("field_name")])[0], c.get("value"), "value"
    if field is None and kind in ("Change", "Create"):
        # incremental ticket_events name the field by its key: {"status": "open", ...}
        for key in ("status", "priority", "assignee_id", "requester_id"):
            if key in c:
                field, value, src = key, c[key], key
                break
    prev = c.get("previous_value")
    return (
        src,
        kind,
        field,
        None if value is None else str(value),
        None if prev is None or isinstance(prev, (list, dict)) else str(prev),
        c.get("public") if isinstance(c.get("public"), bool) else None,
        _texts([c.get("author_id")])[0],
    )


def _tickets_from_activity(act: pd.DataFrame) -> pd.DataFrame:
    """Tickets known only from audits: created at their Create audit (else the first audit)."""
    act = act.sort_values(["ticket_id", "at", "_order"], kind="stable")
    g = act.groupby("ticket_id", sort=False)
    created = act[act["creation"]].groupby("ticket_id")["at"].min()
    tickets = pd.DataFrame(
        {"created_at": g["at"].min(), "_file": g["_file"].first(), "_line": g["_line"].first()}
    )
    tickets["created_at"] = created.reindex(tickets.index).fillna(tickets["created_at"])
    req = act[act["field"] == "requester_id"].groupby("ticket_id")["value"].first()
    creator = act[act["creation"]].groupby("ticket_id")["author"].first()
    tickets["_requester_id"] = req.reindex(tickets.index).fillna(creator.reindex(tickets.index))
    tickets["requester"] = tickets["_requester_id"]
    return tickets.rename_axis("ticket_id").reset_index()


def _activity_events(
    act: pd.DataFrame,
    tickets: pd.DataFrame,
    roles: dict[str, str],
    users: dict[str, str],
    overrides: dict[str, str],
    rep: ProblemReport,
) -> pd.DataFrame:
    """Canonical events from flattened audit children, vectorized over all of them."""
    requester_col = "_requester_id" if "_requester_id" in tickets else "requester"
    requester = act["ticket_id"].map(tickets.set_index("ticket_id")[requester_col])
    req_change = act[act["field"] == "requester_id"]
    if len(req_change):
        # a requester set at creation (audits without a tickets file) stands for the ticket's
        requester = requester.fillna(
            req_change.groupby("ticket_id")["value"]
            .first()
            .reindex(act["ticket_id"])
            .set_axis(act.index)
        )
    role = act["author"].map(roles)
    not_requester = (act["author"] != requester).astype("boolean").fillna(True)
    agent = role.isin(["agent", "admin"]).where(role.notna(), not_requester)
    agent = agent.astype(bool).to_numpy()
    actor = np.where(act["author"] == "-1", "system", np.where(agent, "agent", "customer"))
    parts = []

    comments = act[(act["kind"] == "Comment") & ~act["creation"]]
    public = comments["public"].astype("boolean").fillna(True).astype(bool)
    c_actor = pd.Series(actor, index=act.index)[comments.index]
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": comments["ticket_id"],
                "at": comments["at"],
                "event": np.where(
                    public, np.where(c_actor == "customer", "customer_reply", "agent_reply"), "note"
                ),
                "value": None,
                "status_class": None,
                "actor": c_actor,
                "public": public,
                "_order": comments["_order"],
            }
        )
    )

    st = act[(act["field"] == "status") & act["value"].notna()]
    st = st.sort_values(["ticket_id", "at", "_order"], kind="stable")
    classes = pd.Series(pd.NA, index=st.index, dtype="string")
    for (file, col), grp in st.groupby(["_file", "_col"], sort=False):
        cls, probs = map_status_classes(
            grp["value"], grp, column=col, file=file, overrides=overrides
        )
        classes.loc[grp.index] = cls
        rep.problems += probs
    prev_raw, _ = map_status_classes(
        st["previous"], st, column="previous", file="", overrides=overrides
    )
    event = np.where(
        st["kind"].eq("Create").to_numpy(),
        "status",
        transition_events(st["ticket_id"], classes, prev_raw.where(st["previous"].notna())),
    )
    s_actor = pd.Series(actor, index=act.index)[st.index]
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": st["ticket_id"],
                "at": st["at"],
                "event": event,
                "value": st["value"],
                "status_class": classes,
                "actor": s_actor,
                "public": False,
                "_order": st["_order"],
            }
        )
    )

    ch = act[(act["kind"] == "Change") & act["field"].isin(["priority", "assignee_id"])]
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": ch["ticket_id"],
                "at": ch["at"],
                "event": np.where(ch["field"] == "priority", "priority", "assigned"),
                "value": ch["value"]
                .replace(users)
                .where(ch["field"] == "assignee_id", ch["value"]),
                "status_class": None,
                "actor": pd.Series(actor, index=act.index)[ch.index],
                "public": False,
                "_order": ch["_order"],
            }
        )
    )
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(
            columns=["ticket_id", "at", "event", "value", "status_class", "actor", "public"]
        )
    events = pd.concat(parts, ignore_index=True)
    return events.sort_values(["ticket_id", "at", "_order"], kind="stable").drop(columns="_order")


def _apply_metrics(
    tickets: pd.DataFrame, metrics: list[pd.DataFrame], metric_events: pd.DataFrame | None
) -> pd.DataFrame:
    """Fill summary times, counts and the vendor's SLA verdicts from metric data."""
    t = tickets.set_index("ticket_id")
    for col in ("first_response_at", "resolved_at", "due_at"):
        if col not in t:
            t[col] = pd.Series(pd.NaT, index=t.index, dtype="datetime64[us, UTC]")
    if metrics:
        m = pd.concat(metrics, ignore_index=True).drop_duplicates("ticket_id", keep="last")
        m = m.set_index("ticket_id").reindex(t.index)
        reply = t["created_at"] + pd.to_timedelta(m["reply_minutes"], unit="m")
        t["first_response_at"] = t["first_response_at"].fillna(reply)
        t["resolved_at"] = t["resolved_at"].fillna(m["solved_at"])
        for col, src in (("reopens", "reopens"), ("agent_replies", "replies")):
            t[col] = t[col].fillna(m[src]) if col in t else m[src]
    if metric_events is not None and len(metric_events):
        v = _sla_verdicts(metric_events).reindex(t.index)
        t["vendor_first_response_met"] = v["first_response_met"]
        t["vendor_resolution_met"] = v["resolution_met"]
        t["due_at"] = v["due_at"].fillna(t["due_at"])
        t["first_response_at"] = t["first_response_at"].fillna(v["first_reply"])
        solved = (
            t["status_class"].isin(DONE_CLASSES)
            if "status_class" in t
            else pd.Series(False, index=t.index)
        )
        t["resolved_at"] = t["resolved_at"].fillna(v["solved"].where(solved))
    return t.reset_index()


def _sla_verdicts(me: pd.DataFrame) -> pd.DataFrame:
    """Per ticket: the vendor's first-reply and resolution verdicts, due time, fulfilment times.

    A metric instance is breached by a breach event that falls while it is active (after an
    activate, not after a pause or fulfilment: Zendesk may schedule breach events ahead) and not
    after the export's last event; it is met when its last state is fulfilled under an applied
    SLA without such a breach, and has no verdict while it still runs.
    """
    keys = ["ticket_id", "metric", "instance_id"]
    order = {"activate": 0, "apply_sla": 1, "apply_group_sla": 1, "pause": 2, "fulfill": 3}
    me = me.assign(
        instance_id=me["instance_id"].fillna(1).astype(int), _rank=me["type"].map(order).fillna(4)
    )
    me = me.sort_values([*keys, "time", "_rank"], kind="stable").reset_index(drop=True)
    by = [me[k] for k in keys]
    state = me["type"].where(me["type"].isin(["activate", "pause", "fulfill"]))
    before = state.groupby(by).ffill()
    end = me["time"].max()
    real = (me["type"] == "breach") & (before.isna() | (before == "activate")) & (me["time"] <= end)
    fulfil = me["time"].where(me["type"] == "fulfill").groupby(by)
    calendar = me["business_hours"].map({False: True, True: False})
    agg = pd.DataFrame(
        {
            "breach": me["time"].where(real).groupby(by).min(),
            "last_state": state.groupby(by).last(),
            "fulfill": fulfil.min(),
            "last_fulfill": fulfil.max(),
            "sla": me["type"].isin(["apply_sla", "apply_group_sla"]).groupby(by).any(),
            "target_s": (me["target_min"] * 60).groupby(by).last(),
            "calendar": calendar.groupby(by).last(),
        }
    )
    breached = agg["breach"].notna()
    met = ~breached & (agg["last_state"] == "fulfill") & agg["sla"]
    agg["verdict"] = pd.Series(pd.NA, index=agg.index, dtype="boolean")
    agg.loc[met, "verdict"] = True
    agg.loc[breached, "verdict"] = False
    agg["due"] = agg["breach"].fillna(_calendar_due(me, state, agg, keys))
    agg = agg.reset_index()
    first = agg[(agg["metric"] == "reply_time") & (agg["instance_id"] == 1)]
    first = first.drop_duplicates("ticket_id").set_index("ticket_id")
    res = agg[agg["metric"].isin(RESOLUTION_METRICS)]
    any_false = res["verdict"].eq(False).fillna(False).groupby(res["ticket_id"]).any()
    any_true = res["verdict"].eq(True).fillna(False).groupby(res["ticket_id"]).any()
    res_verdict = pd.Series(pd.NA, index=any_false.index, dtype="boolean")
    res_verdict[any_true] = True
    res_verdict[any_false] = False
    rwt = agg[agg["metric"] == "requester_wait_time"].groupby("ticket_id")["last_fulfill"].max()
    return pd.DataFrame(
        {
            "first_response_met": first["verdict"],
            "first_reply": first["fulfill"],
            "resolution_met": res_verdict,
            "due_at": res.groupby("ticket_id")["due"].min(),
            "solved": rwt,
        }
    )


def _calendar_due(
    me: pd.DataFrame, state: pd.Series, agg: pd.DataFrame, keys: list[str]
) -> pd.Series:
    """When a calendar-hours SLA target is reached: active (activate -> next state) time summed.

    Business-hours targets need the account's schedule, which the export lacks: no due time.
    """
    st = me.loc[state.notna(), [*keys, "time", "type"]]
    by = [st[k] for k in keys]
    nxt = st["time"].groupby(by).shift(-1)
    active = st["type"] == "activate"
    dur = (nxt - st["time"]).dt.total_seconds().where(active, 0.0)
    known = dur.fillna(0.0)
    before = known.groupby(by).cumsum() - known
    goal = agg[["target_s", "calendar"]].reindex(pd.MultiIndex.from_frame(st[keys]))
    target = goal["target_s"].where(goal["calendar"].eq(True)).to_numpy()
    reach = (
        active.to_numpy()
        & (before.to_numpy() < target)
        & (dur.isna().to_numpy() | (before.to_numpy() + dur.fillna(0).to_numpy() >= target))
    )
    due = st["time"] + pd.to_timedelta(target - before.to_numpy(), unit="s")
    return due.where(reach).groupby(by).min()


def _approximate_resolution(snap: pd.DataFrame) -> pd.DataFrame:
    """Snapshot tickets done without a recorded time: their last update stands for it."""
    if not len(snap) or "updated_at" not in snap or "status_class" not in snap:
        return snap
    snap = snap.copy()
    for col in ("resolved_at", "closed_at"):
        if col not in snap:
            snap[col] = pd.Series(pd.NaT, index=snap.index, dtype="datetime64[us, UTC]")
    unknown = snap["resolved_at"].isna() & snap["closed_at"].isna()
    cls = snap["status_class"]
    snap.loc[unknown & (cls == "resolved"), "resolved_at"] = snap["updated_at"]
    snap.loc[unknown & (cls == "closed"), "closed_at"] = snap["updated_at"]
    return snap
