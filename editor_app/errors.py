"""The few app-wide errors. Adapters and loaders translate what goes wrong into these at the edge."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class EditorError(Exception):
    """Base of every error the app shows to the user; its message is meant to be read by an editor."""


class AuthError(EditorError):
    """The login is missing, expired, revoked, or lacks a permission (e.g. push access)."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


class NotFoundError(EditorError):
    """A repository, branch, file or unpublished entry does not exist."""


class ConflictError(EditorError):
    """The file or branch moved on since the edit started; nothing was written.

    `theirs` is the other side's content of `path` (None when they deleted it or it is unknown),
    `theirs_id` its blob id, `head` the branch head the other side is at. `deleted` is True only when the
    file is known to be gone (theirs None alone may mean the host refused without saying why).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        theirs: bytes | None = None,
        theirs_id: str | None = None,
        head: str | None = None,
        deleted: bool = False,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.deleted = deleted
        self.theirs = theirs
        self.theirs_id = theirs_id
        self.head = head


class LockedError(EditorError):
    """A lock file blocks writing to the repository: a git command is running, or one was killed and left it.

    `lock` is the lock file's path and `holders` the processes found holding it. `stale` is True when no
    process holds it, so removing it is safe; `remove()` (set only then) checks again and removes it.
    Nothing was written when this is raised.
    """

    def __init__(
        self,
        message: str,
        *,
        lock: str,
        holders: tuple[str, ...] = (),
        stale: bool = False,
        remove: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(message)
        self.lock = lock
        self.holders = holders
        self.stale = stale
        self.remove = remove


class RateLimitedError(EditorError):
    """The host refuses more requests until `resume_at` (seconds since the epoch)."""

    def __init__(self, message: str, *, resume_at: float) -> None:
        super().__init__(message)
        self.resume_at = resume_at


class NetworkError(EditorError):
    """The host could not be reached, timed out, or failed with a server error after retries."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where it is and what is wrong."""

    file: str
    line: int | None
    message: str
    path: str = ""  # the option's path, e.g. "collections[2].fields[3]"
    severity: str = "error"  # "error" or "warning"
    column: int | None = None  # 1-based, when known (YAML syntax errors)
    excerpt: str = ""  # lines shown under the message: the source line, a caret under the column, a hint

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        what = f"{self.path}: {self.message}" if self.path else self.message
        return f"{where}: {what}" + (f"\n{self.excerpt}" if self.excerpt else "")


class ConfigError(EditorError):
    """The site's config.yml is invalid; `problems` lists every error found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid config")


class ContentError(EditorError):
    """An entry's content cannot be parsed or written (malformed front matter, unsafe path, ...)."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        where = ""
        if path:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}")
        self.path = path
        self.line = line
        self.detail = message


class Cancelled(EditorError):
    """The user cancelled a long operation; nothing half-done was kept."""
