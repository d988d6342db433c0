"""Run slametrics as `python -m slametrics`."""

from slametrics.cli import run

run()
