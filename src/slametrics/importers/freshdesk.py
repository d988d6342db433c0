"""Freshdesk importer: the ticket CSV export (English, Spanish, Russian headers), API JSON."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from slametrics.errors import UserError
from slametrics.importers.base import (
    Importer,
    ImportOptions,
    ImportResult,
    clean_strings,
    dedupe_tickets,
    empty_result,
    extra_map,
    finalize,
    guess_dayfirst,
    map_status_classes,
    norm_header,
    parse_booleans,
    parse_numbers,
    parse_timestamps,
    reject_unusable,
    require_columns,
    resolve_columns,
    snapshot_events,
)
from slametrics.importers.io import InputFile, first_record, read_csv, read_json_records
from slametrics.importers.options import status_overrides
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import DONE_CLASSES

# Canonical field -> header labels, matched case- and whitespace-insensitively; the first label
# present wins. English labels are Freshdesk's own export code [V]; the Spanish and Russian ones
# follow the localized UI and are reconstructed [R] (formats.md §0): extend them when a real
# localized export disagrees.
CSV_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": (
        "Ticket ID",
        "ID del ticket",
        "ID de ticket",
        "ID заявки",
        "ID тикета",
        "Номер заявки",
    ),
    "subject": ("Subject", "Asunto", "Тема"),
    "status": ("Status", "Estado", "Статус"),
    "priority": ("Priority", "Prioridad", "Приоритет"),
    "channel": ("Source", "Fuente", "Origen", "Источник"),
    "type": ("Type", "Tipo", "Тип"),
    "assignee": ("Agent", "Agente", "Агент"),
    "group": ("Group", "Grupo", "Группа"),
    "created_at": ("Created time", "Hora de creación", "Fecha de creación", "Время создания"),
    "due_at": (
        "Due by Time",
        "Hora de vencimiento",
        "Fecha de vencimiento",
        "Vencimiento",
        "Срок выполнения",
        "Срок решения",
        "Срок",
    ),
    "resolved_at": ("Resolved time", "Hora de resolución", "Время решения"),
    "closed_at": ("Closed time", "Hora de cierre", "Время закрытия"),
    "updated_at": (
        "Last update time",
        "Last updated time",
        "Hora de la última actualización",
        "Última actualización",
        "Время последнего обновления",
    ),
    "first_response_at": (
        "Initial response time",
        "Hora de respuesta inicial",
        "Hora de la respuesta inicial",
        "Время первоначального ответа",
        "Время первого ответа",
    ),
    "first_response_business": (
        "First response time (in hrs)",
        "Tiempo de primera respuesta (en horas)",
        "Время первого ответа (в часах)",
    ),
    "resolution_business": (
        "Resolution time (in hrs)",
        "Tiempo de resolución (en horas)",
        "Время решения (в часах)",
    ),
    "time_tracked": ("Time tracked", "Tiempo registrado", "Учтённое время", "Учтенное время"),
    "agent_replies": ("Agent interactions", "Interacciones del agente", "Взаимодействия агента"),
    "customer_interactions": (
        "Customer interactions",
        "Interacciones del cliente",
        "Взаимодействия клиента",
    ),
    "vendor_resolution_met": ("Resolution status", "Estado de resolución", "Статус решения"),
    "vendor_first_response_met": (
        "First response status",
        "Estado de primera respuesta",
        "Estado de la primera respuesta",
        "Статус первого ответа",
    ),
    "tags": ("Tags", "Etiquetas", "Теги", "Метки"),
    "requester_name": ("Full name", "Requester Name", "Nombre completo", "Полное имя"),
    "requester_email": ("Email", "Requester Email", "Correo electrónico", "Электронная почта"),
    "organization": (
        "Company Name",
        "Company",
        "Nombre de la empresa",
        "Empresa",
        "Название компании",
        "Компания",
    ),
    "service": ("Product", "Producto", "Продукт"),
    "category": ("Category", "Categoría", "Категория"),
}
REQUIRED_CSV = ("ticket_id", "created_at")
# Columns only Freshdesk's export has; each one present raises the detection score.
DISTINCTIVE = (
    "due_at",
    "first_response_at",
    "first_response_business",
    "resolution_business",
    "agent_replies",
    "customer_interactions",
    "vendor_resolution_met",
    "vendor_first_response_met",
    "updated_at",
)

# Freshdesk's default and localized status names [R for the localized ones]; "Pending" is
# Freshdesk's "waiting on the customer" state (it stops the SLA timer by default).
STATUS_CLASSES: dict[str, str] = {
    "open": "open",
    "pending": "waiting_customer",
    "resolved": "resolved",
    "closed": "closed",
    "waiting on customer": "waiting_customer",
    "waiting on third party": "waiting_third_party",
    "abierto": "open",
    "abierta": "open",
    "pendiente": "waiting_customer",
    "resuelto": "resolved",
    "resuelta": "resolved",
    "cerrado": "closed",
    "cerrada": "closed",
    "esperando al cliente": "waiting_customer",
    "esperando respuesta del cliente": "waiting_customer",
    "en espera del cliente": "waiting_customer",
    "esperando a un tercero": "waiting_third_party",
    "esperando a terceros": "waiting_third_party",
    "en espera de terceros": "waiting_third_party",
    "открыт": "open",
    "открыта": "open",
    "открыто": "open",
    "в ожидании": "waiting_customer",
    "ожидает": "waiting_customer",
    "решен": "resolved",
    "решён": "resolved",
    "решено": "resolved",
    "решена": "resolved",
    "закрыт": "closed",
    "закрыто": "closed",
    "закрыта": "closed",
    "ожидание клиента": "waiting_customer",
    "ожидание ответа клиента": "waiting_customer",
    "ожидает ответа клиента": "waiting_customer",
    "ожидание третьей стороны": "waiting_third_party",
    "ожидание ответа третьей стороны": "waiting_third_party",
}

# "Within SLA" / "SLA Violated" as Freshdesk writes them (the Spanish export keeps them, lower-
# cased [C]); the Spanish and Russian wordings are guesses for translated exports [R].
VERDICTS: dict[str, str] = {
    "within sla": "true",
    "sla violated": "false",
    "dentro del sla": "true",
    "dentro de sla": "true",
    "sla incumplido": "false",
    "fuera del sla": "false",
    "sla infringido": "false",
    "в рамках sla": "true",
    "в пределах sla": "true",
    "sla соблюдено": "true",
    "sla нарушено": "false",
    "sla нарушен": "false",
    "нарушение sla": "false",
}

# API codes (formats.md §3b [V]; 4-6 and 8 are the older social/forum/mobihelp channels).
API_STATUS = {
    2: "Open",
    3: "Pending",
    4: "Resolved",
    5: "Closed",
    6: "Waiting on Customer",
    7: "Waiting on Third Party",
}
API_PRIORITY = {1: "Low", 2: "Medium", 3: "High", 4: "Urgent"}
API_SOURCE = {
    1: "Email",
    2: "Portal",
    3: "Phone",
    4: "Forum",
    5: "Twitter",
    6: "Facebook",
    7: "Chat",
    8: "Mobihelp",
    9: "Feedback Widget",
    10: "Outbound Email",
}
API_KEYS = ("fr_due_by", "fr_escalated", "nr_due_by", "nr_escalated", "responder_id")


_HMS = re.compile(r"^(\d+):([0-5]?\d)(?::([0-5]?\d))?$")


def parse_durations(frame: pd.DataFrame, column: str, *, file: str) -> tuple[pd.Series, list]:
    """`HH:MM:SS` / `HH:MM` (hours may exceed 24) or decimal hours -> seconds; bad cells -> problems."""
    if column not in frame:
        return pd.Series(np.nan, index=frame.index), []
    raw = clean_strings(frame[column])
    parts = raw.str.extract(_HMS)
    hms = (
        pd.to_numeric(parts[0]) * 3600
        + pd.to_numeric(parts[1]) * 60
        + pd.to_numeric(parts[2]).fillna(0)
    )
    hours = pd.to_numeric(raw.str.replace(",", ".", regex=False), errors="coerce") * 3600
    seconds = hms.fillna(hours).astype(float)
    bad = raw.notna() & seconds.isna()
    return seconds, problems_from_mask(
        frame.assign(**{column: raw}), bad, code="bad-duration", column=column, file=file
    )


def _verdicts(frame: pd.DataFrame, column: str, *, file: str) -> tuple[pd.Series, list]:
    key = clean_strings(frame[column]).str.lower()
    words = key.map(VERDICTS)
    return parse_booleans(frame.assign(**{column: words.fillna(key)}), column, file=file)


class FreshdeskImporter(Importer):
    name = "freshdesk"
    description = (
        "Freshdesk ticket CSV export (English, Spanish or Russian headers) or API ticket JSON"
    )
    fidelity = "snapshot"
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        if f.suffix in (".json", ".ndjson", ".jsonl"):
            head = f.head(1 << 16)
            hits = sum(f'"{k}"' in head for k in API_KEYS)
            return min(90, 40 + 15 * hits) if hits else 0
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        cols = resolve_columns(first_record(f), CSV_ALIASES)
        distinctive = sum(k in cols for k in DISTINCTIVE)
        has_id = "ticket_id" in cols
        score = 30 * has_id + 20 * ("created_at" in cols) + 6 * distinctive
        # "Ticket ID" + "Created time" alone could be anyone's CSV: some Freshdesk-only column
        # must be there too; with several of them, a missing id column still routes the file
        # here so that the error names it.
        mine = (has_id and distinctive >= 1) or distinctive >= 3
        return min(95, score) if mine else 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        overrides, mapping_tz = status_overrides(options)
        tz = options.tz or mapping_tz or self.default_tz
        report = ProblemReport()
        parts, reply_parts = [], []
        for f in files:
            if f.suffix in (".json", ".ndjson", ".jsonl") or f.head(64).lstrip()[:1] in ("[", "{"):
                tickets, replies, rep = _read_api_json(f, tz, overrides)
                reply_parts.append(replies)
            else:
                tickets, rep = _read_csv_export(f, tz, overrides)
            tickets["_file"] = f.name
            parts.append(tickets)
            report = report.merge(rep)
        tickets = pd.concat(parts, ignore_index=True)
        if tickets.empty:
            return empty_result(report, self.name)
        tickets, dups = dedupe_tickets(tickets)
        report.problems += dups
        events = snapshot_events(tickets)
        if "_status_since" in tickets:
            since = tickets.set_index("ticket_id")["_status_since"].dropna()
            current = (events["event"] == "status") & events["ticket_id"].isin(since.index)
            if current.any():
                events.loc[current, "at"] = events.loc[current, "ticket_id"].map(since)
            tickets = tickets.drop(columns=["_status_since"])
        replies = pd.concat(reply_parts, ignore_index=True) if reply_parts else None
        if replies is not None and len(replies):
            # conversations give the real reply times: they replace the synthesized first reply
            with_conv = replies["ticket_id"].unique()
            synth = (events["event"] == "agent_reply") & events["ticket_id"].isin(with_conv)
            replies = replies[replies["ticket_id"].isin(tickets["ticket_id"])]
            events = pd.concat([events[~synth], replies], ignore_index=True)
        tickets = tickets.drop(columns=["_line", "_file"], errors="ignore")
        tickets, events = finalize(
            tickets, events, source=options.source or "freshdesk", fidelity="snapshot"
        )
        return ImportResult(tickets, events, report, self.name)


def _read_csv_export(
    f: InputFile, tz: str, overrides: dict[str, str]
) -> tuple[pd.DataFrame, ProblemReport]:
    table = read_csv(f)
    df = table.frame
    cols = resolve_columns(table.columns, CSV_ALIASES)
    require_columns(
        cols,
        REQUIRED_CSV,
        CSV_ALIASES,
        file=f.name,
        found=table.columns,
        what="a Freshdesk ticket export",
    )
    problems: list[Problem] = list(table.problems)
    out = pd.DataFrame({"_line": df["_line"]}, index=df.index)
    for field in (
        "ticket_id",
        "subject",
        "status",
        "priority",
        "channel",
        "type",
        "assignee",
        "group",
        "organization",
        "service",
        "category",
    ):
        if field in cols:
            out[field] = clean_strings(df[cols[field]])
    for field in ("requester_name", "requester_email"):  # the name, else the address
        if field in cols:
            val = clean_strings(df[cols[field]])
            out["requester"] = out["requester"].fillna(val) if "requester" in out else val
    # English exports write ISO dates; localized ones may use the locale's day-first dates
    localized = norm_header(cols["ticket_id"]) != "ticket id"
    for field in (
        "created_at",
        "due_at",
        "resolved_at",
        "closed_at",
        "updated_at",
        "first_response_at",
    ):
        if field in cols:
            dayfirst = guess_dayfirst(df[cols[field]], default=localized)
            out[field], probs = parse_timestamps(
                df, cols[field], file=f.name, tz=tz, dayfirst=dayfirst
            )
            problems += probs
    if "agent_replies" in cols:
        out["agent_replies"], probs = parse_numbers(df, cols["agent_replies"], file=f.name)
        problems += probs
    for field in ("vendor_first_response_met", "vendor_resolution_met"):
        if field in cols:
            out[field], probs = _verdicts(df, cols[field], file=f.name)
            problems += probs
    if "time_tracked" in cols:
        out["time_spent_s"], probs = parse_durations(df, cols["time_tracked"], file=f.name)
        problems += probs
    derived = pd.DataFrame(index=df.index)
    for field, key in (
        ("first_response_business", "first_response_business_s"),
        ("resolution_business", "resolution_business_s"),
    ):
        if field in cols:
            secs, probs = parse_durations(df, cols[field], file=f.name)
            problems += probs
            derived[key] = secs.round().astype("Int64").astype("string")
    if "status" in out:
        out["status_class"], probs = map_status_classes(
            out["status"],
            df,
            column=cols["status"],
            file=f.name,
            overrides={**STATUS_CLASSES, **overrides},
        )
        problems += probs
    if "tags" in cols:
        tags = clean_strings(clean_strings(df[cols["tags"]]).str.strip(", "))
        out["tags"] = tags.str.split(r"\s*,\s*", regex=True)
    # mapped for detection but not a canonical field: kept raw in `extra`
    unused = ("first_response_business", "resolution_business", "customer_interactions")
    used = set(cols.values()) - {cols.get(k) for k in unused}
    rest = [c for c in table.columns if c not in used]
    out["extra"] = extra_map(pd.concat([df[rest].apply(clean_strings), derived], axis=1))
    out, rep = reject_unusable(out, df, cols, f.name, problems)
    rep.rows_read = table.rows_read
    rep.rows_rejected += table.rows_read - len(df)
    return out, rep


def _codes(series: pd.Series | None, names: dict[int, str], index: pd.Index) -> pd.Series:
    """API enumeration codes -> names; strings pass through (some tools export names already)."""
    if series is None:
        return pd.Series(pd.NA, index=index, dtype="string")
    raw = clean_strings(series.astype("string"))
    num = pd.to_numeric(raw, errors="coerce")
    whole = num.where(num.notna() & (num == num.round()) & (num.abs() < 2**31))
    named = whole.astype("Int64").map(names).astype("string")
    return named.fillna(raw.str.replace(r"\.0$", "", regex=True))


def _read_api_json(
    f: InputFile, tz: str, overrides: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    records, problems = read_json_records(f, keys=("tickets", "results", "data"))
    malformed = len(problems)
    rows_read = len(records) + malformed
    if not records:
        empty = pd.DataFrame(columns=["ticket_id", "created_at", "_line"])
        return (
            empty,
            empty,
            ProblemReport(rows_read=rows_read, rows_rejected=len(problems), problems=problems),
        )
    df = pd.json_normalize(records, max_level=1)
    df["_line"] = _record_lines(f, len(df), {p.line for p in problems})
    if "id" not in df or "created_at" not in df:
        missing = "id" if "id" not in df else "created_at"
        raise UserError(
            f"{f.name}: Freshdesk ticket JSON needs key {missing!r} in each ticket; keys found: "
            f"{', '.join(c for c in list(df.columns)[:40] if c != '_line')}"
        )
    out = pd.DataFrame({"_line": df["_line"]}, index=df.index)
    strings = df.drop(columns=[c for c in ("tags", "conversations") if c in df]).astype("string")
    strings["_line"] = df["_line"]
    out["ticket_id"] = clean_strings(strings["id"]).str.replace(r"\.0$", "", regex=True)
    for field, key in (
        ("subject", "subject"),
        ("type", "type"),
        ("group", "group_id"),
        ("assignee", "responder_id"),
        ("organization", "company_id"),
        ("service", "product_id"),
    ):
        if key in strings:
            out[field] = clean_strings(strings[key]).str.replace(r"\.0$", "", regex=True)
    for key in ("requester.name", "requester.email", "requester_id"):
        if key in strings:
            val = clean_strings(strings[key]).str.replace(r"\.0$", "", regex=True)
            out["requester"] = out["requester"].fillna(val) if "requester" in out else val
    if "company.name" in strings:
        name = clean_strings(strings["company.name"])
        out["organization"] = name.fillna(out["organization"]) if "organization" in out else name
    out["status"] = _codes(df.get("status"), API_STATUS, df.index)
    out["priority"] = _codes(df.get("priority"), API_PRIORITY, df.index)
    out["channel"] = _codes(df.get("source"), API_SOURCE, df.index)
    ts = {}
    for key in (
        "created_at",
        "updated_at",
        "due_by",
        "fr_due_by",
        "stats.first_responded_at",
        "stats.resolved_at",
        "stats.closed_at",
        "stats.reopened_at",
        "stats.pending_since",
        "stats.status_updated_at",
    ):
        if key in strings:
            ts[key], probs = parse_timestamps(strings, key, file=f.name, tz=tz)
            problems += probs
        else:
            ts[key] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]")
    out["created_at"] = ts["created_at"]
    out["updated_at"] = ts["updated_at"]
    out["due_at"] = ts["due_by"]
    out["first_response_at"] = ts["stats.first_responded_at"]
    out["resolved_at"] = ts["stats.resolved_at"]
    out["closed_at"] = ts["stats.closed_at"]
    out["status_class"], probs = map_status_classes(
        out["status"],
        strings,
        column="status",
        file=f.name,
        overrides={**STATUS_CLASSES, **overrides},
    )
    problems += probs
    # The vendor's verdicts, computed as Freshdesk's own export does: resolved_at < due_by and
    # first response < fr_due_by, blank while unresolved / unanswered.
    fr, res = out["first_response_at"], out["resolved_at"]
    fr_due = ts["fr_due_by"]
    out["vendor_first_response_met"] = pd.Series(
        (fr < fr_due).where(fr.notna() & fr_due.notna()), dtype="boolean"
    )
    out["vendor_resolution_met"] = pd.Series(
        (res < out["due_at"]).where(res.notna() & out["due_at"].notna()), dtype="boolean"
    )
    # The current status began at status_updated_at (or pending_since), which places it better
    # than updated_at (any later edit), where snapshot_events would put it.
    since = ts["stats.status_updated_at"].fillna(ts["stats.pending_since"])
    out["_status_since"] = since.where(~out["status_class"].isin(DONE_CLASSES))
    # reopened_at proves at least one reopen (a lower bound: the count is not in the API), but
    # not when the earlier resolution happened, so no reopened event is synthesized
    if any(c.startswith("stats.") for c in df.columns):
        out["reopens"] = ts["stats.reopened_at"].notna().astype(int)
    if "tags" in df:
        tags = df["tags"].explode()
        tags = tags[tags.notna()].astype(str)
        out["tags"] = tags.groupby(level=0).agg(list).reindex(df.index)
    used = {
        "id",
        "subject",
        "type",
        "group_id",
        "responder_id",
        "company_id",
        "product_id",
        "requester.name",
        "requester.email",
        "requester_id",
        "company.name",
        "status",
        "priority",
        "source",
        "created_at",
        "updated_at",
        "due_by",
        "stats.first_responded_at",
        "stats.resolved_at",
        "stats.closed_at",
        "_line",
        "description",
        "description_text",
    }
    rest = [c for c in strings.columns if c not in used]
    out["extra"] = extra_map(strings[rest].apply(clean_strings))
    replies = _conversations(df, out, tz, f.name, problems)
    cols = {"ticket_id": "id", "created_at": "created_at", "resolved_at": "stats.resolved_at"}
    out, rep = reject_unusable(out, strings, cols, f.name, problems)
    rep.rows_read = rows_read
    rep.rows_rejected += malformed
    return out, replies, rep


def _record_lines(f: InputFile, n: int, bad_lines: set[int | None]) -> np.ndarray:
    """Source line of each record for NDJSON (one record per non-empty line); for a JSON
    document, whose records have no line of their own, the record's ordinal (1 = first)."""
    text = f.text()
    if text.lstrip()[:1] == "{":
        lines = np.array(
            [i for i, line in enumerate(text.splitlines(), start=1) if line.strip()], dtype=np.int64
        )
        lines = lines[~np.isin(lines, np.array([b for b in bad_lines if b], dtype=np.int64))]
        if len(lines) == n:
            return lines
    return np.arange(1, n + 1)


def _conversations(
    df: pd.DataFrame, out: pd.DataFrame, tz: str, file: str, problems: list[Problem]
) -> pd.DataFrame:
    """Reply and note events from `conversations` (present when fetched with the ticket)."""
    cols = ["ticket_id", "at", "event", "actor", "public"]
    if "conversations" not in df:
        return pd.DataFrame(columns=cols)
    conv = pd.DataFrame(
        {"ticket_id": out["ticket_id"], "c": df["conversations"], "_line": df["_line"]}
    ).explode("c")
    conv = conv[conv["c"].map(lambda v: isinstance(v, dict))].reset_index(drop=True)
    if conv.empty:
        return pd.DataFrame(columns=cols)
    body = pd.DataFrame.from_records(conv["c"].tolist(), index=conv.index)
    body = body.reindex(columns=["created_at", "incoming", "private"])
    body["_line"] = conv["_line"]
    at, probs = parse_timestamps(
        body.astype({"created_at": "string"}), "created_at", file=file, tz=tz
    )
    for p in probs:
        p.column = "conversations.created_at"
    problems += probs
    incoming = body["incoming"].isin([True, "true"]).to_numpy(dtype=bool)
    private = body["private"].isin([True, "true"]).to_numpy(dtype=bool)
    ev = pd.DataFrame(
        {
            "ticket_id": conv["ticket_id"].to_numpy(),
            "at": at.to_numpy(),
            "event": np.where(incoming, "customer_reply", np.where(private, "note", "agent_reply")),
            "actor": np.where(incoming, "customer", "agent"),
            "public": ~private,
        }
    )
    return ev[ev["at"].notna() & ev["ticket_id"].notna()].reset_index(drop=True)
