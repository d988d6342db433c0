"""ServiceNow importer: the update-snapshot event log, the incident list CSV and task_sla CSV."""

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
    parse_booleans,
    parse_numbers,
    parse_timestamps,
    reject_unusable,
    require_columns,
    resolve_columns,
    snapshot_events,
)
from slametrics.importers.io import CsvTable, InputFile, first_record, read_csv
from slametrics.importers.options import status_overrides
from slametrics.problems import Problem, ProblemReport, problems_from_mask
from slametrics.schema import DONE_CLASSES

# The update-snapshot log (formats.md §4c, the UCI export [V]). The stripped UCI copy renames
# incident_state to ident_state and repeats `category` (read as `category.1`) for subcategory.
LOG_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("number",),
    "status": ("incident_state", "ident_state", "state"),
    "sys_mod_count": ("sys_mod_count",),
    "at": ("sys_updated_at", "sys_updated_on"),
    "created_at": ("opened_at",),
    "resolved_at": ("resolved_at",),
    "closed_at": ("closed_at",),
    "vendor_resolution_met": ("made_sla",),
    "reopens": ("reopen_count",),
    "priority": ("priority",),
    "assignee": ("assigned_to",),
    "group": ("assignment_group",),
    "requester": ("caller_id",),
    "channel": ("contact_type",),
    "category": ("category",),
    "service": ("cmdb_ci", "business_service"),
    "subject": ("short_description",),
}
REQUIRED_LOG = ("ticket_id", "status", "sys_mod_count", "at", "created_at")

# The incident list export: field names by default, display labels when the instance exports
# labels (glide.export.csv.column_header_label). English labels follow the incident form [R];
# Russian and German ones are reconstructed from the localized UI [R].
LIST_ALIASES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("number", "Number", "Номер", "Nummer"),
    "created_at": (
        "opened_at",
        "Opened",
        "Открыто",
        "Открыт",
        "Дата открытия",
        "Geöffnet",
        "Eröffnet",
    ),
    "subject": ("short_description", "Short description", "Краткое описание", "Kurzbeschreibung"),
    "priority": ("priority", "Priority", "Приоритет", "Priorität"),
    "status": (
        "state",
        "incident_state",
        "State",
        "Incident state",
        "Состояние",
        "Состояние инцидента",
        "Статус",
        "Status",
        "Zustand",
        "Incident-Status",
    ),
    "hold_reason": (
        "hold_reason",
        "On hold reason",
        "Причина приостановки",
        "Причина ожидания",
        "Grund für Zurückstellung",
        "Grund für Wartestatus",
    ),
    "resolved_at": ("resolved_at", "Resolved", "Решено", "Разрешено", "Gelöst"),
    "closed_at": ("closed_at", "Closed", "Закрыто", "Geschlossen"),
    "group": (
        "assignment_group",
        "Assignment group",
        "Группа назначения",
        "Назначенная группа",
        "Zuweisungsgruppe",
    ),
    "assignee": (
        "assigned_to",
        "Assigned to",
        "Назначено",
        "Исполнитель",
        "Zugewiesen zu",
        "Zugewiesen an",
    ),
    "requester": ("caller_id", "Caller", "Вызывающий абонент", "Заявитель", "Anrufer"),
    "category": ("category", "Category", "Категория", "Kategorie"),
    "vendor_resolution_met": (
        "made_sla",
        "Made SLA",
        "SLA выполнено",
        "SLA соблюдено",
        "SLA erfüllt",
    ),
    "updated_at": ("sys_updated_on", "Updated", "Обновлено", "Aktualisiert"),
    "reopens": (
        "reopen_count",
        "Reopen count",
        "Количество повторных открытий",
        "Anzahl erneuter Öffnungen",
    ),
    "channel": (
        "contact_type",
        "Channel",
        "Contact type",
        "Канал",
        "Тип контакта",
        "Kanal",
        "Kontakttyp",
    ),
    "service": (
        "business_service",
        "cmdb_ci",
        "Service",
        "Configuration item",
        "Услуга",
        "Элемент конфигурации",
        "Konfigurationselement",
    ),
    "organization": ("company", "Company", "Компания", "Organization", "Unternehmen", "Firma"),
}
REQUIRED_LIST = ("ticket_id", "created_at")

# task_sla (formats.md §4b [V]); with displayvalue=all the `dv_` columns hold the readable
# values (INC number, SLA name) while `task`/`sla` hold sys_ids, so they are preferred.
SLA_ALIASES: dict[str, tuple[str, ...]] = {
    "task": ("dv_task", "task", "Task", "Задача", "Aufgabe"),
    "sla": ("dv_sla", "sla", "SLA definition", "SLA", "Определение SLA", "SLA-Definition"),
    "stage": ("dv_stage", "stage", "Stage", "Этап", "Stufe", "Phase"),
    "has_breached": ("has_breached", "Has breached", "Breached", "Нарушено", "Verletzt"),
    "start_time": ("start_time", "Start time", "Время начала", "Startzeit"),
    "planned_end_time": (
        "planned_end_time",
        "Planned end time",
        "Breach time",
        "Плановое время окончания",
        "Geplante Endzeit",
    ),
}
REQUIRED_SLA = ("task", "sla", "has_breached")

# Raw states -> classes. Names of the UCI log and of the current incident model, their raw
# integer values (raw-value exports) and the Russian / German display values [R].
STATUS_CLASSES: dict[str, str] = {
    "new": "new",
    "1": "new",
    "active": "open",
    "in progress": "open",
    "2": "open",
    "on hold": "on_hold",
    "3": "on_hold",
    "awaiting user info": "waiting_customer",
    "awaiting evidence": "waiting_customer",
    "awaiting caller": "waiting_customer",
    "awaiting vendor": "waiting_third_party",
    "awaiting problem": "waiting_third_party",
    "awaiting change": "waiting_third_party",
    "resolved": "resolved",
    "6": "resolved",
    "closed": "closed",
    "7": "closed",
    "canceled": "canceled",
    "cancelled": "canceled",
    "8": "canceled",
    # -100 appears in a few UCI rows with active=true: a state that was never set, not a stop
    "-100": "open",
    "новый": "new",
    "новое": "new",
    "в работе": "open",
    "в процессе": "open",
    "приостановлено": "on_hold",
    "приостановлен": "on_hold",
    "в ожидании": "on_hold",
    "решено": "resolved",
    "решен": "resolved",
    "закрыто": "closed",
    "закрыт": "closed",
    "отменено": "canceled",
    "отменен": "canceled",
    "neu": "new",
    "in bearbeitung": "open",
    "in arbeit": "open",
    "zurückgestellt": "on_hold",
    "in wartestellung": "on_hold",
    "wartend": "on_hold",
    "gelöst": "resolved",
    "geschlossen": "closed",
    "abgebrochen": "canceled",
    "storniert": "canceled",
}
# On Hold is refined by its reason (hold_reason choices 1, 3, 4, 5 [R]).
HOLD_REASONS: dict[str, str] = {
    "awaiting caller": "waiting_customer",
    "1": "waiting_customer",
    "awaiting problem": "waiting_third_party",
    "3": "waiting_third_party",
    "awaiting vendor": "waiting_third_party",
    "4": "waiting_third_party",
    "awaiting change": "waiting_third_party",
    "5": "waiting_third_party",
    "ожидание вызывающего абонента": "waiting_customer",
    "ожидание заявителя": "waiting_customer",
    "ожидание поставщика": "waiting_third_party",
    "ожидание проблемы": "waiting_third_party",
    "ожидание изменения": "waiting_third_party",
    "warten auf anrufer": "waiting_customer",
    "warten auf lieferant": "waiting_third_party",
    "warten auf problem": "waiting_third_party",
    "warten auf änderung": "waiting_third_party",
}
_RESPONSE = re.compile(r"respon|reaction|реакц|ответ|reaktion|antwort", re.IGNORECASE)
_RESOLUTION = re.compile(r"resol|restor|fix|решени|восстановл|lösung|behebung", re.IGNORECASE)
_DMY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?$")


def _role(header: list[str]) -> str | None:
    """Which ServiceNow export a header belongs to: log, list, sla, or None."""
    log = resolve_columns(header, LOG_ALIASES)
    # sys_mod_count or sys_updated_at mark the update log; a log missing one of its required
    # columns is still routed here so that the error names the column
    if "ticket_id" in log and ({"sys_mod_count"} & log.keys() or "sys_updated_at" in header):
        return "log"
    sla = resolve_columns(header, SLA_ALIASES)
    if {"task", "sla"} <= sla.keys() and ({"stage", "has_breached"} & sla.keys()):
        return "sla"
    lst = resolve_columns(header, LIST_ALIASES)
    if {"ticket_id", "created_at"} <= lst.keys():
        return "list"
    return None


def _timestamp_format(raw: pd.Series) -> str | None:
    """`%d/%m/%Y %H:%M` when the cells look like the UCI log's, else None (ISO, then inferred)."""
    sample = clean_strings(raw.head(2000)).dropna()
    if len(sample) and sample.str.match(_DMY).mean() > 0.5:
        return "%d/%m/%Y %H:%M:%S" if sample.str.count(":").max() == 2 else "%d/%m/%Y %H:%M"
    return None


class ServiceNowImporter(Importer):
    name = "servicenow"
    description = (
        "ServiceNow update-snapshot log (history), incident list CSV (snapshot), task_sla CSV"
    )
    fidelity = "history (update log) / snapshot (list export)"
    default_tz = "UTC"

    @classmethod
    def detect(cls, f: InputFile) -> int:
        if f.suffix not in (".csv", ".tsv", ".txt", ""):
            return 0
        header = first_record(f)
        role = _role(header)
        if role == "log":
            return 95
        if role == "sla":
            return 85
        if role == "list":
            cols = resolve_columns(header, LIST_ALIASES)
            return min(90, 55 + 5 * len(cols))
        return 0

    def read(self, files: list[InputFile], options: ImportOptions) -> ImportResult:
        overrides, mapping_tz = status_overrides(options)
        tz = options.tz or mapping_tz or self.default_tz
        classes = {**STATUS_CLASSES, **overrides}
        report = ProblemReport()
        logs, lists, slas = [], [], []
        for f in files:
            table = read_csv(f)
            role = _role(table.columns)
            if role is None:
                raise UserError(
                    f"{f.name}: not a ServiceNow export: expected the update log (number, "
                    "incident_state, sys_mod_count, sys_updated_at, opened_at), an incident list "
                    "(number, opened_at, ...) or task_sla (task, sla, stage, has_breached); "
                    f"columns found: {', '.join(table.columns[:40])}"
                )
            if role == "log":
                tickets, events, rep = _read_log(table, f.name, tz, classes)
                logs.append((tickets, events))
            elif role == "list":
                tickets, rep = _read_list(table, f.name, tz, classes)
                lists.append(tickets)
            else:
                slas.append((table, f.name))
                continue
            report = report.merge(rep)
        if not logs and not lists:
            raise UserError(
                "a task_sla export holds SLA verdicts only: import it together with the incident "
                "export it belongs to (the incident list CSV or the update log)"
            )
        tickets, events = _combine(logs, lists, report)
        for table, name in slas:
            tickets, rep = _merge_task_sla(tickets, table, name, tz)
            report = report.merge(rep)
        if tickets.empty:
            return empty_result(report, self.name)
        tickets = tickets.drop(columns=["_line", "_file"], errors="ignore")
        tickets, events = finalize(
            tickets, events, source=options.source or "servicenow", fidelity="history"
        )
        return ImportResult(tickets, events, report, self.name)


def _combine(
    logs: list[tuple[pd.DataFrame, pd.DataFrame]], lists: list[pd.DataFrame], report: ProblemReport
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Log tickets (history) win; list rows add tickets the log lacks and fill empty fields."""
    log_tickets = pd.concat([t for t, _ in logs], ignore_index=True) if logs else None
    log_events = pd.concat([e for _, e in logs], ignore_index=True) if logs else None
    if log_tickets is not None:
        log_tickets, dups = dedupe_tickets(log_tickets)
        report.problems += dups
    if not lists:
        return log_tickets, log_events
    snap = pd.concat(lists, ignore_index=True)
    snap, dups = dedupe_tickets(snap)
    report.problems += dups
    if log_tickets is None:
        return snap, _snapshot_events(snap)
    in_log = snap["ticket_id"].isin(log_tickets["ticket_id"])
    fill = snap[in_log].set_index("ticket_id")
    merged = log_tickets.set_index("ticket_id")
    for col in ("subject", "organization", "service", "category", "channel"):
        if col in fill:
            filler = fill[col].reindex(merged.index)
            merged[col] = merged[col].fillna(filler) if col in merged else filler
    log_tickets = merged.reset_index()
    only = snap[~in_log]
    tickets = pd.concat([log_tickets, only], ignore_index=True)
    events = pd.concat([log_events, _snapshot_events(only)], ignore_index=True)
    return tickets, events


def _snapshot_events(tickets: pd.DataFrame) -> pd.DataFrame:
    return snapshot_events(tickets) if len(tickets) else pd.DataFrame(columns=["ticket_id", "at"])


def _read_log(
    table: CsvTable, file: str, tz: str, classes: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame, ProblemReport]:
    """History from an update-snapshot log: one ticket per number, events from changes."""
    df = table.frame
    cols = resolve_columns(table.columns, LOG_ALIASES)
    require_columns(
        cols,
        REQUIRED_LOG,
        LOG_ALIASES,
        file=file,
        found=table.columns,
        what="a ServiceNow update log",
    )
    problems: list[Problem] = list(table.problems)
    tid = clean_strings(df[cols["ticket_id"]])
    state = clean_strings(df[cols["status"]])
    fmt = _timestamp_format(df[cols["at"]])
    at, probs = parse_timestamps(df, cols["at"], file=file, tz=tz, fmt=fmt)
    problems += probs
    opened, probs = parse_timestamps(
        df, cols["created_at"], file=file, tz=tz, fmt=_timestamp_format(df[cols["created_at"]])
    )
    problems += probs
    mod, probs = parse_numbers(df, cols["sys_mod_count"], file=file)
    problems += probs
    raw_at = clean_strings(df[cols["at"]])
    missing_id = tid.isna()
    problems += problems_from_mask(
        df.assign(**{cols["ticket_id"]: tid}),
        missing_id,
        code="missing-value",
        column=cols["ticket_id"],
        file=file,
    )
    problems += problems_from_mask(
        df.assign(**{cols["at"]: raw_at}),
        raw_at.isna() & ~missing_id,
        code="missing-value",
        column=cols["at"],
        file=file,
    )
    # a row without an id or a usable update time cannot be placed in any history
    reject = missing_id | at.isna()
    problems += problems_from_mask(
        df.assign(**{cols["status"]: state}),
        state.isna() & ~reject,
        code="missing-value",
        column=cols["status"],
        file=file,
        severity="warning",
    )
    cls, probs = map_status_classes(
        state.where(~reject), df, column=cols["status"], file=file, overrides=classes
    )
    problems += probs

    keep = ~reject.to_numpy()

    def report() -> ProblemReport:
        return ProblemReport(
            rows_read=table.rows_read,
            rows_imported=int(keep.sum()),
            rows_rejected=int((~keep).sum()) + table.rows_read - len(df),
            problems=problems,
        )

    if not keep.any():
        return pd.DataFrame(columns=["ticket_id", "_file", "_line"]), pd.DataFrame(), report()
    code, ids = pd.factorize(tid[keep])
    # times are handled as naive UTC datetime64 here: numpy-fast, tz added back at the end
    w = pd.DataFrame(
        {
            "code": code,
            # no sys_mod_count: its predecessor's (in file order), so the row stays in place
            "mod": mod[keep].groupby(code).ffill().fillna(-1).to_numpy(),
            "at": at[keep].dt.tz_convert(None).to_numpy(),
            "opened": opened[keep].dt.tz_convert(None).to_numpy(),
            "state": state[keep].to_numpy(dtype=object, na_value=None),
            "cls": cls[keep].to_numpy(dtype=object, na_value=None),
            "row": np.flatnonzero(keep),
        }
    )
    order = np.lexsort(
        (w["row"].to_numpy(), w["at"].to_numpy(), w["mod"].to_numpy(), w["code"].to_numpy())
    )
    w = w.iloc[order].reset_index(drop=True)
    codes = w["code"].to_numpy()
    first = np.r_[True, codes[1:] != codes[:-1]]
    g = w.groupby("code", sort=False)
    # Event times must follow sys_mod_count order, or the engine (which orders by time) would
    # replay another history; an update stamped before its predecessor takes that time.
    mono = g["at"].cummax()
    late = (w["at"] < mono).to_numpy()
    if late.any():
        bad = df.iloc[w.loc[late, "row"].to_numpy()]
        problems += problems_from_mask(
            bad.assign(**{cols["at"]: raw_at.loc[bad.index]}),
            pd.Series(True, index=bad.index),
            code="out-of-order-update",
            column=cols["at"],
            file=file,
            severity="warning",
        )
        w["at"] = mono
    w["state"] = g["state"].ffill()
    w["cls"] = g["cls"].ffill()

    events = _log_events(w, first, df, cols, ids)
    tickets = _log_tickets(w, first, df, cols, ids, file, tz, problems)
    return tickets, events, report()


def _utc(values: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(values).tz_localize("UTC").astype("datetime64[us, UTC]")


def _log_events(
    w: pd.DataFrame, first: np.ndarray, df: pd.DataFrame, cols: dict[str, str], ids: pd.Index
) -> pd.DataFrame:
    """Status, resolved, closed and reopened events from state changes, plus priority and
    assignee changes, all from shifted columns."""
    state = w["state"].to_numpy(dtype=object)
    cls = w["cls"].to_numpy(dtype=object)
    at = w["at"].to_numpy()
    prev_state = np.r_[[None], state[:-1]]
    prev_cls = np.r_[[None], cls[:-1]]
    known = pd.notna(cls)
    changed = known & (first | (state != prev_state))
    done = np.isin(cls, DONE_CLASSES)
    prev_done = np.isin(prev_cls, DONE_CLASSES) & ~first
    # the first snapshot in New repeats the creation, which finalize records as `created`
    emit = changed & ~(first & (cls == "new"))
    kind = np.select(
        [
            prev_done & ~done,
            (cls == "resolved") & (prev_cls != "resolved"),
            (cls == "closed") & (prev_cls != "closed"),
        ],
        ["reopened", "resolved", "closed"],
        "status",
    )
    tid = ids.to_numpy(dtype=object)[w["code"].to_numpy()]
    parts = [
        pd.DataFrame(
            {
                "ticket_id": tid[emit],
                "at": _utc(at[emit]),
                "event": kind[emit],
                "value": state[emit],
                "status_class": cls[emit],
            }
        )
    ]
    rows = w["row"].to_numpy()
    for field, event in (("priority", "priority"), ("assignee", "assigned")):
        if field not in cols:
            continue
        val = clean_strings(df[cols[field]]).to_numpy(dtype=object, na_value=None)[rows]
        # compared with the last known value: A, ?, A is no reassignment
        known_val = pd.Series(val).groupby(w["code"].to_numpy()).ffill().to_numpy(dtype=object)
        prev = np.r_[[None], known_val[:-1]]
        set_now = pd.notna(val) & (first | (val != prev))
        if event == "priority":
            set_now &= ~first  # the initial priority is an attribute, not a change
        parts.append(
            pd.DataFrame(
                {
                    "ticket_id": tid[set_now],
                    "at": _utc(at[set_now]),
                    "event": event,
                    "value": val[set_now],
                    "status_class": None,
                }
            )
        )
    events = pd.concat(parts, ignore_index=True)
    events["actor"] = "agent"
    events["public"] = False
    return events


def _log_tickets(
    w: pd.DataFrame,
    first: np.ndarray,
    df: pd.DataFrame,
    cols: dict[str, str],
    ids: pd.Index,
    file: str,
    tz: str,
    problems: list[Problem],
) -> pd.DataFrame:
    """One ticket per number: attributes from its last update (highest sys_mod_count)."""
    last = np.r_[first[1:], True]
    lr = df.iloc[w["row"].to_numpy()[last]]
    t = pd.DataFrame(
        {"ticket_id": ids.to_numpy(dtype=object)[w["code"].to_numpy()[last]]}, index=lr.index
    )
    t["_line"] = lr["_line"]
    t["_file"] = file
    t["fidelity"] = "history"
    # created_at is opened_at (its first parseable value); the first update when none parses
    opened = w.groupby("code", sort=False)["opened"].first().to_numpy()
    created = np.where(pd.isna(opened), w["at"].to_numpy()[first], opened)
    t["created_at"] = _utc(created.astype("datetime64[us]"))
    for field in (
        "priority",
        "assignee",
        "group",
        "requester",
        "channel",
        "category",
        "service",
        "subject",
    ):
        if field in cols:
            t[field] = clean_strings(lr[cols[field]])
    t["status"] = w["state"].to_numpy(dtype=object)[last]
    t["status_class"] = w["cls"].to_numpy(dtype=object)[last]
    t["type"] = "incident"
    done = t["status_class"].isin(DONE_CLASSES).to_numpy()
    for field in ("resolved_at", "closed_at"):
        if field in cols:
            val, probs = parse_timestamps(
                lr, cols[field], file=file, tz=tz, fmt=_timestamp_format(lr[cols[field]])
            )
            problems += probs
            # the log repeats final values on every row, also before (or without) the
            # resolution, so they count only once the ticket is actually done
            t[field] = val.where(done)
    if "vendor_resolution_met" in cols:
        t["vendor_resolution_met"], probs = parse_booleans(
            lr, cols["vendor_resolution_met"], file=file
        )
        problems += probs
    if "reopens" in cols:
        t["reopens"], probs = parse_numbers(lr, cols["reopens"], file=file)
        problems += probs
    used = set(cols.values())
    rest = [c for c in df.columns if c not in used and c != "_line"]
    t["extra"] = extra_map(lr[rest].apply(clean_strings))
    return t.reset_index(drop=True)


def _read_list(
    table: CsvTable, file: str, tz: str, classes: dict[str, str]
) -> tuple[pd.DataFrame, ProblemReport]:
    """Snapshot tickets from the incident list export."""
    df = table.frame
    cols = resolve_columns(table.columns, LIST_ALIASES)
    require_columns(
        cols,
        REQUIRED_LIST,
        LIST_ALIASES,
        file=file,
        found=table.columns,
        what="a ServiceNow incident list export",
    )
    problems: list[Problem] = list(table.problems)
    # display-label exports use the user's date format; localized ones put the day first
    labels = cols["ticket_id"] != "number"
    out = pd.DataFrame({"_line": df["_line"]}, index=df.index)
    for field in (
        "ticket_id",
        "subject",
        "priority",
        "status",
        "group",
        "assignee",
        "requester",
        "category",
        "channel",
        "service",
        "organization",
    ):
        if field in cols:
            out[field] = clean_strings(df[cols[field]])
    out["type"] = "incident"
    for field in ("created_at", "resolved_at", "closed_at", "updated_at"):
        if field in cols:
            out[field], probs = parse_timestamps(
                df,
                cols[field],
                file=file,
                tz=tz,
                dayfirst=guess_dayfirst(df[cols[field]], labels),
                fmt=_timestamp_format(df[cols[field]]),
            )
            problems += probs
    if "vendor_resolution_met" in cols:
        out["vendor_resolution_met"], probs = parse_booleans(
            df, cols["vendor_resolution_met"], file=file
        )
        problems += probs
    if "reopens" in cols:
        out["reopens"], probs = parse_numbers(df, cols["reopens"], file=file)
        problems += probs
    if "status" in out:
        out["status_class"], probs = map_status_classes(
            out["status"], df, column=cols["status"], file=file, overrides=classes
        )
        problems += probs
        if "hold_reason" in cols:
            reason = clean_strings(df[cols["hold_reason"]]).str.lower().map(HOLD_REASONS)
            on_hold = out["status_class"] == "on_hold"
            out["status_class"] = out["status_class"].mask(on_hold & reason.notna(), reason)
    used = set(cols.values()) - {cols.get("hold_reason")}
    rest = [c for c in table.columns if c not in used]
    out["extra"] = extra_map(df[rest].apply(clean_strings))
    kept, rep = reject_unusable(out, df, cols, file, problems)
    kept = kept.assign(_file=file, fidelity="snapshot")
    rep.rows_read = table.rows_read
    rep.rows_rejected += table.rows_read - len(df)
    return kept, rep


def _merge_task_sla(
    tickets: pd.DataFrame, table: CsvTable, file: str, tz: str
) -> tuple[pd.DataFrame, ProblemReport]:
    """Vendor verdicts and the resolution due time from task_sla rows, onto their tickets.

    Cancelled SLAs are superseded (e.g. by a priority change) and ignored. Per ticket and clock
    (by the definition's name: "response" or "resolution"): breached if any SLA breached, met if
    all completed without breach, else unknown (still running). due_at is the planned end of the
    latest-started resolution SLA.
    """
    df = table.frame
    cols = resolve_columns(table.columns, SLA_ALIASES)
    require_columns(
        cols,
        REQUIRED_SLA,
        SLA_ALIASES,
        file=file,
        found=table.columns,
        what="a ServiceNow task_sla export",
    )
    problems: list[Problem] = list(table.problems)
    task = clean_strings(df[cols["task"]])
    name = clean_strings(df[cols["sla"]])
    stage = (
        clean_strings(df[cols["stage"]]).str.lower().str.replace("_", " ")
        if "stage" in cols
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    breached, probs = parse_booleans(df, cols["has_breached"], file=file)
    problems += probs
    times = {}
    for field in ("start_time", "planned_end_time"):
        times[field] = pd.Series(pd.NaT, index=df.index, dtype="datetime64[us, UTC]")
        if field in cols:
            times[field], probs = parse_timestamps(
                df, cols[field], file=file, tz=tz, fmt=_timestamp_format(df[cols[field]])
            )
            problems += probs
    start, planned = times["start_time"], times["planned_end_time"]
    unknown = task.notna() & ~task.isin(tickets["ticket_id"])
    problems += problems_from_mask(
        df.assign(**{cols["task"]: task}),
        unknown | task.isna(),
        code="unknown-ticket",
        column=cols["task"],
        file=file,
    )
    clock = pd.Series(
        np.where(
            name.str.contains(_RESPONSE).fillna(False),
            "response",
            np.where(name.str.contains(_RESOLUTION).fillna(False), "resolution", None),
        ),
        index=df.index,
    )
    neither = clock.isna() & name.notna() & ~unknown & task.notna()
    first_of_name = neither & ~name.where(neither).duplicated()
    problems += problems_from_mask(
        df.assign(**{cols["sla"]: name}),
        first_of_name,
        code="unknown-sla-definition",
        column=cols["sla"],
        file=file,
        severity="warning",
    )
    use = task.notna() & ~unknown & clock.notna() & ~stage.str.startswith("cancel").fillna(False)
    completed = stage.isin(["completed", "achieved", "breached"]).fillna(False)
    met = pd.Series(pd.NA, index=df.index, dtype="boolean")
    met[(breached == True).fillna(False)] = False  # noqa: E712 (nullable boolean)
    met[((breached == False) & completed).fillna(False)] = True  # noqa: E712
    s = pd.DataFrame(
        {
            "task": task,
            "clock": clock,
            "start": start,
            "due": planned,
            "breached": (met == False).fillna(False),  # noqa: E712 (nullable)
            "met": (met == True).fillna(False),  # noqa: E712
            "row": np.arange(len(df)),
        }
    )[use]
    agg = s.groupby(["task", "clock"], sort=False).agg(
        any_breached=("breached", "any"), all_met=("met", "all")
    )
    verdict = pd.Series(pd.NA, index=agg.index, dtype="boolean")
    verdict[agg["all_met"]] = True
    verdict[agg["any_breached"]] = False
    latest = s.sort_values(["start", "row"], na_position="first").groupby(["task", "clock"]).tail(1)
    due = latest[latest["clock"] == "resolution"].set_index("task")["due"]
    t = tickets.set_index("ticket_id")
    for clk, field in (
        ("response", "vendor_first_response_met"),
        ("resolution", "vendor_resolution_met"),
    ):
        v = verdict[verdict.index.get_level_values("clock") == clk].droplevel("clock")
        if v.empty:
            continue
        old = (t[field] if field in t else pd.Series(pd.NA, index=t.index)).astype("boolean")
        # task_sla is the SLA engine's own record; made_sla is legacy, so task_sla wins
        t[field] = v.reindex(t.index).where(t.index.isin(v.index), old)
    if len(due):
        new_due = due.reindex(t.index)
        t["due_at"] = new_due.where(new_due.notna(), t["due_at"]) if "due_at" in t else new_due
    rejected = int((unknown | task.isna()).sum())
    rep = ProblemReport(
        rows_read=table.rows_read,
        rows_imported=len(df) - rejected,
        rows_rejected=rejected + table.rows_read - len(df),
        problems=problems,
    )
    return t.reset_index(), rep
