"""Renderers: pure functions from results to text (terminal, JSON, CSV, JUnit, GitHub, reports)."""
