"""Proxy adapter: Decap's `proxy` backend protocol, as spoken by `decap-server` (`npx decap-server`).

Every operation is one `POST {proxy_url} {"action", "params": {"branch", ...}, "branch"}`; a non-2xx
answer carries `{"error": ...}`. Protocol: Decap's `packages/decap-cms-backend-proxy` and
`packages/decap-server` (MODE=fs writes plain files, MODE=git commits and supports editorial workflow,
keeping an entry's status in `git config branch.<cms branch>.description`).

Quirks of the server that shape this module:
- file ids are SHA-256 of the bytes, not git blob ids;
- `entriesByFolder` returns file texts decoded as UTF-8, so binary files are read with `getMediaFile`;
- there is no compare-and-swap: conflicts are detected by re-reading the touched files just before
  writing, under the server's one-operation-at-a-time lock;
- deletions (and the old side of a move) are a separate request (`deleteFiles`), so a commit that
  writes and deletes is two commits.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Sequence
from typing import Any

import httpx

from editor_app.backends import workflow
from editor_app.backends.base import (
    NEW_FILE,
    STATUS_DRAFT,
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
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NetworkError, NotFoundError

DEFAULT_PROXY_URL = "http://localhost:8081/api/v1"
# Decap's proxy backend falls back to `master` when the config names no branch.
FALLBACK_BRANCHES = ("main", "master")


def content_id(data: bytes) -> str:
    """The id decap-server gives a file: the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


class ProxyBackend(Backend):
    """A site served by decap-server (or any server speaking Decap's proxy protocol)."""

    name = "proxy"
    is_git = False
    listings_follow_head = False  # the server reads a working tree; head() knows no commit ids

    def __init__(self, settings: BackendSettings, client: httpx.Client) -> None:
        self.settings = settings
        self._client = client
        self._url = settings.proxy_url or DEFAULT_PROXY_URL
        self._lock = threading.RLock()
        self._branch: str | None = settings.branch
        self._info: dict[str, Any] | None = None
        self._texts: dict[str, bytes] = {}  # content id -> bytes, filled by listings

    @classmethod
    def connect(cls, settings: BackendSettings, transport: httpx.BaseTransport | None = None) -> ProxyBackend:
        """An adapter with its own client (proxy servers need no login)."""
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
            raise NotFoundError(message)
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
        return "editorial_workflow" in self.info().get("publish_modes", [])

    # --- who am I, what is there ------------------------------------------------------------------

    def current_user(self) -> User:
        info = self.info()
        return User(login="local", name=f"Local proxy ({info.get('repo', '')})", can_write=True)

    def default_branch(self) -> str:
        with self._lock:
            if self._branch:
                return self._branch
            if self.info().get("type") != "local_git":
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

    def head(self, branch: str | None = None) -> str:
        # The protocol exposes no commit ids; a listing key that never matches keeps caches honest.
        return ""

    # --- reading ----------------------------------------------------------------------------------

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        entries = self._call(
            "entriesByFolder",
            {"folder": folder or ".", "extension": extension or "", "depth": depth or 100},
            branch=branch,
        )
        files = []
        for entry in entries:
            file_id = entry["file"]["id"]
            if file_id is None:
                continue
            data = (entry.get("data") or "").encode("utf-8")
            if content_id(data) == file_id:  # the text round-tripped: no need to read it again
                self._texts[file_id] = data
            files.append(RepoFile(path=entry["file"]["path"], id=file_id, size=None))
        return Listing(head=self.head(branch), files=tuple(sorted(files, key=lambda f: f.path)))

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        result: dict[str, bytes] = {}
        for file in files:
            cached = self._texts.get(file.id)
            if cached is not None:
                result[file.path] = cached
            else:
                result[file.path] = self.read_file(file.path, branch=branch)[0]
        return result

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        try:
            media = self._call("getMediaFile", {"path": path}, branch=branch)
        except NetworkError as exc:  # decap-server answers 500 for a missing file
            if self._exists(path, branch):
                raise
            raise NotFoundError(f"{path} does not exist") from exc
        data = base64.b64decode(media["content"])
        return data, media["id"]

    def _exists(self, path: str, branch: str | None) -> bool:
        entry = self._call("getEntry", {"path": path}, branch=branch)
        return bool(entry and entry["file"]["id"])

    def _current_id(self, path: str, branch: str | None = None) -> str | None:
        entry = self._call("getEntry", {"path": path}, branch=branch)
        return entry["file"]["id"] if entry else None

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        return None

    # --- writing ----------------------------------------------------------------------------------

    def _check_expected(self, changes: Sequence[FileChange], branch: str | None) -> None:
        for change in changes:
            if change.expected_id is None:
                continue
            current = self._current_id(change.previous_path or change.path, branch)
            if change.expected_id == NEW_FILE:
                if current is not None:
                    raise self._conflict(change.path, branch, f"{change.path} already exists.")
            elif current != change.expected_id:
                raise self._conflict(
                    change.previous_path or change.path, branch, f"{change.path} was changed by someone else."
                )

    def _conflict(self, path: str, branch: str | None, message: str) -> ConflictError:
        try:
            theirs, theirs_id = self.read_file(path, branch=branch)
        except NotFoundError:
            theirs, theirs_id = None, None
        return ConflictError(message, path=path, theirs=theirs, theirs_id=theirs_id)

    @staticmethod
    def _payload(changes: Sequence[FileChange], slug: str) -> tuple[list[dict], list[dict]]:
        """Split writes into decap-server's dataFiles (moves, and one text file) and assets (exact bytes)."""
        data_files, assets = [], []
        for change in changes:
            if change.delete:
                continue
            if change.previous_path:
                if change.data is None:
                    raise ContentError("a move through the proxy server needs the file's content", path=change.path)
                data_files.append(
                    {"slug": slug, "path": change.previous_path, "raw": change.data.decode("utf-8"),
                     "newPath": change.path}
                )
            else:
                assert change.data is not None, "a write needs data"
                assets.append(
                    {"path": change.path, "content": base64.b64encode(change.data).decode("ascii"),
                     "encoding": "base64"}
                )
        return data_files, assets

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        branch = branch or self.default_branch()
        with self._lock:
            self._check_expected(changes, branch)
            # decap-server moves files without awaiting the move before it answers, so a move is
            # sent as a write of the new path plus a deletion of the old one.
            writes = [FileChange(c.path, c.data) for c in changes if not c.delete]
            if any(c.previous_path and c.data is None for c in changes):
                raise ContentError("a move through the proxy server needs the file's content")
            data_files, assets = self._payload(writes, slug="entry")
            if data_files or assets:
                self._call(
                    "persistEntry",
                    {
                        "dataFiles": data_files,
                        "assets": assets,
                        "options": {"commitMessage": message, "useWorkflow": False, "status": STATUS_DRAFT,
                                    "hasSubfolders": False},
                    },
                    branch=branch,
                )
            deletions = [c.path for c in changes if c.delete]
            deletions += [c.previous_path for c in changes if c.previous_path and c.previous_path != c.path]
            if deletions:
                self._call("deleteFiles", {"paths": deletions, "options": {"commitMessage": message}}, branch=branch)
            ids = {c.path: content_id(c.data) for c in changes if c.data is not None and not c.delete}
        return CommitResult(commit="", branch=branch, ids=ids)

    # --- editorial workflow -----------------------------------------------------------------------

    def _require_workflow(self) -> None:
        if not self.supports_workflow:
            raise EditorError(
                "This proxy server only supports simple publishing (decap-server in MODE=fs). "
                "Start it with MODE=git for the editorial workflow."
            )

    def list_unpublished(self) -> list[UnpublishedEntry]:
        if not self.supports_workflow:
            return []
        keys = self._call("unpublishedEntries", {})
        entries = []
        for key in keys:
            collection, slug = workflow.parse_content_key(key)
            try:
                entries.append(self.read_unpublished(collection, slug))
            except NotFoundError:
                continue
        return entries

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        self._require_workflow()
        raw = self._call(
            "unpublishedEntry",
            {"collection": collection, "slug": slug, "cmsLabelPrefix": self.settings.label_prefix},
        )
        diffs = tuple(
            Diff(path=d["path"], id=d["id"], new_file=bool(d.get("newFile"))) for d in raw.get("diffs", [])
        )
        status = raw.get("status") or STATUS_DRAFT
        return UnpublishedEntry(
            collection=collection,
            slug=slug,
            status=status,
            branch=workflow.branch_name(collection, slug),
            head="",
            diffs=diffs,
            updated_at=str(raw.get("updatedAt") or ""),
        )

    def read_unpublished_file(self, collection: str, slug: str, path: str) -> bytes:
        """A file as it is on the entry's workflow branch."""
        media = self._call(
            "unpublishedEntryMediaFile", {"collection": collection, "slug": slug, "path": path, "id": path}
        )
        return base64.b64decode(media["content"])

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        self._require_workflow()
        if any(c.delete for c in changes):
            raise ContentError("decap-server cannot delete files on an editorial workflow branch")
        data_files, assets = self._payload(changes, slug=slug)
        if not data_files:
            # decap-server takes the entry's slug from its first data file.
            first_text = next((a for a in assets if not a["path"].startswith(".")), None)
            if first_text is None:
                raise ContentError("an unpublished entry needs at least one file")
            assets.remove(first_text)
            data_files.append(
                {"slug": slug, "path": first_text["path"],
                 "raw": base64.b64decode(first_text["content"]).decode("utf-8")}
            )
        with self._lock:
            self._call(
                "persistEntry",
                {
                    "cmsLabelPrefix": self.settings.label_prefix,
                    "dataFiles": data_files,
                    "assets": assets,
                    "options": {
                        "collectionName": collection,
                        "commitMessage": message,
                        "useWorkflow": True,
                        "status": status or STATUS_DRAFT,
                        "hasSubfolders": False,
                    },
                },
            )
        ids = {c.path: content_id(c.data) for c in changes if c.data is not None}
        return CommitResult(commit="", branch=workflow.branch_name(collection, slug), ids=ids)

    def set_status(self, collection: str, slug: str, status: str) -> None:
        self._require_workflow()
        self._call(
            "updateUnpublishedEntryStatus",
            {"collection": collection, "slug": slug, "newStatus": status, "cmsLabelPrefix": self.settings.label_prefix},
        )

    def publish(self, collection: str, slug: str) -> CommitResult:
        self._require_workflow()
        self.read_unpublished(collection, slug)  # NotFoundError when it is not under workflow
        self._call("publishUnpublishedEntry", {"collection": collection, "slug": slug})
        return CommitResult(commit="", branch=self.default_branch())

    def delete_unpublished(self, collection: str, slug: str) -> None:
        self._require_workflow()
        self.read_unpublished(collection, slug)
        self._call("deleteUnpublishedEntry", {"collection": collection, "slug": slug})

    def close(self) -> None:
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
