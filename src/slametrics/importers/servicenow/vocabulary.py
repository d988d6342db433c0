"""ServiceNow's vocabulary: headers of its three exports, states, hold reasons, SLA names, dates."""

from __future__ import annotations

import re

import pandas as pd

from slametrics.importers.cells import clean_strings
from slametrics.importers.headers import resolve_columns

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


# Raw values (CSV with glide.export.csv.raw.value, JSONv2 without displayvalue, the Table API's
# `value`) -> the display values policies match on [R: the incident form's choice lists].
RAW_PRIORITIES: dict[str, str] = {
    "1": "1 - Critical",
    "2": "2 - High",
    "3": "3 - Moderate",
    "4": "4 - Low",
    "5": "5 - Planning",
}


RAW_STATES: dict[str, str] = {
    "1": "New",
    "2": "In Progress",
    "3": "On Hold",
    "6": "Resolved",
    "7": "Closed",
    "8": "Canceled",
}


# Fields whose display value (`dv_<field>`, Table API `display_value`) replaces the raw one:
# choices and references (sys_ids are no names). Timestamps are not here: raw ones are UTC.
DISPLAY_FIELDS = (
    "priority",
    "state",
    "incident_state",
    "impact",
    "urgency",
    "hold_reason",
    "assignment_group",
    "assigned_to",
    "caller_id",
    "opened_by",
    "resolved_by",
    "closed_by",
    "company",
    "category",
    "subcategory",
    "contact_type",
    "cmdb_ci",
    "business_service",
    "location",
    "close_code",
)


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


RESPONSE = re.compile(r"respon|reaction|реакц|ответ|reaktion|antwort", re.IGNORECASE)


RESOLUTION = re.compile(r"resol|restor|fix|решени|восстановл|lösung|behebung", re.IGNORECASE)


DMY = re.compile(r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}(:\d{2})?$")


def export_role(header: list[str]) -> str | None:
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


def timestamp_format(raw: pd.Series) -> str | None:
    """`%d/%m/%Y %H:%M` when the cells look like the UCI log's, else None (ISO, then inferred)."""
    sample = clean_strings(raw.head(2000)).dropna()
    if len(sample) and sample.str.match(DMY).mean() > 0.5:
        return "%d/%m/%Y %H:%M:%S" if sample.str.count(":").max() == 2 else "%d/%m/%Y %H:%M"
    return None
