"""Benchmarks of slametrics: `python benchmarks/run.py` (see README.md)."""
