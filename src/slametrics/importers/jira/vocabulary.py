"""Jira's vocabulary: workflow statuses and categories, CSV headers, custom and SLA field names."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from slametrics.columns import distinct_codes
from slametrics.importers.statuses import map_status_classes, status_classes_of

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


SLA_CELL = re.compile(r"^-?\d+:\d{2}$|^-?\s*(?:\d+\s*[wdhm]\s*)+$")


KEY_RE = re.compile(r'"([A-Za-z_]+)"\s*:')


def classify(
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
