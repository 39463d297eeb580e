"""Whether a run would change nothing: the inputs' fingerprint at the last publish vs now.

``macro-pipeline run`` asks ``check`` before starting Dagster: when the snapshot (README, MANIFEST.csv and every
series file's size and modification time), the catalog, the reference tables, the pipeline's code and the
library versions are what they were when the published file was last built, and that file is still the one that
run wrote, the run is "up to date" and does nothing. The live FRED source is never up to date (the data may have
changed upstream). Inside a run, the snapshot source skips series whose file is unchanged (see
``sources.snapshot``), so a run that does start re-merges only what changed.

Imports only the standard library: it runs before dagster, polars or duckdb are imported.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from macro_pipeline import settings

STATE_FILE = Path("work") / "published_inputs.json"
_CODE_SUFFIXES = {".py", ".sql", ".csv", ".yaml", ".yml", ".json", ".toml", ".md"}
_LIBRARIES = ("dagster", "duckdb", "polars", "pandera", "pyarrow", "fredapi")
_PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class RunInputs:
    """Where a run reads from and writes to (None: the packaged default)."""

    snapshot_dir: Path
    catalog_dir: Path | None
    reference_dir: Path | None
    data_dir: Path
    source_kind: str

    @classmethod
    def from_settings(cls) -> RunInputs:
        return cls(snapshot_dir=settings.snapshot_dir(), catalog_dir=None, reference_dir=settings.reference_dir(),
                   data_dir=settings.data_dir(), source_kind=settings.source_kind())


@dataclass(frozen=True)
class Check:
    up_to_date: bool
    fingerprint: str | None
    reason: str


def fingerprint(inputs: RunInputs) -> str | None:
    """A hash of everything a build reads; None when the inputs cannot be fingerprinted (the live source)."""
    if inputs.source_kind != "snapshot":
        return None
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(label.encode() + b"\0" + len(data).to_bytes(8, "little") + data)

    for name, version in installed_versions().items():
        add(f"lib:{name}", version.encode())
    add("env:vintages", os.environ.get(settings.FRED_VINTAGES_ENV, "").encode())
    for root, label in ((_PACKAGE_DIR, "code"), (settings.SQL_DIR, "sql"),
                        (inputs.catalog_dir, "catalog"), (inputs.reference_dir, "reference")):
        if root is None:
            continue
        for path in _files(Path(root)):
            add(f"{label}:{path.relative_to(root)}", path.read_bytes())
    snapshot = Path(inputs.snapshot_dir)
    for name in ("README.md", "MANIFEST.csv"):
        path = snapshot / name
        add(f"snapshot:{name}", path.read_bytes() if path.is_file() else b"<missing>")
    entries = []
    for folder in ("series", "vintages"):  # the snapshot's own files and its earlier releases
        directory = snapshot / folder
        entries += sorted(os.scandir(directory), key=lambda e: e.name) if directory.is_dir() else []
    for entry in entries:
        # size and modification time (not content: hashing every file is the source's job in a run); a symlink
        # is described as such so replacing a file by a link is a change
        stat = entry.stat(follow_symlinks=False)
        add(f"file:{Path(entry.path).parent.name}/{entry.name}",
            f"{entry.is_symlink()}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def installed_versions(libraries: tuple[str, ...] = _LIBRARIES) -> dict[str, str]:
    """The installed version of each library ('' when not installed), from the name of its ``.dist-info``
    folder on ``sys.path``, the first found in path order, as Python's import finds the package.

    Why not ``importlib.metadata.version``: importing it (email, zipfile, csv) and parsing six METADATA files cost
    ~33 ms, half of what the "up to date" answer takes (bench P1). The folder name carries the same version:
    installers write ``{name}-{version}.dist-info`` with the name normalised (PEP 427, PEP 503)."""
    wanted = {re.sub(r"[-_.]+", "_", name).lower(): name for name in libraries}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for folder in names:
            if not folder.endswith(".dist-info"):
                continue
            project, _, version = folder[: -len(".dist-info")].partition("-")
            name = wanted.get(re.sub(r"[-_.]+", "_", project).lower())
            if name is not None and name not in found and version:
                found[name] = version
        if len(found) == len(wanted):
            break
    return {name: found.get(name, "") for name in libraries}


def code_fingerprint() -> str:
    """A hash of the pipeline's code, SQL and packaged catalog, and the library versions."""
    digest = hashlib.sha256()
    for name, version in installed_versions().items():
        digest.update(f"lib:{name}={version}".encode())
    for root, label in ((_PACKAGE_DIR, "code"), (settings.SQL_DIR, "sql")):
        for path in _files(Path(root)):
            data = path.read_bytes()
            digest.update(f"{label}:{path.relative_to(root)}:{len(data)}".encode() + data)
    return digest.hexdigest()


def _files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in _CODE_SUFFIXES
                  and "__pycache__" not in p.parts)


def _published_identity(data_dir: Path) -> dict | None:
    path = Path(data_dir) / settings.PUBLISHED_FILE_NAME
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def check(inputs: RunInputs) -> Check:
    """Whether a build now would rebuild the same published file (then it need not run)."""
    current = fingerprint(inputs)
    if current is None:
        return Check(False, None, f"the {inputs.source_kind} source is always fetched")
    published = _published_identity(inputs.data_dir)
    if published is None:
        return Check(False, current, "nothing published yet")
    try:
        state = json.loads((Path(inputs.data_dir) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Check(False, current, "no record of the inputs of the last publish")
    if state.get("published") != published:
        return Check(False, current, "the published file was written by another run")
    if state.get("fingerprint") != current:
        return Check(False, current, "inputs changed since the last publish")
    return Check(True, current, "snapshot, catalog, reference tables and code unchanged since the last publish")


def up_to_date(inputs: RunInputs) -> bool:
    return check(inputs).up_to_date


def record_published(inputs: RunInputs, fingerprint_before_run: str | None = None) -> None:
    """After a successful publish: remember the inputs it was built from (the fingerprint taken before the run
    started, so a change made during the run is seen by the next one) and which file it wrote."""
    current = fingerprint_before_run or fingerprint(inputs)
    published = _published_identity(inputs.data_dir)
    if current is None or published is None:
        return
    path = Path(inputs.data_dir) / STATE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"fingerprint": current, "published": published}), encoding="utf-8")
    os.replace(tmp, path)
