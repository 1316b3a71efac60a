"""SiteLock: one app instance at a time edits a site (its sandbox state or working copy, drafts and cache).

A lock file per site under the app's data folder holds an OS lock (`flock` on POSIX, `msvcrt.locking` on
Windows) for as long as the instance keeps the site open, and says who holds it (pid, host, start time).
The OS drops the lock when its process dies, however it dies (kill -9 included), so a stale lock file left
by a dead process is simply taken over: no clean-up is ever needed. A second instance gets `held_by` (the
holder) and opens the site read-only instead of silently overwriting the first one's commits.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

LOCK_SUFFIX = ".lock"

# The lock files this process holds, with how many SiteLocks share each: one app instance may open the same
# site again (Open another site… choosing it) before it closes the first window, and must not lock itself out.
# (An OS lock belongs to the process, so this table is per process by nature, not a convenience global.)
_HELD: dict[Path, tuple[IO[str], int]] = {}
_HELD_LOCK = threading.Lock()


@dataclass(frozen=True)
class LockHolder:
    """Who holds a site: process id, host name, and when the process took the lock (seconds since the epoch)."""

    pid: int
    host: str
    since: float
    site: str = ""

    def describe(self) -> str:
        """E.g. "process 4242 on garden-laptop, since 2026-12-07 23:10:05"."""
        when = _dt.datetime.fromtimestamp(self.since).strftime("%Y-%m-%d %H:%M:%S") if self.since else "an unknown time"
        return f"process {self.pid} on {self.host or 'this computer'}, since {when}"


class SiteLock:
    """The lock of one site: `SiteLock.take(folder, site)`; `held` says whether this instance got it."""

    def __init__(self, path: Path, site: str, handle: IO[str] | None, held_by: LockHolder | None) -> None:
        self.path = path
        self.site = site
        self._handle = handle
        self.held_by = held_by  # the other instance holding the site (None when this one holds it)

    @property
    def held(self) -> bool:
        """Whether this instance holds the site (may write)."""
        return self._handle is not None

    @classmethod
    def take(cls, folder: Path, site: str, *, clock: float | None = None) -> SiteLock:
        """Take the lock of `site` (an identity such as the workspace's) under `folder`, or learn who has it."""
        folder.mkdir(parents=True, exist_ok=True)
        path = (folder / (hashlib.sha256(site.encode("utf-8")).hexdigest()[:32] + LOCK_SUFFIX)).resolve()
        with _HELD_LOCK:
            if path in _HELD:  # this process holds it already: share it
                handle, count = _HELD[path]
                _HELD[path] = (handle, count + 1)
                return cls(path, site, handle, None)
            handle = open(path, "a+", encoding="utf-8")
            if not lock_without_waiting(handle):
                holder = _read_holder(path) or LockHolder(pid=0, host="", since=0.0, site=site)
                handle.close()
                return cls(path, site, None, holder)
            me = LockHolder(pid=os.getpid(), host=socket.gethostname(),
                            since=time.time() if clock is None else clock, site=site)
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": me.pid, "host": me.host, "since": me.since, "site": site}))
            handle.flush()
            _HELD[path] = (handle, 1)
            return cls(path, site, handle, None)

    def release(self) -> None:
        """Give the site up (the last holder in this process closes the file, which drops the OS lock)."""
        handle, self._handle = self._handle, None
        if handle is None:
            return
        with _HELD_LOCK:
            _handle, count = _HELD.get(self.path, (handle, 1))
            if count > 1:
                _HELD[self.path] = (handle, count - 1)
                return
            _HELD.pop(self.path, None)
            try:
                handle.seek(0)
                handle.truncate()
            except OSError:
                pass  # the lock goes with the close anyway
            handle.close()


def _read_holder(path: Path) -> LockHolder | None:
    try:
        body = json.loads(path.read_text("utf-8") or "{}")
        return LockHolder(pid=int(body["pid"]), host=str(body.get("host", "")), since=float(body.get("since", 0.0)),
                          site=str(body.get("site", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # being written right now, or written by something else: the holder is unknown


def lock_without_waiting(handle: IO[str]) -> bool:
    """Lock an open file for its process without waiting (flock / msvcrt); False when another open file holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
