"""`python -m slametrics.sample`: writes a synthetic helpdesk log as canonical CSV."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from slametrics.sample.writer import write_sample_csv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic helpdesk log as canonical CSV.")
    parser.add_argument("--tickets", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--start", default="2026-09-28")
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--tz", default="Europe/Moscow")
    parser.add_argument("--country", default="RU", help="holiday calendar; 'none' for none")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    paths = write_sample_csv(
        args.out,
        args.tickets,
        seed=args.seed,
        start=args.start,
        weeks=args.weeks,
        tz=args.tz,
        country=None if args.country.lower() == "none" else args.country,
    )
    print(f"wrote {paths[0]} and {paths[1]} in {time.perf_counter() - began:.1f}s")


if __name__ == "__main__":
    main()
