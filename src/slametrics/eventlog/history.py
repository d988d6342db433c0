"""The log's import history (`imports.jsonl`): one JSON line per import, appended."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

IMPORTS_FILE = "imports.jsonl"


def record_import(log_dir: Path, groups: list[dict], problems: int) -> None:
    """Append one import's row accounting to the log's history."""
    record = {
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "groups": groups,
        "problems": problems,
    }
    with open(Path(log_dir) / IMPORTS_FILE, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def import_totals(log_dir: Path) -> tuple[int, int]:
    """(rows rejected, problems) over every import into the log; unreadable lines are skipped."""
    path = Path(log_dir) / IMPORTS_FILE
    if not path.exists():
        return 0, 0
    rejected = problems = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        rejected += sum(g.get("rows_rejected", 0) for g in rec.get("groups", []))
        problems += rec.get("problems", 0)
    return rejected, problems
