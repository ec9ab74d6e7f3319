"""Benchmarks: each prints a table and measures its anchor in the same run."""
