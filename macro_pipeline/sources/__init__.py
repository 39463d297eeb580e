"""Observation sources: where raw observations come from (the embedded snapshot, or the live FRED API)."""

from macro_pipeline.sources.base import Delivery, ObservationSource, SeriesOutcome, SourceError
from macro_pipeline.sources.snapshot import SnapshotSource

__all__ = ["Delivery", "ObservationSource", "SeriesOutcome", "SnapshotSource", "SourceError"]
