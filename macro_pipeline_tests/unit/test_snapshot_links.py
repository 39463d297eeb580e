"""A series file that is a link out of the snapshot folder is refused without being read: nothing of its target
(before: its first line, quoted in a header error) reaches an error message or a log."""

from __future__ import annotations

import hashlib

import polars as pl
import pytest

from macro_pipeline.sources import SnapshotSource, SourceError
from macro_pipeline_tests.support import copy_snapshot, read_series, set_manifest


def test_a_link_out_of_the_snapshot_is_refused_without_echoing_its_target(tmp_path):
    snapshot = copy_snapshot(tmp_path / "fred_snapshot")
    secret = tmp_path / "outside" / "credentials.txt"
    secret.parent.mkdir()
    secret.write_text("root:TOPSECRET-PASSWORD:0:0\n", encoding="utf-8")
    link = snapshot / "series" / "UNRATE.csv"
    link.unlink()
    link.symlink_to(secret)
    # even a manifest that vouches for the target's bytes does not get it read
    set_manifest(snapshot, "UNRATE", sha256=hashlib.sha256(secret.read_bytes()).hexdigest(), rows="0")
    with pytest.raises(SourceError) as raised:
        SnapshotSource(snapshot_dir=str(snapshot)).fetch(["UNRATE", "GDP"], pl.DataFrame())
    message = str(raised.value)
    assert "UNRATE: file series/UNRATE.csv is a link to a file outside the snapshot folder" in message
    assert "TOPSECRET" not in message and "root:" not in message


def test_a_link_inside_the_snapshot_is_read(tmp_path):
    snapshot = copy_snapshot(tmp_path / "fred_snapshot")
    kept = snapshot / "series" / "UNRATE.original"
    (snapshot / "series" / "UNRATE.csv").rename(kept)
    (snapshot / "series" / "UNRATE.csv").symlink_to(kept)
    delivery = SnapshotSource(snapshot_dir=str(snapshot)).fetch(["UNRATE"], pl.DataFrame())
    assert delivery.observations.height == len(read_series(snapshot, "UNRATE").strip().splitlines()) - 1
