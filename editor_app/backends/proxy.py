"""Proxy adapter: Decap's `proxy` backend protocol, as spoken by `decap-server` (`npx decap-server`).

Every operation is one `POST {proxy_url} {"action", "params": {"branch", ...}, "branch"}`; a non-2xx
answer carries `{"error": ...}`. Protocol: Decap's `packages/decap-cms-backend-proxy` and
`packages/decap-server` (MODE=fs writes plain files, MODE=git commits and supports editorial workflow,
keeping an entry's status in `git config branch.<cms branch>.description`).

Quirks of the server, and what this module does about them:
- the server's file ids are SHA-256 of the bytes; this adapter reports git blob ids computed from the
  bytes instead, so an id means the same here as on every other backend (and in the workspace's cache);
- `entriesByFolder` returns file texts decoded as UTF-8: a text that does not hash back to the server's
  id is binary and is read again with `getMediaFile` (exact bytes, base64);
- `entriesByFolder` filters by a non-empty name ending: a listing without an extension (media folders)
  is `getMedia` for the folder itself plus a sweep over common last characters of names (see `_listed`);
- the protocol exposes no commit ids. `head()` is a fingerprint (SHA-1) of the paths and contents of the
  folders this adapter has listed by extension (the collections) and of the text files it wrote, on the
  branch: it changes whenever one of those files changes, so an indexed entry is never taken for current
  when it is not. Media are left out (each head() would read their bytes); listings are never reused by
  head (`listings_follow_head` stays False);
- there is no compare-and-swap: a commit re-reads the touched files under the adapter's lock and checks
  them (`workflow.apply_changes`) before writing;
- deletions (and the old side of a move) are a separate request (`deleteFiles`), so in MODE=git a commit
  that writes and deletes is two git commits;
- the server rebases an entry branch onto the site branch on every workflow save and merges it on
  publish; a conflict there leaves its repository mid-rebase/mid-merge. So this adapter remembers, per
  entry it saved, the site branch's side of the entry's files and refuses (ConflictError) a save or a
  publish when the site branch changed one of them since. An entry saved by another program has no such
  record and is published as Decap publishes it.
"""

from __future__ import annotations

import base64
import hashlib
import posixpath
import string
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import httpx

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
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NetworkError, NotFoundError

DEFAULT_PROXY_URL = "http://localhost:8081/api/v1"
# Decap's proxy backend falls back to `master` when the config names no branch.
FALLBACK_BRANCHES = ("main", "master")
ANY_DEPTH = 100  # decap-server's folder depth for "all the way down"
# Last characters swept when listing without an extension (decap-server filters names by their ending).
NAME_ENDINGS = tuple(string.ascii_lowercase + string.digits + string.ascii_uppercase + "_-~")
TEXT_CACHE_LIMIT = 20_000  # texts kept from listings (keyed by blob id) before the cache starts over


def content_id(data: bytes) -> str:
    """The id decap-server gives a file: the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def proxy_url(value: str | None) -> str:
    """The server's URL from `backend.proxy_url` (default decap-server's), checked as Decap checks it.

    Decap takes `http(s)://…` or a root-relative `/…` path (relative to the page running the CMS) and
    refuses anything else; a desktop app has no page, so a root-relative path is refused with the fix.
    """
    url = (value or "").strip() or DEFAULT_PROXY_URL
    if url.startswith("/") and not url.startswith("//"):
        raise ContentError(
            f"backend.proxy_url {url!r} is relative to the web page running Decap; give the server's full URL, "
            f"e.g. http://localhost:8081{url}"
        )
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in ("http", "https"):
        raise ContentError(f"backend.proxy_url {url!r} must be an http:// or https:// URL")
    return url


def _hidden(path: str) -> bool:
    # The server lists a folder's files whatever they are; git's own files are never site content.
    return path == ".git" or path.startswith(".git/")


class ProxyBackend(Backend):
    """A site served by decap-server (or any server speaking Decap's proxy protocol)."""

    name = "proxy"
    is_git = False
    listings_follow_head = False  # the server reads a working tree that may be edited outside
    read_batch_hint = 200  # files per entriesByFiles request

    def __init__(self, settings: BackendSettings, client: httpx.Client) -> None:
        self.settings = settings
        self._client = client
        self._url = proxy_url(settings.proxy_url)
        self._lock = threading.RLock()
        self._branch: str | None = settings.branch
        self._info: dict[str, Any] | None = None
        self._texts: dict[str, bytes] = {}  # git blob id -> bytes, filled by listings
        self._binary_ids: dict[str, tuple[str, int]] = {}  # server id -> (git blob id, size) of binary files
        self._scopes: set[tuple[str, str, int]] = set()  # (folder, extension, depth) listed: what head() fingerprints
        self._paths: set[str] = set()  # text files written here: fingerprinted too
        self._bases: dict[str, dict[str, str | None]] = {}  # content key -> site ids of its files at its last save

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
    ) -> ProxyBackend:
        """An adapter with its own client (proxy servers need no login: credentials are not used)."""
        proxy_url(settings.proxy_url)  # refused before a client is made
        client = httpx.Client(transport=transport, timeout=httpx.Timeout(30.0, connect=5.0))
        return cls(settings, client)

    # --- protocol ---------------------------------------------------------------------------------

    def _call(self, action: str, params: dict[str, Any] | None = None, *, branch: str | None = None) -> Any:
        """One protocol request; maps the server's answers to app errors."""
        body: dict[str, Any] = {"action": action}
        if params is not None or action != "info":
            branch = branch or self.default_branch()
            body["branch"] = branch
            body["params"] = {"branch": branch, **(params or {})}
        try:
            response = self._client.post(self._url, json=body)
        except httpx.TimeoutException as exc:
            raise NetworkError(f"The local proxy server at {self._url} did not answer in time.") from exc
        except httpx.TransportError as exc:
            raise NetworkError(
                f"Cannot reach the local proxy server at {self._url}. Is `npx decap-server` running?"
            ) from exc
        if response.is_success:
            return response.json()
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        message = str(payload.get("error") or payload.get("message") or response.reason_phrase)
        if response.status_code == 404:
            raise NotFoundError(message)
        if response.status_code in (401, 403):
            raise AuthError(f"The proxy server refused the request: {message}")
        if response.status_code == 422 and "doesn't exist" in message:
            raise NotFoundError(f"branch {branch}: {message}")
        if response.status_code == 422:
            raise ContentError(f"The proxy server rejected '{action}': {message}")
        raise NetworkError(f"The proxy server failed on '{action}' ({response.status_code}): {message}")

    def info(self) -> dict[str, Any]:
        """The server's `info`: repo name, publish modes and type (`local_fs` or `local_git`)."""
        with self._lock:
            if self._info is None:
                self._info = self._call("info")
            return self._info

    @property
    def supports_workflow(self) -> bool:  # type: ignore[override]
        """True when the server offers the editorial workflow (MODE=git)."""
        return "editorial_workflow" in self.info().get("publish_modes", [])

    @property
    def has_branches(self) -> bool:
        """False for MODE=fs: one working tree, no branches."""
        return self.info().get("type") == "local_git"

    # --- who am I, what is there ------------------------------------------------------------------

    def current_user(self) -> User:
        """The local user: the server asks for no login and lets anyone on this computer write."""
        info = self.info()
        return User(login="local", name=f"Local proxy ({info.get('repo', '')})", can_write=True)

    def default_branch(self) -> str:
        """`branch` from the config, else `main` or `master`, whichever the server's repository has."""
        with self._lock:
            if self._branch:
                return self._branch
            if not self.has_branches:
                self._branch = FALLBACK_BRANCHES[0]  # fs mode ignores the branch
                return self._branch
            for candidate in FALLBACK_BRANCHES:
                try:
                    self._call("unpublishedEntries", {}, branch=candidate)
                except NotFoundError:
                    continue
                self._branch = candidate
                return candidate
            raise NotFoundError(
                "The proxy server's repository has neither a 'main' nor a 'master' branch; "
                "set backend.branch in config.yml."
            )

    def _branch_or_default(self, branch: str | None) -> str:
        """`branch` (default: the site's); in MODE=fs any other branch does not exist."""
        site = self.default_branch()
        if branch and branch != site and not self.has_branches:
            raise NotFoundError(f"branch {branch}: decap-server in MODE=fs serves one working tree, without branches")
        return branch or site

    def head(self, branch: str | None = None) -> str:
        """A fingerprint of the branch's files this adapter has listed or written (no commit ids exist here)."""
        return self._fingerprint(self._branch_or_default(branch))

    def _fingerprint(self, branch: str) -> str:
        with self._lock:
            scopes = sorted(self._scopes)
            paths = sorted(self._paths)
        seen: dict[str, str] = {}
        for folder, extension, depth in scopes:
            query = {"folder": folder or ".", "extension": extension, "depth": depth}
            for entry in self._call("entriesByFolder", query, branch=branch):
                if entry["file"]["id"] is not None and not _hidden(entry["file"]["path"]):
                    seen[entry["file"]["path"]] = entry["file"]["id"]
        # Always asked, even for no path: in MODE=git the server checks that the branch exists.
        for entry in self._call("entriesByFiles", {"files": [{"path": p} for p in paths]}, branch=branch):
            if entry["file"]["id"] is not None:
                seen[entry["file"]["path"]] = entry["file"]["id"]
        digest = hashlib.sha1(usedforsecurity=False)
        for path in sorted(seen):
            digest.update(f"{path}\0{seen[path]}\n".encode())
        return digest.hexdigest()

    # --- reading ----------------------------------------------------------------------------------

    def _decode(self, entries: Iterable[dict[str, Any]], branch: str) -> dict[str, bytes]:
        """Exact bytes of the present files among `entries` (binary ones read again with getMediaFile)."""
        found: dict[str, bytes] = {}
        for entry in entries:
            path, sha = entry["file"]["path"], entry["file"]["id"]
            if sha is None or _hidden(path):
                continue
            text = entry.get("data")
            data = text.encode("utf-8") if isinstance(text, str) else None
            if data is None or content_id(data) != sha:
                data = self._media(path, branch)
                if data is None:
                    continue
            found[path] = data
        return found

    def _media(self, path: str, branch: str) -> bytes | None:
        try:
            media = self._call("getMediaFile", {"path": path}, branch=branch)
        except NetworkError:  # decap-server answers 500 for a file that is gone
            entry = self._call("getEntry", {"path": path}, branch=branch)
            if entry and entry["file"]["id"]:
                raise
            return None
        return base64.b64decode(media["content"])

    def _read_many(self, paths: Sequence[str], branch: str) -> dict[str, bytes]:
        """The present files among `paths` on `branch`, in one request plus one per binary file."""
        if not paths:
            return {}
        for path in paths:
            workflow.check_repo_path(path)
        entries = self._call("entriesByFiles", {"files": [{"path": p} for p in paths]}, branch=branch)
        return self._decode(entries, branch)

    def _listed(self, folder: str, extension: str | None, depth: int | None, branch: str) -> dict[str, tuple[str, int]]:
        """path -> (git blob id, size) of the files the server lists under `folder`."""
        ids: dict[str, tuple[str, int]] = {}
        if extension:
            entries = self._call(
                "entriesByFolder", {"folder": folder or ".", "extension": extension, "depth": depth or ANY_DEPTH},
                branch=branch,
            )
            self._note_entries(entries, branch, ids)
            return ids
        # decap-server lists by extension only (and refuses an empty one). getMedia lists a folder's own
        # files whatever their names; deeper files are swept by the last character of their names, and
        # every folder found that way is asked with getMedia too, so only a file whose name ends in an
        # unusual character, alone in its folder with no such sibling, can be missed.
        # The folder's own files first: getMedia brings their exact bytes, so the sweep below finds
        # them known (by the server's id) instead of reading each binary file again.
        self._note_media(folder, branch, ids)
        if depth == 1:
            return ids
        found: dict[str, tuple[str, int]] = {}
        unknown: list[dict[str, Any]] = []
        for last in NAME_ENDINGS:
            entries = self._call(
                "entriesByFolder", {"folder": folder or ".", "extension": last, "depth": depth or ANY_DEPTH},
                branch=branch,
            )
            self._note_entries(entries, branch, found, defer=unknown)
        below = {posixpath.dirname(p) for p in found} | {posixpath.dirname(e["file"]["path"]) for e in unknown}
        for where in sorted(below):
            if where != folder:
                self._note_media(where, branch, found)
        self._note_entries([e for e in unknown if e["file"]["path"] not in found], branch, found)
        found.update(ids)
        return found

    def _note_media(self, folder: str, branch: str, ids: dict[str, tuple[str, int]]) -> None:
        """Blob ids and sizes of a folder's own files (getMedia: exact bytes, any name)."""
        for media in self._call("getMedia", {"mediaFolder": folder or "."}, branch=branch):
            if _hidden(media["path"]):
                continue
            data = base64.b64decode(media["content"])
            ids[media["path"]] = (workflow.git_blob_id(data), len(data))
            self._binary_ids[media["id"]] = ids[media["path"]]

    def _note_entries(
        self,
        entries: Iterable[dict[str, Any]],
        branch: str,
        ids: dict[str, tuple[str, int]],
        defer: list[dict[str, Any]] | None = None,
    ) -> None:
        """Blob ids and sizes of listed entries: texts as given, binary files read once (then known by server id).

        With `defer`, binary files not known yet are put there instead of being read now.
        """
        for entry in entries:
            path, sha = entry["file"]["path"], entry["file"]["id"]
            if sha is None or _hidden(path):
                continue
            text = entry.get("data")
            data = text.encode("utf-8") if isinstance(text, str) else None
            if data is not None and content_id(data) == sha:
                blob = workflow.git_blob_id(data)
                ids[path] = (blob, len(data))
                with self._lock:
                    if len(self._texts) >= TEXT_CACHE_LIMIT:
                        self._texts.clear()
                    self._texts[blob] = data
                continue
            known = self._binary_ids.get(sha)
            if known is None and defer is not None:
                defer.append(entry)
                continue
            if known is None:
                raw = self._media(path, branch)
                if raw is None:
                    continue
                known = (workflow.git_blob_id(raw), len(raw))
                self._binary_ids[sha] = known
            ids[path] = known

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """One entriesByFolder request with an extension (without one, a sweep: see `_listed`), then the head."""
        branch = self._branch_or_default(branch)
        folder = folder.strip("/")
        if folder:
            workflow.check_repo_path(folder)
        ids = self._listed(folder, extension, depth, branch)
        kept = workflow.filter_listing({p: i for p, (i, _) in ids.items()}, folder, extension, depth)
        if extension:
            with self._lock:
                self._scopes.add((folder, extension, depth or ANY_DEPTH))
        head = self._fingerprint(branch)
        return Listing(head=head, files=tuple(RepoFile(p, ids[p][0], ids[p][1]) for p in kept))

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents keyed by path: texts kept from the listing, the rest in one entriesByFiles request."""
        branch = self._branch_or_default(branch)
        result: dict[str, bytes] = {}
        missing: list[str] = []
        for file in files:
            cached = self._texts.get(file.id) if file.id else None
            if cached is not None:
                result[file.path] = cached
            else:
                missing.append(file.path)
        result.update(self._read_many(missing, branch))
        return result

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's exact bytes and git blob id; NotFoundError when absent."""
        branch = self._branch_or_default(branch)
        data = self._read_many([path], branch).get(path)
        if data is None:
            raise NotFoundError(f"{path} does not exist on {branch}")
        return data, workflow.git_blob_id(data)

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """None: the protocol tells nothing of a file's history."""
        return None

    # --- writing ----------------------------------------------------------------------------------

    def _current(self, changes: Sequence[FileChange], branch: str) -> tuple[dict[str, str], dict[str, bytes]]:
        """(path -> blob id, blob id -> bytes) of every path the changes touch, as the branch has them now."""
        for change in changes:
            workflow.check_repo_path(change.path)
            if change.previous_path is not None:
                workflow.check_repo_path(change.previous_path)
        paths = sorted({c.path for c in changes} | {c.previous_path for c in changes if c.previous_path})
        present = self._read_many(paths, branch)
        files = {path: workflow.git_blob_id(data) for path, data in present.items()}
        blobs = {files[path]: data for path, data in present.items()}
        return files, blobs

    def _note_written(self, writes: dict[str, bytes], deletions: Iterable[str]) -> None:
        # Text files written here join the head's fingerprint (media stay out: every head() would read
        # their bytes again); a deleted path costs nothing to ask after.
        with self._lock:
            self._paths.update(path for path, data in writes.items() if workflow.as_text(data) is not None)
            self._paths.update(deletions)

    @staticmethod
    def _asset(path: str, data: bytes) -> dict[str, str]:
        return {"path": path, "content": base64.b64encode(data).decode("ascii"), "encoding": "base64"}

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """Check every change against the files as they are now, then write (persistEntry) and delete (deleteFiles)."""
        branch = self._branch_or_default(branch)
        with self._lock:
            files, blobs = self._current(changes, branch)
            _after, _new, written = workflow.apply_changes(files, changes, blobs, where=branch)
            writes = {
                c.path: c.data if c.data is not None else blobs[files[c.previous_path or c.path]]
                for c in changes if not c.delete
            }
            deletions = sorted(
                ({c.path for c in changes if c.delete}
                 | {c.previous_path for c in changes if c.previous_path and c.previous_path != c.path})
                - set(writes)
            )
            if writes:
                self._call(
                    "persistEntry",
                    {
                        "dataFiles": [],
                        "assets": [self._asset(path, data) for path, data in writes.items()],
                        "options": {"commitMessage": message, "useWorkflow": False, "status": STATUS_DRAFT,
                                    "hasSubfolders": False},
                    },
                    branch=branch,
                )
            if deletions:
                self._call("deleteFiles", {"paths": deletions, "options": {"commitMessage": message}}, branch=branch)
            self._note_written(writes, deletions)
            head = self._fingerprint(branch)
        return CommitResult(commit=head, branch=branch, ids=written)

    # --- editorial workflow -----------------------------------------------------------------------

    def _require_workflow(self) -> None:
        if not self.supports_workflow:
            raise EditorError(
                "This proxy server only supports simple publishing (decap-server in MODE=fs). "
                "Start it with MODE=git for the editorial workflow."
            )

    def _raw_entry(self, collection: str, slug: str) -> dict[str, Any]:
        """decap-server's unpublishedEntry; NotFoundError naming the entry when it has no branch."""
        try:
            entry: dict[str, Any] = self._call(
                "unpublishedEntry",
                {"collection": collection, "slug": slug, "cmsLabelPrefix": self.settings.label_prefix},
            )
            return entry
        except NotFoundError:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow") from None

    @staticmethod
    def _changed_paths(raw: dict[str, Any]) -> list[str]:
        return sorted({d["path"] for d in raw.get("diffs", []) if d.get("status") != "deleted"})

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Every `cms/` branch of the server's repository as an entry (none without the workflow)."""
        if not self.supports_workflow:
            return []
        entries = []
        for key in self._call("unpublishedEntries", {}):
            collection, slug = workflow.parse_content_key(key)
            try:
                entries.append(self.read_unpublished(collection, slug))
            except NotFoundError:
                continue
        return entries

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """The entry's status (branch description), its changed files with blob ids, and its branch head."""
        self._require_workflow()
        raw = self._raw_entry(collection, slug)
        branch = workflow.branch_name(collection, slug)
        new_files = {d["path"] for d in raw.get("diffs", []) if d.get("newFile")}
        contents = self._read_many(self._changed_paths(raw), branch)
        diffs = tuple(
            Diff(path=path, id=workflow.git_blob_id(data), new_file=path in new_files)
            for path, data in sorted(contents.items())
        )
        return UnpublishedEntry(
            collection=collection,
            slug=slug,
            status=raw.get("status") or STATUS_DRAFT,
            branch=branch,
            head=self._fingerprint(branch),
            diffs=diffs,
            updated_at=str(raw.get("updatedAt") or ""),
        )

    def read_unpublished_file(self, collection: str, slug: str, path: str) -> bytes:
        """A file as it is on the entry's workflow branch."""
        media = self._call(
            "unpublishedEntryMediaFile", {"collection": collection, "slug": slug, "path": path, "id": path}
        )
        return base64.b64decode(media["content"])

    def _site_moved(
        self, key: str, entry_ids: dict[str, str], site: str, fallback: dict[str, str | None] | None = None
    ) -> ConflictError | None:
        """A conflict when the site branch changed a file the entry changed too, since the entry's last save here.

        `fallback` gives the base of files the entry had not changed before (their version on its branch).
        """
        recorded = self._bases.get(key)
        if recorded is None:
            return None  # saved by another program: nothing known to compare with (Decap's behaviour)
        bases = {**(fallback or {}), **recorded}
        touched = sorted(p for p in entry_ids if p in bases)
        now = self._read_many(touched, site)
        for path in touched:
            base, ours = bases[path], entry_ids[path]
            theirs = now.get(path)
            theirs_id = workflow.git_blob_id(theirs) if theirs is not None else None
            if theirs_id != base and ours != base and ours != theirs_id:
                return ConflictError(
                    f"{path}: changed on {site} and in the unpublished entry {key}",
                    path=path, theirs=theirs, theirs_id=theirs_id, head=None,
                )
        return None

    def _remember_base(self, key: str, collection: str, slug: str, site: str) -> None:
        # After a save the entry branch sits on the site branch as it is now: its side of the entry's files
        # is what a later save or publish compares with.
        paths = self._changed_paths(self._raw_entry(collection, slug))
        present = self._read_many(paths, site)
        self._bases[key] = {p: workflow.git_blob_id(present[p]) if p in present else None for p in paths}

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """persistEntry with the workflow on: decap-server rebases `cms/<collection>/<slug>` and commits there."""
        self._require_workflow()
        status = workflow.check_status(status or STATUS_DRAFT)
        key = workflow.content_key(collection, slug)
        branch = workflow.branch_name(collection, slug)
        for change in changes:
            if change.delete or (change.previous_path and change.previous_path != change.path):
                raise ContentError(
                    "decap-server cannot delete or move files on an editorial workflow branch", path=change.path
                )
        site = self.default_branch()
        with self._lock:
            try:
                raw: dict[str, Any] | None = self._raw_entry(collection, slug)
            except NotFoundError:
                raw = None
            where = branch if raw is not None else site
            files, blobs = self._current(changes, where)
            _after, _new, written = workflow.apply_changes(files, changes, blobs, where=where)
            writes = {c.path: c.data if c.data is not None else blobs[files[c.path]] for c in changes}
            if raw is not None:
                entry_ids = {**{d.path: d.id for d in self.read_unpublished(collection, slug).diffs}, **written}
                # A file this save writes for the first time has its branch version as base.
                refused = self._site_moved(key, entry_ids, site, {p: files.get(p) for p in written})
                if refused is not None:
                    raise refused
                # decap-server drops the entry's binary files that a save does not send again: send them.
                keep = [d["path"] for d in raw.get("diffs", [])
                        if d.get("binary") and d.get("status") != "deleted" and d["path"] not in writes]
                writes.update(self._read_many(keep, branch))
            written_texts = [p for p in sorted(writes) if workflow.as_text(writes[p]) is not None and p in written]
            data_file = written_texts[0] if written_texts else None
            if data_file is None and raw is not None:
                texts = self._read_many([p for p in self._changed_paths(raw) if p not in writes], branch)
                data_file = next((p for p in sorted(texts) if workflow.as_text(texts[p]) is not None), None)
                if data_file is not None:
                    writes[data_file] = texts[data_file]
            if data_file is None:
                raise ContentError(f"{key}: decap-server saves an entry with at least one text file (the entry itself)")
            self._call(
                "persistEntry",
                {
                    "cmsLabelPrefix": self.settings.label_prefix,
                    "dataFiles": [{"slug": slug, "path": data_file, "raw": writes[data_file].decode("utf-8")}],
                    "assets": [self._asset(p, d) for p, d in sorted(writes.items()) if p != data_file],
                    "options": {
                        "collectionName": collection,
                        "commitMessage": message,
                        "useWorkflow": True,
                        "status": status,
                        "hasSubfolders": False,
                    },
                },
            )
            self._note_written(writes, ())
            self._remember_base(key, collection, slug, site)
            head = self._fingerprint(branch)
        return CommitResult(commit=head, branch=branch, ids=written)

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Rewrite the entry branch's description to the status's label."""
        self._require_workflow()
        workflow.check_status(status)
        with self._lock:
            self._raw_entry(collection, slug)  # the server would write a status for a branch that does not exist
            self._call(
                "updateUnpublishedEntryStatus",
                {"collection": collection, "slug": slug, "newStatus": status,
                 "cmsLabelPrefix": self.settings.label_prefix},
            )

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the entry branch into the site branch (decap-server's git merge), after the conflict check."""
        self._require_workflow()
        key = workflow.content_key(collection, slug)
        site = self.default_branch()
        with self._lock:
            entry = self.read_unpublished(collection, slug)
            ids = {d.path: d.id for d in entry.diffs}
            refused = self._site_moved(key, ids, site)
            bases = self._bases.get(key)
            if bases is not None:  # the diff also lists files only the site changed since the last save
                ids = {p: i for p, i in ids.items() if p in bases}
            if refused is not None:
                raise refused
            self._call("publishUnpublishedEntry", {"collection": collection, "slug": slug})
            self._bases.pop(key, None)
            head = self._fingerprint(site)
        return CommitResult(commit=head, branch=site, ids=ids)

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Delete the entry's branch; the site branch is untouched."""
        self._require_workflow()
        with self._lock:
            self._raw_entry(collection, slug)
            self._call("deleteUnpublishedEntry", {"collection": collection, "slug": slug})
            self._bases.pop(workflow.content_key(collection, slug), None)

    def close(self) -> None:
        """Release connections."""
        self._client.close()


def local_server_url(local_backend: bool | dict[str, Any] | None) -> str | None:
    """The decap-server URL a config's `local_backend` names (true: the default), None when it names none."""
    if local_backend is True:
        return DEFAULT_PROXY_URL
    if isinstance(local_backend, dict):
        return str(local_backend.get("url") or DEFAULT_PROXY_URL)
    return None


def probe_local_server(
    url: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 2.0
) -> dict[str, Any] | None:
    """The `info` of a decap-server answering at `url`, or None when nothing like one answers there.

    Like Decap's detection: one `POST {"action": "info"}` whose answer names a repo, publish modes and a type.
    """
    try:
        with httpx.Client(transport=transport, timeout=httpx.Timeout(timeout)) as client:
            response = client.post(url, json={"action": "info"})
    except httpx.HTTPError:
        return None
    if not response.is_success:
        return None
    try:
        info = response.json()
    except ValueError:
        return None
    if (
        isinstance(info, dict)
        and isinstance(info.get("repo"), str)
        and isinstance(info.get("publish_modes"), list)
        and isinstance(info.get("type"), str)
    ):
        return info
    return None
