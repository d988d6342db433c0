"""Bucket by bucket: metrics and ticket lists of a partitioned log equal the whole-log engine's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import POLICIES, SAMPLE
from slametrics import api
from slametrics.api import read_export_tables
from slametrics.api.imports import load_source, log_columns
from slametrics.engine.buckets import bucket_sources
from slametrics.eventlog import bucket_count, merge_into_log, snapshot_dir
from slametrics.metrics import compute_metrics
from slametrics.metrics.buckets import metrics_by_bucket, survey_log
from slametrics.periods import parse_instant, parse_period, resolve_period
from slametrics.policy import load_policy

# the contract policy is computed over the whole log (its sections read every event)
POLICY_FILES = sorted(p for p in POLICIES.glob("*.yaml") if p.stem != "contract-example")


def _log(tmp: Path, files: list[Path], per_bucket: int) -> Path:
    t, e, _, codes = read_export_tables(files)
    merge_into_log(tmp / "log", t, e, codes=codes, per_bucket=per_bucket)
    assert bucket_count(snapshot_dir(tmp / "log")) > 4
    return tmp / "log"


@pytest.fixture(scope="module")
def sample_log(tmp_path_factory) -> Path:
    return _log(
        tmp_path_factory.mktemp("buckets"), [SAMPLE / "tickets.csv", SAMPLE / "events.csv"], 40
    )


@pytest.fixture(scope="module")
def generated_log(tmp_path_factory) -> Path:
    from slametrics.sample import write_sample_csv

    tmp = tmp_path_factory.mktemp("generated")
    paths = write_sample_csv(tmp / "csv", 3000, seed=11, start="2026-01-05", weeks=26)
    return _log(tmp, list(paths), 200)


def _both(log: Path, policy_file: Path, period: str | None, as_of: str | None, by: str | None):
    """(whole log in-process, bucket by bucket) results as JSON-ready dicts."""
    policy = load_policy(policy_file)
    at = parse_instant(as_of, policy.timezone) if as_of else None
    whole = load_source([log], with_tags=bool(policy.exclude)).log
    p = (
        parse_period(period, policy.timezone)
        if period
        else resolve_period(None, policy.timezone, whole.span())
    )
    want = compute_metrics(whole, policy, p, at, by=by).model_dump(mode="json")
    survey = survey_log(bucket_sources(log, log_columns(bool(policy.exclude))), policy)
    assert survey.span() == whole.span()
    got = metrics_by_bucket(survey, policy, p, at, by=by).model_dump(mode="json")
    return want, got


@pytest.mark.parametrize("policy_file", POLICY_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize(
    ("period", "as_of", "by"),
    [("2026-W46", None, None), ("2026-11", "2026-11-20T12:00", "organization"), (None, None, None)],
)
def test_sample_metrics_by_bucket_equal_the_whole_log(sample_log, policy_file, period, as_of, by):
    want, got = _both(sample_log, policy_file, period, as_of, by)
    assert got == want


@pytest.mark.parametrize("policy_file", POLICY_FILES[:3], ids=lambda p: p.stem)
@pytest.mark.parametrize("period", ["2026-W20", "2026-05", None])
def test_generated_metrics_by_bucket_equal_the_whole_log(generated_log, policy_file, period):
    want, got = _both(generated_log, policy_file, period, None, "group")
    assert got["metrics"]["created"]["value"] > 0
    assert got == want


def test_api_queries_of_a_partitioned_log_equal_the_exports_in_memory(sample_log) -> None:
    """`api.metrics` and `api.tickets` over the partitioned log (bucket by bucket) give what
    they give over the same exports read in memory (the whole-log engine)."""
    files = [SAMPLE / "tickets.csv", SAMPLE / "events.csv"]
    for policy in POLICY_FILES[:3]:
        for period in ("2026-W46", "2026-11"):
            bucketed = api.Query([sample_log], policy, period=period)
            in_memory = api.Query(files, policy, period=period)
            assert api.metrics(bucketed).model_dump(mode="json") == api.metrics(
                in_memory
            ).model_dump(mode="json")
            pd.testing.assert_frame_equal(api.tickets(bucketed), api.tickets(in_memory))


def test_engine_choices_are_checked(sample_log, tmp_path) -> None:
    from slametrics.errors import UserError

    policy = POLICY_FILES[0]
    with pytest.raises(UserError, match="--engine 'spark'"):
        api.metrics(api.Query([sample_log], policy, engine="spark"))
    with pytest.raises(UserError, match="partitioned event log"):
        api.metrics(api.Query([SAMPLE / "tickets.csv"], policy, engine="dask"))
    with pytest.raises(UserError, match="--scheduler is for --engine dask"):
        api.metrics(api.Query([sample_log], policy, scheduler="tcp://127.0.0.1:1"))


@pytest.mark.parametrize("limit", [3, 40])
def test_critical_incidents_capped_keep_breached_first_and_count_all(
    generated_log, monkeypatch, limit
):
    """Past the list limit the critical incidents kept are the breached, then running, then met
    ones, each by creation (the report's order), listed by creation; the total and the outcome
    counts cover every critical incident. The same bucket by bucket and over the whole log."""
    import slametrics.metrics.lists as lists

    monkeypatch.setattr(lists, "LIST_LIMIT", 100_000)
    full, _ = _both(generated_log, POLICIES / "ru-contract.yaml", None, None, None)
    everyone = full["critical_incidents"]
    assert len(everyone) > 40, "the generated log should have many critical incidents"
    monkeypatch.setattr(lists, "LIST_LIMIT", limit)
    want, got = _both(generated_log, POLICIES / "ru-contract.yaml", None, None, None)
    assert got == want
    rank = {"breached": 0, "running": 1, "met": 2}
    first = sorted(
        everyone, key=lambda x: (rank.get(x["outcome"], 3), x["created_at"], x["ticket_id"])
    )[:limit]
    kept = {x["ticket_id"] for x in first}
    assert got["critical_incidents"] == [x for x in everyone if x["ticket_id"] in kept]
    assert got["critical_total"] == full["critical_total"] == len(everyone)
    counts: dict[str, int] = {}
    for x in everyone:
        counts[x["outcome"]] = counts.get(x["outcome"], 0) + 1
    assert got["critical_outcomes"] == full["critical_outcomes"] == counts
    assert any(x["outcome"] == "met" for x in everyone)
    assert any(x["outcome"] != "met" for x in everyone)
