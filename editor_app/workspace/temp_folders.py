"""Temporary folders left behind by a crash (`editor-app-paste-*`, `editor-app-index-*`), removed at start-up.

A temporary folder may belong to another running instance of the app (two windows on two sites, two data
folders), so age alone is not enough. Every instance marks itself as running: a file in a shared folder next
to the temporary ones, locked by the OS for as long as the process lives (a crash or kill -9 drops the lock)
and holding the time the instance started. An instance can only own folders it made after it started, so a
folder last changed before the start of every running instance belongs to none of them: it is a leftover.
Younger leftovers are left for a later start; nothing in use is ever removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import IO

from editor_app.workspace.site_lock import lock_without_waiting

TEMP_PREFIXES = ("editor-app-paste-", "editor-app-index-")
INSTANCES_FOLDER = "editor-app-instances"
MARK_SUFFIX = ".instance"
MTIME_SLACK = 5.0  # seconds: file systems with coarse timestamps may round a folder's time down


class RunningInstance:
    """This process, marked as a running app instance under `folder` until `release()` or its end."""

    def __init__(self, path: Path, handle: IO[str], started: float) -> None:
        self.path = path
        self.started = started
        self._handle: IO[str] | None = handle

    @classmethod
    def register(cls, folder: Path | None = None, *, started: float | None = None) -> RunningInstance:
        """Mark this process as running (call at start-up, before any temporary folder is made)."""
        folder = folder or Path(tempfile.gettempdir()) / INSTANCES_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        when = time.time() if started is None else started
        name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        path = folder / (name + MARK_SUFFIX)
        # Locked and written under a name nobody looks at, then renamed (the lock follows the file): no other
        # instance ever sees this mark unlocked and takes it for a dead one's.
        hidden = folder / ("." + name)
        handle = open(hidden, "w+", encoding="utf-8")
        if not lock_without_waiting(handle):
            handle.close()
            raise OSError(f"{hidden}: cannot lock this instance's mark")
        handle.write(json.dumps({"pid": os.getpid(), "started": when}))
        handle.flush()
        os.replace(hidden, path)
        return cls(path, handle, when)

    def release(self) -> None:
        """The process is ending: remove its mark."""
        handle, self._handle = self._handle, None
        if handle is not None:
            self.path.unlink(missing_ok=True)
            handle.close()


def running_since(folder: Path | None = None) -> float | None:
    """The start of the oldest running instance (None when none is); marks of dead processes are removed."""
    folder = folder or Path(tempfile.gettempdir()) / INSTANCES_FOLDER
    oldest: float | None = None
    try:
        marks = sorted(folder.glob("*" + MARK_SUFFIX))
    except OSError:
        return None
    for mark in marks:
        try:
            handle = open(mark, encoding="utf-8")
        except OSError:
            continue
        try:
            if lock_without_waiting(handle):
                mark.unlink(missing_ok=True)  # its process is gone (we could lock its mark)
                continue
            try:
                started = float(json.loads(handle.read() or "{}")["started"])
            except (ValueError, KeyError, TypeError):
                started = 0.0  # running but not written yet: it started just now, or count it as oldest
            oldest = started if oldest is None else min(oldest, started)
        finally:
            handle.close()
    return oldest


def sweep_stale_temp_folders(
    temp_dir: Path | None = None, *, instances: Path | None = None, prefixes: tuple[str, ...] = TEMP_PREFIXES,
) -> list[Path]:
    """Remove the app's temporary folders that no running instance can own; returns what was removed.

    Call after `RunningInstance.register()`: this instance then counts among the running ones.
    """
    temp_dir = temp_dir or Path(tempfile.gettempdir())
    since = running_since(instances or temp_dir / INSTANCES_FOLDER)
    cutoff = (time.time() if since is None else since) - MTIME_SLACK
    removed = []
    try:
        candidates = [p for p in temp_dir.iterdir() if p.name.startswith(prefixes)]
    except OSError:
        return []
    for path in candidates:
        try:
            if path.is_symlink() or not path.is_dir() or path.stat().st_mtime >= cutoff:
                continue
        except OSError:
            continue
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            removed.append(path)
    return removed
