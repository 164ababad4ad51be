"""Benchmark scripts; each prints the figures reported in docs/performance.md."""
