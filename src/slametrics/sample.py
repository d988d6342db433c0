"""Deterministic, vectorized generator of realistic synthetic helpdesk logs (tickets and events).

Every ticket follows one template of optional event slots (created, assignment, first response,
customer/agent exchanges, a waiting-on-customer period, a third-party or on-hold period,
resolution, up to two reopens, closing). Each slot has a per-ticket presence flag and a per-ticket
gap measured on a time axis: wall time (24x7), the agents' business hours, or the customers'
(longer) hours. Slots are advanced one at a time over all tickets at once (numpy, a loop over the
~50 slots, never over tickets or events); the event log is then cut at the end of the period, and
the tickets table is derived from the surviving events so that both tables always agree.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from slametrics.schema import ACTORS, EVENTS_SCHEMA, STATUS_CLASSES, TICKETS_SCHEMA

SOURCE = "sample"

CSV_TICKET_COLUMNS = [
    "ticket_id", "created_at", "subject", "type", "priority", "channel", "organization",
    "requester", "assignee", "group", "category", "service", "status", "first_response_at",
    "resolved_at", "closed_at", "agent_replies", "reopens", "csat",
]  # fmt: skip
CSV_EVENT_COLUMNS = ["ticket_id", "at", "event", "value", "actor", "public"]

# --- vocabularies -------------------------------------------------------------------------------

# the generator never cancels a ticket
STATUSES = tuple(c for c in STATUS_CLASSES if c != "canceled")
_ST = {name: i for i, name in enumerate(STATUSES)}
_AC = {name: i for i, name in enumerate(ACTORS)}
EVENTS = ("created", "status", "agent_reply", "customer_reply", "note", "assigned", "resolved",
          "reopened", "closed")  # fmt: skip
_EV = {name: i for i, name in enumerate(EVENTS)}
_STATUS_EVENTS = np.array(
    [e in ("created", "status", "resolved", "reopened", "closed") for e in EVENTS]
)

PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("incident", "question", "task", "feature request")
TYPE_P = np.array([0.45, 0.30, 0.18, 0.07])
# Raw type -> kind, as the default policy maps them (slametrics.policy.DEFAULT_KINDS).
KIND_OF_TYPE = {
    "incident": "incident",
    "question": "consultation",
    "task": "change",
    "feature request": "improvement",
}
# P(priority | type); overall about 3% urgent, 15% high, 60% normal, 22% low.
PRIORITY_GIVEN_TYPE = np.array(
    [
        [0.060, 0.250, 0.570, 0.120],
        [0.000, 0.080, 0.650, 0.270],
        [0.005, 0.080, 0.620, 0.295],
        [0.000, 0.030, 0.450, 0.520],
    ]
)
CHANNELS = ("email", "web", "phone", "chat")
CHANNEL_GIVEN_URGENT = np.array([[0.45, 0.30, 0.14, 0.11], [0.20, 0.15, 0.50, 0.15]])

GROUPS = ("Service Desk", "Infrastructure", "Business Apps", "Field Support")
_BASE_AGENTS_PER_GROUP = (5, 4, 4, 3)
# category: (group, services, objects used in subjects)
CATEGORIES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "email": ("Service Desk", ("Exchange Online", "Corporate mail"), ("Outlook", "mailbox", "shared mailbox")),
    "access": ("Service Desk", ("Active Directory", "Access management"), ("account", "password", "network folder")),
    "vpn": ("Infrastructure", ("Remote access VPN",), ("VPN", "remote access", "VPN token")),
    "network": ("Infrastructure", ("Office network", "Wi-Fi"), ("Wi-Fi", "office network", "internet access")),
    "telephony": ("Infrastructure", ("IP telephony",), ("desk phone", "call center line", "voicemail")),
    "backup": ("Infrastructure", ("Backup",), ("file server backup", "backup job")),
    "erp": ("Business Apps", ("1C:ERP", "SAP ERP"), ("ERP", "ERP reports", "warehouse module")),
    "accounting": ("Business Apps", ("1C:Accounting",), ("1C:Accounting", "invoice export", "VAT report")),
    "crm": ("Business Apps", ("CRM",), ("CRM", "customer card", "sales pipeline")),
    "website": ("Business Apps", ("Corporate website",), ("website", "online store", "contact form")),
    "printing": ("Field Support", ("Print service",), ("printer", "scanner", "print queue")),
    "hardware": ("Field Support", ("Workstations", "Laptops"), ("laptop", "monitor", "docking station")),
}  # fmt: skip
CATEGORY_NAMES = tuple(CATEGORIES)
SUBJECT_TEMPLATES = {
    "incident": ("{O} is not working", "Cannot connect to {o}", "{O} is very slow today",
                 "Error in {o} after update", "{O} unavailable since morning", "{O} keeps crashing"),
    "question": ("How to set up {o}?", "Question about {o}", "Where do I find {o} settings?",
                 "Is {o} available from home?"),
    "task": ("Access to {o} for a new employee", "Please change {o} settings",
             "Set up {o} for the new office", "Remove access to {o} for a leaver"),
    "feature request": ("Add a monthly report to {o}", "{O}: feature request",
                        "Improve notifications in {o}", "Please automate {o} requests"),
}  # fmt: skip

ORG_NAMES = (
    ("Volga Logistics", "volgalogistics"), ("Northwind Retail", "northwind"),
    ("Ural Steelworks", "uralsteel"), ("Neva Pharma", "nevapharma"),
    ("Baikal Foods", "baikalfoods"), ("Kama Motors", "kamamotors"),
    ("Sever Bank", "severbank"), ("Amur Shipping", "amurshipping"),
    ("Altai Agro", "altaiagro"), ("Oka Textiles", "okatextiles"),
    ("Ladoga Hotels", "ladogahotels"), ("Don Energy", "donenergy"),
    ("Irtysh Build", "irtyshbuild"), ("Kola Mining", "kolamining"),
    ("Sakhalin Fish", "sakhalinfish"), ("Onega Paper", "onegapaper"),
    ("Yenisei Telecom", "yeniseitelecom"), ("Pechora Clinics", "pechoraclinics"),
    ("Tver Print", "tverprint"), ("Samara Labs", "samaralabs"),
)  # fmt: skip
_ORG_PREFIXES = ("Arctic", "Taiga", "Steppe", "Granite", "Cedar", "Birch", "Falcon", "Polar",
                 "Amber", "Iron", "Silver", "Crystal", "Aurora", "Meridian", "Vector", "Zenit")  # fmt: skip
_ORG_SUFFIXES = ("Trade", "Logistics", "Systems", "Foods", "Motors", "Health", "Finance", "Media",
                 "Energy", "Build", "Retail", "Labs", "Textiles", "Chemicals", "Travel", "Agro")  # fmt: skip
FIRST_NAMES = ("Anna", "Igor", "Olga", "Dmitry", "Elena", "Sergey", "Maria", "Pavel", "Irina",
               "Alexey", "Natalia", "Mikhail", "Tatiana", "Andrey", "Svetlana", "Nikolai", "Yulia",
               "Roman", "Ekaterina", "Artem", "Daria", "Maxim", "Polina", "Kirill", "Vera",
               "Denis", "Ksenia", "Oleg", "Alina", "Viktor")  # fmt: skip
LAST_NAMES = ("Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Popov", "Volkov", "Sokolov", "Lebedev",
              "Kozlov", "Novikov", "Morozov", "Orlov", "Egorov", "Pavlov", "Semenov", "Golubev",
              "Vinogradov", "Bogdanov", "Vorobyov", "Fedorov", "Mikhailov", "Belyaev", "Tarasov",
              "Belov", "Komarov", "Zaitsev", "Frolov", "Gusev", "Titov", "Kiselev")  # fmt: skip
_FEMALE_FIRST = {"Anna", "Olga", "Elena", "Maria", "Irina", "Natalia", "Tatiana", "Svetlana",
                 "Yulia", "Ekaterina", "Daria", "Polina", "Vera", "Ksenia", "Alina"}  # fmt: skip

# Relative creation rate per local hour on working days and on days off.
HOUR_WEIGHTS_WORKDAY = np.array([0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.12, 0.40, 1.00, 1.30,
                                 1.30, 1.10, 0.85, 1.20, 1.20, 1.10, 0.90, 0.45, 0.25, 0.15, 0.10,
                                 0.05, 0.03])  # fmt: skip
HOUR_WEIGHTS_DAY_OFF = np.array([0.02, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.04, 0.07, 0.10, 0.14,
                                 0.15, 0.15, 0.14, 0.14, 0.13, 0.12, 0.11, 0.10, 0.09, 0.08, 0.06,
                                 0.04, 0.03])  # fmt: skip
DAY_OFF_WEIGHT = 0.15  # tickets on a day off, relative to a working day

# Agents work Mon-Fri 09-18 local (urgent tickets are handled 24x7); customers answer on working
# days 08-20 and a little on days off.
AGENT_WINDOWS = {"work": ((9, 18),), "off": ()}
CUSTOMER_WINDOWS = {"work": ((8, 20),), "off": ((11, 16),)}

FIRST_RESPONSE_TARGET_S = np.array([900, 3600, 14400, 14400])  # typical contract targets
PRIORITY_SCALE = np.array([0.08, 0.35, 1.0, 1.2])  # urgent gaps are short and in wall time
MAX_EXCHANGES = 8
# per type: the share of tickets settled by the first reply, and the conversation length otherwise
P_ONE_REPLY = np.array([0.50, 0.62, 0.55, 0.40])
EXTRA_EXCHANGES = np.array([2.2, 1.8, 2.0, 2.2])
P_WAIT_CUSTOMER = np.array([0.24, 0.32, 0.25, 0.20])
P_THIRD_PARTY = np.array([0.08, 0.03, 0.12, 0.20])  # tasks / feature requests go on hold instead
P_REOPEN = np.array([0.09, 0.04, 0.05, 0.05])
P_CLOSED = 0.7
RESOLVE_WORK = np.array([1.0, 0.8, 2.0, 8.0])  # per type: planned improvements take days

WALL, AGENT, CUSTOMER = 0, 1, 2
DAY = 86_400
HOUR = 3_600


# --- time axes ----------------------------------------------------------------------------------


class _Axis:
    """Working intervals in UTC seconds with a cumulative measure; linear (24x7) after the end."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray):
        far = np.int64(2**40)
        self.starts = np.append(starts, ends[-1] if len(ends) else 0).astype(np.int64)
        lengths = np.append(ends - starts, far).astype(np.int64)
        self.cum = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        self.lengths = lengths

    def to_work(self, t: np.ndarray) -> np.ndarray:
        k = np.clip(np.searchsorted(self.starts, t, side="right") - 1, 0, None)
        return self.cum[k] + np.clip(t - self.starts[k], 0, self.lengths[k])

    def from_work(self, w: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self.cum, w, side="right") - 1
        return self.starts[k] + (w - self.cum[k])

    def advance(self, t: np.ndarray, gap: np.ndarray) -> np.ndarray:
        return self.from_work(self.to_work(t) + gap)


def _local_to_utc_s(naive: np.ndarray, tz: str) -> np.ndarray:
    """Naive local datetime64 values -> UTC epoch seconds (DST gaps shift forward)."""
    idx = pd.DatetimeIndex(naive).tz_localize(
        tz, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
    )
    return idx.as_unit("s").asi8.copy()


def _day_kinds(days: np.ndarray, country: str | None) -> np.ndarray:
    """True for local working days: Mon-Fri except public holidays, plus transferred workdays."""
    work = pd.DatetimeIndex(days).day_of_week < 5
    if country:
        years = sorted({d.year for d in pd.DatetimeIndex(days)})
        cal = holidays.country_holidays(country, years=years)
        off = np.array(sorted(cal), dtype="datetime64[D]")
        extra = np.array(sorted(getattr(cal, "weekend_workdays", ())), dtype="datetime64[D]")
        work = (work & ~np.isin(days, off)) | np.isin(days, extra)
    return np.asarray(work)


def _axis(days: np.ndarray, workday: np.ndarray, windows: dict, tz: str) -> _Axis:
    starts, ends = [], []
    for key, mask in (("work", workday), ("off", ~workday)):
        for h0, h1 in windows[key]:
            d = days[mask].astype("datetime64[s]")
            starts.append(d + np.timedelta64(h0 * HOUR, "s"))
            ends.append(d + np.timedelta64(h1 * HOUR, "s"))
    s = _local_to_utc_s(np.concatenate(starts), tz)
    e = _local_to_utc_s(np.concatenate(ends), tz)
    order = np.argsort(s, kind="stable")
    return _Axis(s[order], e[order])


# --- helpers ------------------------------------------------------------------------------------


def _choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    return np.searchsorted(np.cumsum(p) / np.sum(p), rng.random(n), side="right").astype(np.int64)


def _choice_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each element pick a column with probabilities probs[rows[i]] (rows of probs sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(rows))
    out = np.zeros(len(rows), dtype=np.int64)
    for j in range(probs.shape[1] - 1):  # loop over the few columns, not over elements
        out += u >= cum[rows, j]
    return out


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return rng.lognormal(np.log(median), sigma, n)


def _unique_names(count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct "First Last" agent names (suffixed numbers once the pairs run out)."""
    pairs = [(f, _surname(f, last)) for f in FIRST_NAMES for last in LAST_NAMES]
    order = rng.permutation(len(pairs))
    names = []
    for i in range(count):  # one per agent, not per ticket
        f, last = pairs[order[i % len(pairs)]]
        suffix = f" {i // len(pairs) + 1}" if i >= len(pairs) else ""
        names.append(f"{f} {last}{suffix}")
    return names


def _surname(first: str, last: str) -> str:
    return last + "a" if first in _FEMALE_FIRST else last


def _org_names(count: int) -> list[tuple[str, str]]:
    out = list(ORG_NAMES[:count])
    i = 0
    while len(out) < count:  # one per organization
        p, s = _ORG_PREFIXES[i % len(_ORG_PREFIXES)], _ORG_SUFFIXES[i // len(_ORG_PREFIXES) % 16]
        n = i // (len(_ORG_PREFIXES) * len(_ORG_SUFFIXES))
        tail = f" {n + 1}" if n else ""
        out.append((f"{p} {s}{tail}", f"{p}{s}{n or ''}".lower()))
        i += 1
    return out


def _first_last(rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the first and last element of each run in sorted `rows`, and which tickets."""
    if not len(rows):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    change = np.flatnonzero(rows[1:] != rows[:-1]) + 1
    first = np.concatenate([[0], change])
    last = np.concatenate([change - 1, [len(rows) - 1]])
    return first, last, rows[first]


def _ts(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    us = pa.array(np.asarray(seconds, dtype=np.int64) * 1_000_000, type=pa.int64())
    arr = us.view(pa.timestamp("us", tz="UTC"))
    if valid is not None:
        arr = pc.if_else(pa.array(valid), arr, pa.scalar(None, arr.type))
    return arr


def _take(vocab: list[str] | tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Strings vocab[codes], null where codes < 0."""
    codes = np.asarray(codes, dtype=np.int64)
    idx = pa.array(codes, mask=codes < 0)
    return pc.take(pa.array(list(vocab), type=pa.string()), idx)


def _constant(value: str, n: int) -> pa.Array:
    return pc.take(pa.array([value], type=pa.string()), pa.array(np.zeros(n, dtype=np.int64)))


def _null(n: int, type_: pa.DataType) -> pa.Array:
    return pa.nulls(n, type=type_)


# --- the generator ------------------------------------------------------------------------------


def _generate_tables(
    tickets: int,
    seed: int = 0,
    start: str = "2026-09-28",
    weeks: int = 8,
    tz: str = "Europe/Moscow",
    country: str | None = "RU",
) -> tuple[pa.Table, pa.Table]:
    n = int(tickets)
    if n < 1:
        raise ValueError("tickets must be at least 1")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    rng = np.random.default_rng(seed)

    # --- calendars -----------------------------------------------------------------------------
    start_day = np.datetime64(dt.date.fromisoformat(start), "D")
    n_days = weeks * 7
    days = start_day + np.arange(-3, n_days + 4)  # a margin on both sides
    workday = _day_kinds(days, country)
    agent_axis = _axis(days, workday, AGENT_WINDOWS, tz)
    customer_axis = _axis(days, workday, CUSTOMER_WINDOWS, tz)
    bounds = _local_to_utc_s(np.array([start_day, start_day + n_days], dtype="datetime64[s]"), tz)
    t_start, t_end = int(bounds[0]), int(bounds[1])

    # --- organizations, people ------------------------------------------------------------------
    n_orgs = max(20, n // 1000)
    orgs = _org_names(n_orgs)
    org_w = 1.0 / np.arange(1, n_orgs + 1) ** 0.9
    org_p = org_w / org_w.sum()
    n_cat = len(CATEGORY_NAMES)
    # each organization uses 4-8 categories (always email and access), with its own mix
    cat_w = rng.gamma(0.8, 1.0, (n_orgs, n_cat))
    uses = rng.random((n_orgs, n_cat)) < rng.uniform(0.25, 0.6, (n_orgs, 1))
    uses[:, :2] = True
    cat_p = np.where(uses, cat_w + 0.05, 0.0)
    cat_p /= cat_p.sum(axis=1, keepdims=True)
    services = [(c, s) for c in CATEGORY_NAMES for s in CATEGORIES[c][1]]
    svc_offset = np.cumsum([0] + [len(CATEGORIES[c][1]) for c in CATEGORY_NAMES])
    svc_count = np.diff(svc_offset)
    org_service = svc_offset[:-1] + (rng.random((n_orgs, n_cat)) * svc_count).astype(np.int64)
    group_of_cat = np.array([GROUPS.index(CATEGORIES[c][0]) for c in CATEGORY_NAMES])

    expected = org_p * n
    req_count = np.clip(np.round(expected / 12), 2, 5000).astype(np.int64)
    req_offset = np.concatenate([[0], np.cumsum(req_count)])
    total_req = int(req_offset[-1])
    f_idx = rng.integers(0, len(FIRST_NAMES), total_req)
    l_idx = rng.integers(0, len(LAST_NAMES), total_req)
    req_org = np.repeat(np.arange(n_orgs), req_count)
    first_arr = pa.array([f.lower() for f in FIRST_NAMES])
    last_arr = pa.array([last.lower() for last in LAST_NAMES])
    f_codes, l_codes = pa.array(f_idx), pa.array(l_idx)
    surname = pc.if_else(
        pc.take(pa.array([f in _FEMALE_FIRST for f in FIRST_NAMES]), f_codes),
        pc.binary_join_element_wise(pc.take(last_arr, l_codes), "a", ""),
        pc.take(last_arr, l_codes),
    )
    domains = pa.array([f"{d}.example" for _, d in orgs])
    requesters = pc.binary_join_element_wise(
        pc.take(first_arr, f_codes),
        ".",
        surname,
        "@",
        pc.take(domains, pa.array(req_org)),
        "",
    )

    per_group = np.array(
        [
            max(b, int(round(n * share / (weeks * 5 * 12))))
            for b, share in zip(_BASE_AGENTS_PER_GROUP, (0.4, 0.25, 0.25, 0.1), strict=True)
        ]
    )
    agent_offset = np.concatenate([[0], np.cumsum(per_group)])
    agents = _unique_names(int(agent_offset[-1]), rng)

    # --- ticket attributes ---------------------------------------------------------------------
    typ = _choice(rng, TYPE_P, n)
    prio = _choice_rows(rng, PRIORITY_GIVEN_TYPE, typ)
    channel = _choice_rows(rng, CHANNEL_GIVEN_URGENT, (prio == 0).astype(np.int64))
    org = _choice(rng, org_p, n)
    cat = _choice_rows(rng, cat_p, org)

    # creation times: (local day, local hour) bins weighted by day kind, hour and a mild growth
    in_period = (days >= start_day) & (days < start_day + n_days)
    p_days, p_work = days[in_period], workday[in_period]
    hour_w = np.where(p_work[:, None], HOUR_WEIGHTS_WORKDAY, HOUR_WEIGHTS_DAY_OFF)
    day_off = DAY_OFF_WEIGHT * HOUR_WEIGHTS_WORKDAY.sum() / HOUR_WEIGHTS_DAY_OFF.sum()
    day_w = np.where(p_work, 1.0, day_off)
    growth = 1.0 + 0.15 * np.arange(n_days) / n_days
    bin_w = (hour_w * (day_w * growth)[:, None]).ravel()
    bins = _choice(rng, bin_w, n)
    local = (
        p_days[bins // 24].astype("datetime64[s]") + (bins % 24) * HOUR + rng.integers(0, HOUR, n)
    )
    created = np.clip(_local_to_utc_s(local, tz), t_start, t_end - 1)

    # repeat incidents: some incidents recur in the same organization and category within days
    incidents = np.flatnonzero(typ == 0)
    n_parents = int(round(0.03 * len(incidents)))
    kids_per = 1 + rng.poisson(0.9, n_parents)
    perm = rng.permutation(incidents)
    parents = perm[:n_parents]
    keep = np.cumsum(kids_per) <= len(perm) - n_parents  # a prefix: kids_per >= 1
    parents, kids_per = parents[keep], kids_per[keep]
    kids = perm[n_parents : n_parents + int(kids_per.sum())]
    kid_parent = np.repeat(parents, kids_per)
    offset = np.clip(_lognormal(rng, 20 * HOUR, 0.9, len(kids)), 1800, 6 * DAY).astype(np.int64)
    kid_t = created[kid_parent] + offset
    kid_t = np.where(kid_t < t_end, kid_t, np.maximum(created[kid_parent] - offset, t_start))
    created[kids] = kid_t
    org[kids], cat[kids] = org[kid_parent], cat[kid_parent]
    prio[kids] = prio[kid_parent]

    # number tickets in creation order
    order = np.argsort(created, kind="stable")
    created, typ, prio, channel, org, cat = (
        a[order] for a in (created, typ, prio, channel, org, cat)
    )

    service = org_service[org, cat]
    group = group_of_cat[cat]
    u = rng.random(n)
    requester = req_offset[org] + (u**2 * req_count[org]).astype(np.int64)
    skew = rng.random((2, n)) ** 1.6
    assignee1 = agent_offset[group] + (skew[0] * per_group[group]).astype(np.int64)
    assignee2 = agent_offset[group] + (skew[1] * per_group[group]).astype(np.int64)
    assignee2 = np.where(
        assignee2 == assignee1,
        agent_offset[group] + (assignee2 - agent_offset[group] + 1) % per_group[group],
        assignee2,
    )

    # subjects: templates per type x objects per category
    subjects: list[str] = []
    subj_offset = np.zeros((len(TYPES), n_cat), dtype=np.int64)
    subj_count = np.zeros((len(TYPES), n_cat), dtype=np.int64)
    for ti, t in enumerate(TYPES):  # vocabulary, not tickets
        for ci, c in enumerate(CATEGORY_NAMES):
            subj_offset[ti, ci] = len(subjects)
            for tmpl in SUBJECT_TEMPLATES[t]:
                for o in CATEGORIES[c][2]:
                    subjects.append(tmpl.format(o=o, O=o[0].upper() + o[1:]))
            subj_count[ti, ci] = len(subjects) - subj_offset[ti, ci]
    subject = subj_offset[typ, cat] + (rng.random(n) * subj_count[typ, cat]).astype(np.int64)

    # --- lifecycle parameters -------------------------------------------------------------------
    urgent = prio == 0
    scale = PRIORITY_SCALE[prio]
    progress = (created - t_start) / max(1, t_end - t_start)
    noreply = rng.random(n) < 0.035  # duplicates / spam resolved without a reply
    talk = np.minimum(1 + rng.poisson(EXTRA_EXCHANGES[typ]), MAX_EXCHANGES)
    exchanges = np.where(noreply | (rng.random(n) < P_ONE_REPLY[typ]), 0, talk)
    wait = (rng.random(n) < P_WAIT_CUSTOMER[typ]) & ~noreply
    abandoned = wait & (rng.random(n) < 0.25)  # the customer never answers: auto-resolved
    third = (rng.random(n) < P_THIRD_PARTY[typ]) & ~noreply & ~abandoned
    third_status = np.where(typ >= 2, _ST["on_hold"], _ST["waiting_third_party"])
    reopen1 = (rng.random(n) < P_REOPEN[typ]) & ~noreply & ~abandoned
    reopen2 = reopen1 & (rng.random(n) < 0.2)
    closed = rng.random(n) < P_CLOSED
    reassign = (rng.random(n) < 0.08) & ~noreply
    triage = rng.random(n) < 0.2
    forgotten = rng.random(n) < 0.02  # slow, breaching first responses
    backlog = np.where(rng.random(n) < 0.025, 25.0, 1.0)  # stuck in the backlog for weeks
    # first response on the agents' axis: mostly well inside the target, slowly worsening
    fr = (
        FIRST_RESPONSE_TARGET_S[prio]
        * np.exp(rng.normal(np.log(0.22) + 0.55 * progress, 0.8, n))
        * np.select([prio == 0, prio == 3], [0.7, 1.4], 1.0)
        * np.where(forgotten, rng.uniform(3, 10, n), 1.0)
    )
    split = rng.uniform(0.4, 0.95, n)

    # --- slots ----------------------------------------------------------------------------------
    agent_ax = np.where(urgent, WALL, AGENT)
    cust_ax = np.where(urgent, WALL, CUSTOMER)
    always = np.ones(n, dtype=bool)
    slots: list[dict] = []

    def slot(event, value, actor, public, axis, gap, present, value_per_ticket=None, actor_pt=None):
        slots.append(
            dict(
                event=_EV[event],
                value=-1 if value is None else _ST[value],
                actor=_AC[actor],
                public=-1 if public is None else int(public),
                axis=axis,
                gap=np.maximum(np.asarray(gap), 0).astype(np.int64),
                present=present,
                value_pt=value_per_ticket,
                actor_pt=actor_pt,
            )
        )

    def ln(median, sigma, minimum=1.0):
        return np.maximum(_lognormal(rng, median, sigma, n) * scale, minimum)

    slot("created", "new", "system", None, WALL, np.zeros(n), always)
    slot("assigned", None, "system", None, WALL, _lognormal(rng, 40, 1.0, n) + 1, always,
         value_per_ticket=assignee1)  # fmt: skip
    slot("note", None, "agent", False, agent_ax, ln(600, 1.0), triage)
    slot("status", "open", "agent", None, agent_ax, split * fr, always)
    slot("agent_reply", None, "agent", True, agent_ax, (1 - split) * fr + 30, ~noreply)
    slot("assigned", None, "agent", None, agent_ax, ln(HOUR, 1.0), reassign,
         value_per_ticket=assignee2)  # fmt: skip
    for e in range(MAX_EXCHANGES):
        has = exchanges > e
        slot("customer_reply", None, "customer", True, cust_ax, ln(1.5 * HOUR, 1.1), has)
        slot("note", None, "agent", False, agent_ax, ln(1200, 1.0), has & (rng.random(n) < 0.15))
        slot("agent_reply", None, "agent", True, agent_ax, ln(HOUR, 1.1), has)
    answered = wait & ~abandoned
    slot("status", "waiting_customer", "agent", None, agent_ax, _lognormal(rng, 120, 0.8, n), wait)
    slot("customer_reply", None, "customer", True, cust_ax, ln(13 * HOUR, 1.4), answered)
    slot("status", "open", "system", None, WALL, rng.integers(0, 4, n), answered)
    slot("agent_reply", None, "agent", True, agent_ax, ln(HOUR, 1.0), answered)
    slot("note", None, "agent", False, agent_ax, ln(900, 1.0), third)
    slot("status", None, "agent", None, agent_ax, _lognormal(rng, 60, 0.8, n), third,
         value_per_ticket=third_status)  # fmt: skip
    slot("status", "open", "agent", None, agent_ax,
         np.maximum(_lognormal(rng, 18 * HOUR, 1.0, n) * np.maximum(scale, 0.3), 60), third)  # fmt: skip
    slot("agent_reply", None, "agent", True, agent_ax, ln(1800, 1.0), third)
    resolve_gap = np.where(
        abandoned,
        7 * DAY + rng.integers(0, HOUR, n),
        np.where(noreply, ln(1200, 0.8), ln(1.5 * HOUR, 1.1) * RESOLVE_WORK[typ] * backlog),
    )
    slot("resolved", "resolved", "agent", None, np.where(abandoned, WALL, agent_ax), resolve_gap,
         always, actor_pt=np.where(abandoned, _AC["system"], _AC["agent"]))  # fmt: skip
    for again in (reopen1, reopen2):
        slot("customer_reply", None, "customer", True, cust_ax, ln(13 * HOUR, 1.0), again)
        slot("reopened", "open", "customer", None, WALL, rng.integers(0, 4, n), again)
        slot("agent_reply", None, "agent", True, agent_ax, ln(1.5 * HOUR, 1.0), again)
        slot("resolved", "resolved", "agent", None, agent_ax, ln(2 * HOUR, 1.0), again)
    slot("closed", "closed", "system", None, WALL, 3 * DAY + rng.integers(0, 2 * DAY, n), closed)

    csat_answer = rng.random(n) < 0.3
    csat_u = rng.random(n)

    # --- times: advance slot by slot over all tickets ----------------------------------------
    k_slots = len(slots)
    times = np.empty((k_slots, n), dtype=np.int64)
    present = np.empty((k_slots, n), dtype=bool)
    cur = created.astype(np.int64).copy()
    for k, s in enumerate(slots):
        p = s["present"]
        axis = s["axis"]
        gap = s.pop("gap")  # free as we go
        nxt = cur + gap
        if not np.isscalar(axis):
            for code, ax in ((AGENT, agent_axis), (CUSTOMER, customer_axis)):
                sel = np.flatnonzero(p & (axis == code))
                nxt[sel] = ax.advance(cur[sel], gap[sel])
        cur = np.where(p, nxt, cur)
        times[k] = cur
        present[k] = p & (cur < t_end)  # the export is taken at the end of the period

    # --- flatten to events (row-major: by ticket, then slot = time order) ---------------------
    rows, cols = np.nonzero(present.T)
    del present
    at = times[cols, rows]
    del times
    cols = cols.astype(np.int16)
    ev = np.array([s["event"] for s in slots], dtype=np.int8)[cols]
    val = np.array([s["value"] for s in slots], dtype=np.int32)[cols]
    actor = np.array([s["actor"] for s in slots], dtype=np.int8)[cols]
    public = np.array([s["public"] for s in slots], dtype=np.int8)[cols]
    n_status = len(STATUSES)
    for k, s in enumerate(slots):  # per-ticket values / actors of a few slots
        if s["value_pt"] is None and s["actor_pt"] is None:
            continue
        sel = np.flatnonzero(cols == k)
        if s["value_pt"] is not None:
            offset_codes = 0 if s["event"] == _EV["status"] else n_status
            val[sel] = s["value_pt"][rows[sel]] + offset_codes
        if s["actor_pt"] is not None:
            actor[sel] = s["actor_pt"][rows[sel]]
    m = len(rows)
    counts = np.bincount(rows, minlength=n)
    first_pos = np.cumsum(counts) - counts
    seq = np.arange(m, dtype=np.int64) - first_pos[rows]

    # --- tickets derived from their events ----------------------------------------------------
    is_status = _STATUS_EVENTS[ev]
    sub = np.flatnonzero(is_status)
    _, last, who = _first_last(rows[sub], n)
    status = np.full(n, -1, dtype=np.int64)
    status[who] = val[sub[last]]
    done = (status == _ST["resolved"]) | (status == _ST["closed"])

    def first_time(mask):
        sub = np.flatnonzero(mask)
        first, _, who = _first_last(rows[sub], n)
        out = np.zeros(n, dtype=np.int64)
        has = np.zeros(n, dtype=bool)
        out[who], has[who] = at[sub[first]], True
        return out, has

    def last_of(mask, values):
        sub = np.flatnonzero(mask)
        _, last, who = _first_last(rows[sub], n)
        out = np.zeros(n, dtype=np.int64)
        has = np.zeros(n, dtype=bool)
        out[who], has[who] = values[sub[last]], True
        return out, has

    public_reply = (ev == _EV["agent_reply"]) & (public == 1)
    first_response, has_fr = first_time(public_reply)
    resolved_at, has_res = last_of(ev == _EV["resolved"], at)
    closed_at, has_closed = last_of(ev == _EV["closed"], at)
    assignee, has_assignee = last_of(ev == _EV["assigned"], val - n_status)
    agent_replies = np.bincount(rows[public_reply], minlength=n)
    reopens = np.bincount(rows[ev == _EV["reopened"]], minlength=n)
    updated = at[first_pos + counts - 1]

    unhappy = (reopens > 0) | forgotten | (exchanges >= 4)
    good = np.array([0.04, 0.05, 0.11, 0.25, 0.55])
    bad = np.array([0.15, 0.15, 0.2, 0.25, 0.25])
    score = 1 + np.where(
        unhappy,
        np.searchsorted(np.cumsum(bad), csat_u, side="right"),
        np.searchsorted(np.cumsum(good), csat_u, side="right"),
    )
    score = np.minimum(score, 5)
    has_csat = csat_answer & done

    # --- arrow tables ---------------------------------------------------------------------------
    width = max(6, len(str(n)))
    numbers = pc.cast(pa.array(np.arange(1, n + 1, dtype=np.int64)), pa.string())
    ids = pc.binary_join_element_wise("T-", pc.utf8_lpad(numbers, width, "0"), "")
    status_names = pc.take(pa.array(list(STATUSES)), pa.array(status))
    value_vocab = list(STATUSES) + agents

    t_cols = {
        "source": _constant(SOURCE, n),
        "ticket_id": ids,
        "created_at": _ts(created),
        "updated_at": _ts(updated),
        "subject": _take(subjects, subject),
        "type": _take(TYPES, typ),
        "kind": _take([KIND_OF_TYPE[t] for t in TYPES], typ),
        "priority": _take(PRIORITIES, prio),
        "channel": _take(CHANNELS, channel),
        "organization": _take([name for name, _ in orgs], org),
        "requester": pc.take(requesters, pa.array(requester)),
        "assignee": _take(agents, np.where(has_assignee, assignee, -1)),
        "group": _take(GROUPS, group),
        "category": _take(CATEGORY_NAMES, cat),
        "service": _take([s for _, s in services], service),
        "status": status_names,
        "status_class": status_names,
        "first_response_at": _ts(first_response, has_fr),
        "resolved_at": _ts(resolved_at, has_res & done),
        "closed_at": _ts(closed_at, has_closed),
        "agent_replies": pa.array(agent_replies.astype(np.int64)),
        "reopens": pa.array(reopens.astype(np.int64)),
        "csat": pa.array(score.astype(np.float64), mask=~has_csat),
        "fidelity": _constant("history", n),
    }
    tickets_table = pa.table(
        [t_cols[f.name] if f.name in t_cols else _null(n, f.type) for f in TICKETS_SCHEMA],
        schema=TICKETS_SCHEMA,
    )

    status_class = np.where(is_status, val, -1)
    e_cols = {
        "source": _constant(SOURCE, m),
        "ticket_id": pc.take(ids, pa.array(rows)),
        "at": _ts(at),
        "event": _take(EVENTS, ev),
        "value": _take(value_vocab, val),
        "status_class": _take(STATUSES, status_class),
        "actor": _take(ACTORS, actor),
        "public": pa.array(public == 1, mask=public < 0),
        "seq": pa.array(seq),
    }
    events_table = pa.table([e_cols[f.name] for f in EVENTS_SCHEMA], schema=EVENTS_SCHEMA)
    return tickets_table, events_table


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)


def generate_sample(
    tickets: int,
    seed: int = 0,
    start: str = "2026-09-28",
    weeks: int = 8,
    tz: str = "Europe/Moscow",
    country: str | None = "RU",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(tickets_df, events_df) with exactly the canonical columns of schema.TICKET_COLUMNS / EVENT_COLUMNS.

    Deterministic for given arguments. Creation times follow the business hours of `tz` over
    `weeks` weeks from `start`; agents work Mon-Fri 09-18 in `tz` except public holidays of
    `country` (None: no holidays), urgent tickets are handled 24x7. The log is cut at the end of
    the period, so recent tickets are still open. Columns the CSV form does not carry (due_at,
    vendor_*, time_spent_s, tags, extra) are null; `updated_at` is the ticket's last event.
    """
    t, e = _generate_tables(tickets, seed=seed, start=start, weeks=weeks, tz=tz, country=country)
    return _to_pandas(t), _to_pandas(e)


def _iso_utc(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """UTC timestamps as `2026-10-05T06:12:33Z` strings (null stays null).

    Casting to a naive type first keeps the UTC value and avoids Arrow's slow per-value zone
    lookup in `strftime`.
    """
    text = col.cast(pa.timestamp("s"), safe=False).cast(pa.string())
    text = pc.utf8_replace_slice(text, 10, 11, "T")
    return pc.binary_join_element_wise(text, "Z", "")


def _csv_table(table: pa.Table, columns: list[str]) -> pa.Table:
    out = []
    for name in columns:
        col = table.column(name)
        out.append(_iso_utc(col) if pa.types.is_timestamp(col.type) else col)
    return pa.table(out, names=columns)


def _write_csv_atomic(table: pa.Table, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, "wb") as f:  # the header unquoted on every pyarrow version
            f.write((",".join(table.column_names) + "\n").encode())
            options = pacsv.WriteOptions(include_header=False, quoting_style="none")
            pacsv.write_csv(table, f, options)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; these are ordinary data files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_sample_csv(out_dir: Path, tickets: int, seed: int = 0, **kw) -> tuple[Path, Path]:
    """Writes out_dir/tickets.csv and out_dir/events.csv in the canonical CSV form.

    Timestamps are ISO 8601 UTC with `Z` at seconds precision, nulls are empty cells, `public` is
    `true`/`false`. Keyword arguments are those of `generate_sample`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t, e = _generate_tables(tickets, seed=seed, **kw)
    tickets_path, events_path = out_dir / "tickets.csv", out_dir / "events.csv"
    _write_csv_atomic(_csv_table(t, CSV_TICKET_COLUMNS), tickets_path)
    _write_csv_atomic(_csv_table(e, CSV_EVENT_COLUMNS), events_path)
    return tickets_path, events_path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write a synthetic helpdesk log as canonical CSV.")
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--start", default="2026-09-28")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--tz", default="Europe/Moscow")
    parser.add_argument("--country", default="RU", help="holiday calendar; 'none' for none")
    args = parser.parse_args()
    began = time.perf_counter()
    paths = write_sample_csv(
        args.out,
        args.tickets,
        seed=args.seed,
        start=args.start,
        weeks=args.weeks,
        tz=args.tz,
        country=None if args.country.lower() == "none" else args.country,
    )
    print(f"wrote {paths[0]} and {paths[1]} in {time.perf_counter() - began:.1f}s")
