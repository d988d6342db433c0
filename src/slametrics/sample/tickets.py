"""Ticket attributes of the sample: type, priority, channel, who, what about, when it arrived."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slametrics.sample.axes import DAY, HOUR, Period, local_to_utc_s
from slametrics.sample.draws import choice, choice_rows, lognormal
from slametrics.sample.population import Population
from slametrics.sample.vocabulary import (
    CATEGORIES,
    CATEGORY_NAMES,
    CHANNEL_GIVEN_URGENT,
    DAY_OFF_WEIGHT,
    HOUR_WEIGHTS_DAY_OFF,
    HOUR_WEIGHTS_WORKDAY,
    PRIORITY_GIVEN_TYPE,
    SUBJECT_TEMPLATES,
    TYPE_P,
    TYPES,
)


@dataclass
class Tickets:
    """Per-ticket codes (into the vocabulary and the population), numbered in creation order."""

    created: np.ndarray  # UTC seconds
    typ: np.ndarray
    prio: np.ndarray
    channel: np.ndarray
    org: np.ndarray
    cat: np.ndarray
    service: np.ndarray
    group: np.ndarray
    requester: np.ndarray
    assignee1: np.ndarray  # the first assignee
    assignee2: np.ndarray  # the other agent of the group, if the ticket is reassigned
    subject: np.ndarray  # a code into `subjects`
    subjects: list[str]


def draw_tickets(rng: np.random.Generator, n: int, period: Period, pop: Population) -> Tickets:
    """The attributes of `n` tickets arriving over `period`."""
    typ = choice(rng, TYPE_P, n)
    prio = choice_rows(rng, PRIORITY_GIVEN_TYPE, typ)
    channel = choice_rows(rng, CHANNEL_GIVEN_URGENT, (prio == 0).astype(np.int64))
    org = choice(rng, pop.org_p, n)
    cat = choice_rows(rng, pop.cat_p, org)
    created = _arrivals(rng, n, period)
    _repeat_incidents(rng, period, typ, created, org, cat, prio)

    # number tickets in creation order
    order = np.argsort(created, kind="stable")
    created, typ, prio, channel, org, cat = (
        a[order] for a in (created, typ, prio, channel, org, cat)
    )
    group = pop.group_of_cat[cat]
    requester, assignee1, assignee2 = _people(rng, n, org, group, pop)
    subjects, subj_offset, subj_count = subject_vocabulary()
    subject = subj_offset[typ, cat] + (rng.random(n) * subj_count[typ, cat]).astype(np.int64)
    return Tickets(
        created=created,
        typ=typ,
        prio=prio,
        channel=channel,
        org=org,
        cat=cat,
        service=pop.org_service[org, cat],
        group=group,
        requester=requester,
        assignee1=assignee1,
        assignee2=assignee2,
        subject=subject,
        subjects=subjects,
    )


def _arrivals(rng: np.random.Generator, n: int, period: Period) -> np.ndarray:
    """Creation times: (local day, local hour) bins weighted by day kind, hour and a mild growth."""
    days, workday, start_day, n_days = period.days, period.workday, period.start_day, period.n_days
    in_period = (days >= start_day) & (days < start_day + n_days)
    p_days, p_work = days[in_period], workday[in_period]
    hour_w = np.where(p_work[:, None], HOUR_WEIGHTS_WORKDAY, HOUR_WEIGHTS_DAY_OFF)
    day_off = DAY_OFF_WEIGHT * HOUR_WEIGHTS_WORKDAY.sum() / HOUR_WEIGHTS_DAY_OFF.sum()
    day_w = np.where(p_work, 1.0, day_off)
    growth = 1.0 + 0.15 * np.arange(n_days) / n_days
    bin_w = (hour_w * (day_w * growth)[:, None]).ravel()
    bins = choice(rng, bin_w, n)
    local = (
        p_days[bins // 24].astype("datetime64[s]") + (bins % 24) * HOUR + rng.integers(0, HOUR, n)
    )
    return np.clip(local_to_utc_s(local, period.tz), period.t_start, period.t_end - 1)


def _repeat_incidents(
    rng: np.random.Generator,
    period: Period,
    typ: np.ndarray,
    created: np.ndarray,
    org: np.ndarray,
    cat: np.ndarray,
    prio: np.ndarray,
) -> None:
    """Some incidents recur in the same organization and category within days (in place)."""
    t_start, t_end = period.t_start, period.t_end
    incidents = np.flatnonzero(typ == 0)
    n_parents = int(round(0.03 * len(incidents)))
    kids_per = 1 + rng.poisson(0.9, n_parents)
    perm = rng.permutation(incidents)
    parents = perm[:n_parents]
    keep = np.cumsum(kids_per) <= len(perm) - n_parents  # a prefix: kids_per >= 1
    parents, kids_per = parents[keep], kids_per[keep]
    kids = perm[n_parents : n_parents + int(kids_per.sum())]
    kid_parent = np.repeat(parents, kids_per)
    offset = np.clip(lognormal(rng, 20 * HOUR, 0.9, len(kids)), 1800, 6 * DAY).astype(np.int64)
    kid_t = created[kid_parent] + offset
    kid_t = np.where(kid_t < t_end, kid_t, np.maximum(created[kid_parent] - offset, t_start))
    created[kids] = kid_t
    org[kids], cat[kids] = org[kid_parent], cat[kid_parent]
    prio[kids] = prio[kid_parent]


def _people(
    rng: np.random.Generator, n: int, org: np.ndarray, group: np.ndarray, pop: Population
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Requester (a few frequent ones per organization) and two distinct agents of the group."""
    u = rng.random(n)
    requester = pop.req_offset[org] + (u**2 * pop.req_count[org]).astype(np.int64)
    offset, size = pop.agent_offset[group], pop.per_group[group]
    skew = rng.random((2, n)) ** 1.6
    assignee1 = offset + (skew[0] * size).astype(np.int64)
    assignee2 = offset + (skew[1] * size).astype(np.int64)
    assignee2 = np.where(
        assignee2 == assignee1, offset + (assignee2 - offset + 1) % size, assignee2
    )
    return requester, assignee1, assignee2


def subject_vocabulary() -> tuple[list[str], np.ndarray, np.ndarray]:
    """All subjects (type templates x category objects); per (type, category) offset and count."""
    n_cat = len(CATEGORY_NAMES)
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
    return subjects, subj_offset, subj_count
