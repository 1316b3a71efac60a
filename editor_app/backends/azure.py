"""Azure DevOps (Azure Repos Git) adapter: REST API `_apis/git` (refs, items, trees, blobs, pushes, pull requests).

Decisions:
- `repo` is `org/project/repo`; `api_root` defaults to https://dev.azure.com (an Azure DevOps Server
  sets its collection URL); every request carries `api-version` (`backend.api_version`, default Decap's
  `6.1-preview`) and `Authorization: Bearer <token>` (the implicit-grant Microsoft Entra token).
- The branch head is `GET refs?filter=heads/<branch>`; the filter is a prefix match, so only the ref
  whose name is exactly `refs/heads/<branch>` counts.
- A listing is three requests: the head (reused when read in the last 2 s), the folder's item at that
  commit (`items?path=`, which gives the folder's tree id, or 404 for a missing folder) and that tree
  (`trees/{id}?recursive=true`), whose entries carry git blob ids and sizes (the items list carries no sizes).
- Many files are read in ONE `POST blobs` (a zip of the blobs named by id) per 1000 files; one file by
  path is one `items?path=&$format=octetStream` read whose blob id is computed from its bytes.
- A save is ONE `POST pushes` with `refUpdates[].oldObjectId` = the head the changes were checked against:
  Azure refuses it (HTTP 409, TF401028) when the branch moved meanwhile, so a save never overwrites
  unseen work. Azure checks only that an `add` path is free and an `edit`/`delete` path exists, not
  which content it replaces, so the adapter checks the changes' expected blob ids itself against the
  head (one `items` read per touched folder), unless `expected_head` is the head and every change names
  its blob. Moves are sent as the end state of every touched path (add/edit/delete), as Decap does.
  A new `cms/` branch is pushed with `oldObjectId` = the site branch's head, as Decap does.
- Editorial workflow as Decap's Azure backend: a pull request `cms/<collection>/<slug>` -> site branch
  with Decap's title, description and label (`decap-cms/<status>`); status change = delete the CMS
  labels and add the new one; publish = complete the PR (`mergeStrategy` squash or noFastForward,
  `deleteSourceBranch`, guarded by `lastMergeSourceCommit`), polling while the merge is queued;
  delete = abandon the PR and delete the ref (`newObjectId` all zeros); previews from the statuses of
  the PR's last commit.
- Preview resources (connectionData, the blobs zip, PR labels) are asked with the preview flavour of the
  api-version (`7.1` -> `7.1-preview`), as Azure refuses a released version for them.
- The user is `GET {api_root}/{org}/_apis/connectionData` (`authenticatedUser`): it answers on Azure
  DevOps Services and Server alike and stays under `api_root` (Decap asks app.vssps.visualstudio.com).
- Auth: implicit-grant tokens (about an hour) cannot be refreshed; a 401 is AuthError(expired), and a
  token whose `expires_at` has passed is refused as expired without spending a request. Rate limits: Azure
  answers 429 (or 503) with Retry-After; `http.Requester` waits those out or raises RateLimitedError.
"""

from __future__ import annotations

import base64
import io
import logging
import posixpath
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from editor_app.backends import workflow
from editor_app.backends.base import (
    NEW_FILE,
    PREVIEW_BUILDING,
    PREVIEW_FAILED,
    PREVIEW_READY,
    STATUS_DRAFT,
    Backend,
    BackendSettings,
    CommitResult,
    Credentials,
    DeployPreview,
    Diff,
    FileChange,
    FileMeta,
    Listing,
    OnWait,
    OpenedSite,
    Refresh,
    RepoFile,
    UnpublishedEntry,
    User,
    choose_preview_status,
)
from editor_app.backends.git import BearerAuth, GitProfile, GitRoute, open_route
from editor_app.backends.http import (
    Requester,
    RetryPolicy,
    error_message,
    login_key,
    make_client,
    paginate,
    require_credentials,
    site_api_root,
)
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NetworkError, NotFoundError
from editor_app.hosts import api_root_for

log = logging.getLogger(__name__)

DEFAULT_API_VERSION = "6.1-preview"
ZERO_ID = "0" * 40
BLOBS_PER_ZIP = 1000
# A listing reuses a head read this recently (a caller reads the head, then lists at it): the listing is
# taken AT that commit, so it stays exact, only at most this old.
HEAD_REUSE_SECONDS = 2.0
PR_PAGE = 100
COMMIT_ATTEMPTS = 4
MERGE_POLLS = 10  # Decap polls a queued completion 10 times, 500 ms apart
MERGE_POLL_SECONDS = 0.5
STALE_REF = "TF401028"  # "The reference ... has already been updated by another client"


def _q(part: str, safe: str = "") -> str:
    return quote(part, safe=safe)


def _item_path(path: str) -> str:
    """Azure's item paths are absolute within the repository."""
    return "/" + path.strip("/")


class AzureBackend(Backend):
    """A Git repository on Azure DevOps (Services or Server), as one logged-in user."""

    name = "azure"
    api_read_batch = BLOBS_PER_ZIP

    def __init__(
        self,
        settings: BackendSettings,
        client: httpx.Client,
        *,
        on_wait: OnWait | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        credentials: Credentials | None = None,
        git_route: GitRoute | None = None,
    ) -> None:
        """`git_route`: read the site branch over Git while that works."""
        self.settings = settings
        self.git_route = git_route
        self._expires_at = credentials.expires_at if credentials is not None else None
        parts = settings.repo.strip("/").split("/")
        if len(parts) != 3 or not all(parts):
            raise EditorError(f"backend.repo must be 'org/project/repo' for Azure DevOps, got {settings.repo!r}")
        self.org, self.project, self.repo_name = parts
        self.repo = "/".join(parts)
        self.api_root = api_root_for(self.name, settings.api_root, settings.base_url)
        self.api_version = str(settings.options.get("api_version") or DEFAULT_API_VERSION)
        # Preview resources (connectionData, the blobs zip, PR labels) refuse a released api-version such as
        # 7.1: they are always asked with its preview flavour.
        self._preview = {"api-version": self.api_version.split("-", 1)[0] + "-preview"}
        self.http = Requester(client, policy=policy, on_wait=on_wait, sleep=sleep, clock=clock,
                              host_label="Azure DevOps")
        self.base = f"{_q(self.org)}/{_q(self.project)}/_apis/git/repositories/{_q(self.repo_name)}/"
        self._sleep = sleep
        self._clock = clock
        self._heads: dict[str, tuple[str, float]] = {}  # branch -> (head, when read)
        self._branch = settings.branch
        self._repo_info: dict[str, Any] | None = None
        self._lock = threading.RLock()
        self._info_lock = threading.Lock()

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
        **options: Any,
    ) -> AzureBackend:
        """An adapter with its own client sending `credentials` as a Bearer token (implicit-grant tokens cannot
        be renewed: `refresh` is not used). With `read_cache` the site branch is read over Git (the same Bearer
        token, as Azure DevOps documents for Entra tokens), its objects in a store below that folder.
        `options`: `__init__`'s keyword options (retry policy, clocks)."""
        root = site_api_root(cls.name, settings)
        credentials = require_credentials(credentials, cls.name)
        client = make_client(root, token=credentials.token, auth_scheme="Bearer", transport=transport)
        backend = cls(settings, client, credentials=credentials, on_wait=on_wait, **options)
        if read_cache is not None and backend.git_route is None:
            url = f"{backend.api_root.rstrip('/')}/{_q(backend.org)}/{_q(backend.project)}/_git/{_q(backend.repo_name)}"
            backend.git_route = open_route(url, BearerAuth(credentials.token), read_cache, GIT_PROFILE,
                                           transport=transport, repository_size=backend._repository_size)
        return backend

    def close(self) -> None:
        """Release connections."""
        self.http.client.close()
        if self.git_route is not None:
            self.git_route.close()

    @property
    def read_route(self) -> str:
        """How the site is read: "git" or "api" (for the status bar)."""
        return self.git_route.route if self.git_route is not None else "api"

    @property
    def read_batch_hint(self) -> int:  # type: ignore[override]  # a constant in Backend; here it follows the route
        """Files per `read_files` call: all at once over Git (they are local after the open), else one zip's."""
        return GIT_READ_BATCH if self.read_route == "git" else self.api_read_batch

    def _git_reads(self, branch: str) -> GitRoute | None:
        """The Git route when it serves reads of `branch` (the site branch)."""
        route = self.git_route
        if route is None or not route.uses_git or branch != self.default_branch():
            return None
        return route

    def _repository_size(self) -> int | None:
        """The repository's size in bytes from the repository resource (asked once): Azure speaks protocol v1
        only, so a Git open fetches the whole tree, which is done only below the bound."""
        size = self._info().get("size")
        return int(size) if isinstance(size, int) else None

    @property
    def request_count(self) -> int:
        """Requests sent so far (retries included)."""
        return self.http.request_count

    # --- requests --------------------------------------------------------------------------------

    def _request(
        self, method: str, url: str, *, params: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        if self._expires_at is not None and self._clock() >= self._expires_at:
            ended = time.strftime("%H:%M", time.localtime(self._expires_at))
            raise AuthError(f"The Azure DevOps login expired at {ended} (Microsoft's implicit-grant tokens last about "
                            "an hour and cannot be renewed). Log in again.", expired=True)
        query = {"api-version": self.api_version, **(params or {})}
        return self.http.request(method, url, params=query, **kwargs)

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            what = kwargs.get("what") or url
            raise NetworkError(f"Azure DevOps answered {what} with a body that is not JSON") from None

    # --- who am I --------------------------------------------------------------------------------

    def _info(self) -> dict[str, Any]:
        """The repository (default branch), asked once."""
        with self._info_lock:
            if self._repo_info is None:
                response = self._request("GET", self.base.rstrip("/"), allow=(404,),
                                         what=f"open the repository {self.repo}")
                if response.status_code == 404:
                    raise NotFoundError(f"repository {self.repo} not found on {self.api_root} "
                                        f"({error_message(response)})")
                self._repo_info = response.json()
            return self._repo_info

    def current_user(self) -> User:
        """The authenticated user (`connectionData`) and a check that the repository opens."""
        data = self._json("GET", f"{_q(self.org)}/_apis/connectionData", params=self._preview,
                          what="read the logged-in user") or {}
        user = data.get("authenticatedUser") or {}
        properties = user.get("properties") or {}
        email = str((properties.get("Account") or {}).get("$value") or "")
        name = user.get("providerDisplayName") or user.get("customDisplayName") or email
        self._info()
        # Azure exposes no per-repository push flag to a plain token; Decap does not check either.
        return User(login=email or name or str(user.get("id") or ""), name=name or "", email=email, can_write=True)

    def login_key(self) -> str | None:
        """A hash of the API root, the repository and the token (`Backend.login_key`)."""
        return login_key(self.http.client, self.repo) if self.repo else None

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """With the user remembered for this token and the branch known: one request,
        the branch's ref (its 401 is the login check). Else the full check."""
        return self._open_by_head(remembered, self._branch if self.repo else None)

    def default_branch(self) -> str:
        """`branch` from the config, else the repository's `defaultBranch` (asked once)."""
        if self._branch is None:
            ref = self._info().get("defaultBranch") or "refs/heads/main"
            self._branch = ref.removeprefix("refs/heads/")
        return self._branch

    def head(self, branch: str | None = None) -> str:
        """The commit at the head of `branch` (exact ref name: the refs filter matches prefixes)."""
        branch = branch or self.default_branch()
        wanted = f"refs/heads/{branch}"
        body = self._json("GET", f"{self.base}refs", params={"filter": f"heads/{branch}"},
                          what=f"read branch {branch}") or {}
        for ref in body.get("value") or []:
            if ref.get("name") == wanted:
                head = str(ref["objectId"])
                self._heads[branch] = (head, self._clock())
                return head
        self._heads.pop(branch, None)
        raise NotFoundError(f"branch {branch} not found in {self.repo}")

    # --- reading ---------------------------------------------------------------------------------

    def _version(self, commit: str) -> dict[str, str]:
        return {"versionDescriptor.version": commit, "versionDescriptor.versionType": "commit"}

    def _tree_of(self, commit: str, folder: str) -> str | None:
        """The tree id of `folder` at `commit`; None when it is missing or a file."""
        response = self._request("GET", f"{self.base}items",
                                 params={"path": _item_path(folder), **self._version(commit)},
                                 allow=(404,), what=f"look up {folder or '/'}")
        if response.status_code == 404:
            return None
        body = response.json() or {}
        if body.get("gitObjectType") != "tree":
            return None
        return body.get("objectId")

    def _tree(self, tree: str, folder: str, *, recursive: bool, what: str) -> dict[str, tuple[str, int | None]]:
        """path -> (blob id, size) of the files in tree `tree` (paths from the repository root)."""
        params = {"recursive": "true" if recursive else "false"}
        body = self._json("GET", f"{self.base}trees/{tree}", params=params, what=what) or {}
        prefix = folder + "/" if folder else ""
        found: dict[str, tuple[str, int | None]] = {}
        for entry in body.get("treeEntries") or []:
            if entry.get("gitObjectType") == "blob":
                size = entry.get("size")
                found[prefix + entry["relativePath"]] = (entry["objectId"], int(size) if size is not None else None)
        return found

    def _files_at(self, commit: str, folder: str, *, recursive: bool, what: str) -> dict[str, tuple[str, int | None]]:
        tree = self._tree_of(commit, folder)
        if tree is None:
            return {}
        return self._tree(tree, folder, recursive=recursive, what=what)

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """The folder's tree at the branch head (recursive unless depth 1): head, folder item, tree (over Git:
        from the local store)."""
        branch = branch or self.default_branch()
        known = self._heads.get(branch)
        fresh = known is not None and 0 <= self._clock() - known[1] <= HEAD_REUSE_SECONDS
        head = known[0] if known is not None and fresh else self.head(branch)
        folder = folder.strip("/")
        route = self._git_reads(branch)
        # Over Git for the head the API reported (a branch moved elsewhere is seen), trees from the local store.
        found = route.files(branch, folder, expected_head=head) if route is not None else None
        if found is not None:
            git_head, tree_files = found
            ids = {f.path: f.id for f in tree_files}
            return Listing(head=git_head, files=tuple(
                RepoFile(p, ids[p]) for p in workflow.filter_listing(ids, folder, extension, depth)))
        tree = self._files_at(head, folder, recursive=depth != 1, what=f"list {folder or '/'} on {branch}")
        kept = workflow.filter_listing({p: s for p, (s, _n) in tree.items()}, folder, extension, depth)
        return Listing(head=head, files=tuple(RepoFile(p, tree[p][0], tree[p][1]) for p in kept))

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents keyed by path: one zip of blobs per 1000 ids; files without an id read by path."""
        ref = branch or self.default_branch()
        result: dict[str, bytes] = {}
        route = self._git_reads(ref)
        ids = list(dict.fromkeys(f.id for f in files if f.id))
        via_git = route.read(ids) if route is not None and ids else None
        if via_git is not None:
            result.update({f.path: via_git[f.id] for f in files if f.id and via_git.get(f.id) is not None})
            files = [f for f in files if f.path not in result]
        by_id: dict[str, list[str]] = {}
        for file in files:
            if file.id:
                by_id.setdefault(file.id, []).append(file.path)
        ids = list(by_id)
        for start in range(0, len(ids), BLOBS_PER_ZIP):
            for oid, data in self._blobs_zip(ids[start:start + BLOBS_PER_ZIP]).items():
                for path in by_id.get(oid, []):
                    result[path] = data
        for file in files:
            if file.path not in result:
                try:
                    result[file.path] = self._read_path(file.path, ref)
                except NotFoundError:
                    continue
        return result

    def _blobs_zip(self, ids: Sequence[str]) -> dict[str, bytes]:
        """Blob id -> bytes for `ids` from one zip (entries named by blob id); unknown ids left out."""
        if not ids:
            return {}
        response = self._request("POST", f"{self.base}blobs", params={"filename": "blobs.zip", **self._preview},
                                 json=list(ids), headers={"Accept": "application/zip"}, retry_unsafe=True, allow=(404,),
                                 what=f"read {len(ids)} files")
        if response.status_code == 404:
            # A blob the repository lacks fails the whole zip: read the rest one by one.
            return {oid: data for oid in ids if (data := self._blob(oid)) is not None}
        found: dict[str, bytes] = {}
        wanted = set(ids)
        try:
            with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
                for name in archive.namelist():
                    data = archive.read(name)
                    # Entries are matched by the git hash of their bytes, not by their names in the zip.
                    oid = workflow.git_blob_id(data)
                    if oid in wanted:
                        found[oid] = data
        except (zipfile.BadZipFile, OSError) as exc:
            raise NetworkError(f"Azure DevOps sent an unreadable zip of {len(ids)} files ({exc})") from None
        return found

    def _blob(self, oid: str) -> bytes | None:
        response = self._request("GET", f"{self.base}blobs/{oid}", params={"$format": "octetstream"},
                                 headers={"Accept": "application/octet-stream"}, allow=(404,),
                                 what=f"read blob {oid}")
        return None if response.status_code == 404 else response.content

    def _read_path(self, path: str, ref: str) -> bytes:
        response = self._request(
            "GET", f"{self.base}items",
            params={"path": _item_path(path), "versionDescriptor.version": ref,
                    "versionDescriptor.versionType": "branch", "$format": "octetStream"},
            headers={"Accept": "application/octet-stream"}, allow=(404,), what=f"read {path}",
        )
        if response.status_code == 404:
            raise NotFoundError(f"{path}: no such file on {ref} in {self.repo}")
        return response.content

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's bytes (one items read) and its blob id (the git hash of the bytes)."""
        data = self._read_path(path, branch or self.default_branch())
        return data, workflow.git_blob_id(data)

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Author and date of the last commit touching `path` (one request, only when asked)."""
        body = self._json("GET", f"{self.base}commits", params={
            "searchCriteria.itemPath": _item_path(path),
            "searchCriteria.itemVersion.version": branch or self.default_branch(),
            "searchCriteria.$top": "1",
        }, what=f"read the history of {path}") or {}
        commits = body.get("value") or []
        if not commits:
            return None
        author = commits[0].get("author") or {}
        return FileMeta(author=author.get("name") or author.get("email") or "", updated_on=author.get("date") or "")

    # --- writing ---------------------------------------------------------------------------------

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One push of all `changes` on `branch`; ConflictError when they are stale."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            return self._commit_on(branch or self.default_branch(), changes, message, expected_head=expected_head)

    def _probe(self, commit: str, paths: Sequence[str]) -> dict[str, str]:
        """path -> blob id for those of `paths` that exist at `commit` (one listing per distinct folder)."""
        found: dict[str, str] = {}
        wanted = set(paths)
        for folder in sorted({posixpath.dirname(p) for p in paths}):
            tree = self._files_at(commit, folder, recursive=False, what=f"look up files in {folder or '/'}")
            found.update({p: s for p, (s, _n) in tree.items() if p in wanted})
        return found

    @staticmethod
    def _assumed(changes: Sequence[FileChange]) -> dict[str, str] | None:
        """The touched paths' blob ids as the changes state them; None when one does not say."""
        known: dict[str, str | None] = {}
        for change in changes:
            if change.expected_id is None:
                return None
            known[change.previous_path or change.path] = None if change.expected_id == NEW_FILE else change.expected_id
        for change in changes:
            known.setdefault(change.path, None)
        return {p: s for p, s in known.items() if s is not None}

    def _commit_on(
        self,
        branch: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        new_branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        where = f"{branch} of {self.repo}"
        if not changes:
            raise ContentError(f"nothing to commit on {where}")
        touched = list(dict.fromkeys(p for c in changes for p in (c.previous_path or c.path, c.path)))
        for path in touched:
            workflow.check_repo_path(path)  # before any request: an unsafe path never reaches the server
        blobs = _LazyBlobs(self)
        target = new_branch or branch
        said = ""
        for _attempt in range(COMMIT_ATTEMPTS):
            head = self.head(branch)
            assumed = self._assumed(changes) if expected_head is not None and expected_head == head else None
            state = assumed if assumed is not None else self._probe(head, touched)
            after, new_blobs, written = workflow.apply_changes(state, changes, blobs, where=where, head=head)
            azure_changes = self._changes(touched, state, after, new_blobs, blobs)
            if not azure_changes:
                # Every change leaves its file as it is: Azure refuses a commit without changes, and none is due.
                if new_branch:
                    self._create_ref(new_branch, head)
                return CommitResult(commit=head, branch=target, ids=written)
            body = {
                "refUpdates": [{"name": f"refs/heads/{target}", "oldObjectId": head}],
                "commits": [{"comment": message, "changes": azure_changes}],
            }
            response = self._request("POST", f"{self.base}pushes", json=body, allow=(400, 404, 409),
                                     what=f"commit on {target}")
            if response.is_success:
                pushed = response.json() or {}
                updates = pushed.get("refUpdates") or [{}]
                commit = updates[0].get("newObjectId") or ((pushed.get("commits") or [{}])[0].get("commitId"))
                if commit:
                    self._heads[target] = (commit, self._clock())
                return CommitResult(commit=commit or self.head(target), branch=target, ids=written)
            said = error_message(response)
            if response.status_code == 404 and "TF401174" not in said:
                raise NotFoundError(f"{where}: Azure DevOps cannot commit there ({said})")
            if new_branch and STALE_REF in said:
                raise ConflictError(f"{new_branch}: the branch already exists in {self.repo} ({said})")
            # The branch moved (TF401028) or a path was taken or gone: check again against the new head.
            expected_head = None
            if STALE_REF not in said and self._probe(self.head(branch), touched) == state:
                raise ConflictError(f"{where}: Azure DevOps refused the commit ({said})", head=head)
        raise ConflictError(f"{where} keeps moving; the commit could not be placed, nothing was written ({said})")

    def _changes(
        self,
        touched: Sequence[str],
        before: Mapping[str, str],
        after: Mapping[str, str],
        new_blobs: Mapping[str, bytes],
        blobs: _LazyBlobs,
    ) -> list[dict[str, Any]]:
        """The end state of every touched path as Azure changes (add/edit/delete, base64 content)."""
        out: list[dict[str, Any]] = []
        for path in touched:
            old, new = before.get(path), after.get(path)
            if old == new:
                continue
            item = {"path": _item_path(path)}
            if new is None:
                out.append({"changeType": "delete", "item": item})
                continue
            data = new_blobs.get(new)
            if data is None:
                try:
                    data = blobs[new]  # a move keeping its bytes: the push carries them again
                except KeyError:
                    raise NotFoundError(f"{path}: the content to move (blob {new}) is gone from {self.repo}") from None
            out.append({"changeType": "add" if old is None else "edit", "item": item,
                        "newContent": {"content": base64.b64encode(data).decode("ascii"),
                                       "contentType": "base64encoded"}})
        return out

    # --- editorial workflow ----------------------------------------------------------------------

    def _pulls(self, source: str | None = None) -> Iterator[dict[str, Any]]:
        """Active PRs into the site branch (from `source` when given), page by page."""
        params = {"searchCriteria.status": "active",
                  "searchCriteria.targetRefName": f"refs/heads/{self.default_branch()}",
                  "searchCriteria.includeLinks": "false", "$top": str(PR_PAGE)}
        if source:
            params["searchCriteria.sourceRefName"] = f"refs/heads/{source}"

        def send(url: str, query: Mapping[str, Any] | None) -> httpx.Response:
            return self._request("GET", url, params=query, what="list unpublished entries")

        for response in paginate(send, f"{self.base}pullrequests", {**params, "$skip": "0"}, _next_pr_page,
                                 what="list unpublished entries"):
            yield from (response.json() or {}).get("value") or []

    def _find_pr(self, branch: str) -> dict[str, Any] | None:
        wanted = f"refs/heads/{branch}"
        return next((pr for pr in self._pulls(branch) if pr.get("sourceRefName") == wanted), None)

    def _status_of(self, pr: Mapping[str, Any]) -> str | None:
        prefix = self.settings.label_prefix
        for label in pr.get("labels") or []:
            if not isinstance(label, dict) or label.get("active") is False:
                continue  # Azure keeps a removed label as inactive in some answers
            name = str(label.get("name") or "")
            if workflow.is_cms_label(name, prefix):
                return workflow.label_to_status(name, prefix)
        return None

    def _require_pr(self, collection: str, slug: str) -> tuple[str, dict[str, Any]]:
        branch = workflow.branch_name(collection, slug)
        pr = self._find_pr(branch)
        if pr is None or self._status_of(pr) is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        return branch, pr

    def _diff(self, branch: str) -> tuple[list[tuple[str, str, bool]], str]:
        """(path, blob id, new file) of the files the entry branch changed since its common commit, and that commit."""
        body = self._json("GET", f"{self.base}diffs/commits", params={
            "baseVersion": self.default_branch(), "baseVersionType": "branch",
            "targetVersion": branch, "targetVersionType": "branch", "$top": "1000",
        }, what=f"list the changes of {branch}") or {}
        changed = []
        for change in body.get("changes") or []:
            item = change.get("item") or {}
            kind = str(change.get("changeType") or "")
            if item.get("gitObjectType") != "blob" or item.get("isFolder") or "delete" in kind:
                continue
            changed.append((item["path"].lstrip("/"), item.get("objectId") or "", "add" in kind))
        return sorted(changed), body.get("commonCommit") or ""

    def _entry(self, collection: str, slug: str, branch: str, pr: Mapping[str, Any]) -> UnpublishedEntry:
        status = self._status_of(pr)
        if status is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        head = self.head(branch)
        changed, _common = self._diff(branch)
        created_by = pr.get("createdBy") or {}
        return UnpublishedEntry(
            collection=collection, slug=slug, status=status, branch=branch, head=head,
            diffs=tuple(Diff(path=p, id=i, new_file=new) for p, i, new in changed),
            updated_at=pr.get("closedDate") or pr.get("creationDate") or "",
            author=created_by.get("displayName") or created_by.get("uniqueName") or "",
            pr_number=pr.get("pullRequestId"),
        )

    @staticmethod
    def _key_of_branch(ref: str) -> tuple[str, str] | None:
        branch = ref.removeprefix("refs/heads/")
        if not workflow.is_cms_branch(branch):
            return None
        try:
            return workflow.parse_content_key(workflow.content_key_from_branch(branch))
        except EditorError:
            return None

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Active PRs into the site branch from `cms/` branches that carry a CMS label."""
        found = []
        for pr in list(self._pulls()):
            ref = pr.get("sourceRefName") or ""
            key = self._key_of_branch(ref)
            if key is None or self._status_of(pr) is None:
                continue
            found.append(self._entry(*key, ref.removeprefix("refs/heads/"), pr))
        return found

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """The entry's PR (status, author, date) and its changed files with their blob ids."""
        branch, pr = self._require_pr(collection, slug)
        return self._entry(collection, slug, branch, pr)

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to `cms/<collection>/<slug>`: the first save pushes the new branch and opens the labelled PR."""
        branch = workflow.branch_name(collection, slug)
        status = workflow.check_status(status or STATUS_DRAFT)
        with self._lock:
            try:
                self.head(branch)
                exists = True
            except NotFoundError:
                exists = False
            if not exists:
                result = self._commit_on(self.default_branch(), changes, message, new_branch=branch)
                self._create_pr(branch, message, status)
                return result
            result = self._commit_on(branch, changes, message)
            if self._find_pr(branch) is None:
                # A first save that stopped between the push and the pull request: finish what it began.
                self._create_pr(branch, message, status)
            return result

    def _create_pr(self, branch: str, title: str, status: str) -> dict[str, Any]:
        return dict(self._json("POST", f"{self.base}pullrequests", params={"supportsIterations": "false"}, json={
            "sourceRefName": f"refs/heads/{branch}", "targetRefName": f"refs/heads/{self.default_branch()}",
            "title": title, "description": workflow.DEFAULT_PR_BODY,
            "labels": [{"name": workflow.status_to_label(status, self.settings.label_prefix)}],
        }, what=f"open a pull request for {branch}"))

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Remove the PR's CMS labels and add the new status label (other labels stay)."""
        workflow.check_status(status)
        with self._lock:
            _branch, pr = self._require_pr(collection, slug)
            number = pr["pullRequestId"]
            prefix = self.settings.label_prefix
            for label in pr.get("labels") or []:
                if workflow.is_cms_label(label.get("name", ""), prefix):
                    label_id = _q(label.get("id") or label["name"])
                    self._request("DELETE", f"{self.base}pullrequests/{number}/labels/{label_id}",
                                  params=self._preview,
                                  allow=(404,), what=f"remove label {label['name']} of pull request {number}")
            self._request("POST", f"{self.base}pullrequests/{number}/labels", params=self._preview,
                          json={"name": workflow.status_to_label(status, prefix)},
                          what=f"set the status of pull request {number}")

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Complete the PR (squash or no-fast-forward) guarded by its head; the source branch goes with it."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            branch, pr = self._require_pr(collection, slug)
            entry = self._entry(collection, slug, branch, pr)
            number = pr["pullRequestId"]
            response = self._request("PATCH", f"{self.base}pullrequests/{number}", json={
                "status": "completed",
                "lastMergeSourceCommit": {"commitId": entry.head},
                "completionOptions": {"deleteSourceBranch": True, "mergeCommitMessage": workflow.MERGE_COMMIT_MESSAGE,
                                      "mergeStrategy": "squash" if self.settings.squash_merges else "noFastForward"},
            }, allow=(400, 409), what=f"complete pull request {number}")
            done = response.json() if response.content else {}
            polls = 0
            while response.is_success and done.get("status") != "completed" and done.get("mergeStatus") == "queued" \
                    and polls < MERGE_POLLS:
                polls += 1
                self._sleep(MERGE_POLL_SECONDS)
                done = self._json("GET", f"{self.base}pullrequests/{number}", what=f"read pull request {number}") or {}
            if not response.is_success or done.get("status") != "completed":
                conflict = self._file_conflict(entry)
                if conflict is not None:
                    raise conflict
                reason = (error_message(response) if not response.is_success
                          else f"merge status {done.get('mergeStatus')}")
                raise ConflictError(f"{entry.content_key}: Azure DevOps cannot complete the pull request into "
                                    f"{self.default_branch()} ({reason})")
            self._heads.pop(self.default_branch(), None)  # the merge moved the site branch
            commit = (done.get("lastMergeCommit") or {}).get("commitId") or self.head()
            self._delete_branch(branch)  # Azure deletes it with deleteSourceBranch; gone already is fine
            return CommitResult(commit=commit, branch=self.default_branch(), ids={d.path: d.id for d in entry.diffs})

    def _file_conflict(self, entry: UnpublishedEntry) -> ConflictError | None:
        """The first entry file the site branch also changed since the common commit, as a conflict."""
        site = self.default_branch()
        paths = [d.path for d in entry.diffs]
        _changed, common = self._diff(entry.branch)
        head = self.head(site)
        published = self._probe(head, paths)
        base_ids = self._probe(common, paths) if common else {}
        for diff in entry.diffs:
            theirs_id = published.get(diff.path)
            if theirs_id != base_ids.get(diff.path) and theirs_id != diff.id:
                return ConflictError(
                    f"{diff.path}: changed on {site} and in the unpublished entry; cannot publish",
                    path=diff.path, theirs=None if theirs_id is None else _LazyBlobs(self).get(theirs_id),
                    theirs_id=theirs_id, head=head,
                )
        return None

    def _create_ref(self, branch: str, commit: str) -> None:
        """A new branch at `commit` (a ref update from all zeros); ConflictError when Azure refuses it."""
        body = self._json("POST", f"{self.base}refs", json=[
            {"name": f"refs/heads/{branch}", "oldObjectId": ZERO_ID, "newObjectId": commit}],
            what=f"create branch {branch}") or {}
        result = (body.get("value") or [{}])[0]
        if not result.get("success", True):
            raise ConflictError(f"branch {branch} could not be created in {self.repo} ({result.get('updateStatus')})")
        self._heads[branch] = (commit, self._clock())

    def _delete_branch(self, branch: str) -> None:
        """Delete a ref by updating it to all zeros; Azure answers 200 with `success: false` for a stale one."""
        for _attempt in range(2):
            self._heads.pop(branch, None)
            try:
                head = self.head(branch)
            except NotFoundError:
                return
            body = self._json("POST", f"{self.base}refs", json=[
                {"name": f"refs/heads/{branch}", "oldObjectId": head, "newObjectId": ZERO_ID}],
                retry_unsafe=True, what=f"delete branch {branch}") or {}
            results = body.get("value") or [{}]
            if results[0].get("success", True):
                return
        status = results[0].get("updateStatus") or "refused"
        raise ConflictError(f"branch {branch} of {self.repo} could not be deleted ({status}): it keeps moving")

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Abandon the PR and delete the entry branch."""
        with self._lock:
            branch, pr = self._require_pr(collection, slug)
            number = pr["pullRequestId"]
            self._request("PATCH", f"{self.base}pullrequests/{number}", json={"status": "abandoned"},
                          what=f"abandon pull request {number}")
            self._delete_branch(branch)

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """The status of the PR's last commit whose context is `preview_context`, else the first naming deploy."""
        pr = self._find_pr(workflow.branch_name(collection, slug))
        if pr is None:
            return None
        number = pr["pullRequestId"]
        commits = (self._json("GET", f"{self.base}pullrequests/{number}/commits", params={"$top": "1"},
                              what=f"read the commits of pull request {number}") or {}).get("value") or []
        if not commits:
            return None
        sha = commits[0]["commitId"]
        statuses = (self._json("GET", f"{self.base}commits/{sha}/statuses", params={"latestOnly": "true"},
                               what=f"read the statuses of {sha}") or {}).get("value") or []
        chosen = choose_preview_status(statuses, self.settings.preview_context,
                                       lambda s: str((s.get("context") or {}).get("name") or ""))
        if chosen is None or not chosen.get("targetUrl"):
            return None
        states = {"succeeded": PREVIEW_READY, "pending": PREVIEW_BUILDING, "notSet": PREVIEW_BUILDING}
        return DeployPreview(url=chosen["targetUrl"], state=states.get(chosen.get("state") or "", PREVIEW_FAILED),
                             context=str((chosen.get("context") or {}).get("name") or ""))


class _LazyBlobs(Mapping[str, bytes]):
    """Blob contents fetched by id only when a conflict or a move needs them."""

    def __init__(self, backend: AzureBackend) -> None:
        self._backend = backend
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, oid: str) -> bytes:
        if oid not in self._cache:
            data = self._backend._blob(oid)
            if data is None:
                raise KeyError(oid)
            self._cache[oid] = data
        return self._cache[oid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)


def _next_pr_page(response: httpx.Response) -> tuple[str, Mapping[str, Any] | None] | None:
    """`$skip` past a full page of pull requests; none after a short one."""
    if len((response.json() or {}).get("value") or []) < PR_PAGE:
        return None
    skip = int(response.request.url.params.get("$skip") or "0")
    return str(response.request.url.copy_set_param("$skip", str(skip + PR_PAGE))), None


GIT_PROFILE = GitProfile(protocol_v2=False, filters=False)  # Azure DevOps: protocol v1 only
GIT_READ_BATCH = 1_000_000
