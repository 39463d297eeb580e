"""Files written beside the published file (exports, the chart book): built in a temporary folder, fsynced, then
renamed into place one by one, so a reader opening any of them gets a whole old or a whole new file, never part
of one."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

BUILD_SUFFIX = ".building"


def build_folder_for(target: Path, build_id: str) -> Path:
    """The hidden temporary folder a build of ``target`` is written in (same file system, so rename is atomic)."""
    return target.with_name(f".{target.name}.{build_id}{BUILD_SUFFIX}")


def remove_stale_builds(target: Path) -> list[Path]:
    """Delete temporary folders that killed builds left behind (never ``target`` itself)."""
    stale = sorted(target.parent.glob(f".{target.name}.*{BUILD_SUFFIX}"))
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def start_build(target: Path, build_id: str) -> Path:
    """A fresh, empty build folder for ``target`` (stale ones removed first)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_builds(target)
    build = build_folder_for(target, build_id)
    build.mkdir()
    return build


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def install_build(target: Path, build: Path, last: Iterable[str] = ()) -> list[Path]:
    """Move every file of the build folder into ``target``: each file is fsynced, then renamed over its old
    version (``os.replace``, atomic on one file system), the names in ``last`` after the others (a page after
    the pictures it shows). Files of ``target`` the build does not have are removed after; the build folder
    goes. A failure before the renames leaves ``target`` as it was."""
    try:
        names = sorted(p.name for p in build.iterdir() if p.is_file())
        for name in names:
            _fsync(build / name)
        _fsync(build)
        target.mkdir(exist_ok=True)
        last = [n for n in last if n in names]
        order = [n for n in names if n not in last] + last
        for name in order:
            os.replace(build / name, target / name)
        _fsync(target)
        for old in sorted({p.name for p in target.iterdir() if p.is_file()} - set(names)):
            (target / old).unlink(missing_ok=True)
    finally:
        shutil.rmtree(build, ignore_errors=True)
    return [target / name for name in order]


def install_files(target: Path, build_id: str, files: Mapping[str, bytes], last: Iterable[str] = ()) -> list[Path]:
    """Write ``files`` (plain name -> content) into a build folder, then install them into ``target``."""
    for name in files:
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"not a plain file name: {name!r}")
    build = start_build(target, build_id)
    try:
        for name, content in files.items():
            (build / name).write_bytes(content)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return install_build(target, build, last)
