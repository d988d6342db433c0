"""Docs as tests: every command has help text and appears in the README; the README's commands run."""

from __future__ import annotations

import re

import typer.main

from conftest import ROOT
from slametrics.cli import app


def _commands() -> list[str]:
    group = typer.main.get_command(app)
    names = []
    for name, cmd in group.commands.items():
        sub = getattr(cmd, "commands", None)
        if sub:
            names += [f"{name} {s}" for s in sub]
        else:
            names.append(name)
        assert (cmd.help or "").strip(), f"command {name} has no help text"
    return sorted(names)


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in _commands() if f"slametrics {c}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_opens_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)\n```", readme, re.S)
    assert "slametrics import sample_data/tickets.csv sample_data/events.csv" in blocks[0]
    assert (
        blocks[1]
        == "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest"
    )
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert blocks[1] in ci
