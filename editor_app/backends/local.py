"""`local`: a site folder that is a git working copy, edited in place through the `git` CLI. No network.

- The checked-out branch is read from the working tree (ids = git blob SHA-1 of the working-tree
  bytes); other branches are read from git's objects.
- Every commit is ONE git commit built with plumbing (`hash-object -w`, a temporary index via
  `GIT_INDEX_FILE`, `write-tree`, `commit-tree`, `update-ref` with the old value as a guard), so no
  branch is ever checked out; when the committed branch is the checked-out one, the touched files are
  then written to the working tree and the index, and nothing else in the working tree is disturbed.
- A commit refuses to overwrite uncommitted changes made outside the app to a file it touches, unless
  the edit was made from exactly that working-tree content.
- Editorial workflow as decap-server's git mode keeps it: branches `cms/<collection>/<slug>`, the
  status label in `git config branch.<branch>.description`; publish is a merge (`git merge-tree`)
  into the site's branch, then the entry's branch is deleted.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from editor_app.backends import workflow
from editor_app.backends.base import (
    STATUS_DRAFT,
    WORKFLOW_STATUSES,
    Backend,
    BackendSettings,
    CommitResult,
    Diff,
    FileChange,
    FileMeta,
    Listing,
    RepoFile,
    UnpublishedEntry,
    User,
)
from editor_app.backends.workflow import apply_changes, check_repo_path, filter_listing, git_blob_id
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NotFoundError

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

    # --- git plumbing ----------------------------------------------------------------------------

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
            raise GitError(
                f"git {' '.join(args[:2])} did not finish within {GIT_TIMEOUT_SECONDS} s in {cwd or self.root}"
            ) from exc
        if check and result.returncode != 0:
            raise GitError(
                f"git {' '.join(args[:2])} failed in {cwd or self.root}: "
                f"{result.stderr.decode(errors='replace').strip()}"
            )
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
        paths = dict.fromkeys(p for p in self._git(*args).split("\0") if p)
        return [p for p in paths if (self.root / p).is_file()]

    def _dirty_paths(self, paths: Iterable[str]) -> set[str]:
        """Which of `paths` differ between HEAD, the index and the working tree (git's own view)."""
        wanted = list(paths)
        if not wanted:
            return set()
        out = self._git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames", "--", *wanted)
        return {record[3:] for record in out.split("\0") if record}

    def _check_out_paths(self, entries: Mapping[str, tuple[str, str] | None]) -> None:
        """Make the index and working tree of the checked-out branch match a new commit for these paths.

        `entries` maps a path to (mode, blob id) in the new commit, or None when it was deleted. Files are
        written by `git checkout-index`, so git's filters (line endings, LFS) apply as on a checkout.
        """
        if not entries:
            return
        info = "".join(
            f"{entry[0]} {entry[1]}\t{path}\0" if entry else f"0 {ZERO_ID}\t{path}\0"
            for path, entry in sorted(entries.items())
        )
        self._run(["update-index", "-z", "--index-info"], input=info.encode())
        written = [path for path, entry in sorted(entries.items()) if entry is not None]
        if written:
            self._run(
                ["checkout-index", "-f", "-q", "-z", "--stdin"], input="".join(p + "\0" for p in written).encode()
            )
        for path, entry in sorted(entries.items()):
            if entry is None:
                full = self._worktree_path(path)
                full.unlink(missing_ok=True)
                parent = full.parent
                while parent != self.root and parent.is_dir() and not any(parent.iterdir()):
                    parent.rmdir()
                    parent = parent.parent
        self._run(["update-index", "-q", "--refresh"], check=False)

    # --- who am I, what is there -----------------------------------------------------------------

    def _author(self) -> tuple[str, str]:
        name = str(self.settings.options.get("author_name") or "")
        email = str(self.settings.options.get("author_email") or "")
        if not name:
            name = self._run(["config", "user.name"], check=False).stdout.decode().strip()
        if not email:
            email = self._run(["config", "user.email"], check=False).stdout.decode().strip()
        if not name or not email:
            raise AuthError(
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
        """Files under `folder`: from the working tree for the checked-out branch, else from git."""
        with self._lock:
            name = branch or self.default_branch()
            head = self.head(name)
            if name == self._checked_out():
                paths = filter_listing(dict.fromkeys(self._worktree_files(folder), ""), folder, extension, depth)
                files = []
                for path in paths:
                    blob = self._worktree_id(path)
                    if blob is not None:
                        files.append(RepoFile(path=path, id=blob, size=(self.root / path).stat().st_size))
                return Listing(head=head, files=tuple(files))
            args = ["ls-tree", "-r", "-z", "--long", "--full-tree", head]
            if folder.strip("/"):
                args += ["--", folder.strip("/") + "/"]
            entries: dict[str, tuple[str, int]] = {}
            for record in self._git(*args).split("\0"):
                if record:
                    meta, path = record.split("\t", 1)
                    _mode, kind, blob, size = meta.split()
                    if kind == "blob":
                        entries[path] = (blob, int(size))
            paths = filter_listing(dict.fromkeys(entries, ""), folder, extension, depth)
            return Listing(head=head, files=tuple(RepoFile(p, entries[p][0], entries[p][1]) for p in paths))

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents of the files that exist on `branch`; missing ones are left out."""
        with self._lock:
            name = branch or self.default_branch()
            if name == self._checked_out():
                found = {}
                for file in files:
                    full = self._worktree_path(file.path)
                    if full.is_file():
                        found[file.path] = full.read_bytes()
                return found
            entries = self._tree_entries(self.head(name), [f.path for f in files])
            blobs = self._cat_blobs(blob for _, blob in entries.values())
            return {path: blobs[blob] for path, (_, blob) in entries.items() if blob in blobs}

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's content and blob id."""
        name = branch or self.default_branch()
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
        head = self.head(name)
        live = name == self._checked_out()
        paths = self._relevant_paths(changes)
        in_head = self._tree_entries(head, paths)
        current: dict[str, str] = {}
        contents: dict[str, bytes] = {}
        if live:
            for path in paths:
                full = self._worktree_path(path)
                if full.is_file():
                    contents[path] = full.read_bytes()
                    current[path] = git_blob_id(contents[path])
            self._refuse_outside_edits(changes, self._dirty_paths(paths), current, contents, head)
        else:
            current = {path: blob for path, (_, blob) in in_head.items()}
            blobs = self._cat_blobs(current.values())
            contents = {path: blobs[blob] for path, blob in current.items()}
        where = f"branch '{name}' in {self.root}"
        blobs_by_id = {current[p]: contents[p] for p in current}
        after, new_blobs, ids = apply_changes(current, changes, blobs_by_id, where=where, head=head)
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
        new_head = self._write_commit(head, stored, message, env, [head])
        self._update_ref(name, new_head, head)
        if not live:
            return CommitResult(commit=new_head, branch=name, ids={p: stored[p][1] for p in ids if stored[p]})  # type: ignore[index]
        self._check_out_paths(stored)
        # Report the working tree's ids: they are what listings and reads of this branch show.
        return CommitResult(commit=new_head, branch=name, ids={p: self._worktree_id(p) or ids[p] for p in ids})

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

    def _write_commit(
        self,
        base: str,
        entries: Mapping[str, tuple[str, str] | None],
        message: str,
        env: Mapping[str, str],
        parents: Sequence[str],
    ) -> str:
        """A commit of `base`'s tree with `entries` (path -> (mode, stored blob id), None = deleted)."""
        with tempfile.TemporaryDirectory(prefix="editor-app-index-") as temp:
            index_env = {**env, "GIT_INDEX_FILE": str(Path(temp) / "index")}
            self._git("read-tree", base, env=index_env)
            info = "".join(
                f"{entry[0]} {entry[1]}\t{path}\0" if entry else f"0 {ZERO_ID}\t{path}\0"
                for path, entry in sorted(entries.items())
            )
            if info:
                self._run(["update-index", "-z", "--index-info"], input=info.encode(), env=index_env)
            tree = self._git("write-tree", env=index_env).strip()
        return self._commit_tree(tree, parents, message, env)

    def _commit_tree(self, tree: str, parents: Sequence[str], message: str, env: Mapping[str, str]) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self._git(*args, input=message.encode(), env=env).strip()

    def _update_ref(self, branch: str, new: str, old: str) -> None:
        result = self._run(["update-ref", f"refs/heads/{branch}", new, old], check=False)
        if result.returncode != 0:
            raise ConflictError(
                f"branch '{branch}' in {self.root} moved while saving; nothing was written. Reload and try again",
                head=self._rev(f"refs/heads/{branch}"),
            )

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
                blocking = workflow.find_conflicting_branch(
                    branch, self._git("branch", "--format=%(refname:short)").split()
                )
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
                raise GitError(
                    f"git merge-tree failed in {self.root}: {merged.stderr.decode(errors='replace').strip()}"
                )
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
            self._update_ref(site, new_head, site_head)
            entries = self._tree_entries(new_head, changed)
            if live:
                self._check_out_paths({p: entries.get(p) for p in changed})
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
