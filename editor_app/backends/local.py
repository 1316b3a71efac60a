"""`local`: a site folder that is a git working copy, edited in place through the `git` CLI. No network.

- The checked-out branch is read from the working tree (ids = git blob SHA-1 of the working-tree
  bytes); other branches are read from git's objects.
- Every commit is ONE git commit built with plumbing (`hash-object -w`, a temporary index via
  `GIT_INDEX_FILE`, `write-tree`, `commit-tree`), so no branch is ever checked out. The branch moves
  LAST (`update-ref` with the old value as a guard). On the checked-out branch a save then goes:
  commit object -> a save record in the git folder -> each touched working-tree file written atomically
  (temp file in its folder + `os.replace`) -> the index -> `update-ref` -> record removed. Nothing else in
  the working tree is disturbed. A save killed at any point leaves either the branch untouched or the
  record, which the next open (or save) uses to finish the save when the files are still as the save left
  them (else to leave the user's text in the working tree and unstage it). A save whose content is
  already on the branch reports success without a commit, so a retry never makes an empty commit.
- Lock files (`.git/index.lock`, `refs/heads/<branch>.lock`) block a save with LockedError naming the
  process that holds them, or saying none does (a killed git left it) so it may be removed.
- Symbolic links: a link (to a file or a folder) that leads outside the repository is never read: the
  listing reports it as skipped. Links inside the repository are followed for reading. Nothing is ever
  written through a link (the link would become a regular file or folder): such saves are refused.
- A commit refuses to overwrite uncommitted changes made outside the app to a file it touches, unless
  the edit was made from exactly that working-tree content.
- Editorial workflow as decap-server's git mode keeps it: branches `cms/<collection>/<slug>`, the
  status label in `git config branch.<branch>.description`; publish is a merge (`git merge-tree`)
  into the site's branch, then the entry's branch is deleted.
"""

from __future__ import annotations

import dataclasses
import json
import os
import posixpath
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from editor_app.backends import workflow
from editor_app.backends.base import (
    STATUS_DRAFT,
    WORKFLOW_STATUSES,
    Backend,
    BackendSettings,
    CommitResult,
    Credentials,
    Diff,
    FileChange,
    FileMeta,
    Listing,
    OnWait,
    Refresh,
    RepoFile,
    SkippedFile,
    UnpublishedEntry,
    User,
)
from editor_app.backends.workflow import apply_changes, check_repo_path, filter_listing, git_blob_id
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, LockedError, NotFoundError

if TYPE_CHECKING:
    import httpx

# Where sites keep Decap's config, most common first (relative to the site folder).
CONFIG_LOCATIONS = tuple(
    f"{folder}/config.{ext}"
    for folder in (
        "static/admin",
        "public/admin",
        "admin",
        "src/admin",
        "site/static/admin",
        "app/admin",
        "source/admin",
        "content/admin",
    )
    for ext in ("yml", "yaml")
)

ZERO_ID = "0" * 40
INHERITED_GIT_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_PREFIX")
GIT_TIMEOUT_SECONDS = 120
# Beyond this many paths, list the whole tree instead (Windows limits a command line to 32k chars).
MAX_PATHS_ON_COMMAND_LINE = 200
# A file modified within this window may still have the mtime its cached id was computed at (git's
# "racily clean" problem), so its id is not cached.
RACY_WINDOW_NS = 2_000_000_000
REGULAR_FILE_MODE = "100644"
EXECUTABLE_MODE = "100755"
LINK_MODE = "120000"
# The record of a save in progress on the checked-out branch, in the (per-worktree) git folder.
SAVE_RECORD = "editor-app-save.json"
# Working-tree files are first written to `.<name>.<commit id prefix>` + this, next to the file.
TEMP_SUFFIX = ".editor-app-tmp"
# Where no process list can be read (not Linux), a lock file older than this is taken as left by a killed git.
STALE_LOCK_AGE_SECONDS = 600
OUTSIDE_LINK = "a symbolic link that leads outside the repository; the app does not read or write through it"


def find_site_config(folder: Path, explicit: str | Path | None = None) -> Path:
    """The site's Decap config: `explicit` (relative to `folder` or absolute) or the first usual location.

    NotFoundError lists every place looked at.
    """
    folder = Path(folder)
    if explicit is not None:
        candidate = Path(explicit)
        if not candidate.is_absolute():
            candidate = folder / candidate
        if candidate.is_file():
            return candidate
        raise NotFoundError(f"{candidate}: no such config file")
    for location in CONFIG_LOCATIONS:
        candidate = folder / location
        if candidate.is_file():
            return candidate
    looked = "\n  ".join(CONFIG_LOCATIONS)
    raise NotFoundError(f"no Decap config.yml found in {folder}; looked at:\n  {looked}")


class GitError(EditorError):
    """A git command failed in an unexpected way."""


class NoAuthorError(AuthError):
    """Neither the settings nor git's config give a commit author (user.name and user.email)."""


def logged_in_identity() -> tuple[str, str]:
    """The name and e-mail of the user logged in to this computer, as far as the system knows them ("" when not)."""
    name = ""
    try:
        import pwd

        account = pwd.getpwuid(os.getuid())
        name = account.pw_gecos.split(",", 1)[0].strip() or account.pw_name
    except (ImportError, KeyError, AttributeError):
        name = os.environ.get("USERNAME") or os.environ.get("USER") or ""
    return name, os.environ.get("EMAIL", "").strip()


def lock_holders(lock: Path, repository: Path) -> list[str] | None:
    """The processes that hold `lock`: those with it open, and git processes working in `repository`.

    None when this system offers no process list to look at (only Linux's /proc is read).
    """
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    target = os.path.realpath(lock)
    inside = os.path.realpath(repository)
    holders = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue  # gone meanwhile
        holds = False
        try:
            holds = any(os.readlink(fd) == target for fd in (entry / "fd").iterdir())
        except OSError:
            pass  # another user's process, or gone: its open files cannot be read
        if not holds and command.startswith("git"):
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                cwd = ""
            holds = cwd == inside or cwd.startswith(inside + os.sep)
        if holds:
            holders.append(f"{command} (process {entry.name})")
    return holders


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _fsync_folder(folder: Path) -> None:
    if sys.platform == "win32":
        return  # folders cannot be opened for fsync there; the rename is durable enough
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalBackend(Backend):
    """A git working copy on disk: `LocalBackend(settings, folder=...)` (default `settings.local_path`).

    The author of commits is `settings.options["author_name"/"author_email"]`, else git's `user.name`
    and `user.email`.
    """

    name = "local"
    is_git = True
    listings_follow_head = False  # the checked-out branch is read from the working tree, edited outside too

    def __init__(self, settings: BackendSettings, *, folder: Path | None = None, git: str = "git") -> None:
        self.settings = settings
        chosen = folder if folder is not None else settings.local_path
        if not chosen:
            raise NotFoundError("no site folder given for the local backend")
        self.folder = Path(chosen)
        if not self.folder.is_dir():
            raise NotFoundError(f"{self.folder}: no such folder")
        self._git_exe = git
        self._lock = threading.RLock()
        self._id_cache: dict[str, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, blob id)
        result = self._run(["rev-parse", "--show-toplevel"], cwd=self.folder, check=False)
        if result.returncode != 0:
            raise NotFoundError(f"{self.folder}: not a git working copy (run `git init` there first)")
        self.root = Path(result.stdout.decode().strip())
        self._real_root = os.path.realpath(self.root)
        self.git_dir = Path(self._git("rev-parse", "--absolute-git-dir").strip())
        self.common_dir = (self.root / self._git("rev-parse", "--git-common-dir").strip()).resolve()
        # Why a save interrupted earlier could not be finished on opening (the next save tries again and says why).
        self.recovery_problem: str | None = None
        with self._lock:
            try:
                self._recover_interrupted_save()
            except (EditorError, OSError) as error:
                self.recovery_problem = str(error)

    # --- git plumbing ----------------------------------------------------------------------------

    @classmethod
    def connect(
        cls,
        settings: BackendSettings,
        credentials: Credentials | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        refresh: Refresh | None = None,
        on_wait: OnWait | None = None,
        read_cache: Path | None = None,
    ) -> LocalBackend:
        """The working copy at `settings.local_path` (on this computer: no login, no network)."""
        return cls(settings)

    def _run(
        self,
        args: Sequence[str],
        *,
        input: bytes | None = None,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        # Variables a parent git process may have set would point git at another repository or index.
        full_env = {k: v for k, v in os.environ.items() if k not in INHERITED_GIT_VARIABLES}
        # Paths are never globs here; git must not prompt (no terminal) nor wait forever.
        full_env.update({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", "GIT_LITERAL_PATHSPECS": "1"})
        if env:
            full_env.update(env)
        try:
            result = subprocess.run(
                [self._git_exe, *args],
                input=input,
                capture_output=True,
                cwd=cwd or self.root,
                env=full_env,
                check=False,
                timeout=GIT_TIMEOUT_SECONDS,
            )
        except FileNotFoundError as exc:
            raise GitError(f"the `{self._git_exe}` program is not installed or not on PATH") from exc
        except subprocess.TimeoutExpired as exc:
            where = f"git {' '.join(args[:2])} did not finish within {GIT_TIMEOUT_SECONDS} s in {cwd or self.root}"
            raise GitError(where) from exc
        if check and result.returncode != 0:
            why = result.stderr.decode(errors="replace").strip()
            raise GitError(f"git {' '.join(args[:2])} failed in {cwd or self.root}: {why}")
        return result

    def _git(self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
        return self._run(args, input=input, env=env).stdout.decode()

    def _rev(self, ref: str) -> str | None:
        result = self._run(["rev-parse", "-q", "--verify", f"{ref}^{{commit}}"], check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _branch_exists(self, branch: str) -> bool:
        return self._rev(f"refs/heads/{branch}") is not None

    def _checked_out(self) -> str | None:
        result = self._run(["symbolic-ref", "-q", "--short", "HEAD"], check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None

    def _tree_entries(self, ref: str, paths: Iterable[str] | None = None) -> dict[str, tuple[str, str]]:
        """path -> (mode, blob id) of the files in `ref` (all, or only `paths`)."""
        args = ["ls-tree", "-r", "-z", "--full-tree", ref]
        wanted = list(paths) if paths is not None else None
        if wanted is not None:
            if not wanted:
                return {}
            if len(wanted) <= MAX_PATHS_ON_COMMAND_LINE:
                args += ["--", *wanted]
        entries: dict[str, tuple[str, str]] = {}
        for record in self._git(*args).split("\0"):
            if not record:
                continue
            meta, path = record.split("\t", 1)
            mode, kind, blob = meta.split()
            if kind == "blob":
                entries[path] = (mode, blob)
        if wanted is not None and len(wanted) > MAX_PATHS_ON_COMMAND_LINE:
            keep = set(wanted)
            entries = {path: entry for path, entry in entries.items() if path in keep}
        return entries

    def _cat_blobs(self, ids: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        out = self._run(["cat-file", "--batch"], input="".join(f"{i}\n" for i in wanted).encode()).stdout
        blobs: dict[str, bytes] = {}
        pos = 0
        for blob in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].decode().split()
            pos = end + 1
            if len(header) == 3:
                size = int(header[2])
                blobs[blob] = out[pos : pos + size]
                pos += size + 1
        return blobs

    # --- working tree ----------------------------------------------------------------------------

    def _worktree_path(self, path: str) -> Path:
        return self.root / check_repo_path(path)

    def _links_in(self, path: str) -> list[str]:
        """The symbolic links among `path` and its folders in the working tree (repository paths)."""
        parts = check_repo_path(path).split("/")
        return [
            "/".join(parts[: i + 1]) for i in range(len(parts)) if (self.root.joinpath(*parts[: i + 1])).is_symlink()
        ]

    def _leads_outside(self, path: str) -> bool:
        """True when `path` in the working tree goes through a symbolic link to somewhere outside the repository."""
        return bool(self._links_in(path)) and not _inside(os.path.realpath(self.root / path), self._real_root)

    def _refuse_links(self, paths: Sequence[str], head: str, live: bool) -> None:
        """ContentError when saving `paths` would write through a symbolic link (or replace one)."""
        prefixes = {path: ["/".join(path.split("/")[: i + 1]) for i in range(path.count("/") + 1)] for path in paths}
        wanted = sorted({p for ps in prefixes.values() for p in ps})
        # Without -r, ls-tree shows a named non-folder entry itself (and at most one level under a named folder).
        committed_links = set()
        for start in range(0, len(wanted), MAX_PATHS_ON_COMMAND_LINE):
            chunk = wanted[start : start + MAX_PATHS_ON_COMMAND_LINE]
            for record in self._git("ls-tree", "-z", "--full-tree", head, "--", *chunk).split("\0"):
                if record:
                    meta, name = record.split("\t", 1)
                    if meta.split()[0] == LINK_MODE:
                        committed_links.add(name)
        for path in paths:
            links = self._links_in(path) if live else []
            links += [p for p in prefixes[path] if p in committed_links]
            if links:
                link = sorted(set(links), key=len)[0]
                what = "is a symbolic link" if link == path else f"is inside {link}, which is a symbolic link"
                raise ContentError(
                    f"{what} in {self.root}: the app does not save through links (the link would be replaced "
                    "by a regular file or folder); edit the file the link points to instead",
                    path=path,
                )

    def _worktree_id(self, path: str) -> str | None:
        """The blob id of the working-tree file (cached by mtime and size), None when absent."""
        full = self._worktree_path(path)
        try:
            stat = full.stat()
        except OSError:
            return None
        if not full.is_file():
            return None
        cached = self._id_cache.get(path)
        if cached and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
            return cached[2]
        blob = git_blob_id(full.read_bytes())
        if time.time_ns() - stat.st_mtime_ns > RACY_WINDOW_NS:
            self._id_cache[path] = (stat.st_mtime_ns, stat.st_size, blob)
        return blob

    def _worktree_files(self, folder: str) -> list[str]:
        """Tracked and untracked (not ignored) files present in the working tree under `folder`."""
        args = ["ls-files", "-z", "-c", "-o", "--exclude-standard", "--full-name"]
        if folder.strip("/"):
            args += ["--", folder.strip("/") + "/"]
        paths = dict.fromkeys(p for p in self._git(*args).split("\0") if p and not p.endswith(TEMP_SUFFIX))
        return list(paths)

    def _dirty_paths(self, paths: Iterable[str]) -> set[str]:
        """Which of `paths` differ between HEAD, the index and the working tree (git's own view)."""
        wanted = list(paths)
        if not wanted:
            return set()
        out = self._git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *wanted)
        return {record[3:] for record in out.split("\0") if record}

    # --- who am I, what is there -----------------------------------------------------------------

    def _author(self) -> tuple[str, str]:
        name = str(self.settings.options.get("author_name") or "")
        email = str(self.settings.options.get("author_email") or "")
        if not name:
            name = self._run(["config", "user.name"], check=False).stdout.decode().strip()
        if not email:
            email = self._run(["config", "user.email"], check=False).stdout.decode().strip()
        if not name or not email:
            raise NoAuthorError(
                f"no commit author for {self.root}: set git's user.name and user.email "
                "(`git config user.name \"Your Name\"`, `git config user.email you@example.org`) "
                "or give an author name and email in the app's settings"
            )
        return name, email

    def _commit_env(self) -> dict[str, str]:
        name, email = self._author()
        return {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }

    def set_author(self, name: str, email: str) -> None:
        """Store the commit author in this repository's own git config (`git config --local user.*`)."""
        name, email = name.strip(), email.strip()
        if not name or any(c in name for c in "<>\n"):
            raise ContentError("a commit author needs a name (without <, > or line breaks)", path=str(self.root))
        if "@" not in email or any(c in email for c in "<> \n"):
            raise ContentError(f"{email!r} is not an e-mail address", path=str(self.root))
        self._git("config", "--local", "user.name", name)
        self._git("config", "--local", "user.email", email)

    def current_user(self) -> User:
        """The commit author (options, else git config); AuthError when none is set."""
        name, email = self._author()
        return User(login=email, name=name, email=email, can_write=os.access(self.root / ".git", os.W_OK))

    def default_branch(self) -> str:
        """`settings.branch`, else the checked-out branch."""
        if self.settings.branch:
            return self.settings.branch
        branch = self._checked_out()
        if branch is None:
            raise NotFoundError(f"{self.root}: no branch is checked out (detached HEAD) and the config names none")
        return branch

    def head(self, branch: str | None = None) -> str:
        """The commit at the head of `branch`."""
        name = branch or self.default_branch()
        head = self._rev(f"refs/heads/{name}")
        if head is None:
            raise NotFoundError(f"branch '{name}' does not exist in {self.root}")
        return head

    # --- reading ---------------------------------------------------------------------------------

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """Files under `folder`: from the working tree for the checked-out branch, else from git.

        Symbolic links that lead outside the repository (files, or the folder itself) are not read: they
        are reported in `Listing.skipped`. On other branches every link is skipped (git stores only its target).
        """
        with self._lock:
            name = branch or self.default_branch()
            head = self.head(name)
            if name == self._checked_out():
                return self._list_worktree(head, folder, extension, depth)
            args = ["ls-tree", "-r", "-z", "--long", "--full-tree", head]
            if folder.strip("/"):
                args += ["--", folder.strip("/") + "/"]
            entries: dict[str, tuple[str, int]] = {}
            links = []
            for record in self._git(*args).split("\0"):
                if record:
                    meta, path = record.split("\t", 1)
                    mode, kind, blob, size = meta.split()
                    if kind == "blob" and mode == LINK_MODE:
                        links.append(path)
                    elif kind == "blob":
                        entries[path] = (blob, int(size))
            paths = filter_listing(dict.fromkeys(entries, ""), folder, extension, depth)
            skipped = tuple(
                SkippedFile(p, "a symbolic link; links are not followed on a branch that is not checked out")
                for p in filter_listing(dict.fromkeys(links, ""), folder, extension, depth)
            )
            files = tuple(RepoFile(p, entries[p][0], entries[p][1]) for p in paths)
            return Listing(head=head, files=files, skipped=skipped)

    def _list_worktree(self, head: str, folder: str, extension: str | None, depth: int | None) -> Listing:
        folder = folder.strip("/")
        if folder and self._links_in(folder):
            real = os.path.realpath(self.root / folder)
            if not _inside(real, self._real_root) or not os.path.isdir(real):
                reason = f"the folder {folder} is {OUTSIDE_LINK}" if os.path.isdir(real) else (
                    f"the folder {folder} is a symbolic link to no folder")
                return Listing(head=head, files=(), skipped=(SkippedFile(folder, reason),))
            # A link to a folder inside the repository: list that folder, under the link's name.
            target = os.path.relpath(real, self._real_root).replace(os.sep, "/")
            found = [folder + p[len(target) :] for p in self._worktree_files(target) if p.startswith(target + "/")]
        else:
            found = self._worktree_files(folder)
        files = []
        skipped = []
        for path in filter_listing(dict.fromkeys(found, ""), folder, extension, depth):
            full = self.root / path
            if self._leads_outside(path):
                skipped.append(SkippedFile(path, OUTSIDE_LINK))
                continue
            if not full.is_file():
                continue  # a folder (or a dangling link): not an entry
            blob = self._worktree_id(path)
            if blob is not None:
                files.append(RepoFile(path=path, id=blob, size=full.stat().st_size))
        return Listing(head=head, files=tuple(files), skipped=tuple(skipped))

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents of the files that exist on `branch`; missing ones (and links leading outside) are left out."""
        with self._lock:
            name = branch or self.default_branch()
            if name == self._checked_out():
                found = {}
                for file in files:
                    full = self._worktree_path(file.path)
                    if full.is_file() and not self._leads_outside(file.path):
                        found[file.path] = full.read_bytes()
                return found
            entries = self._tree_entries(self.head(name), [f.path for f in files])
            entries = {path: entry for path, entry in entries.items() if entry[0] != LINK_MODE}
            blobs = self._cat_blobs(blob for _, blob in entries.values())
            return {path: blobs[blob] for path, (_, blob) in entries.items() if blob in blobs}

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's content and blob id; ContentError for a link that leads outside the repository."""
        name = branch or self.default_branch()
        if name == self._checked_out() and self._leads_outside(path):
            raise ContentError(f"{OUTSIDE_LINK} ({self.root})", path=path)
        found = self.read_files([RepoFile(path=path, id="")], branch=name)
        if path not in found:
            raise NotFoundError(f"{path}: no such file on branch '{name}' in {self.root}")
        return found[path], git_blob_id(found[path])

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Author and date of the last commit that touched `path` on `branch`."""
        head = self.head(branch)
        out = self._git("log", "-1", "--format=%an%x00%aI", head, "--", check_repo_path(path)).strip()
        if not out:
            return None
        author, date = out.split("\0", 1)
        return FileMeta(author=author, updated_on=date)

    def files_meta(self, paths: Sequence[str], *, branch: str | None = None) -> dict[str, FileMeta]:
        """Last author/date of many files from ONE `git log --name-only` walk, newest commit first."""
        wanted = {check_repo_path(path) for path in paths}
        if not wanted:
            return {}
        head = self.head(branch)
        folders = sorted({posixpath.dirname(path) for path in wanted})
        if len(wanted) <= MAX_PATHS_ON_COMMAND_LINE:
            scope = sorted(wanted)
        elif len(folders) <= MAX_PATHS_ON_COMMAND_LINE and "" not in folders:
            scope = folders
        else:
            scope = []
        out = self._git("-c", "core.quotePath=false", "log", "--no-renames", "--name-only",
                        "--format=%x01%an%x00%aI", head, "--", *scope)
        found: dict[str, FileMeta] = {}
        current: FileMeta | None = None
        for line in out.split("\n"):
            if line.startswith("\x01"):
                author, _, date = line[1:].partition("\0")
                current = FileMeta(author=author, updated_on=date)
            elif line and current is not None and line in wanted and line not in found:
                found[line] = current
                if len(found) == len(wanted):
                    break
        return found

    def file_meta_batch(self) -> int:
        """Paths one `files_meta` call answers (one git process for all of them)."""
        return 10_000

    # --- writing ---------------------------------------------------------------------------------

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One git commit with all `changes`, or nothing at all."""
        with self._lock:
            return self._commit(branch or self.default_branch(), changes, message)

    def _relevant_paths(self, changes: Sequence[FileChange]) -> list[str]:
        paths = []
        for change in changes:
            check_repo_path(change.path)
            paths.append(change.path)
            if change.previous_path is not None:
                paths.append(check_repo_path(change.previous_path))
        return list(dict.fromkeys(paths))

    def _commit(self, name: str, changes: Sequence[FileChange], message: str) -> CommitResult:
        env = self._commit_env()
        live = name == self._checked_out()
        if live:
            self._recover_interrupted_save()
        head = self.head(name)
        paths = self._relevant_paths(changes)
        self._refuse_links(paths, head, live)
        in_head = self._tree_entries(head, paths)
        current: dict[str, str] = {}
        contents: dict[str, bytes] = {}
        if live:
            for path in paths:
                full = self._worktree_path(path)
                if full.is_file():
                    contents[path] = full.read_bytes()
                    current[path] = git_blob_id(contents[path])
        else:
            current = {path: blob for path, (_, blob) in in_head.items()}
            blobs = self._cat_blobs(current.values())
            contents = {path: blobs[blob] for path, blob in current.items()}
        if self._already_saved(changes, in_head, contents, live):
            # A retry of a save that landed (or a save of what is there): success, and no empty commit.
            ids = {c.path: current.get(c.path) or git_blob_id(c.data or b"") for c in changes if not c.delete}
            return CommitResult(commit=head, branch=name, ids=ids)
        # A file whose working-tree content is already what this save writes holds the user's own text
        # (an earlier attempt got that far): committing it is no conflict.
        ours = set()
        if live:
            for c in changes:
                if c.previous_path is None and (
                    (c.data is not None and current.get(c.path) == git_blob_id(c.data))
                    or (c.delete and c.path not in current and c.path in in_head)
                ):
                    ours.add(c.path)
            # Already gone from the working tree: the commit deletes it all the same (it is in `in_head`).
            changes = [c for c in changes if not (c.delete and c.path in ours)]
            changes = [c if c.path not in ours else dataclasses.replace(c, expected_id=None) for c in changes]
            self._refuse_outside_edits(changes, self._dirty_paths(paths) - ours, current, contents, head)
        where = f"branch '{name}' in {self.root}"
        blobs_by_id = {current[p]: contents[p] for p in current}
        if changes:
            after, new_blobs, ids = apply_changes(current, changes, blobs_by_id, where=where, head=head)
        else:
            after, new_blobs, ids = dict(current), {}, {}
        # Store the blobs through git's clean filters (line endings, LFS), as `git add` would.
        stored: dict[str, tuple[str, str] | None] = {}
        for path in paths:
            if path in after:
                blob = after[path]
                data = new_blobs[blob] if blob in new_blobs else blobs_by_id[blob]
                mode = in_head.get(path, (REGULAR_FILE_MODE, ""))[0]
                stored_id = self._git("hash-object", "-w", f"--path={path}", "--stdin", input=data).strip()
                stored[path] = (mode if mode.startswith("100") else REGULAR_FILE_MODE, stored_id)
            elif path in in_head or path in current:
                stored[path] = None
        tree = self._write_tree(head, stored, env)
        if tree == self._git("rev-parse", f"{head}^{{tree}}").strip():
            # Nothing differs from the branch: no (empty) commit. The working tree may still hold other text
            # (an outside edit the user reverted in the app): it gets the branch's content.
            if live:
                self._land(name, head, head, stored, live)
                return CommitResult(commit=head, branch=name, ids={p: self._worktree_id(p) or ids[p] for p in ids})
            return CommitResult(commit=head, branch=name, ids={p: stored[p][1] for p in ids if stored[p]})  # type: ignore[index]
        new_head = self._commit_tree(tree, [head], message, env)
        self._reached("commit-written")
        self._land(name, head, new_head, stored, live)
        if not live:
            return CommitResult(commit=new_head, branch=name, ids={p: stored[p][1] for p in ids if stored[p]})  # type: ignore[index]
        # Report the working tree's ids: they are what listings and reads of this branch show.
        return CommitResult(commit=new_head, branch=name, ids={p: self._worktree_id(p) or ids[p] for p in ids})

    def _clean_id(self, path: str, data: bytes) -> str:
        """The blob id git stores for `data` at `path` (after its clean filters), without storing it."""
        return self._git("hash-object", f"--path={path}", "--stdin", input=data).strip()

    def _already_saved(
        self,
        changes: Sequence[FileChange],
        in_head: Mapping[str, tuple[str, str]],
        worktree: Mapping[str, bytes],
        live: bool,
    ) -> bool:
        """True when the branch (and, when checked out, the working tree) already holds every change."""
        for change in changes:
            if change.previous_path is not None and change.previous_path != change.path:
                if change.previous_path in in_head or (live and change.previous_path in worktree):
                    return False
            if change.delete:
                if change.path in in_head or (live and change.path in worktree):
                    return False
                continue
            if change.data is None or change.path not in in_head:
                return False  # a move that keeps the content: what it was cannot be told from here
            stored = self._clean_id(change.path, change.data)
            if in_head[change.path][1] != stored:
                return False
            if live and (change.path not in worktree or self._clean_id(change.path, worktree[change.path]) != stored):
                return False
        return True

    def _refuse_outside_edits(
        self,
        changes: Sequence[FileChange],
        dirty: set[str],
        current: Mapping[str, str],
        contents: Mapping[str, bytes],
        head: str,
    ) -> None:
        """ConflictError when a touched file has uncommitted outside changes the edit did not start from."""
        for change in changes:
            for path in filter(None, (change.previous_path, change.path)):
                if path not in dirty:
                    continue
                started_from = change.expected_id if path == (change.previous_path or change.path) else None
                if started_from and path in current and started_from == current[path]:
                    continue  # the edit was made on exactly this working-tree content
                raise ConflictError(
                    f"{path}: has uncommitted changes made outside the app in {self.root}; "
                    "commit or discard them (or reload the file) before saving",
                    path=path,
                    theirs=contents.get(path),
                    theirs_id=current.get(path),
                    head=head,
                )

    def _write_tree(self, base: str, entries: Mapping[str, tuple[str, str] | None], env: Mapping[str, str]) -> str:
        """The tree of `base` with `entries` (path -> (mode, stored blob id), None = deleted), via a temporary index."""
        with tempfile.TemporaryDirectory(prefix="editor-app-index-") as temp:
            index_env = {**env, "GIT_INDEX_FILE": str(Path(temp) / "index")}
            self._git("read-tree", base, env=index_env)
            info = "".join(
                f"{entry[0]} {entry[1]}\t{path}\0" if entry else f"0 {ZERO_ID}\t{path}\0"
                for path, entry in sorted(entries.items())
            )
            if info:
                self._run(["update-index", "-z", "--index-info"], input=info.encode(), env=index_env)
            return self._git("write-tree", env=index_env).strip()

    def _commit_tree(self, tree: str, parents: Sequence[str], message: str, env: Mapping[str, str]) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self._git(*args, input=message.encode(), env=env).strip()

    def _update_ref(self, branch: str, new: str, old: str) -> None:
        result = self._run(["update-ref", f"refs/heads/{branch}", new, old], check=False)
        if result.returncode != 0:
            now = self._rev(f"refs/heads/{branch}")
            if now == new:
                return  # it did move (the failure came after): the commit is there
            self._check_locks(branch, index=False)
            raise ConflictError(
                f"branch '{branch}' in {self.root} moved while saving; nothing was committed. Reload and try again",
                head=now,
            )

    def _reached(self, step: str) -> None:
        """A step of the save protocol is done. Does nothing; the crash tests replace it to kill the process there."""

    # --- landing a commit: the working tree and index first, the branch last ------------------------

    def _land(self, branch: str, old: str, new: str, entries: Mapping[str, tuple[str, str] | None], live: bool) -> None:
        """Move `branch` from `old` to `new`; when it is checked out, first make the working tree and index match.

        `entries` are the paths the commit changed: path -> (mode, blob id) in `new`, None when deleted.
        """
        if not live:
            self._check_locks(branch, index=False)
            self._update_ref(branch, new, old)
            return
        self._check_locks(branch, index=True)
        saved = {path: list(entry) if entry else None for path, entry in entries.items()}
        record = {"branch": branch, "old": old, "new": new, "entries": saved}
        self._write_file_atomically(self.git_dir / SAVE_RECORD, json.dumps(record, indent=1).encode())
        self._reached("record-written")
        self._complete_landing(branch, old, new, entries)

    def _complete_landing(self, branch: str, old: str, new: str, entries: Mapping[str, tuple[str, str] | None]) -> None:
        """Finish a landing whose record is written; on a failure before the branch moved, abandon it."""
        try:
            self._finish_landing(branch, old, new, entries)
        except (EditorError, OSError) as error:
            if new != old and self._rev(f"refs/heads/{branch}") == new:
                self._forget_save_record()
                return  # the branch moved: the save is done, whatever failed after
            try:
                self._abandon_landing(old, entries, new)
            except (EditorError, OSError) as cleanup:
                error.add_note(f"The save's record stays for the next open to finish it ({cleanup}).")
            raise

    def _finish_landing(self, branch: str, old: str, new: str, entries: Mapping[str, tuple[str, str] | None]) -> None:
        tag = new[:12]
        for path, entry in sorted(entries.items()):
            self._write_worktree_entry(path, entry, tag)
        self._reached("worktree-written")
        self._stage(entries)
        self._reached("index-written")
        self._update_ref(branch, new, old)
        self._reached("branch-moved")
        self._forget_save_record()

    def _write_worktree_entry(self, path: str, entry: tuple[str, str] | None, tag: str) -> None:
        """Make the working-tree file match `entry` (None: remove it); never leaves a partly written file."""
        full = self._worktree_path(path)
        if entry is None:
            full.unlink(missing_ok=True)
            parent = full.parent
            while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
            self._reached(f"file-written:{path}")
            return
        mode, blob = entry
        # The content as a checkout writes it: through git's smudge filters (line endings, LFS).
        data = self._run(["cat-file", "--filters", f"--path={path}", blob]).stdout
        try:
            full.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GitError(f"{path}: cannot create its folder in {self.root} ({error.strerror or error})") from error
        try:
            permissions = full.stat().st_mode & 0o777
        except FileNotFoundError:
            permissions = 0o644
        permissions = permissions | 0o111 if mode == EXECUTABLE_MODE else permissions & ~0o111
        try:
            self._write_file_atomically(full, data, temp=full.parent / f".{full.name}.{tag}{TEMP_SUFFIX}",
                                        permissions=permissions, step=f"temp-half-written:{path}")
        except OSError as error:
            raise GitError(
                f"{path}: cannot write the file in {self.root} ({error.strerror or error}); the branch was not "
                "moved. Check that the file is not locked by another program and the disk is not full"
            ) from error
        self._reached(f"file-written:{path}")

    def _write_file_atomically(self, target: Path, data: bytes, *, temp: Path | None = None,
                               permissions: int = 0o644, step: str = "") -> None:
        """Write `data` to a temporary file beside `target`, flush it to disk, then rename it over `target`."""
        temp = temp or target.with_name(f".{target.name}{TEMP_SUFFIX}")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), permissions)
        try:
            with os.fdopen(fd, "wb") as out:
                half = len(data) // 2
                out.write(data[:half])
                out.flush()
                if step:
                    self._reached(step)
                out.write(data[half:])
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, permissions)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_folder(target.parent)

    def _stage(self, entries: Mapping[str, tuple[str, str] | None]) -> None:
        """Set the index entries of these paths (path -> (mode, blob id), None = removed); refresh stat data."""
        info = "".join(
            f"{entry[0]} {entry[1]}\t{path}\0" if entry else f"0 {ZERO_ID}\t{path}\0"
            for path, entry in sorted(entries.items())
        )
        if info:
            self._run(["update-index", "-z", "--index-info"], input=info.encode())
        self._run(["update-index", "-q", "--refresh"], check=False)

    def _read_save_record(self) -> dict[str, object] | None:
        try:
            record = json.loads((self.git_dir / SAVE_RECORD).read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            record = None
        usable = isinstance(record, dict) and {"branch", "old", "new", "entries"} <= record.keys()
        if usable and isinstance(record["entries"], dict):
            try:
                for path in record["entries"]:
                    check_repo_path(str(path))
            except ContentError:
                usable = False
        if not usable or not isinstance(record, dict):
            # Damaged or foreign (a kill while the record itself is written leaves none: it is renamed into place).
            self._forget_save_record()
            return None
        return record

    def _forget_save_record(self) -> None:
        (self.git_dir / SAVE_RECORD).unlink(missing_ok=True)

    def _recover_interrupted_save(self) -> None:
        """Finish (or undo the index part of) a save on the checked-out branch that was killed before it ended.

        The save is finished when the branch is still where the save started and every touched file holds
        either its old or its new content; otherwise the files are left as they are (the user's text stays
        in them) and the index entries go back to the branch's.
        """
        record = self._read_save_record()
        if record is None:
            return
        branch, old, new = str(record["branch"]), str(record["old"]), str(record["new"])
        raw = record["entries"]
        entries: dict[str, tuple[str, str] | None] = {}
        if isinstance(raw, dict):
            for path, entry in raw.items():
                usable = isinstance(entry, list) and len(entry) == 2
                entries[str(path)] = (str(entry[0]), str(entry[1])) if usable else None
        for path in entries:
            full = self._worktree_path(path)
            (full.parent / f".{full.name}.{new[:12]}{TEMP_SUFFIX}").unlink(missing_ok=True)
        now = self._rev(f"refs/heads/{branch}")
        if now != old or branch != self._checked_out():
            self._forget_save_record()  # done (now == new), or the branch moved on or is no longer checked out
            return
        self._check_locks(branch, index=True)
        before = self._tree_entries(old, entries)
        for path, entry in entries.items():
            full = self._worktree_path(path)
            here = self._clean_id(path, full.read_bytes()) if full.is_file() and not full.is_symlink() else None
            if here not in (before[path][1] if path in before else None, entry[1] if entry else None):
                self._abandon_landing(old, entries, new)
                return
        self._complete_landing(branch, old, new, entries)

    def _abandon_landing(self, old: str, entries: Mapping[str, tuple[str, str] | None], new: str) -> None:
        """Stop a landing: its index entries go back to the branch's; written files keep the user's text."""
        before = self._tree_entries(old, entries)
        self._stage({path: before.get(path) for path in entries})
        for path in entries:
            full = self._worktree_path(path)
            (full.parent / f".{full.name}.{new[:12]}{TEMP_SUFFIX}").unlink(missing_ok=True)
        self._forget_save_record()

    # --- lock files --------------------------------------------------------------------------------

    def _lock_files(self, branch: str, *, index: bool) -> list[Path]:
        locks = [self.common_dir / "refs" / "heads" / f"{branch}.lock"]
        if index:
            locks.append(self.git_dir / "index.lock")
        return locks

    def _check_locks(self, branch: str, *, index: bool) -> None:
        """LockedError when a lock file would make git refuse the save; nothing is written before this passes."""
        for lock in self._lock_files(branch, index=index):
            if lock.exists():
                raise self._locked_error(lock)

    def _locked_error(self, lock: Path) -> LockedError:
        try:
            age = max(0.0, time.time() - lock.stat().st_mtime)
        except FileNotFoundError:
            age = 0.0
        holders = lock_holders(lock, self.root)
        if lock.name == "index.lock":
            what = "the index (the staging area)"
        else:
            what = f"the branch {lock.relative_to(self.common_dir / 'refs' / 'heads').as_posix()[: -len('.lock')]}"
        if holders is None:
            stale = age > STALE_LOCK_AGE_SECONDS
            how = (
                f"the app cannot see which programs hold it on this system; it is {age / 60:.0f} minutes old, "
                + ("so it was most likely left by a git command that was killed or crashed" if stale
                   else "so a git command may still be running")
            )
        elif holders:
            stale = False
            how = f"it is held by {', '.join(holders)}"
        else:
            stale = True
            how = "no git process holds it: a git command (or a save) was killed or crashed while writing"
        advice = (
            "Remove the lock file (the app can do it for you), then save again; your changes are kept."
            if stale else "Wait until that git command has finished, then save again; your changes are kept."
        )
        return LockedError(
            f"cannot save: {lock} exists. Git creates this lock while it writes {what}; {how}. {advice}",
            lock=str(lock),
            holders=tuple(holders or ()),
            stale=stale,
            remove=(lambda: self.remove_stale_lock(lock)) if stale else None,
        )

    def remove_stale_lock(self, lock: str | Path) -> None:
        """Remove a lock file of this repository that no process holds; LockedError when one does now."""
        lock = Path(lock)
        with self._lock:
            heads = str(self.common_dir / "refs" / "heads")
            known = lock.name == "index.lock" and lock.parent == self.git_dir
            known = known or (lock.suffix == ".lock" and _inside(str(lock.parent), heads))
            if not known:
                raise EditorError(f"{lock}: not a lock file of the repository {self.root}")
            if not lock.exists():
                return
            error = self._locked_error(lock)
            if not error.stale:
                raise error
            lock.unlink(missing_ok=True)

    # --- editorial workflow ----------------------------------------------------------------------

    def _cms_branches(self) -> list[str]:
        out = self._git("for-each-ref", "--format=%(refname)", "refs/heads/cms/")
        return sorted(line[len("refs/heads/") :] for line in out.splitlines() if line)

    def _status(self, branch: str) -> str:
        result = self._run(["config", f"branch.{branch}.description"], check=False)
        label = result.stdout.decode().strip()
        prefix = self.settings.label_prefix
        if label and workflow.is_cms_label(label, prefix):
            status = workflow.label_to_status(label, prefix)
            if status in WORKFLOW_STATUSES:
                return status
        return STATUS_DRAFT

    def _unpublished(self, branch: str) -> UnpublishedEntry:
        collection, slug = workflow.parse_content_key(workflow.content_key_from_branch(branch))
        site_head = self.head()
        head = self.head(branch)
        base = self._git("merge-base", site_head, head).strip()
        diffs = []
        tokens = self._git("diff-tree", "-r", "-z", "--no-renames", base, head).split("\0")
        for meta, path in zip(tokens[0::2], tokens[1::2], strict=False):
            _old_mode, _new_mode, _old_id, new_id, status = meta.lstrip(":").split()
            if status != "D":
                diffs.append(Diff(path=path, id=new_id, new_file=status == "A"))
        updated, author = self._git("log", "-1", "--format=%cI%x00%an", head).strip().split("\0", 1)
        return UnpublishedEntry(
            collection=collection,
            slug=slug,
            status=self._status(branch),
            branch=branch,
            head=head,
            diffs=tuple(sorted(diffs, key=lambda d: d.path)),
            updated_at=updated,
            author=author,
        )

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Every `cms/` branch of the repository as a workflow entry."""
        with self._lock:
            entries = []
            for branch in self._cms_branches():
                try:
                    entries.append(self._unpublished(branch))
                except ContentError:
                    continue  # a `cms/...` branch that is not `cms/<collection>/<slug>`
            return entries

    def _entry_branch(self, collection: str, slug: str) -> str:
        branch = workflow.branch_name(collection, slug)
        if not self._branch_exists(branch):
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: content is not under editorial workflow")
        return branch

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """One workflow entry with its diffs against the site's branch."""
        with self._lock:
            return self._unpublished(self._entry_branch(collection, slug))

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to `cms/<collection>/<slug>` (created from the site's branch, status draft by default)."""
        workflow.check_status(status or STATUS_DRAFT)
        branch = workflow.branch_name(collection, slug)
        with self._lock:
            created = not self._branch_exists(branch)
            if created:
                names = self._git("branch", "--format=%(refname:short)").split()
                blocking = workflow.find_conflicting_branch(branch, names)
                if blocking:
                    raise ConflictError(workflow.conflicting_branch_message(branch, blocking))
                self._run(["update-ref", f"refs/heads/{branch}", self.head(), ZERO_ID])
            try:
                result = self._commit(branch, changes, message)
            except EditorError:
                if created:
                    self._run(["update-ref", "-d", f"refs/heads/{branch}"], check=False)
                raise
            if created or status:
                self._set_label(branch, status or STATUS_DRAFT)
            return result

    def _set_label(self, branch: str, status: str) -> None:
        label = workflow.status_to_label(status, self.settings.label_prefix)
        self._git("config", f"branch.{branch}.description", label)

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Store the status label as the branch description, as decap-server does."""
        workflow.check_status(status)
        with self._lock:
            self._set_label(self._entry_branch(collection, slug), status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the entry's branch into the site's branch, update the working tree, delete the branch."""
        with self._lock:
            branch = self._entry_branch(collection, slug)
            site = self.default_branch()
            if site == self._checked_out():
                self._recover_interrupted_save()
            site_head = self.head(site)
            entry_head = self.head(branch)
            merged = self._run(["merge-tree", "--write-tree", "--no-messages", site_head, entry_head], check=False)
            if merged.returncode == 1:
                lines = merged.stdout.decode().splitlines()[1:]
                conflicted = ", ".join(sorted({line.split("\t", 1)[1] for line in lines if "\t" in line}))
                raise ConflictError(
                    f"cannot publish {workflow.content_key(collection, slug)}: the published branch '{site}' changed "
                    f"the same files ({conflicted or 'see git'})",
                    head=site_head,
                )
            if merged.returncode != 0:
                why = merged.stderr.decode(errors="replace").strip()
                raise GitError(f"git merge-tree failed in {self.root}: {why}")
            tree = merged.stdout.decode().split("\n", 1)[0].strip()
            env = self._commit_env()
            if self.settings.squash_merges:
                title = self._git("log", "--reverse", "--format=%s", f"{site_head}..{entry_head}").split("\n", 1)[0]
                new_head = self._commit_tree(tree, [site_head], title or workflow.MERGE_COMMIT_MESSAGE, env)
            else:
                new_head = self._commit_tree(tree, [site_head, entry_head], workflow.MERGE_COMMIT_MESSAGE, env)
            changed = self._changed_paths(site_head, new_head)
            live = site == self._checked_out()
            if live:
                for path in sorted(self._dirty_paths(changed)):
                    full = self._worktree_path(path)
                    theirs = full.read_bytes() if full.is_file() else None
                    raise ConflictError(
                        f"{path}: has uncommitted changes made outside the app in {self.root}; "
                        "commit or discard them before publishing",
                        path=path,
                        theirs=theirs,
                        theirs_id=None if theirs is None else git_blob_id(theirs),
                        head=site_head,
                    )
            entries = self._tree_entries(new_head, changed)
            self._land(site, site_head, new_head, {p: entries.get(p) for p in changed}, live)
            self._run(["branch", "-D", branch])
            ids = {p: (self._worktree_id(p) or blob) if live else blob for p, (_, blob) in entries.items()}
            return CommitResult(commit=new_head, branch=site, ids=ids)

    def _changed_paths(self, old: str, new: str) -> list[str]:
        out = self._git("diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new)
        return [p for p in out.split("\0") if p]

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Delete the entry's branch (and its description); the site's branch is untouched."""
        with self._lock:
            branch = self._entry_branch(collection, slug)
            self._run(["branch", "-D", branch])
