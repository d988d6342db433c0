"""The recipes in examples/ run: the cron script end to end on the sample, and the `slametrics`
commands of the GitHub Actions workflow and the GitLab CI job, read from their YAML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import POLICIES, ROOT, SAMPLE

EXAMPLES = ROOT / "examples"
CRON = EXAMPLES / "cron" / "weekly-sla-report.sh"
BIN = Path(sys.executable).parent


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLA_", "GITHUB_"))}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env['PATH']}", "NO_COLOR": "1", **extra}


def strict_policy(folder: Path) -> Path:
    """The sample's contract: week 46 of the sample misses its on-time threshold."""
    return Path(shutil.copy(POLICIES / "ru-contract.yaml", folder / "policy.yaml"))


def lenient_policy(folder: Path) -> Path:
    doc = yaml.safe_load((POLICIES / "ru-contract.yaml").read_text(encoding="utf-8"))
    doc["thresholds"] = [{"metric": "on_time_share", "min": 0.5}]
    path = folder / "lenient.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def cron(tmp: Path, policy: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = environment(
        SLA_INBOX=str(tmp / "inbox"),
        SLA_LOG=str(tmp / "log"),
        SLA_POLICY=str(policy),
        SLA_REPORTS=str(tmp / "reports"),
        SLA_PERIOD="2026-W46",
        **extra,
    )
    return subprocess.run(["bash", str(CRON)], env=env, capture_output=True, text=True)


def fill_inbox(tmp: Path) -> None:
    (tmp / "inbox").mkdir(exist_ok=True)
    for name in ("tickets.csv", "events.csv"):
        shutil.copy(SAMPLE / name, tmp / "inbox" / name)


def test_cron_script_imports_reports_keeps_n_and_exits_1_on_a_missed_threshold(tmp_path):
    fill_inbox(tmp_path)
    reports = tmp_path / "reports"
    reports.mkdir()
    for day in range(1, 10):  # earlier weeks' reports
        (reports / f"sla-2026-01-0{day}.html").write_text("old", encoding="utf-8")
    run = cron(tmp_path, strict_policy(tmp_path), SLA_KEEP="3")
    assert run.returncode == 1, run.stderr
    assert "FAIL on_time_share: 0.8611 (limit >= 0.95)" in run.stdout
    kept = sorted(p.name for p in reports.glob("sla-*.html"))
    assert len(kept) == 3 and kept[:2] == ["sla-2026-01-08.html", "sla-2026-01-09.html"]
    newest = (reports / kept[-1]).read_text(encoding="utf-8")
    assert "<html" in newest.lower() and "2026-W46" in newest
    assert sorted(p.name for p in (tmp_path / "inbox" / "imported").iterdir()) == [
        "events.csv",
        "tickets.csv",
    ]
    assert not list((tmp_path / "inbox").glob("*.csv"))
    # next week without a new export: the log as it is, said on stderr
    again = cron(tmp_path, strict_policy(tmp_path), SLA_KEEP="3")
    assert again.returncode == 1 and "no new export" in again.stderr


def test_cron_script_is_silent_and_exits_0_when_every_threshold_is_met(tmp_path):
    fill_inbox(tmp_path)
    run = cron(tmp_path, lenient_policy(tmp_path))
    assert (run.returncode, run.stdout) == (0, "")
    assert len(list((tmp_path / "reports").glob("sla-*.html"))) == 1


@pytest.mark.parametrize("case", ["no export and no log", "invalid policy"])
def test_cron_script_exits_2_on_unusable_input(case, tmp_path):
    (tmp_path / "inbox").mkdir()
    policy = strict_policy(tmp_path)
    if case == "invalid policy":
        fill_inbox(tmp_path)
        policy.write_text("timezone: Nowhere/Land\n", encoding="utf-8")
    run = cron(tmp_path, policy)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert ("no event log" if case == "no export and no log" else "invalid policy") in run.stderr


def workflow_commands(path: Path) -> tuple[dict[str, str], list[str]]:
    """The variables a CI file sets and the `slametrics` command lines it runs, in order."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "jobs" in doc:  # GitHub Actions
        variables = doc["env"]
        scripts = [s["run"] for job in doc["jobs"].values() for s in job["steps"] if "run" in s]
    else:  # GitLab CI
        job = doc["sla"]
        variables = job["variables"]
        scripts = [*job["before_script"], *job["script"]]
    lines = [line.strip() for script in scripts for line in script.splitlines()]
    return variables, [line for line in lines if line.startswith("slametrics ")]


@pytest.mark.parametrize("ci", ["github-actions/sla.yml", "gitlab-ci/.gitlab-ci.yml"])
def test_ci_files_run_their_commands_on_the_sample(ci, tmp_path):
    variables, commands = workflow_commands(EXAMPLES / ci)
    assert set(variables) == {"SLA_EXPORTS", "SLA_POLICY", "SLA_PERIOD"}
    assert [c.split()[1] for c in commands] == (
        ["import", "check", "report", "tickets"]
        if ci.startswith("github")
        else ["import", "report", "tickets", "check"]
    )
    (tmp_path / "exports").mkdir()
    for name in ("tickets.csv", "events.csv"):
        shutil.copy(SAMPLE / name, tmp_path / "exports" / name)
    (tmp_path / "sla").mkdir()
    strict_policy(tmp_path / "sla")
    summary = tmp_path / "step-summary.md"
    env = environment(
        **{**variables, "SLA_PERIOD": "2026-W46"},  # a fixed week of the sample, not "last week"
        GITHUB_STEP_SUMMARY=str(summary),
    )
    for command in commands:
        run = subprocess.run(
            ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        expected = 1 if command.startswith("slametrics check") else 0  # week 46 misses one
        assert run.returncode == expected, (command, run.stderr)
        assert "Traceback" not in run.stderr
    out = tmp_path / "out"
    assert "<html" in (out / "sla-report.html").read_text(encoding="utf-8").lower()
    assert openpyxl.load_workbook(out / "sla-tickets.xlsx").sheetnames == ["tickets"]
    if ci.startswith("github"):
        assert summary.read_text(encoding="utf-8").startswith("### slametrics check failed")
    else:
        assert (out / "sla-check.xml").read_text(encoding="utf-8").startswith("<?xml")
