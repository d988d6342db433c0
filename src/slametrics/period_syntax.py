"""How a period is written (`--period`): the help text, kept apart so `--help` loads no dates."""

PERIOD_HELP = (
    "2026-W46 (ISO week), 2026-11, 2026-Q4, 2026, 2026-11-01..2026-11-15 (inclusive), "
    "2026-11-04, or relative to --as-of (else now): today, yesterday, this-week, last-week, "
    "this-month, last-month, this-quarter, last-quarter"
)
