"""Benchmarks of macro_pipeline: orchestration overhead, scale, live ingest, analyst latency and start-up.

Run ``python -m bench`` from the repository root (see bench/README.md).
"""
