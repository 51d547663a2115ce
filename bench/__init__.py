"""Benchmarks (``make bench``), the synthetic dataset generator and the DuckDB reference implementation."""
