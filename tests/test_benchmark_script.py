"""Smoke test of benchmarks/run.py: a tiny run writes results.json with every figure."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytest.importorskip("businesstimedelta")
pytest.importorskip("pytz")

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
PHASES = [
    "generate",
    "floor",
    "import",
    "clocks",
    "metrics_span",
    "metrics_span_buckets",
    "metrics_span_dask",
    "metrics_week",
    "report",
]


def _load_script():
    spec = importlib.util.spec_from_file_location("slametrics_benchmark_run", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    run = _load_script()
    small = ["--intervals", "20000", "--bdt-sample", "200", "--alt-sample", "200"]
    small += ["--oracle-sample", "30", "--long-size", "3000", "--dask", "--repeat", "2"]
    code = run.main(["--sizes", "2000", "--out", str(out), *small])
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert code == 0, json.dumps(data, indent=1)[:4000]
    assert (out / "results.txt").exists()
    data["_text"] = (out / "results.txt").read_text(encoding="utf-8")
    assert not (out / "data").exists() or not any((out / "data").iterdir())  # data cleaned up
    return data


def test_top_level_keys(results):
    for key in ("machine", "config", "baseline", "sizes", "business_time", "correctness"):
        assert key in results
    assert results["machine"]["cores"] >= 1


def test_phases_measured(results):
    size = results["sizes"]["2000"]
    assert size["tickets"] == 2000
    assert size["events"] > 10_000  # about 10 events per ticket
    assert size["rows"] == size["tickets"] + size["events"]
    for name in PHASES:
        ph = size["phases"][name]
        assert "error" not in ph, ph
        if "skipped" in ph:  # the report renderer may be absent
            assert name == "report"
            continue
        assert ph["wall_s"] > 0
        assert ph["rows_per_s"] > 0
        assert ph["peak_rss_bytes"] > 10 * 2**20
        assert ph["process_s"] >= ph["wall_s"]
    imp = size["phases"]["import"]
    assert imp["rows_read"] == size["rows"] and imp["rows_rejected"] == 0
    assert size["import_over_floor"] > 0
    assert size["phases"]["metrics_week"]["period"] == "2026-W46"
    assert set(size["end_to_end"]) == {"week", "span"}


def test_floor_and_import_alternated_keep_the_best_of_each(results):
    """`--repeat 2`: floor and import ran twice each; the ratio is best import over best floor."""
    size = results["sizes"]["2000"]
    floor, imp = size["phases"]["floor"], size["phases"]["import"]
    assert len(floor["runs_s"]) == 2 and len(imp["runs_s"]) == 2
    assert floor["wall_s"] == min(floor["runs_s"]) and imp["wall_s"] == min(imp["runs_s"])
    assert size["import_over_floor"] == pytest.approx(imp["wall_s"] / floor["wall_s"])
    pairs = [i / f for i, f in zip(imp["runs_s"], floor["runs_s"], strict=True)]
    assert imp["pair_ratios"] == pytest.approx(pairs)
    assert "best of 2 alternated runs each" in results["_text"]


def test_engines_agree_and_start_up_is_measured(results):
    """Whole-span metrics in memory, bucket by bucket and on Dask give the same share; the
    start-up section times `--help` against `import typer`."""
    phases = results["sizes"]["2000"]["phases"]
    shares = {phases[n]["on_time_share"] for n in PHASES if n.startswith("metrics_span")}
    assert len(shares) == 1 and None not in shares
    assert phases["metrics_span_dask"]["cluster_s"] > 0
    st = results["startup"]
    assert st["help_s"] > 0 and st["typer_s"] > 0
    assert st["ratio"] == pytest.approx(st["help_s"] / st["typer_s"])
    assert "start-up: `slametrics --help`" in (results["_text"])


def test_10m_size_is_opt_in():
    run = _load_script()
    assert run.HUGE_SIZE not in run.parse_args([]).sizes
    assert run.parse_args(["--size-10m", "--sizes", "1000"]).sizes == [1000, run.HUGE_SIZE]


def test_business_time_identical_to_businesstimedelta(results):
    bt = results["business_time"]
    assert "error" not in bt, bt
    assert bt["slametrics"]["per_s"] > 0 and bt["businesstimedelta"]["per_s"] > 0
    assert bt["speedup"] == pytest.approx(
        bt["slametrics"]["per_s"] / bt["businesstimedelta"]["per_s"]
    )
    # same calendar (the days off businesstimedelta's HolidayRule sees): identical
    assert bt["like_for_like"]["mismatches"] == 0
    # the RU production calendar also has transferred working Saturdays, which a HolidayRule
    # cannot express: every difference must be exactly the working time on those days
    assert bt["production_calendar"]["unexplained"] == 0
    assert (
        bt["production_calendar"]["mismatches"]
        == bt["production_calendar"]["explained_by_transferred_workdays"]
    )
    assert bt["dst_check"]["mismatches"] == 0 and bt["dst_check"]["crossing_dst"] > 0


def test_correctness_against_oracle(results):
    co = results["correctness"]
    assert "error" not in co, co
    m = co["methods"]
    assert m["slametrics_business"]["oracle_agree"] == m["slametrics_business"]["oracle_sample"]
    assert co["oracle_24x7"]["slametrics_24x7"] == co["oracle_24x7"]["sample"]
    naive = m["naive_local_subtraction"]
    # naive wall-clock subtraction is wrong exactly on the intervals that cross a DST transition
    assert naive["crossing_dst"] > 0 and naive["differ"] == naive["differ_crossing_dst"]
    assert naive["differ"] == naive["crossing_dst"]
    for key in ("cbh_utc_as_stored", "cbh_local_default_inclusive", "cbh_local_inclusive_left"):
        assert m[key]["intervals"] == co["sample_business_hours"]


def test_week_of_a_long_log_reads_a_slice(results):
    """On the year-long log a week's metrics read far fewer tickets than the whole span's."""
    long = results["long"]
    assert long["tickets"] == 3000
    phases = long["phases"]
    for name in ("import", "metrics_span", "metrics_week", "report_span", "report"):
        assert "error" not in phases[name], phases[name]
        assert phases[name]["wall_s"] > 0
    assert phases["metrics_span"]["tickets_read"] == 3000
    assert phases["metrics_week"]["tickets_read"] < 3000 / 3
    assert long["metrics_week_over_span"] > 0 and long["report_over_span"] > 0
