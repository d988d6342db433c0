"""Jira Service Management importer: REST issue JSON (changelog, comments, SLAs), CSV export."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from slametrics.columns import distinct_codes
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
    norm_header,
    parse_numbers,
    parse_timestamps,
    read_translated_csv,
    reject_missing,
    resolve_columns,
    snapshot_events,
    status_classes_of,
    text_series,
    transition_events,
)
from slametrics.importers.io import (
    CsvTable,
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

# Jira / JSM workflow statuses (default workflows) in English, Russian and German.
STATUS_CLASSES: dict[str, str] = {
    "open": "open",
    "to do": "open",
    "backlog": "open",
    "selected for development": "open",
    "waiting for support": "open",
    "in progress": "open",
    "work in progress": "open",
    "escalated": "open",
    "reopened": "open",
    "under review": "open",
    "awaiting implementation": "open",
    "implementing": "open",
    "waiting for customer": "waiting_customer",
    "pending": "waiting_customer",
    "waiting for approval": "waiting_third_party",
    "awaiting approval": "waiting_third_party",
    "resolved": "resolved",
    "done": "resolved",
    "completed": "resolved",
    "closed": "closed",
    "canceled": "canceled",
    "cancelled": "canceled",
    "declined": "canceled",
    "rejected": "canceled",
    "won't do": "canceled",
    "открыт": "open",
    "открыто": "open",
    "открыта": "open",
    "к выполнению": "open",
    "в работе": "open",
    "ожидание поддержки": "open",
    "ожидает поддержки": "open",
    "ожидание клиента": "waiting_customer",
    "ожидает клиента": "waiting_customer",
    "ожидает ответа клиента": "waiting_customer",
    "в ожидании": "waiting_customer",
    "решено": "resolved",
    "решена": "resolved",
    "готово": "resolved",
    "закрыто": "closed",
    "закрыта": "closed",
    "отменено": "canceled",
    "отменена": "canceled",
    "отклонено": "canceled",
    "offen": "open",
    "zu erledigen": "open",
    "in arbeit": "open",
    "warten auf support": "open",
    "warten auf kunden": "waiting_customer",
    "ausstehend": "waiting_customer",
    "erledigt": "resolved",
    "fertig": "resolved",
    "gelöst": "resolved",
    "geschlossen": "closed",
    "abgebrochen": "canceled",
    "storniert": "canceled",
    "abgelehnt": "canceled",
}
# A status Jira's own category places among the done ones is resolved; any other is open.
CATEGORY_CLASSES = {
    "new": "open",
    "indeterminate": "open",
    "done": "resolved",
    "to do": "open",
    "in progress": "open",
    "к выполнению": "open",
    "в работе": "open",
    "готово": "resolved",
    "zu erledigen": "open",
    "in arbeit": "open",
    "fertig": "resolved",
}

# CSV header (normalized) -> canonical field, English then Russian then German.
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("issue key", "ключ задачи", "ключ запроса", "schlüssel", "vorgangsschlüssel"),
    "created_at": ("created", "создано", "дата создания", "erstellt"),
    "status": ("status", "статус"),
    "subject": ("summary", "тема", "резюме", "zusammenfassung"),
    "type": ("issue type", "тип задачи", "vorgangstyp"),
    "priority": ("priority", "приоритет", "priorität"),
    "assignee": ("assignee", "исполнитель", "bearbeiter"),
    "requester": ("reporter", "автор", "autor"),
    "_reporter_id": ("reporter id", "id автора", "autor-id"),
    "updated_at": ("updated", "обновлено", "aktualisiert"),
    "resolved_at": ("resolved", "решено", "дата решения", "erledigt"),
    "_category": ("status category", "категория статуса", "statuskategorie"),
    "csat": ("satisfaction rating", "оценка удовлетворенности", "zufriedenheitsbewertung"),
}
CSV_REQUIRED = {"ticket_id": "Issue key", "created_at": "Created", "status": "Status"}
CSV_MARKERS = (
    "issue id",
    "id задачи",
    "vorgangs-id",
    "project key",
    "ключ проекта",
    "projektschlüssel",
    "issue type",
    "тип задачи",
    "vorgangstyp",
    "status category",
    "категория статуса",
    "statuskategorie",
)
CUSTOM_FIELD = re.compile(
    r"^(?:custom field|пользовательское поле|benutzerdefiniertes feld)\s*\((.+)\)$"
)
COMMENT_HEADERS = ("comment", "комментарий", "kommentar")
LABEL_HEADERS = ("labels", "метки", "stichwörter")
# SLA and other custom field names (lower case) as JSM ships them, in the three languages.
FIRST_RESPONSE_SLA = (
    "time to first response",
    "время до первого ответа",
    "zeit bis zur ersten antwort",
)
RESOLUTION_SLA = ("time to resolution", "время до решения", "zeit bis zur lösung")
FIRST_RESPONSE_DATE = (
    "[chart] date of first response",
    "[диаграмма] дата первого ответа",
    "[diagramm] datum der ersten antwort",
)
CUSTOM_TEXT = {
    "request type": "category",
    "customer request type": "category",
    "тип запроса": "category",
    "anfragetyp": "category",
    "organizations": "organization",
    "организации": "organization",
    "organisationen": "organization",
}

# Month abbreviations of localized Jira date formats -> the English ones `%b` reads.
MONTHS = {
    "янв": "Jan",
    "фев": "Feb",
    "мар": "Mar",
    "апр": "Apr",
    "ма[йя]": "May",
    "июн": "Jun",
    "июл": "Jul",
    "авг": "Aug",
    "сен": "Sep",
    "окт": "Oct",
    "ноя": "Nov",
    "дек": "Dec",
    "mär": "Mar",
    "mrz": "Mar",
    "mai": "May",
    "okt": "Oct",
    "dez": "Dec",
}
DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%Y %H:%M",
    "%d.%m.%y %H:%M",
    "%d.%m.%Y %H:%M",
)
_ENGLISH_MONTHS = {
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "oct",
    "nov",
    "dec",
}
SLA_CELL = re.compile(r"^-?\d+:\d{2}$|^-?\s*(?:\d+\s*[wdhm]\s*)+$")

_KEY_RE = re.compile(r'"([A-Za-z_]+)"\s*:')


class JiraImporter(Importer):
    """Jira Service Management exports into canonical tickets and events.

    REST JSON: a search result `{"issues": [...], "names": {...}}`, a list of issues, one issue,
    or NDJSON with one issue per line, fetched with `expand=changelog` (and `names`). An issue
    with a changelog has fidelity `history`: its status changes, with done -> not done as a
    reopen, and its comments (`jsdPublic` false = internal note; any author but the reporter
    is an agent). SLA custom fields (values with `completedCycles` / `ongoingCycle`) named
    "Time to first response" / "Time to resolution" (through `names` or the value's own `name`)
    give vendor_first_response_met / vendor_resolution_met (any breached cycle = not met; a
    running unbreached cycle = no verdict yet) and `due_at` (the resolution cycle's breachTime).
    Unknown status names are classed by their status category where the export has it.

    The CSV export ("all fields"; English, Russian or German headers) is a snapshot: dates are
    `dd/MMM/yy h:mm a` (localized month abbreviations accepted) in the EXPORTING USER's timezone,
    pass it as `--tz` (default UTC). Comment cells `date;author;body` give the reply times. They
    carry no visibility flag: a comment by anyone but the reporter counts as a public agent
    reply, except, when the export has JSM's `[CHART] Date of First Response`, an agent comment
    before that date (an internal note). SLA cells (`h:mm` remaining, `-h:mm` breached) give the
    vendor verdicts; a positive cell on an unfinished issue is no verdict yet.
    """

    name = "jira"
    description = "Jira Service Management REST issue JSON/NDJSON (expand=changelog); CSV export"
    fidelity = "history with a changelog, else snapshot"
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        head = f.head(1 << 16)
        if head.lstrip()[:1] in ("{", "["):
            keys = set(_KEY_RE.findall(head))
            if "fields" in keys and {"issues", "changelog", "issuetype", "statusCategory"} & keys:
                return 90
            return 60 if {"issuetype", "statusCategory"} <= keys else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        header = first_record(f)
        lower = {norm_header(h) for h in header}
        if {"ticket_id", "created_at"} <= lower:
            return 0  # the canonical generic CSV
        found = resolve_columns(header, CSV_ALIASES)
        if not all(k in found for k in CSV_REQUIRED):
            return 0
        markers = len(lower & set(CSV_MARKERS)) + any(CUSTOM_FIELD.match(h) for h in lower)
        return min(95, 70 + 5 * markers)

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        tz, overrides, source = mapping_options(
            options, statuses=STATUS_CLASSES, default_tz=self.default_tz, default_source="jira"
        )
        report = ProblemReport()
        rejected: set[tuple[str, int]] = set()
        json_parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        csv_parts: list[tuple[pd.DataFrame, pd.DataFrame]] = []
        for f in files:
            if is_json(f):
                part = _read_json(f, tz, overrides, report, rejected)
                if part is not None:
                    json_parts.append(part)
            else:
                csv_parts.append(_read_csv(f, tz, overrides, report, rejected))
        report.rows_rejected += len(rejected)
        report.rows_imported = report.rows_read - report.rows_rejected
        tickets, events = _combine(json_parts, csv_parts, report)
        if not len(tickets):
            return empty_result(report, self.name)
        tickets, events = finalize_mixed(tickets, events, source=source)
        return ImportResult(tickets, events, report, self.name)


# --------------------------------------------------------------------------- helpers


def _base(name: str) -> str:
    """A header without the `.N` suffix that made a repeated header unique."""
    return re.sub(r"\.\d+$", "", norm_header(name))


def _user(u: Any) -> str | None:
    """A Jira user's stable id: Cloud accountId, else Server name/key."""
    if not isinstance(u, dict):
        return None if u is None else str(u)
    for key in ("accountId", "name", "key", "emailAddress", "displayName"):
        if u.get(key):
            return str(u[key])
    return None


def _display(u: Any) -> str | None:
    if not isinstance(u, dict):
        return None if u is None else str(u)
    return u.get("displayName") or _user(u)


def _classify(
    raw: pd.Series,
    frame: pd.DataFrame,
    *,
    column: str,
    file: str,
    overrides: dict[str, str],
    categories: pd.Series | None = None,
):
    """Status classes; an unknown status is warned about and classed by its category if known."""
    classes, problems = map_status_classes(
        raw, frame, column=column, file=file, overrides=overrides
    )
    if categories is not None and problems:
        key = raw.astype("string").str.strip().str.lower()
        codes, names = distinct_codes(key)  # the statuses map_status_classes could not class
        unknown_name = [c is None for c in status_classes_of(names.to_pylist(), overrides)]
        unknown = pd.Series(np.array([*unknown_name, False])[codes], index=raw.index)
        by_cat = categories.astype("string").str.strip().str.lower().map(CATEGORY_CLASSES)
        classes = classes.mask(unknown & by_cat.notna(), by_cat)
        firsts = pd.Series(classes[unknown].to_numpy(), index=key[unknown].to_numpy())
        cls_of = firsts[~firsts.index.duplicated()].to_dict()
        for p in problems:
            cls = cls_of.get((p.value or "").strip().lower())
            if cls and cls != "open":
                p.message = p.message.replace("mapped to open", f"classed {cls} by its category")
    return classes, problems


def _reject(rejected: set, frame: pd.DataFrame, mask: pd.Series, file: str) -> None:
    lines = frame.loc[mask.fillna(False).astype(bool), "_line"].astype(int)
    rejected.update((file, int(n)) for n in lines)


# --------------------------------------------------------------------------- CSV


def _jira_dates(raw: pd.Series) -> pd.Series:
    """Jira CSV date cells rewritten as ISO text where a Jira format reads them, else untouched.

    parse_timestamps then reads the ISO text in the export's timezone, and cells no format
    reads keep their original text for the problem report.
    """
    text = clean_strings(raw)
    parts = text.str.extract(r"^(\s*\d{1,2})/([^/\d\s]+)/(.*)$").astype("string")
    # month names are few: translate the distinct ones, then reassemble column-wise
    table = {m: _english_month(m) for m in parts[1].dropna().unique()}
    english = parts[1].map(table).astype("string")
    norm = (parts[0] + "/" + english + "/" + parts[2]).where(english.notna(), text)
    parsed = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & norm.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(norm[todo], format=fmt, errors="coerce")
    iso = parsed.dt.strftime("%Y-%m-%d %H:%M:%S")
    return iso.where(parsed.notna(), text)


def _english_month(name: str) -> str | None:
    """`Nov`, `ноя`, `нояб.`, `Dez` ... -> the English abbreviation `%b` reads."""
    key = name.strip().rstrip(".").lower()
    for local, english in MONTHS.items():
        if re.match(local, key):
            return english
    return key[:3].title() if key[:3] in _ENGLISH_MONTHS else None


def _read_csv(
    f: InputFile, tz: str, overrides: dict[str, str], report: ProblemReport, rejected: set
) -> tuple[pd.DataFrame, pd.DataFrame]:
    table, cols = read_translated_csv(
        f, report, CSV_ALIASES, CSV_REQUIRED, what="a Jira CSV export"
    )
    df = table.frame
    custom = _custom_columns(table)
    problems: list[Problem] = []
    out = pd.DataFrame({"_line": df["_line"], "_file": f.name, "_id_col": cols["ticket_id"]})
    for fld in (
        "ticket_id",
        "status",
        "subject",
        "type",
        "priority",
        "assignee",
        "requester",
        "_reporter_id",
        "_category",
    ):
        if fld in cols:
            out[fld] = clean_strings(df[cols[fld]])
    for fld, col in cols.items():
        if fld in ("created_at", "updated_at", "resolved_at"):
            out[fld], probs = parse_timestamps(
                df.assign(**{col: _jira_dates(df[col])}), col, file=f.name, tz=tz
            )
            problems += probs
    if "csat" in cols:
        out["csat"], probs = parse_numbers(df, cols["csat"], file=f.name)
        problems += probs
    for fld, col in custom.get("text", {}).items():
        out[fld] = clean_strings(df[col])
    if "first_date" in custom:
        col = custom["first_date"]
        out["first_response_at"], probs = parse_timestamps(
            df.assign(**{col: _jira_dates(df[col])}), col, file=f.name, tz=tz
        )
        problems += probs
    labels = [c for c in table.columns if _base(c) in LABEL_HEADERS]
    if labels:
        out["tags"] = _labels(df, labels)
    out["status_class"], probs = _classify(
        out["status"],
        df,
        column=cols["status"],
        file=f.name,
        overrides=overrides,
        categories=out.get("_category"),
    )
    problems += probs
    comments, probs = _csv_comments(df, table, out, f.name, tz)
    problems += probs
    if len(comments) and "first_date" in custom:
        # comments carry no visibility flag; an agent comment before JSM's own first-response
        # date (or on an issue without one) was internal
        by_key = out.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
        first = comments["ticket_id"].map(by_key["first_response_at"])
        minute = first.dt.floor("min")  # comment cells have minutes, the date has seconds
        internal = (comments["event"] == "agent_reply") & ~(comments["at"] >= minute)
        comments.loc[internal, "event"] = "note"
        comments.loc[internal, "public"] = False
    if len(comments):
        agent = comments[comments["event"] == "agent_reply"].groupby("ticket_id")["at"]
        if "first_response_at" not in out:
            out["first_response_at"] = out["ticket_id"].map(agent.min())
        out["agent_replies"] = out["ticket_id"].map(agent.size()).fillna(0)
        # the comment that is the first response comes back, to the second, from the summary
        by_key = out.drop_duplicates("ticket_id", keep="last").set_index("ticket_id")
        first = comments["ticket_id"].map(by_key["first_response_at"])
        same = (comments["event"] == "agent_reply") & (comments["at"] == first.dt.floor("min"))
        comments = comments[~same]
    done = out["status_class"].isin(DONE_CLASSES)
    for kind, col in custom.get("sla", {}).items():
        verdict, probs = _csv_sla(df, col, f.name)
        problems += probs
        answered = done | out["first_response_at"].notna() if "first_response_at" in out else done
        settled = answered if kind == "first" else done
        met = verdict.where(~verdict.fillna(False) | settled)
        out["vendor_first_response_met" if kind == "first" else "vendor_resolution_met"] = met
    used = set(cols.values()) | set(custom.get("used", ()))
    rest = [c for c in table.columns if c not in used and c not in labels]
    out["extra"] = extra_map(df[rest])
    if "resolved_at" in cols:
        problems += drop_resolved_before_created(out, f.name, cols["resolved_at"])
    report.problems += problems
    bad, probs = reject_missing(out, df, cols, f.name)
    report.problems += probs
    _reject(rejected, out, bad, f.name)
    kept = out[~bad]
    comments = comments[comments["ticket_id"].isin(kept["ticket_id"])]
    return kept, comments


def _custom_columns(table: CsvTable) -> dict[str, Any]:
    """SLA, first-response date and text custom fields among the CSV's `Custom field (...)`."""
    out: dict[str, Any] = {"sla": {}, "text": {}, "used": []}
    for col in table.columns:
        m = CUSTOM_FIELD.match(norm_header(col))
        if not m:
            continue
        inner = m.group(1).strip()
        if inner in FIRST_RESPONSE_SLA and "first" not in out["sla"]:
            out["sla"]["first"] = col
        elif inner in RESOLUTION_SLA and "resolution" not in out["sla"]:
            out["sla"]["resolution"] = col
        elif inner in FIRST_RESPONSE_DATE and "first_date" not in out:
            out["first_date"] = col
        elif inner in CUSTOM_TEXT and CUSTOM_TEXT[inner] not in out["text"]:
            out["text"][CUSTOM_TEXT[inner]] = col
        else:
            continue
        out["used"].append(col)
    return out


def _labels(df: pd.DataFrame, cols: list[str]) -> list:
    values = df[cols].astype("string").to_numpy(dtype=object, na_value=None)
    filled = pd.notna(values) & (values != "")
    rows, colidx = np.nonzero(filled)
    offsets = np.concatenate([[0], np.cumsum(filled.sum(axis=1))]).astype(np.int32)
    arr = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values[rows, colidx], pa.string()))
    return arr.to_pandas().tolist()


def _csv_comments(
    df: pd.DataFrame, table: CsvTable, tickets: pd.DataFrame, file: str, tz: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Comment cells `date;author;body` (any number of Comment columns) as reply events."""
    cols = [c for c in table.columns if _base(c) in COMMENT_HEADERS]
    empty = pd.DataFrame(columns=["ticket_id", "at", "event", "actor", "public", "_line"])
    if not cols:
        return empty, []
    headers = {c: h for c, h in zip(table.columns, table.header, strict=True)}
    values = df[cols].astype("string").to_numpy(dtype=object, na_value=None)
    filled = pd.notna(values) & (values != "")
    rows, colidx = np.nonzero(filled)
    if not len(rows):
        return empty, []
    cells = pd.Series(values[rows, colidx], dtype="string")
    parts = cells.str.split(";", n=2, expand=True).reindex(columns=[0, 1, 2])
    frame = pd.DataFrame(
        {
            "_line": df["_line"].to_numpy()[rows],
            "ticket_id": tickets["ticket_id"].to_numpy()[rows],
            "_col": np.asarray([headers[c].strip() for c in cols], dtype=object)[colidx],
            "date": _jira_dates(parts[0]),
            "author": clean_strings(parts[1]),
        }
    )
    problems: list[Problem] = []
    frame["at"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us, UTC]")
    for col, grp in frame.groupby("_col", sort=False):
        at, probs = parse_timestamps(grp.rename(columns={"date": col}), col, file=file, tz=tz)
        frame.loc[grp.index, "at"] = at
        problems += probs
    reporter_col = "_reporter_id" if "_reporter_id" in tickets else "requester"
    agent = True
    if reporter_col in tickets:
        reporter = tickets[reporter_col].to_numpy(dtype=object, na_value=None)[rows]
        agent = frame["author"].to_numpy(dtype=object, na_value=None) != reporter
    frame["event"] = np.where(agent, "agent_reply", "customer_reply")
    frame["actor"] = np.where(agent, "agent", "customer")
    frame["public"] = True
    frame = frame[frame["at"].notna() & frame["ticket_id"].notna()]
    return frame[["ticket_id", "at", "event", "actor", "public", "_line"]], problems


def _csv_sla(df: pd.DataFrame, col: str, file: str) -> tuple[pd.Series, list[Problem]]:
    """SLA cells: `-h:mm` (breached) -> False, `h:mm` -> True; others a `bad-number` problem."""
    raw = clean_strings(df[col])
    valid = raw.str.match(SLA_CELL).fillna(False).astype(bool)
    verdict = pd.Series(pd.NA, index=df.index, dtype="boolean")
    verdict[valid] = ~raw[valid].str.startswith("-").astype(bool)
    bad = raw.notna() & ~valid
    problems = problems_from_mask(
        df.assign(**{col: raw}), bad, code="bad-number", column=col, file=file, severity="warning"
    )
    for p in problems:
        p.message = "an SLA cell is neither h:mm nor -h:mm remaining time"
    return verdict, problems


# --------------------------------------------------------------------------- JSON


def _read_json(
    f: InputFile, tz: str, overrides: dict[str, str], report: ProblemReport, rejected: set
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    doc, recs, lines, problems = load_json(f)
    report.problems += f.problems + problems
    report.rows_read += len(problems)
    report.rows_rejected += len(problems)
    names: dict[str, str] = {}
    if doc is not None:
        if isinstance(doc, dict) and isinstance(doc.get("issues"), list):
            names = doc.get("names") if isinstance(doc.get("names"), dict) else {}
            recs = doc["issues"]
        elif isinstance(doc, list):
            recs = doc
        elif isinstance(doc, dict) and ("fields" in doc or "key" in doc):
            recs = [doc]
        else:
            keys = sorted(doc)[:20] if isinstance(doc, dict) else []
            raise UserError(
                f"{f.name}: not a Jira issue export (expected a search result with `issues`, a "
                f"list of issues or one issue); keys found: {', '.join(keys)}"
            )
        recs = [r for r in recs if isinstance(r, dict)]
        lines = list(range(1, len(recs) + 1))
    report.rows_read += len(recs)
    if not recs:
        return None
    if not any(isinstance(r.get("fields"), dict) for r in recs):
        raise UserError(
            f"{f.name}: JSON records have no `fields`; not Jira issues (keys found: "
            f"{', '.join(sorted(recs[0])[:20])})"
        )
    return _issues(f.name, recs, lines, names, tz, overrides, report, rejected)


def _issues(
    file: str,
    recs: list[dict],
    lines: list[int],
    names: dict[str, str],
    tz: str,
    overrides: dict[str, str],
    report: ProblemReport,
    rejected: set,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    fields = [r.get("fields") if isinstance(r.get("fields"), dict) else {} for r in recs]
    raw = pd.DataFrame(
        {
            "_line": lines,
            "key": [json_text(r.get("key") or r.get("id")) for r in recs],
            "fields.created": [json_text(x.get("created")) for x in fields],
            "fields.updated": [json_text(x.get("updated")) for x in fields],
            "fields.resolutiondate": [json_text(x.get("resolutiondate")) for x in fields],
        }
    )
    out = pd.DataFrame({"_line": lines, "_file": file})
    out["ticket_id"] = text_series(raw["key"].tolist())
    problems: list[Problem] = []
    for src, dst in (
        ("fields.created", "created_at"),
        ("fields.updated", "updated_at"),
        ("fields.resolutiondate", "resolved_at"),
    ):
        out[dst], probs = parse_timestamps(raw, src, file=file, tz=tz)
        problems += probs
    text = {
        "subject": [x.get("summary") for x in fields],
        "type": [json_path(x, "issuetype", "name") for x in fields],
        "priority": [json_path(x, "priority", "name") for x in fields],
        "status": [json_path(x, "status", "name") for x in fields],
        "_category": [json_path(x, "status", "statusCategory", "key") for x in fields],
        "requester": [_display(x.get("reporter")) for x in fields],
        "_reporter_id": [_user(x.get("reporter")) for x in fields],
        "assignee": [_display(x.get("assignee")) for x in fields],
        "service": [_first_name(x.get("components")) for x in fields],
    }
    for col, values in text.items():
        out[col] = text_series([json_text(v) for v in values])
    out["tags"] = [
        [str(t) for t in json_list(x.get("labels")) if isinstance(t, (str, int))] or None
        for x in fields
    ]
    issue_names = [
        {**names, **(r["names"] if isinstance(r.get("names"), dict) else {})} for r in recs
    ]
    custom = [_custom_values(x, n) for x, n in zip(fields, issue_names, strict=True)]
    for col in ("category", "organization"):
        out[col] = text_series([json_text(c.get(col)) for c in custom])
    out["csat"] = pd.to_numeric(
        pd.Series([c.get("csat") for c in custom], dtype="object"), errors="coerce"
    )
    sla = _sla_frame(custom, out.index)
    for col in ("vendor_first_response_met", "vendor_resolution_met"):
        out[col] = sla[col]
    out["due_at"], probs = parse_timestamps(sla.assign(_line=lines), "due", file=file, tz=tz)
    problems += _rename(probs, "due", "fields.<Time to resolution>.breachTime")
    # a status's category from the issues that currently have it classes it in the changelog
    cat_of = (
        pd.DataFrame({"s": out["status"].str.lower(), "c": out["_category"]})
        .dropna()
        .drop_duplicates("s")
        .set_index("s")["c"]
    )
    out["status_class"], probs = _classify(
        out["status"],
        raw.assign(_line=lines),
        column="fields.status.name",
        file=file,
        overrides=overrides,
        categories=out["_category"],
    )
    problems += probs
    out["extra"] = [_issue_extra(r, x) for r, x in zip(recs, fields, strict=True)]
    problems += drop_resolved_before_created(out, file, "fields.resolutiondate")
    report.problems += problems
    bad, probs = reject_missing(
        out, raw, {"ticket_id": "key", "created_at": "fields.created"}, file
    )
    report.problems += probs
    _reject(rejected, out, bad, file)
    has_log = pd.Series([isinstance(json_path(r, "changelog", "histories"), list) for r in recs])
    out["fidelity"] = np.where(has_log, "history", "snapshot")
    ok = (~bad).to_numpy()
    events = _issue_events(
        file, recs, out, ok & has_log.to_numpy(), ok, cat_of, tz, overrides, report
    )
    return out[ok], events


def _first_name(values: Any) -> str | None:
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return values[0].get("name") or values[0].get("value")
    return None


def _rename(problems: list[Problem], old: str, new: str) -> list[Problem]:
    for p in problems:
        if p.column == old:
            p.column = new
    return problems


def _custom_values(fields: dict, names: dict[str, str]) -> dict[str, Any]:
    """SLA cycles and the JSM text fields among an issue's custom fields."""
    out: dict[str, Any] = {}
    for fid, value in fields.items():
        if not fid.startswith("customfield_") or value is None:
            continue
        name = str(names.get(fid) or (value.get("name") if isinstance(value, dict) else "") or "")
        name = name.strip().lower()
        if isinstance(value, dict) and ("completedCycles" in value or "ongoingCycle" in value):
            if name in FIRST_RESPONSE_SLA:
                out["first"] = value
            elif name in RESOLUTION_SLA:
                out["resolution"] = value
        elif CUSTOM_TEXT.get(name) == "category":
            out["category"] = (
                json_path(value, "requestType", "name")
                or json_path(value, "name")
                or (value if isinstance(value, str) else None)
            )
        elif CUSTOM_TEXT.get(name) == "organization":
            out["organization"] = _first_name(value) or json_path(value, "name")
        elif name in ("satisfaction", "удовлетворенность", "zufriedenheit"):
            out["csat"] = json_path(value, "rating")
    return out


def _sla_verdict(sla: Any) -> tuple[bool | None, Any]:
    """(verdict, breach time) of one SLA field value: any breached cycle = False; a running
    unbreached cycle = None; only completed unbreached cycles = True."""
    if not isinstance(sla, dict):
        return None, None
    done = [c for c in json_list(sla.get("completedCycles")) if isinstance(c, dict)]
    ongoing = sla.get("ongoingCycle") if isinstance(sla.get("ongoingCycle"), dict) else None
    cycles = done + ([ongoing] if ongoing else [])
    last = cycles[-1] if cycles else {}
    breach = json_path(last, "breachTime", "iso8601") or json_path(
        last, "breachTime", "epochMillis"
    )
    if any(c.get("breached") is True for c in cycles):
        return False, breach
    if ongoing is not None or not done:
        return None, breach
    return True, breach


def _sla_frame(custom: list[dict], index: pd.Index) -> pd.DataFrame:
    first = [_sla_verdict(c.get("first")) for c in custom]
    res = [_sla_verdict(c.get("resolution")) for c in custom]
    due = pd.Series([b for _, b in res], index=index, dtype="object")
    millis = pd.to_numeric(due, errors="coerce")
    as_iso = pd.to_datetime(millis, unit="ms", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return pd.DataFrame(
        {
            "vendor_first_response_met": pd.array([v for v, _ in first], dtype="boolean"),
            "vendor_resolution_met": pd.array([v for v, _ in res], dtype="boolean"),
            "due": as_iso.where(millis.notna(), due.astype("string")),
        },
        index=index,
    )


def _issue_extra(r: dict, fields: dict) -> list[tuple[str, str]]:
    pairs = [("issue_id", str(r["id"]))] if r.get("id") is not None else []
    for key in ("duedate",):
        if fields.get(key):
            pairs.append((key, str(fields[key])))
    for key, path in (("resolution", ("resolution", "name")), ("project", ("project", "key"))):
        value = json_path(fields, *path)
        if value:
            pairs.append((key, str(value)))
    return pairs


def _issue_events(
    file: str,
    recs: list[dict],
    tickets: pd.DataFrame,
    history: np.ndarray,
    ok: np.ndarray,
    cat_of: pd.Series,
    tz: str,
    overrides: dict[str, str],
    report: ProblemReport,
) -> pd.DataFrame:
    """Comment events for every kept issue; changelog events for the issues that have one."""
    ids = tickets["ticket_id"].to_numpy()
    line = tickets["_line"].to_numpy()
    comments = [
        (i, _user(c.get("author")), json_text(c.get("created")), _public(c))
        for i, r in enumerate(recs)
        if ok[i]
        for c in json_list(json_path(r, "fields", "comment", "comments"))
        if isinstance(c, dict)
    ]
    cm = pd.DataFrame(
        comments, columns=["_row", "author", "fields.comment.comments.created", "public"]
    )
    cm["_line"] = line[cm["_row"].to_numpy(dtype=int)] if len(cm) else []
    at, probs = parse_timestamps(cm, "fields.comment.comments.created", file=file, tz=tz)
    report.problems += probs
    rows = cm["_row"].to_numpy(dtype=int)
    reporters = tickets["_reporter_id"].to_numpy(dtype=object, na_value=None)
    agent = cm["author"].to_numpy(dtype=object, na_value=None) != reporters[rows]
    public = cm["public"].astype("boolean").fillna(True).astype(bool).to_numpy()
    parts = [
        pd.DataFrame(
            {
                "ticket_id": ids[rows],
                "at": at,
                "event": np.where(public, np.where(agent, "agent_reply", "customer_reply"), "note"),
                "value": None,
                "status_class": None,
                "actor": np.where(agent, "agent", "customer"),
                "public": public,
                "_order": -1,
            }
        )
    ]

    changes = [
        (
            i,
            json_text(h.get("created")),
            _user(h.get("author")),
            json_path(h, "author", "accountType"),
            item.get("field") or item.get("fieldId"),
            json_text(item.get("fromString")),
            json_text(item.get("toString")),
        )
        for i, r in enumerate(recs)
        if history[i]
        for h in json_list(json_path(r, "changelog", "histories"))
        if isinstance(h, dict)
        for item in json_list(h.get("items"))
        if isinstance(item, dict)
        and (item.get("field") or item.get("fieldId")) in ("status", "assignee", "priority")
    ]
    ch = pd.DataFrame(
        changes,
        columns=[
            "_row",
            "changelog.histories.created",
            "author",
            "account_type",
            "field",
            "from",
            "to",
        ],
    )
    ch["_order"] = np.arange(len(ch))
    ch["_line"] = line[ch["_row"].to_numpy(dtype=int)] if len(ch) else []
    ch["at"], probs = parse_timestamps(ch, "changelog.histories.created", file=file, tz=tz)
    report.problems += probs
    ch = ch[ch["at"].notna()]
    crow = ch["_row"].to_numpy(dtype=int)
    ch_agent = ch["author"].to_numpy(dtype=object, na_value=None) != reporters[crow]
    actor = np.where(ch_agent, "agent", "customer")
    # automation rules (Jira "app" users) act for the system, not for an agent
    actor = np.where(ch["account_type"].to_numpy() == "app", "system", actor)
    ch = ch.assign(ticket_id=ids[crow], actor=actor)

    # the status at creation: where the first change came from, else the current status
    hist_rows = np.flatnonzero(history)
    st = ch[ch["field"] == "status"].sort_values(["_row", "at", "_order"], kind="stable")
    first_from = st.groupby("_row")["from"].first()
    init_status = pd.Series(tickets["status"].to_numpy()[hist_rows], index=hist_rows)
    init_status.update(first_from.dropna())
    init = pd.DataFrame(
        {
            "_row": hist_rows,
            "at": tickets["created_at"].to_numpy()[hist_rows],
            "to": init_status.to_numpy(),
            "from": None,
            "actor": "system",
            "ticket_id": ids[hist_rows],
            "_line": line[hist_rows],
            "_order": -1,
            "_init": True,
        }
    )
    st = pd.concat([init, st.assign(_init=False)], ignore_index=True)
    st = st[st["to"].notna()].sort_values(
        ["_row", "at", "_init", "_order"], ascending=[True, True, False, True], kind="stable"
    )
    cats = st["to"].str.lower().map(cat_of)
    classes, probs = _classify(
        st["to"],
        st,
        column="changelog.items.toString",
        file=file,
        overrides=overrides,
        categories=cats,
    )
    current = set(tickets["status"].dropna())
    report.problems += [p for p in probs if p.value not in current]
    prev_raw, _ = _classify(
        st["from"],
        st,
        column="from",
        file=file,
        overrides=overrides,
        categories=st["from"].str.lower().map(cat_of),
    )
    event = transition_events(st["ticket_id"], classes, prev_raw.where(st["from"].notna()))
    event = np.where(st["_init"].to_numpy(dtype=bool), "status", event)
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": st["ticket_id"],
                "at": st["at"],
                "event": event,
                "value": st["to"],
                "status_class": classes,
                "actor": st["actor"],
                "public": False,
                "_order": st["_order"],
            }
        )
    )
    other = ch[ch["field"].isin(["assignee", "priority"])]
    parts.append(
        pd.DataFrame(
            {
                "ticket_id": other["ticket_id"],
                "at": other["at"],
                "event": np.where(other["field"] == "priority", "priority", "assigned"),
                "value": other["to"],
                "status_class": None,
                "actor": other["actor"],
                "public": False,
                "_order": other["_order"],
            }
        )
    )
    events = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)
    events = events[events["at"].notna()]
    return events.sort_values(["ticket_id", "at", "_order"], kind="stable")


def _public(comment: dict) -> bool | None:
    """jsdPublic, else the Server/DC `sd.public.comment` property, else visible."""
    if isinstance(comment.get("jsdPublic"), bool):
        return comment["jsdPublic"]
    for prop in comment.get("properties") or []:
        if isinstance(prop, dict) and prop.get("key") == "sd.public.comment":
            return not bool(json_path(prop, "value", "internal"))
    return None


# --------------------------------------------------------------------------- combining


def _combine(json_parts, csv_parts, report: ProblemReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """JSON issues win over CSV rows of the same key (which only fill gaps); CSV duplicates warn."""
    js_t = pd.concat([t for t, _ in json_parts], ignore_index=True) if json_parts else None
    js_e = pd.concat([e for _, e in json_parts], ignore_index=True) if json_parts else None
    cs_t = pd.concat([t for t, _ in csv_parts], ignore_index=True) if csv_parts else None
    cs_e = pd.concat([e for _, e in csv_parts], ignore_index=True) if csv_parts else None
    if js_t is not None:
        js_t = js_t.sort_values("updated_at", na_position="first", kind="stable")
        keep = ~js_t.duplicated("ticket_id", keep="last")
        js_t = js_t[keep].sort_index()
        # JSON issues take replies from their comment events, never from a CSV fill
        for col in ("first_response_at", "agent_replies"):
            js_t[col] = np.nan
    if cs_t is not None:
        dup, probs = duplicate_rows(cs_t)
        if dup.any():
            report.problems += probs
            last_line = cs_t[~dup].set_index("ticket_id")["_line"]
            cs_e = cs_e[cs_e["_line"].to_numpy() == cs_e["ticket_id"].map(last_line).to_numpy()]
            cs_t = cs_t[~dup]
    if js_t is None and cs_t is None:
        return pd.DataFrame(columns=["ticket_id"]), pd.DataFrame(columns=["ticket_id"])
    parts_e = []
    if js_t is not None:
        parts_e.append(js_e)
        snap = js_t[js_t["fidelity"] == "snapshot"]
        if len(snap):
            parts_e.append(snapshot_events(snap))
    if cs_t is not None:
        only_csv = cs_t if js_t is None else cs_t[~cs_t["ticket_id"].isin(js_t["ticket_id"])]
        cs_t = cs_t.assign(fidelity="snapshot")
        if len(only_csv):
            # comments first: a reply and a resolution stamped in the same minute keep that order
            parts_e.append(cs_e[cs_e["ticket_id"].isin(only_csv["ticket_id"])])
            parts_e.append(snapshot_events(only_csv))
    if js_t is not None and cs_t is not None:
        tickets = (
            js_t.set_index("ticket_id").combine_first(cs_t.set_index("ticket_id")).reset_index()
        )
    else:
        tickets = js_t if js_t is not None else cs_t
    parts_e = [p for p in parts_e if len(p)]
    if not parts_e:
        return tickets, pd.DataFrame(columns=["ticket_id", "at", "event"])
    events = pd.concat(parts_e, ignore_index=True)
    # a reply known from both a comment cell and the first-response column is one reply
    dup_reply = (events["event"] == "agent_reply") & events.duplicated(["ticket_id", "at", "event"])
    return tickets, events[~dup_reply]
