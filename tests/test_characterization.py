"""Characterization net: canonical tables, CLI outputs and the sample generator stay byte-identical.

Regenerate on purpose with `SLAMETRICS_UPDATE_GOLDEN=1 pytest tests/test_characterization.py`, then
read the diff: every changed line is a changed number or table someone relies on.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from slametrics import api
from slametrics.cli import main
from slametrics.errors import SlametricsError

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "characterization"
UPDATE = os.environ.get("SLAMETRICS_UPDATE_GOLDEN") == "1"
POLICIES = sorted(p.name for p in (ROOT / "policies").glob("*.yaml"))
DATA_SUFFIXES = (".csv", ".json", ".ndjson", ".xlsx", ".gz", ".zip")
EXPORT_FILES = sorted(
    str(p.relative_to(ROOT))
    for folder in ("sample_data", "tests/fixtures")
    for p in (ROOT / folder).rglob("*")
    if p.is_file() and p.name.endswith(DATA_SUFFIXES)
)
# the canonical pair is imported together, as the README does
EXPORT_SETS = [[f] for f in EXPORT_FILES] + [["sample_data/tickets.csv", "sample_data/events.csv"]]
CLI_CASES = [
    (command, fmt, policy)
    for policy in POLICIES
    for command, fmt in [
        ("metrics", "json"),
        ("metrics", "csv"),
        ("check", "json"),
        ("check", "junit"),
        ("tickets", "json"),
        ("tickets", "csv"),
        ("audit", "json"),
        ("audit", "csv"),
        ("metrics-whole-span", "json"),
    ]
]


def _check_golden(name: str, text: str) -> None:
    text = text.replace(f"{ROOT}/", "")  # paths relative to the checkout, wherever it is
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden {name}: run with SLAMETRICS_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    if text != expected:
        (GOLDEN / "_actual").mkdir(exist_ok=True)
        (GOLDEN / "_actual" / Path(name).name).write_text(text, encoding="utf-8")
    assert text == expected, f"{name} changed (actual output in {GOLDEN / '_actual'})"


def _frame_digest(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False, lineterminator="\n")
    return hashlib.sha256(buf.getvalue().encode()).hexdigest()


def _set_name(files: list[str]) -> str:
    return "+".join(Path(f).name for f in files) if len(files) > 1 else files[0]


@pytest.mark.parametrize("files", EXPORT_SETS, ids=[_set_name(s) for s in EXPORT_SETS])
def test_canonical_tables_unchanged(files: list[str]) -> None:
    try:
        tickets, events, summary = api.read_exports([ROOT / f for f in files])
    except SlametricsError as exc:  # a file that cannot be used alone: its message is the contract
        doc = {"files": files, "error": f"{type(exc).__name__}: {exc}"}
        name = "tables/" + _set_name(files).replace("/", "__") + ".json"
        _check_golden(name, json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
        return
    doc = {
        "files": files,
        "tickets": {
            "rows": len(tickets),
            "columns": list(tickets.columns),
            "sha256": _frame_digest(tickets),
        },
        "events": {
            "rows": len(events),
            "columns": list(events.columns),
            "sha256": _frame_digest(events),
        },
        "groups": [g.model_dump() for g in summary.groups],
        "problems": [p.model_dump(mode="json") for p in summary.problems],
    }
    name = "tables/" + _set_name(files).replace("/", "__") + ".json"
    _check_golden(name, json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


@pytest.fixture(scope="module")
def sample_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    log = tmp_path_factory.mktemp("char") / "log"
    rc = main(
        [
            "import",
            str(ROOT / "sample_data/tickets.csv"),
            str(ROOT / "sample_data/events.csv"),
            "--log",
            str(log),
        ]
    )
    assert rc == 0
    return log


@pytest.mark.parametrize("command,fmt,policy", CLI_CASES)
def test_cli_outputs_unchanged(command, fmt, policy, sample_log, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    period = [] if command.endswith("-whole-span") else ["--period", "2026-W46"]
    args = [
        command.removesuffix("-whole-span"),
        str(sample_log),
        "--policy",
        str(ROOT / "policies" / policy),
        *period,
        "--format",
        fmt,
        "--output",
        str(out),
    ]
    if command == "audit":
        args.append("--all")
    rc = main(args)
    stderr = capsys.readouterr().err
    text = f"exit: {rc}\n" + out.read_text(encoding="utf-8") if out.exists() else f"exit: {rc}\n"
    _check_golden(f"cli/{command}.{policy.removesuffix('.yaml')}.{fmt}", text)
    if command != "check":
        assert stderr == ""


@pytest.mark.parametrize("seed", [0, 7])
def test_sample_generator_unchanged(seed, tmp_path) -> None:
    assert main(["sample", "--out", str(tmp_path), "--seed", str(seed), "--tickets", "120"]) == 0
    doc = {
        name: hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in ("tickets.csv", "events.csv")
    }
    _check_golden(f"sample/seed{seed}.json", json.dumps(doc, indent=1, sort_keys=True) + "\n")
