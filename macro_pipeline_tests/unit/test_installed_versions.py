"""The incremental check's library versions come from the .dist-info folder names (cheaper than
importlib.metadata): they must be the versions importlib.metadata reports, and '' for what is not installed."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from macro_pipeline import incremental


def test_the_versions_are_those_importlib_metadata_reports() -> None:
    names = (*incremental._LIBRARIES, "pytest", "dagster-webserver", "dagster_graphql")
    assert incremental.installed_versions(names) == {name: metadata.version(name) for name in names}


def test_a_library_not_installed_has_no_version() -> None:
    assert incremental.installed_versions(("no-such-library-anywhere",)) == {"no-such-library-anywhere": ""}


def test_the_first_folder_on_the_path_wins_as_for_imports(tmp_path: Path, monkeypatch) -> None:
    # a newer copy earlier on sys.path is the one Python would import: its version is the one fingerprinted
    (tmp_path / "duckdb-9.9.9.dist-info").mkdir()
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    assert incremental.installed_versions(("duckdb",)) == {"duckdb": "9.9.9"}
    assert incremental.installed_versions(("polars",)) == {"polars": metadata.version("polars")}
