"""The Dask engine: the same per-bucket functions on worker processes, identical results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import POLICIES, SAMPLE
from slametrics import api
from slametrics.api import read_export_tables
from slametrics.eventlog import merge_into_log

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as c:
        yield c


def test_dask_engine_equals_the_in_process_engine(tmp_path: Path, cluster) -> None:
    t, e, _, codes = read_export_tables([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    merge_into_log(tmp_path / "log", t, e, codes=codes, per_bucket=50)  # 8 buckets
    policy = POLICIES / "business-hours.yaml"
    for period in ("2026-W46", "2026-11"):
        local = api.Query([tmp_path / "log"], policy, period=period)
        dask = api.Query(
            [tmp_path / "log"],
            policy,
            period=period,
            engine="dask",
            scheduler=cluster.scheduler_address,
        )
        assert api.metrics(dask).model_dump(mode="json") == api.metrics(local).model_dump(
            mode="json"
        )
        pd.testing.assert_frame_equal(api.tickets(dask), api.tickets(local))


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path: Path) -> None:
    from slametrics.errors import UserError

    t, e, _, codes = read_export_tables([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    merge_into_log(tmp_path / "log", t, e, codes=codes)
    q = api.Query(
        [tmp_path / "log"],
        POLICIES / "24x7.yaml",
        engine="dask",
        scheduler="tcp://127.0.0.1:9",  # the discard port: nothing listens
    )
    with pytest.raises(UserError, match="cannot connect"):
        api.metrics(q)


def test_without_a_scheduler_a_local_cluster_is_started(tmp_path: Path) -> None:
    t, e, _, codes = read_export_tables([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    merge_into_log(tmp_path / "log", t, e, codes=codes, per_bucket=100)
    policy = POLICIES / "24x7.yaml"
    local = api.Query([tmp_path / "log"], policy, period="2026-11")
    dask = api.Query([tmp_path / "log"], policy, period="2026-11", engine="dask")
    assert api.metrics(dask).model_dump(mode="json") == api.metrics(local).model_dump(mode="json")


def test_without_dask_the_engine_says_how_to_install_it(tmp_path: Path, monkeypatch) -> None:
    import sys

    from slametrics.errors import UserError

    t, e, _, codes = read_export_tables([SAMPLE / "tickets.csv", SAMPLE / "events.csv"])
    merge_into_log(tmp_path / "log", t, e, codes=codes)
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails as if missing
    q = api.Query([tmp_path / "log"], POLICIES / "24x7.yaml", engine="dask")
    with pytest.raises(UserError, match=r"slametrics\[dask\]"):
        api.metrics(q)
