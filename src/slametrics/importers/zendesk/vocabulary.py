"""Zendesk's vocabulary: statuses, admin CSV headers, satisfaction scores, JSON keys and markers."""

from __future__ import annotations

import re

import pandas as pd

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


def csat_scores(raw: pd.Series) -> pd.Series:
    key = raw.str.lower()
    return pd.to_numeric(key.map(CSAT).fillna(pd.to_numeric(key, errors="coerce")), errors="coerce")


# ticket_metric_events metrics whose SLA is the ticket's resolution target (first reply is
# `reply_time` instance 1; later instances are next-reply SLAs).
RESOLUTION_METRICS = ("requester_wait_time", "agent_work_time", "resolution_time")
# the tickets' `slas` sideload (include=slas): `policy_metrics[].metric` -> the clock it times
SLAS_CLOCKS = {
    "first_reply_time": "vendor_first_response_due_at",
    "requester_wait_time": "vendor_resolution_due_at",
    "agent_work_time": "vendor_resolution_due_at",
}


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
    "metric_sets": "ticket_metrics",
    # Search API pages (`search.json`, `search/export`): tickets beside users, organizations
    # and groups, each result named by its `result_type`
    "results": "tickets",
    "users": "users",
}
# keys whose value is one record, not a list of them (single-record API responses)
SINGLE_KEYS = ("ticket", "ticket_metric")
# the `result_type` of the search results that are tickets; the others are skipped
SEARCH_TICKET = "ticket"
# the Search API returns at most this many results per query, whatever its `count` says
SEARCH_LIMIT = 1000
# sideloads that name the ids tickets carry (`include=users,groups,organizations`)
NAME_SIDELOADS = ("users", "groups", "organizations")


KEY_RE = re.compile(r'"([A-Za-z_]+)"\s*:')


JSON_MARKERS = {
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
    "custom_status_id",
    "metric_sets",
    "after_cursor",
    "end_of_stream",
}
