"""Dagster objects: assets by layer (ingest, staging, marts, publish), their checks, jobs and schedules."""
