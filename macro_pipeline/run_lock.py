"""One run at a time per data folder, and a Dagster instance initialised once: file locks (``filelock``).

Two runs on one data folder would write the same working database and publish over each other; the second run
is refused at once (or after ``wait_seconds``) with who holds the folder. The lock is an OS lock (``flock``): a
killed run releases it with its process, so no stale lock is ever left to clean up. Who holds it (pid, start
time) is written beside it, in ``.macro_pipeline.lock.owner``, because the lock file itself is truncated by
every process that tries it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import filelock

LOCK_NAME = ".macro_pipeline.lock"
OWNER_NAME = ".macro_pipeline.lock.owner"
INSTANCE_LOCK_NAME = ".macro_pipeline_instance.lock"


class DataFolderBusy(RuntimeError):
    """Another run holds the data folder."""


def _owner_text(data_dir: Path) -> str:
    try:
        owner = json.loads((data_dir / OWNER_NAME).read_text(encoding="utf-8"))
        return f"pid {int(owner['pid'])}, started at {owner['started_at']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "pid unknown"


@contextlib.contextmanager
def hold_data_folder(data_dir: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold the data folder's run lock for the duration of the block, or raise DataFolderBusy."""
    lock = filelock.FileLock(str(data_dir / LOCK_NAME), is_singleton=False)
    try:
        lock.acquire(timeout=max(wait_seconds, 0.0), poll_interval=0.2)
    except filelock.Timeout:
        waited = f" (waited {wait_seconds:g} s)" if wait_seconds > 0 else ""
        raise DataFolderBusy(f"another run ({_owner_text(data_dir)}) holds the data folder {data_dir}{waited}; "
                             "wait for it to finish, or pass --wait SECONDS to queue behind it") from None
    owner = data_dir / OWNER_NAME
    try:
        started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        owner.write_text(json.dumps({"pid": os.getpid(), "started_at": started}), encoding="utf-8")
        yield
    finally:
        owner.unlink(missing_ok=True)
        lock.release()


@contextlib.contextmanager
def instance_init_lock(dagster_home: Path) -> Iterator[None]:
    """Serialise the first use of a DAGSTER_HOME: two processes creating its sqlite storages at once can leave
    two alembic heads in them, broken for good."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(dagster_home / INSTANCE_LOCK_NAME), is_singleton=False)
    with lock.acquire(timeout=120):
        yield
