"""A fast start: help, version, policy validation and usage errors never import pandas.

A correctness test (what a command imports), not a timing test: each case runs in a fresh
interpreter and reports the heavy modules loaded by the time the command returned.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import POLICIES

PROBE = """
import json, sys
from slametrics.cli import main
code = main(sys.argv[1:])
heavy = [m for m in ("pandas", "slametrics.api", "slametrics.engine") if m in sys.modules]
rich = "rich" in sys.modules
print(json.dumps({"code": code, "heavy": heavy, "rich": rich}), file=sys.stderr)
"""
# help and usage errors are click's plain text: typer's rich panels import rich's Markdown,
# Syntax (pygments) and Traceback first, half the time of `slametrics --help`
PLAIN = [
    "help",
    "short help",
    "command help",
    "missing argument",
    "unknown option",
    "unknown command",
]
CASES = {
    "help": (["--help"], 0),
    "short help": (["-h"], 0),
    "command help": (["tickets", "--help"], 0),
    "version": (["--version"], 0),
    "policy validate": (["policy", "validate", str(POLICIES / "ru-contract.yaml")], 0),
    "invalid policy": (["policy", "validate", str(POLICIES / "missing.yaml")], 2),
    "missing argument": (["metrics"], 2),
    "bad format": (["tickets", "log", "--policy", "p.yaml", "--format", "nosuch"], 2),
    "unknown option": (["check", "log", "--nosuch"], 2),
    "unknown command": (["nosuch"], 2),
}


def probe(args: list[str]) -> dict:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    return json.loads(run.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("case", list(CASES))
def test_no_pandas_for(case: str) -> None:
    args, code = CASES[case]
    result = probe(args)
    assert {"code": result["code"], "heavy": result["heavy"]} == {"code": code, "heavy": []}
    if case in PLAIN:
        assert not result["rich"]


def test_no_pandas_for_formats() -> None:
    result = probe(["formats"])
    assert (result["code"], result["heavy"]) == (0, [])
    assert result["rich"]  # its table is rich's: the probe sees rich when it is loaded


def test_the_probe_sees_pandas_when_a_command_needs_it(tmp_path) -> None:
    # the same probe on a command that computes: it must report pandas, or it proves nothing
    t = tmp_path / "tickets.csv"
    t.write_text("ticket_id,created_at\n1,2026-11-02T09:00:00Z\n", encoding="utf-8")
    result = probe(["import", str(t), "--log", str(tmp_path / "log")])
    assert result["code"] == 0 and "pandas" in result["heavy"]
