"""Benchmark harness: trackstats trackers against one SQL statement and django-trackstats 0.7.

Run ``python -m benchmarks.run --help``; docs/performance.md explains the cases and results.
"""
