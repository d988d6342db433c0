"""Deterministic, vectorized generator of realistic synthetic helpdesk logs (tickets and events).

Every ticket follows one template of optional event slots (lifecycle.py), each timed on wall time,
the agents' or the customers' working hours (axes.py); the log is cut at the end of the period and
the tickets table is derived from the surviving events (summary.py), so both tables always agree.
generator.py runs the steps in order; writer.py writes the canonical CSV form.
"""

from slametrics.sample.generator import generate_sample, generate_tables
from slametrics.sample.tables import SOURCE
from slametrics.sample.writer import CSV_EVENT_COLUMNS, CSV_TICKET_COLUMNS, write_sample_csv

__all__ = [
    "CSV_EVENT_COLUMNS",
    "CSV_TICKET_COLUMNS",
    "SOURCE",
    "generate_sample",
    "generate_tables",
    "write_sample_csv",
]
