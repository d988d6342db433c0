"""Organizations, their requesters and services, and the agents of the sample helpdesk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from slametrics.sample.vocabulary import (
    BASE_AGENTS_PER_GROUP,
    CATEGORIES,
    CATEGORY_NAMES,
    FEMALE_FIRST,
    FIRST_NAMES,
    GROUPS,
    LAST_NAMES,
    agent_names,
    org_names,
)


@dataclass
class Population:
    """Who files and who handles the tickets; per-organization arrays are indexed by org code."""

    orgs: list[tuple[str, str]]  # (name, e-mail domain stem)
    org_p: np.ndarray  # share of tickets per organization
    cat_p: np.ndarray  # (org, category) -> P(category | org)
    services: list[tuple[str, str]]  # (category, service); a service code indexes this
    org_service: np.ndarray  # (org, category) -> the one service code the organization uses
    group_of_cat: np.ndarray  # category code -> group code
    req_offset: np.ndarray  # org code -> its first requester code (one more entry at the end)
    req_count: np.ndarray  # org code -> its number of requesters
    requesters: pa.Array  # requester code -> e-mail address
    agent_offset: np.ndarray  # group code -> its first agent code (one more entry at the end)
    per_group: np.ndarray  # group code -> its number of agents
    agents: list[str]  # agent code -> name


def build_population(rng: np.random.Generator, n: int, weeks: int) -> Population:
    """Organizations, requesters and agents sized for `n` tickets over `weeks` weeks."""
    orgs, org_p, cat_p, services, org_service = _organizations(rng, n)
    req_offset, req_count, requesters = _requesters(rng, n, orgs, org_p)
    agent_offset, per_group, agents = _agents(rng, n, weeks)
    return Population(
        orgs=orgs,
        org_p=org_p,
        cat_p=cat_p,
        services=services,
        org_service=org_service,
        group_of_cat=np.array([GROUPS.index(CATEGORIES[c][0]) for c in CATEGORY_NAMES]),
        req_offset=req_offset,
        req_count=req_count,
        requesters=requesters,
        agent_offset=agent_offset,
        per_group=per_group,
        agents=agents,
    )


def _organizations(rng: np.random.Generator, n: int) -> tuple:
    """Names, Zipf-like ticket shares, category mix and services of the organizations."""
    n_orgs = max(20, n // 1000)
    orgs = org_names(n_orgs)
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
    return orgs, org_p, cat_p, services, org_service


def _requesters(
    rng: np.random.Generator, n: int, orgs: list[tuple[str, str]], org_p: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """About one requester per 12 tickets of an organization, as first.last@org.example."""
    expected = org_p * n
    req_count = np.clip(np.round(expected / 12), 2, 5000).astype(np.int64)
    req_offset = np.concatenate([[0], np.cumsum(req_count)])
    total_req = int(req_offset[-1])
    f_idx = rng.integers(0, len(FIRST_NAMES), total_req)
    l_idx = rng.integers(0, len(LAST_NAMES), total_req)
    req_org = np.repeat(np.arange(len(orgs)), req_count)
    first_arr = pa.array([f.lower() for f in FIRST_NAMES])
    last_arr = pa.array([last.lower() for last in LAST_NAMES])
    f_codes, l_codes = pa.array(f_idx), pa.array(l_idx)
    surname = pc.if_else(
        pc.take(pa.array([f in FEMALE_FIRST for f in FIRST_NAMES]), f_codes),
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
    return req_offset, req_count, requesters


def _agents(
    rng: np.random.Generator, n: int, weeks: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Enough agents per group for the load (about 12 tickets a working day each), named."""
    per_group = np.array(
        [
            max(b, int(round(n * share / (weeks * 5 * 12))))
            for b, share in zip(BASE_AGENTS_PER_GROUP, (0.4, 0.25, 0.25, 0.1), strict=True)
        ]
    )
    agent_offset = np.concatenate([[0], np.cumsum(per_group)])
    agents = agent_names(int(agent_offset[-1]), rng)
    return agent_offset, per_group, agents
