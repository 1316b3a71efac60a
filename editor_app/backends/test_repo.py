"""`test-repo`: the sandbox, an in-memory repository seeded from the sample site in `resources/sandbox/`.

Unlike Decap's test-repo, edits survive a restart: when a `state_dir` is given, the state (the files of
every branch, workflow entries and their statuses) is written there after each change, atomically
(temp file + rename); blobs are stored content-addressed under `state_dir/blobs/` (unreferenced ones are
pruned at start). `reset()` puts the sample site back; `discard_state(state_dir)` clears a damaged state.

Seed layout (`seed_dir`, by default `resources/sandbox/`):
- `config.yml`: the sample site's Decap config (not part of the repository, like Decap's dev-test);
- `repo/`: the files of the site's branch;
- `unpublished/entries.json` + `unpublished/files/`: workflow entries present at first start, as
  `[{"collection", "slug", "status", "title", "files": [<repo path>, ...]}]`, each file's content
  at `unpublished/files/<repo path>`.

Ids are real git ids: blobs `sha1(b"blob <n>\\0" + data)`, trees and commits built as git builds them,
so a listing's ids look like any git host's.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from editor_app.backends import workflow
from editor_app.backends.base import (
    STATUS_DRAFT,
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
    UnpublishedEntry,
    User,
)
from editor_app.backends.workflow import apply_changes, filter_listing, git_blob_id, three_way_merge
from editor_app.errors import ConflictError, ContentError, EditorError, NotFoundError
from editor_app.paths import AppDirs, resources_dir, write_atomically

if TYPE_CHECKING:
    import httpx

STATE_FORMAT = 1
STATE_FILE = "state.json"
# The sample site's commits carry one fixed time, so the sample always has the same head: a reset gives
# back exactly the site the sandbox started with (a reset in another second used to make another head).
SEED_TIME = 1_704_067_200  # 2024-01-01T00:00:00Z
DEFAULT_BRANCH = "main"
SANDBOX_USER = User(login="sandbox", name="Sandbox Editor", email="sandbox@example.org")
IGNORED_SEED_NAMES = {".DS_Store", "Thumbs.db"}


def git_tree_id(files: Mapping[str, str]) -> str:
    """The git tree SHA-1 of a flat `{path: blob id}` mapping (regular files, mode 100644)."""
    root: dict[str, Any] = {}
    for path, blob in files.items():
        node = root
        *dirs, name = path.split("/")
        for part in dirs:
            node = node.setdefault(part, {})
        node[name] = blob
    return _tree_id(root)


def _tree_id(node: dict[str, Any]) -> str:
    # git sorts tree entries by name, comparing a sub-tree's name as if it ended with "/".
    entries = sorted(node.items(), key=lambda item: item[0] + ("/" if isinstance(item[1], dict) else ""))
    body = b""
    for name, value in entries:
        if isinstance(value, dict):
            body += b"40000 " + name.encode() + b"\0" + bytes.fromhex(_tree_id(value))
        else:
            body += b"100644 " + name.encode() + b"\0" + bytes.fromhex(value)
    return hashlib.sha1(b"tree %d\0" % len(body) + body).hexdigest()


def git_commit_id(tree: str, parents: Sequence[str], author: User, when: int, message: str) -> str:
    """The git commit SHA-1 of a commit with these parts (author = committer, UTC)."""
    who = f"{author.name or author.login} <{author.email}> {when} +0000"
    lines = [f"tree {tree}", *(f"parent {p}" for p in parents), f"author {who}", f"committer {who}", "", message]
    body = "\n".join(lines).encode()
    if not body.endswith(b"\n"):
        body += b"\n"
    return hashlib.sha1(b"commit %d\0" % len(body) + body).hexdigest()


@dataclass
class _Branch:
    head: str
    files: dict[str, str]  # path -> blob id


@dataclass
class _Entry:
    collection: str
    slug: str
    status: str
    title: str
    base: dict[str, str]  # the site branch's files when the entry branched off (merge base)
    updated_at: str
    author: str = ""

    @property
    def branch(self) -> str:
        return workflow.branch_name(self.collection, self.slug)


@dataclass
class _State:
    branches: dict[str, _Branch] = field(default_factory=dict)
    entries: dict[str, _Entry] = field(default_factory=dict)  # content key -> entry


def _now_iso(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))


class TestRepoBackend(Backend):
    """The sandbox: an in-memory repository with the whole interface, editorial workflow included.

    `TestRepoBackend(settings, seed_dir=..., state_dir=...)`: `seed_dir` holds the sample site (see the
    module doc), `state_dir` where edits are kept across restarts (None: nothing is persisted).
    `TestRepoBackend.for_app(settings, dirs)` is the app's usual construction.
    """

    __test__ = False  # not a pytest test class despite its name

    name = "test-repo"
    is_git = False

    def __init__(
        self,
        settings: BackendSettings,
        *,
        seed_dir: Path | None = None,
        state_dir: Path | None = None,
        user: User = SANDBOX_USER,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.seed_dir = Path(seed_dir) if seed_dir is not None else sample_site_dir()
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self._user = user
        self._clock = clock
        self._lock = threading.RLock()
        self._blobs: dict[str, bytes] = {}
        self._state = _State()
        if self.state_dir is not None and (self.state_dir / STATE_FILE).exists():
            self._load()
        else:
            self._seed()
            self._save()

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
    ) -> TestRepoBackend:
        """The bundled sample site in memory (nothing kept between runs; `for_app` keeps edits on disk)."""
        return cls(settings)

    @classmethod
    def for_app(cls, settings: BackendSettings, dirs: AppDirs, *, seed_dir: Path | None = None) -> TestRepoBackend:
        """The sandbox as the app runs it: sample site from resources, edits kept in the data dir."""
        return cls(settings, seed_dir=seed_dir, state_dir=dirs.data / "sandbox")

    @property
    def config_path(self) -> Path:
        """The sample site's config.yml."""
        return self.seed_dir / "config.yml"

    # --- who am I, what is there -----------------------------------------------------------------

    def current_user(self) -> User:
        """The sandbox user; always allowed to write."""
        return self._user

    def default_branch(self) -> str:
        """`settings.branch`, else `main`."""
        return self.settings.branch or DEFAULT_BRANCH

    def head(self, branch: str | None = None) -> str:
        """The commit id at the head of `branch`."""
        with self._lock:
            return self._branch(branch).head

    # --- reading ---------------------------------------------------------------------------------

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """Files under `folder` with their blob ids and sizes."""
        with self._lock:
            state = self._branch(branch)
            paths = filter_listing(state.files, folder, extension, depth)
            files = tuple(
                RepoFile(path=p, id=state.files[p], size=len(self._blobs[state.files[p]])) for p in paths
            )
            return Listing(head=state.head, files=files)

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents of the files that exist on `branch`; missing ones are left out."""
        with self._lock:
            state = self._branch(branch)
            return {f.path: self._blobs[state.files[f.path]] for f in files if f.path in state.files}

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's content and blob id."""
        with self._lock:
            name = branch or self.default_branch()
            state = self._branch(name)
            blob = state.files.get(path)
            if blob is None:
                raise NotFoundError(f"{path}: no such file on branch '{name}' of the sandbox")
            return self._blobs[blob], blob

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """None: like Decap's test-repo, the sandbox keeps no per-file history."""
        return None

    # --- writing ---------------------------------------------------------------------------------

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """Apply all `changes` as one commit, or raise and change nothing."""
        name = branch or self.default_branch()
        with self._lock:
            result = self._commit(name, changes, message)
            self._save()
            return result

    def _commit(self, name: str, changes: Sequence[FileChange], message: str) -> CommitResult:
        state = self._branch(name)
        files, new_blobs, ids = apply_changes(state.files, changes, self._blobs, where=f"branch '{name}'",
                                              head=state.head)
        self._blobs.update(new_blobs)
        self._advance(name, files, message, [state.head])
        return CommitResult(commit=self._state.branches[name].head, branch=name, ids=ids)

    def _advance(self, name: str, files: dict[str, str], message: str, parents: list[str], *,
                 when: int | None = None) -> str:
        when = int(self._clock()) if when is None else when
        head = git_commit_id(git_tree_id(files), [p for p in parents if p], self._user, when, message)
        self._state.branches[name] = _Branch(head=head, files=files)
        return head

    # --- editorial workflow ----------------------------------------------------------------------

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Every workflow entry, in content-key order."""
        with self._lock:
            return [self._unpublished(entry) for _, entry in sorted(self._state.entries.items())]

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """One workflow entry with its diffs against the site's branch."""
        with self._lock:
            return self._unpublished(self._entry(collection, slug))

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to `cms/<collection>/<slug>`, creating the branch (status `draft` by default) first."""
        key = workflow.content_key(collection, slug)
        branch = workflow.branch_name(collection, slug)
        workflow.check_status(status or STATUS_DRAFT)
        with self._lock:
            entry = self._state.entries.get(key)
            created = entry is None
            if created:
                blocking = workflow.find_conflicting_branch(branch, self._state.branches)
                if blocking:
                    raise ConflictError(workflow.conflicting_branch_message(branch, blocking))
                site = self._branch(None)
                self._state.branches[branch] = _Branch(head=site.head, files=dict(site.files))
            try:
                result = self._commit(branch, changes, message)
            except EditorError:
                if created:
                    del self._state.branches[branch]
                raise
            when = self._clock()
            if created:
                self._state.entries[key] = _Entry(
                    collection=collection,
                    slug=slug,
                    status=status or STATUS_DRAFT,
                    title=message,
                    base=dict(self._branch(None).files),
                    updated_at=_now_iso(when),
                    author=self._user.login,
                )
            else:
                assert entry is not None
                entry.updated_at = _now_iso(when)
                if status:
                    entry.status = workflow.check_status(status)
            self._save()
            return result

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Change the entry's status."""
        workflow.check_status(status)
        with self._lock:
            entry = self._entry(collection, slug)
            entry.status = status
            entry.updated_at = _now_iso(self._clock())
            self._save()

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the entry's changes into the site's branch (three-way) and remove the entry."""
        with self._lock:
            entry = self._entry(collection, slug)
            site_name = self.default_branch()
            site = self._branch(site_name)
            ours = self._branch(entry.branch)
            merged, ids = three_way_merge(entry.base, ours.files, site.files, self._blobs, site.head)
            if self.settings.squash_merges:
                head = self._advance(site_name, merged, entry.title, [site.head])
            else:
                head = self._advance(site_name, merged, workflow.MERGE_COMMIT_MESSAGE, [site.head, ours.head])
            del self._state.branches[entry.branch]
            del self._state.entries[workflow.content_key(collection, slug)]
            self._save()
            return CommitResult(commit=head, branch=site_name, ids=ids)

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Drop the entry and its branch; the site's branch is untouched."""
        with self._lock:
            entry = self._entry(collection, slug)
            self._state.branches.pop(entry.branch, None)
            del self._state.entries[workflow.content_key(collection, slug)]
            self._save()

    def _entry(self, collection: str, slug: str) -> _Entry:
        entry = self._state.entries.get(workflow.content_key(collection, slug))
        if entry is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: content is not under editorial workflow")
        return entry

    def _unpublished(self, entry: _Entry) -> UnpublishedEntry:
        files = self._branch(entry.branch).files
        diffs = tuple(
            Diff(path=path, id=blob, new_file=path not in entry.base)
            for path, blob in sorted(files.items())
            if entry.base.get(path) != blob
        )
        return UnpublishedEntry(
            collection=entry.collection,
            slug=entry.slug,
            status=entry.status,
            branch=entry.branch,
            head=self._branch(entry.branch).head,
            diffs=diffs,
            updated_at=entry.updated_at,
            author=entry.author,
        )

    # --- sandbox state ---------------------------------------------------------------------------

    def reset(self) -> None:
        """Put the sample site back: every edit and workflow entry made since is dropped."""
        with self._lock:
            self._blobs = {}
            self._state = _State()
            self._seed()
            if self.state_dir is not None:
                self.discard_state(self.state_dir)
            self._save()

    def _branch(self, name: str | None) -> _Branch:
        name = name or self.default_branch()
        state = self._state.branches.get(name)
        if state is None:
            raise NotFoundError(f"branch '{name}' does not exist in the sandbox")
        return state

    def _seed(self) -> None:
        repo = self.seed_dir / "repo"
        if not repo.is_dir():
            raise NotFoundError(f"{repo}: the sandbox's sample site is missing")
        files: dict[str, str] = {}
        for path in sorted(repo.rglob("*")):
            if path.is_file() and path.name not in IGNORED_SEED_NAMES:
                files[path.relative_to(repo).as_posix()] = self._store(path.read_bytes())
        site = self.default_branch()
        self._advance(site, files, "Sample site", [], when=SEED_TIME)
        index = self.seed_dir / "unpublished" / "entries.json"
        if not index.exists():
            return
        try:
            seeds = json.loads(index.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ContentError(f"invalid JSON: {exc}", path=str(index)) from exc
        for seed in seeds:
            collection, slug = seed["collection"], seed["slug"]
            branch = workflow.branch_name(collection, slug)
            branch_files = dict(files)
            for path in seed["files"]:
                branch_files[path] = self._store((self.seed_dir / "unpublished" / "files" / path).read_bytes())
            self._advance(branch, branch_files, seed["title"], [self._state.branches[site].head], when=SEED_TIME)
            self._state.entries[workflow.content_key(collection, slug)] = _Entry(
                collection=collection,
                slug=slug,
                status=workflow.check_status(seed.get("status", STATUS_DRAFT)),
                title=seed["title"],
                base=dict(files),
                updated_at=seed.get("updated_at") or _now_iso(self._clock()),
                author=seed.get("author", ""),
            )

    def _store(self, data: bytes) -> str:
        blob = git_blob_id(data)
        self._blobs[blob] = data
        return blob

    def _save(self) -> None:
        if self.state_dir is None:
            return
        blobs_dir = self.state_dir / "blobs"
        for blob, data in self._blobs.items():
            target = blobs_dir / blob[:2] / blob[2:]
            if not target.exists():
                write_atomically(target, data)
        document = {
            "format": STATE_FORMAT,
            "branches": {n: {"head": b.head, "files": b.files} for n, b in sorted(self._state.branches.items())},
            "entries": {
                k: {
                    "collection": e.collection,
                    "slug": e.slug,
                    "status": e.status,
                    "title": e.title,
                    "base": e.base,
                    "updated_at": e.updated_at,
                    "author": e.author,
                }
                for k, e in sorted(self._state.entries.items())
            },
        }
        write_atomically(self.state_dir / STATE_FILE, json.dumps(document, indent=1).encode("utf-8"))

    def _load(self) -> None:
        assert self.state_dir is not None
        path = self.state_dir / STATE_FILE
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != STATE_FORMAT:
                raise ContentError(f"unknown sandbox state format {document.get('format')!r}", path=str(path))
            branches = {n: _Branch(head=b["head"], files=dict(b["files"])) for n, b in document["branches"].items()}
            entries = {k: _Entry(**e) for k, e in document["entries"].items()}
        except (ValueError, KeyError, TypeError) as exc:
            raise ContentError(f"the sandbox state is damaged ({exc}); reset the sandbox", path=str(path)) from exc
        blobs: dict[str, bytes] = {}
        for state in [*branches.values()]:
            for blob in state.files.values():
                if blob not in blobs:
                    blobs[blob] = self._read_blob(blob)
        for entry in entries.values():
            for blob in entry.base.values():
                if blob not in blobs:
                    blobs[blob] = self._read_blob(blob)
        self._blobs = blobs
        self._state = _State(branches=branches, entries=entries)
        self._prune_blob_files()
        if self.default_branch() not in branches:
            # The config now names another branch: start it from the sample site.
            self._seed_branch_only()

    def _prune_blob_files(self) -> None:
        """Delete stored blobs nothing refers to any more (earlier versions of edited files)."""
        assert self.state_dir is not None
        for path in (self.state_dir / "blobs").glob("*/*"):
            if path.parent.name + path.name not in self._blobs:
                path.unlink(missing_ok=True)

    @staticmethod
    def discard_state(state_dir: Path) -> None:
        """Delete the sandbox state kept in `state_dir` (e.g. when it is damaged); the next start re-seeds."""
        (state_dir / STATE_FILE).unlink(missing_ok=True)
        blobs_dir = state_dir / "blobs"
        if blobs_dir.exists():
            for path in sorted(blobs_dir.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            blobs_dir.rmdir()

    def _seed_branch_only(self) -> None:
        kept = self._state
        self._state = _State()
        self._seed()
        kept.branches[self.default_branch()] = self._state.branches[self.default_branch()]
        self._state = kept

    def _read_blob(self, blob: str) -> bytes:
        assert self.state_dir is not None
        path = self.state_dir / "blobs" / blob[:2] / blob[2:]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ContentError(f"the sandbox state misses blob {blob}; reset the sandbox", path=str(path)) from exc
        if git_blob_id(data) != blob:
            raise ContentError(f"the sandbox blob {blob} is damaged; reset the sandbox", path=str(path))
        return data


def sample_site_dir() -> Path:
    """The bundled sample site (`resources/sandbox/`)."""
    return resources_dir() / "sandbox"
