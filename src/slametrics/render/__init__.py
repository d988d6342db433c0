"""Renderers: pure functions from results to text (terminal tables, JSON, CSV, JUnit, GitHub, reports)."""
