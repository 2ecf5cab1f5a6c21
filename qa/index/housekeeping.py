"""The index folder's housekeeping: one writer at a time (a lock file beside the folder), the leftovers of builds
and saves killed midway, whether a process still runs, and handing freed memory back to the system."""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import qa.index.segments as store
from qa.index.manifest import read_manifest, readable

logger = logging.getLogger(__name__)


def release_memory() -> None:
    """Hand the heap memory freed by now back to the system (glibc's ``malloc_trim``; nothing elsewhere). Reading
    thousands of segments frees as much as it keeps (each file's bytes, per-segment vector copies), and glibc keeps
    those pages: at 2,000 reports the process held 1.5 GB after a load instead of 1.1."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


@contextmanager
def folder_lock(directory: Path) -> Iterator[None]:
    """One writer of a folder (the index, the corpus) at a time, across processes: a lock file beside it."""
    with open(directory.parent / f".{directory.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def remove_leftovers(index_dir: Path | str) -> list[Path]:
    """Remove the folders that builds killed midway left beside ``index_dir`` (``.index.building-<pid>``,
    ``.index.old-<pid>`` of a process no longer running); returns what was removed."""
    index_dir = Path(index_dir)
    removed = []
    for path in index_dir.parent.glob(f".{index_dir.name}.*-*"):
        kind, _, pid = path.name[len(index_dir.name) + 2 :].rpartition("-")
        if kind not in ("building", "old") or not pid.isdigit() or pid_running(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
        logger.warning("removed %s, left by a build that did not finish", path.name)
    if readable(index_dir):  # segment files a killed save wrote but no manifest lists
        with folder_lock(index_dir):
            listed = {file for _, file, _ in read_manifest(index_dir).segments}
            for name in store.collect_garbage(index_dir / store.FOLDER, listed):
                removed.append(index_dir / store.FOLDER / name)
                logger.warning("removed %s, a segment no manifest lists (left by a save that did not finish)", name)
    return removed


def pid_running(pid: int) -> bool:
    """Whether a process with this id is running (this one counts)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
