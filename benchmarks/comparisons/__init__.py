"""Sections of ``benchmarks/compare.py``: one module per comparison, each with ``run(ctx)``."""
