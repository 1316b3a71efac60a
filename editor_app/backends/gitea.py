"""Gitea / Forgejo adapter: REST API v1 (git trees and blobs, raw files, the multi-file contents API, pull requests).

API reference: the Gitea 1.22 OpenAPI description (`/api/swagger` of any Gitea server), operations
GetTree, GetBlob, repoGetRawFile, repoGetRawFileOrLFS (Git LFS objects), repoChangeFiles, repoGetAllCommits,
repoGetBranch, repoDeleteBranch, repoListPullRequests, repoCreatePullRequest, repoEditPullRequest,
repoGetPullRequestFiles, repoMergePullRequest, issueReplaceLabels, issueListLabels, issueCreateLabel,
repoListStatusesByRef, getVersion.

Decisions:
- `api_root` defaults to https://gitea.com/api/v1; self-hosted servers set their own. Tokens travel as
  `Authorization: token <t>` (what Decap sends; Gitea takes OAuth access tokens and personal tokens alike).
- A listing is the tree of `<head>:<folder>` (Decap's `branch:path` tree-ish), recursive unless depth is 1,
  1000 entries a page (Gitea's largest) following `truncated`. Entries carry git blob ids and sizes.
- Gitea 1.22 has no batched read. Many files of a small repository (as the repository reports its
  `size`: at most 64 KiB per wanted file and 50 MiB in all) come from ONE archive of the branch
  (`/archive/<branch>.tar.gz`, a `git archive`); a file is taken from it only when its bytes hash to the
  blob id it was listed with, so a branch that moved meanwhile costs nothing but the reads by id that
  follow. Other files are read by blob id (`/git/blobs/{sha}`, base64) 8 at a time. One file by path is
  one raw read (`/raw/{path}?ref=`) whose blob id is computed from its bytes.
- Reading over Git (with the app's `read_cache`): the site branch's listings and entry contents come
  through Git's smart HTTP protocol (protocol v2, `filter=blob:none`, blobs by id: 3 requests cold for any
  N), the current token as Basic password (Gitea's documented form for personal and OAuth tokens); the API
  is used when Git answers 401/403/404 (remembered per site), and for writes and pull requests.
- A save is ONE `POST /contents` whose operations say create, update (with the file's current `sha`) or
  delete (with `sha`). Gitea checks every `sha` and refuses creating an existing file (HTTP 422), so
  when each change names the blob it started from the save is a single request. Changes that do not
  (`expected_id=None`) first look up the touched paths in their folders' trees. Gitea checks every
  operation against the branch's commit, not against the earlier operations, so moves are sent as the
  end state of each touched path (create the target, delete or update the source), never as a chain.
  After a refusal the touched paths are looked up and the shared rules (`workflow.apply_changes`) name
  the conflict with the other side's content; if nothing is stale any more, the save is sent again.
- Editorial workflow as Decap does it on other hosts (Decap's own Gitea backend has none): branch
  `cms/<collection>/<slug>` created by the first save's commit (`new_branch`), a pull request into the
  site branch with Decap's title, body and status label (labels are created in the repository when
  missing), status changes by replacing the PR's CMS label, publish by the merge API guarded by the
  PR head (`squash` when squash_merges, else `merge`), then the branch removed. A refused merge is a
  conflict when the site branch changed one of the entry's files since the merge base; otherwise a 405
  ("Please try again later", Gitea still checking a freshly pushed PR) is retried a few times. A repository whose pull
  requests are switched off gets WorkflowUnavailableError explaining that only simple publishing works.
- Auth: a 401 refreshes a token that has a refresh token and a `refresh` callback (Gitea's OAuth tokens
  live one hour), once, and repeats the request; otherwise AuthError(expired).
- Rate limits: Gitea itself has none, the proxies in front of public instances answer 429 (or 403)
  with Retry-After; `http.Requester` waits those out or raises RateLimitedError.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
import posixpath
import re
import tarfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from editor_app.backends import lfs, workflow
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
from editor_app.backends.git import CurrentTokenBasicAuth, GitProfile, GitRoute, open_route, web_git_url
from editor_app.backends.http import (
    RefreshingAuth,
    Requester,
    RetryPolicy,
    error_message,
    login_key,
    make_client,
    next_link,
    paginate,
    require_credentials,
    site_api_root,
)
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NetworkError, NotFoundError
from editor_app.hosts import api_root_for

log = logging.getLogger(__name__)

GIT_PROFILE = GitProfile(protocol_v2=True, filters=True)  # upload-pack with allowFilter and allowAnySHA1InWant
GIT_READ_BATCH = 1_000_000  # one fetch by id carries any number of blobs
TREE_PAGE = 1000  # Gitea's default and largest git trees page (`[api] DEFAULT_GIT_TREES_PER_PAGE`)
LIST_PAGE = 50  # Gitea's largest page for other lists (`[api] MAX_RESPONSE_ITEMS`)
READ_CONCURRENCY = 8
ARCHIVE_MIN_FILES = 24  # fewer files are cheaper read one by one than through an archive of everything
# One more request costs about what 64 KiB more of download does (8 parallel reads, ~50 ms away), so the
# archive is fetched only when the repository is at most 64 KiB per wanted file, and never above 50 MiB.
ARCHIVE_KB_PER_FILE = 64
ARCHIVE_MAX_KB = 50 * 1024
COMMIT_ATTEMPTS = 4
MERGE_ATTEMPTS = 5
MERGE_RETRY_SECONDS = 2.0
LABEL_COLORS = {"draft": "#e4e669", "pending_review": "#fbca04", "pending_publish": "#0e8a16"}
# The multi-file contents API appeared in Gitea 1.20 (Forgejo 1.20 too).
CHANGE_FILES_SINCE = (1, 20)


class WorkflowUnavailableError(EditorError):
    """The server or repository cannot carry the editorial workflow (pull requests are off)."""


def _q(part: str, safe: str = "") -> str:
    """One URL path segment (slashes encoded unless `safe` keeps them)."""
    return quote(part, safe=safe)


def parse_version(text: str) -> tuple[int, ...]:
    """`1.22.3`, `v1.21.0-rc1` or Forgejo's `7.0.5+gitea-1.21.11` -> the Gitea version as numbers."""
    match = re.search(r"gitea-(\d+(?:\.\d+)*)", text) or re.search(r"(\d+(?:\.\d+)*)", text)
    if not match:
        return ()
    return tuple(int(part) for part in match.group(1).split("."))


class GiteaBackend(Backend):
    """A repository on gitea.com, Codeberg (Forgejo) or a self-hosted Gitea/Forgejo, as one logged-in user."""

    name = "gitea"
    api_read_batch = 1000  # a whole collection per read_files call: one archive serves it (small repositories)

    def __init__(
        self,
        settings: BackendSettings,
        client: httpx.Client,
        *,
        on_wait: OnWait | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        git_route: GitRoute | None = None,
    ) -> None:
        """`git_route`: read the site branch over Git while that works."""
        self.settings = settings
        self.git_route = git_route
        self.repo = settings.repo.strip("/")
        if self.repo.count("/") != 1 or not all(self.repo.split("/")):
            raise EditorError(f"backend.repo must be 'owner/name' for Gitea, got {settings.repo!r}")
        self.api_root = api_root_for(self.name, settings.api_root, settings.base_url)
        self.http = Requester(client, policy=policy, on_wait=on_wait, sleep=sleep, clock=clock, host_label="Gitea")
        owner, name = self.repo.split("/")
        self.base = f"repos/{_q(owner)}/{_q(name)}/"
        self._sleep = sleep
        self._branch = settings.branch
        self._repo_info: dict[str, Any] | None = None
        self._labels: dict[str, int] = {}
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
    ) -> GiteaBackend:
        """An adapter with its own client for `credentials`; `refresh` renews an expired OAuth token on a 401.

        With `read_cache` the site branch is read over Git, its objects kept in a store below that folder.
        `options`: `__init__`'s keyword options (retry policy, sleep and clock for tests)."""
        root = site_api_root(cls.name, settings)
        auth = RefreshingAuth(require_credentials(credentials, cls.name), origins=[root], scheme="token",
                              refresh=refresh)
        backend = cls(settings, make_client(root, transport=transport, auth=auth), on_wait=on_wait, **options)
        if read_cache is not None and backend.git_route is None:
            url = web_git_url(backend.api_root, "/api/v1", backend.repo)
            # Any username with the token as password; a renewed OAuth token is used as it comes.
            git_auth = CurrentTokenBasicAuth("oauth2", lambda: auth.credentials.token)
            backend.git_route = open_route(url, git_auth, read_cache, GIT_PROFILE, transport=transport)
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
        """Files per `read_files` call: all at once over Git (one request for any number), else a collection."""
        return GIT_READ_BATCH if self.read_route == "git" else self.api_read_batch

    def _git_reads(self, branch: str) -> GitRoute | None:
        """The Git route when it serves reads of `branch` (the site branch)."""
        route = self.git_route
        if route is None or not route.uses_git or branch != self.default_branch():
            return None
        return route

    @property
    def request_count(self) -> int:
        """Requests sent so far (retries included)."""
        return self.http.request_count

    @property
    def credentials(self) -> Credentials | None:
        """The credentials in use (renewed ones after a refresh), for the app to store."""
        auth = self.http.client.auth
        return auth.credentials if isinstance(auth, RefreshingAuth) else None

    # --- requests --------------------------------------------------------------------------------

    def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """`Requester.request` (the client's RefreshingAuth renews an expired token on a 401)."""
        return self.http.request(method, url, **kwargs)

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NetworkError(f"Gitea answered {kwargs.get('what') or url} with a body that is not JSON") from None

    def _pages(self, url: str, params: Mapping[str, str], *, what: str) -> Iterator[list[Any]]:
        """Every page of a Gitea list (`page`/`limit`), following `Link: rel="next"` until an empty page."""
        for response in self.http.responses(url, params={**params, "limit": str(LIST_PAGE)}, next_page=_next_page,
                                            what=what):
            yield response.json() or []

    # --- who am I --------------------------------------------------------------------------------

    def _info(self) -> dict[str, Any]:
        """The repository (default branch, permissions, whether pull requests are on), asked once."""
        with self._info_lock:
            if self._repo_info is None:
                self._repo_info = self._json("GET", self.base.rstrip("/"), what=f"open the repository {self.repo}")
            return self._repo_info

    def current_user(self) -> User:
        """GET /user and the repository's `permissions.push`; AuthError when the user cannot push."""
        data = self._json("GET", "user", what="read the logged-in user")
        login = data.get("login") or data.get("username") or ""
        permissions = self._info().get("permissions") or {}
        if not (permissions.get("push") or permissions.get("admin")):
            raise AuthError(f"Your Gitea user account {login} does not have write access to this repo ({self.repo}).")
        return User(login=login, name=data.get("full_name") or login, email=data.get("email") or "",
                    avatar_url=data.get("avatar_url") or "", can_write=True)

    def login_key(self) -> str | None:
        """A hash of the API root, the repository and the token (`Backend.login_key`)."""
        return login_key(self.http.client, self.repo) if self.repo else None

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """With the user remembered for this token and the branch known: one request,
        `branches/:branch` (its 401 is the login check). Else the full check."""
        return self._open_by_head(remembered, self._branch if self.repo else None)

    def default_branch(self) -> str:
        """`branch` from the config, else the repository's default branch (asked once)."""
        if self._branch is None:
            self._branch = self._info().get("default_branch") or "main"
        return self._branch

    def head(self, branch: str | None = None) -> str:
        """The commit at the head of `branch`."""
        branch = branch or self.default_branch()
        response = self._request("GET", f"{self.base}branches/{_q(branch, '/')}", allow=(404,),
                                 what=f"read branch {branch}")
        if response.status_code == 404:
            raise NotFoundError(f"branch {branch} not found in {self.repo}")
        return str(response.json()["commit"]["id"])

    # --- reading ---------------------------------------------------------------------------------

    def _tree(self, ref: str, folder: str, *, recursive: bool, what: str) -> dict[str, tuple[str, int | None]] | None:
        """path -> (blob id, size) of the tree `ref:folder` (paths from the repository root); None when absent."""
        tree_ish = f"{ref}:{folder}" if folder else ref
        prefix = folder + "/" if folder else ""
        found: dict[str, tuple[str, int | None]] = {}
        params = {"per_page": str(TREE_PAGE), "page": "1"}
        if recursive:
            params["recursive"] = "true"

        def send(url: str, query: Mapping[str, Any] | None) -> httpx.Response | None:
            response = self._request("GET", url, params=query, allow=(400, 404), what=what)
            # 404: no such folder; 400: the path names a file, not a folder.
            return None if response.status_code in (400, 404) else response

        pages = 0
        for response in paginate(send, f"{self.base}git/trees/{_q(tree_ish, ':')}", params, _next_tree_page, what=what):
            pages += 1
            for entry in (response.json() or {}).get("tree") or []:
                if entry.get("type") == "blob":
                    size = entry.get("size")
                    found[prefix + entry["path"]] = (entry["sha"], int(size) if size is not None else None)
        return found if pages else None

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """The tree of `folder` at the branch head (recursive unless depth 1), 1000 entries a page (over Git: from
        the local store)."""
        branch = branch or self.default_branch()
        folder = folder.strip("/")
        route = self._git_reads(branch)
        # The head as the API reports it (what this listing cost before Git): a branch moved elsewhere is seen.
        found = route.files(branch, folder, expected_head=self.head(branch)) if route is not None else None
        if found is not None:
            git_head, tree_files = found
            ids = {f.path: f.id for f in tree_files}
            return Listing(head=git_head, files=tuple(
                RepoFile(p, ids[p]) for p in workflow.filter_listing(ids, folder, extension, depth)))
        head = self.head(branch)
        tree = self._tree(head, folder, recursive=depth != 1, what=f"list {folder or '/'} on {branch}") or {}
        kept = workflow.filter_listing({p: s for p, (s, _n) in tree.items()}, folder, extension, depth)
        return Listing(head=head, files=tuple(RepoFile(p, tree[p][0], tree[p][1]) for p in kept))

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents keyed by path, read by blob id 8 at a time (by path when no id is known); missing files left out."""
        ref = branch or self.default_branch()

        def one(file: RepoFile) -> tuple[str, bytes | None]:
            if file.id:
                data = self._blob(file.id, file.path)
                if data is not None:
                    return file.path, data
            try:
                return file.path, self._raw(file.path, ref)[0]
            except NotFoundError:
                return file.path, None

        result: dict[str, bytes] = {}
        route = self._git_reads(ref)
        ids = list(dict.fromkeys(f.id for f in files if f.id))
        via_git = route.read(ids) if route is not None and ids else None
        if via_git is not None:
            result.update({f.path: via_git[f.id] for f in files if f.id and via_git.get(f.id) is not None})
            files = [f for f in files if f.path not in result]
        if len(files) >= ARCHIVE_MIN_FILES and self._archive_pays(len(files)):
            result.update(self._from_archive(files, ref))
        rest = [f for f in files if f.path not in result]
        if len(rest) == 1:
            found = [one(rest[0])]
        else:
            with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
                found = list(pool.map(one, rest))
        for path, data in found:
            if data is not None:
                result[path] = data
        return result

    def _archive_pays(self, count: int) -> bool:
        """Whether one archive of the repository (`size` in KiB) is cheaper than `count` reads by id."""
        size = self._info().get("size")
        return isinstance(size, int) and 0 <= size <= min(ARCHIVE_MAX_KB, ARCHIVE_KB_PER_FILE * count)

    def _from_archive(self, files: Sequence[RepoFile], ref: str) -> dict[str, bytes]:
        """The listed files whose bytes in the branch's tar.gz archive hash to their listed ids."""
        wanted = {f.path: f.id for f in files if f.id}
        response = self._request("GET", f"{self.base}archive/{_q(ref, '/')}.tar.gz", allow=(404,),
                                 what=f"download {ref} as an archive")
        if response.status_code != 200:
            return {}
        found: dict[str, bytes] = {}
        try:
            with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
                for member in archive:
                    if not member.isfile():
                        continue
                    # `git archive --prefix=<repo>/`: drop the first component.
                    path = member.name.split("/", 1)[1] if "/" in member.name else member.name
                    expected = wanted.get(path)
                    if expected is None:
                        continue
                    handle = archive.extractfile(member)
                    data = handle.read() if handle is not None else b""
                    if workflow.git_blob_id(data) == expected:
                        found[path] = data
        except (tarfile.TarError, OSError, EOFError) as exc:
            log.info("Gitea archive of %s unusable (%s); reading files one by one", ref, exc)
            return {}
        return found

    def _blob(self, sha: str, path: str = "") -> bytes | None:
        """A blob's bytes by id (base64 JSON); None when the server does not have it."""
        response = self._request("GET", f"{self.base}git/blobs/{sha}", allow=(400, 404),
                                 what=f"read {path or 'blob ' + sha}")
        if response.status_code != 200:
            return None
        body = response.json() or {}
        content = body.get("content")
        if content is None:
            return None
        try:
            return base64.b64decode(content) if body.get("encoding", "base64") == "base64" else content.encode()
        except (binascii.Error, ValueError):
            raise NetworkError(f"Gitea sent a garbled blob {sha} for {path or 'a file'}") from None

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's bytes and blob id: one raw read (the id is the git hash of the bytes). A Git LFS file is
        read once more from `media/` for its content; its id stays the pointer's, as listings show it."""
        ref = branch or self.default_branch()
        data, blob = self._raw(path, ref)
        if lfs.is_pointer(data):
            response = self._request("GET", f"{self.base}media/{_q(path, '/')}", params={"ref": ref},
                                     what=f"read {path} from Git LFS")
            data = response.content
        return data, blob

    def _raw(self, path: str, ref: str) -> tuple[bytes, str]:
        response = self._request("GET", f"{self.base}raw/{_q(path, '/')}", params={"ref": ref}, allow=(404,),
                                 what=f"read {path}")
        if response.status_code == 404:
            raise NotFoundError(f"{path}: no such file on {ref} in {self.repo}")
        data = response.content
        return data, workflow.git_blob_id(data)

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Author and date of the last commit touching `path` (one request, only when asked)."""
        commits = self._json(
            "GET", f"{self.base}commits",
            params={"sha": branch or self.default_branch(), "path": path, "limit": "1", "stat": "false",
                    "verification": "false", "files": "false"},
            what=f"read the history of {path}",
        )
        if not commits:
            return None
        signature = (commits[0].get("commit") or {}).get("author") or {}
        return FileMeta(author=signature.get("name") or signature.get("email") or "",
                        updated_on=signature.get("date") or "")

    # --- writing ---------------------------------------------------------------------------------

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One commit of all `changes` on `branch` (POST /contents); ConflictError when they are stale."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            return self._commit_on(branch or self.default_branch(), changes, message)

    def _probe(self, ref: str, paths: Sequence[str]) -> tuple[dict[str, str], str | None]:
        """(path -> blob id for those of `paths` that exist on `ref`, the head they were read at).

        One branch read, then one tree read per distinct folder.
        """
        try:
            head: str | None = self.head(ref)
        except NotFoundError:
            head = None
        found: dict[str, str] = {}
        if head is None:
            return found, None
        folders = sorted({posixpath.dirname(p) for p in paths})
        def one(folder: str) -> dict[str, tuple[str, int | None]]:
            return self._tree(head, folder, recursive=False, what=f"look up files in {folder or '/'} on {ref}") or {}

        if len(folders) == 1:
            trees = [one(folders[0])]
        else:
            with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
                trees = list(pool.map(one, folders))
        wanted = set(paths)
        for tree in trees:
            found.update({p: s for p, (s, _n) in tree.items() if p in wanted})
        return found, head

    @staticmethod
    def _assumed(changes: Sequence[FileChange]) -> dict[str, str] | None:
        """The touched paths' blob ids as the changes themselves state them; None when one does not say."""
        known: dict[str, str | None] = {}
        for change in changes:
            if change.expected_id is None:
                return None
            source = change.previous_path or change.path
            known[source] = None if change.expected_id == NEW_FILE else change.expected_id
        for change in changes:
            # A move's target named by no other change is expected to be free; Gitea refuses it otherwise.
            known.setdefault(change.path, None)
        return {p: s for p, s in known.items() if s is not None}

    def _commit_on(
        self, branch: str, changes: Sequence[FileChange], message: str, *, new_branch: str | None = None
    ) -> CommitResult:
        where = f"{branch} of {self.repo}"
        touched = list(dict.fromkeys(p for c in changes for p in (c.previous_path or c.path, c.path)))
        blobs = _LazyBlobs(self)
        state = self._assumed(changes)
        head: str | None = None
        if not changes:
            raise ContentError(f"nothing to commit on {where}")
        for path in touched:
            workflow.check_repo_path(path)  # before any request: an unsafe path never reaches the server
        if state is None:
            state, head = self._probe(branch, touched)
        for _attempt in range(COMMIT_ATTEMPTS):
            result, new_blobs, written = workflow.apply_changes(state, changes, blobs, where=where, head=head)
            operations = self._operations(touched, state, result, new_blobs, blobs)
            body: dict[str, Any] = {"branch": branch, "message": message, "files": operations}
            if new_branch:
                body["new_branch"] = new_branch
            response = self._request("POST", f"{self.base}contents", json=body, allow=(404, 405, 409, 422),
                                     what=f"commit on {new_branch or branch}")
            if response.is_success:
                commit = (response.json() or {}).get("commit") or {}
                return CommitResult(commit=commit.get("sha") or self.head(new_branch or branch),
                                    branch=new_branch or branch, ids=written)
            said = error_message(response)
            lowered = said.lower()
            if response.status_code == 404 and "branch does not exist" in lowered:
                raise NotFoundError(f"{where}: Gitea cannot commit there ({said})")
            if response.status_code in (404, 405) and "file" not in lowered:
                self._check_change_files_supported(response)  # a server without this API: say so
            # Something was stale: look at the branch as it is now; the shared rules name the conflict.
            actual, head = self._probe(branch, touched)
            if actual == state:
                raise ConflictError(f"{where}: Gitea refused the commit ({said})", head=head)
            state = actual
        raise ConflictError(f"{where} keeps moving; the commit could not be placed, nothing was written", head=head)

    def _operations(
        self,
        touched: Sequence[str],
        before: Mapping[str, str],
        after: Mapping[str, str],
        new_blobs: Mapping[str, bytes],
        blobs: _LazyBlobs,
    ) -> list[dict[str, Any]]:
        """The end state of every touched path as Gitea file operations (`sha` = the blob replaced)."""
        operations: list[dict[str, Any]] = []
        for path in touched:
            old, new = before.get(path), after.get(path)
            if old is None and new is None:
                continue
            if new is None:
                operations.append({"operation": "delete", "path": path, "sha": old})
                continue
            data = new_blobs.get(new)
            if data is None:
                try:
                    data = blobs[new]  # a move keeping its bytes: Gitea wants the content sent again
                except KeyError:
                    raise NotFoundError(f"{path}: the content to move (blob {new}) is gone from {self.repo}") from None
            operation: dict[str, Any] = {"operation": "create" if old is None else "update", "path": path,
                                         "content": base64.b64encode(data).decode("ascii")}
            if old is not None:
                operation["sha"] = old
            operations.append(operation)
        return operations

    def _check_change_files_supported(self, response: httpx.Response) -> None:
        """Raise a clear error when the server is older than the multi-file contents API."""
        version = self.server_version()
        if version and parse_version(version) < CHANGE_FILES_SINCE:
            raise EditorError(
                f"Gitea {version} at {self.api_root} is too old to save: saving needs the multi-file contents "
                f"API of Gitea 1.20 or newer (Forgejo 1.20 or newer)"
            )
        raise self.http.error_for(response, f"commit on {self.repo}")

    def server_version(self) -> str:
        """The server's version string (`GET /version`), "" when it does not say."""
        response = self._request("GET", "version", allow=(404,), what="read the server version")
        if response.status_code != 200:
            return ""
        return str((response.json() or {}).get("version") or "")

    # --- editorial workflow ----------------------------------------------------------------------

    def _require_workflow(self) -> None:
        if not self._info().get("has_pull_requests", True):
            raise WorkflowUnavailableError(
                f"Pull requests are switched off for {self.repo} on this Gitea server, so the editorial workflow "
                "cannot work there: it only supports simple publishing. Set `publish_mode: simple` in the site "
                "config, or turn pull requests on in the repository's settings."
            )

    def _open_pulls(self) -> Iterator[dict[str, Any]]:
        site = self.default_branch()
        for page in self._pages(f"{self.base}pulls", {"state": "open"}, what="list unpublished entries"):
            for pr in page:
                if (pr.get("base") or {}).get("ref") == site:
                    yield pr

    def _find_pr(self, branch: str) -> dict[str, Any] | None:
        for pr in self._open_pulls():
            if (pr.get("head") or {}).get("ref") == branch:
                return pr
        return None

    def _status_of(self, pr: Mapping[str, Any]) -> str | None:
        prefix = self.settings.label_prefix
        for label in pr.get("labels") or []:
            name = label.get("name", "") if isinstance(label, dict) else str(label)
            if workflow.is_cms_label(name, prefix):
                return workflow.label_to_status(name, prefix)
        return None

    def _require_pr(self, collection: str, slug: str) -> tuple[str, dict[str, Any]]:
        self._require_workflow()
        branch = workflow.branch_name(collection, slug)
        pr = self._find_pr(branch)
        if pr is None or self._status_of(pr) is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        return branch, pr

    def _entry(self, collection: str, slug: str, branch: str, pr: Mapping[str, Any]) -> UnpublishedEntry:
        status = self._status_of(pr)
        if status is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        head = (pr.get("head") or {}).get("sha") or self.head(branch)
        changed: list[tuple[str, bool]] = []
        for page in self._pages(f"{self.base}pulls/{pr['number']}/files", {}, what=f"list the changes of {branch}"):
            for item in page:
                if item.get("status") not in ("removed", "deleted"):
                    changed.append((item["filename"], item.get("status") == "added"))
        ids, _head = self._ids_at(head, [p for p, _ in changed])
        diffs = tuple(Diff(path=p, id=ids[p], new_file=new) for p, new in sorted(changed) if p in ids)
        user = pr.get("user") or {}
        return UnpublishedEntry(
            collection=collection, slug=slug, status=status, branch=branch, head=head, diffs=diffs,
            updated_at=pr.get("updated_at") or "", author=user.get("full_name") or user.get("login") or "",
            pr_number=pr.get("number"),
        )

    def _ids_at(self, commit: str, paths: Sequence[str]) -> tuple[dict[str, str], str]:
        """Blob ids of `paths` at `commit`: one tree read per distinct folder."""
        found: dict[str, str] = {}
        wanted = set(paths)
        for folder in sorted({posixpath.dirname(p) for p in paths}):
            tree = self._tree(commit, folder, recursive=False, what=f"look up files in {folder or '/'}") or {}
            found.update({p: s for p, (s, _n) in tree.items() if p in wanted})
        return found, commit

    def _key_of_branch(self, branch: str) -> tuple[str, str] | None:
        if not workflow.is_cms_branch(branch):
            return None
        try:
            return workflow.parse_content_key(workflow.content_key_from_branch(branch))
        except EditorError:
            return None

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Open PRs into the site branch from `cms/` branches that carry a CMS label."""
        self._require_workflow()
        found: list[UnpublishedEntry] = []
        for pr in list(self._open_pulls()):
            ref = (pr.get("head") or {}).get("ref") or ""
            key = self._key_of_branch(ref)
            if key is None or self._status_of(pr) is None:
                continue
            found.append(self._entry(*key, ref, pr))
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
        """Commit to `cms/<collection>/<slug>`: the first save creates the branch with its commit and opens
        the labelled PR; later saves commit on the branch."""
        self._require_workflow()
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
                # A first save that stopped between the commit and the pull request: finish what it began.
                self._create_pr(branch, message, status)
            return result

    def _label_id(self, status: str) -> int:
        """The id of the status label, created in the repository when missing."""
        name = workflow.status_to_label(status, self.settings.label_prefix)
        if name not in self._labels:
            for page in self._pages(f"{self.base}labels", {}, what="list the repository's labels"):
                for label in page:
                    self._labels[label["name"]] = int(label["id"])
        if name not in self._labels:
            created = self._json("POST", f"{self.base}labels",
                                 json={"name": name, "color": LABEL_COLORS.get(status, "#cccccc"),
                                       "description": "Decap CMS editorial workflow status"},
                                 what=f"create the label {name}")
            self._labels[name] = int(created["id"])
        return self._labels[name]

    def _create_pr(self, branch: str, title: str, status: str) -> dict[str, Any]:
        return dict(self._json(
            "POST", f"{self.base}pulls",
            json={"base": self.default_branch(), "head": branch, "title": title, "body": workflow.DEFAULT_PR_BODY,
                  "labels": [self._label_id(status)]},
            what=f"open a pull request for {branch}",
        ))

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Replace the PR's CMS label, keeping its other labels."""
        workflow.check_status(status)
        with self._lock:
            _branch, pr = self._require_pr(collection, slug)
            prefix = self.settings.label_prefix
            keep = [int(lab["id"]) for lab in pr.get("labels") or []
                    if isinstance(lab, dict) and not workflow.is_cms_label(lab.get("name", ""), prefix)]
            self._request("PUT", f"{self.base}issues/{pr['number']}/labels",
                          json={"labels": [*keep, self._label_id(status)]},
                          what=f"set the status of pull request #{pr['number']}")

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the PR (squash when `squash_merges`) guarded by its head, then remove the branch."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            branch, pr = self._require_pr(collection, slug)
            entry = self._entry(collection, slug, branch, pr)
            number = pr["number"]
            for attempt in range(MERGE_ATTEMPTS):
                response = self._request(
                    "POST", f"{self.base}pulls/{number}/merge",
                    json={"Do": "squash" if self.settings.squash_merges else "merge",
                          "MergeTitleField": workflow.MERGE_COMMIT_MESSAGE, "MergeMessageField": "",
                          "head_commit_id": entry.head, "delete_branch_after_merge": True},
                    allow=(405, 409, 422), what=f"merge pull request #{number}",
                )
                if response.is_success:
                    break
                if response.status_code == 405 and "not allowed to merge" in error_message(response).lower():
                    raise AuthError(f"Gitea refused to merge pull request #{number} into {self.default_branch()} of "
                                    f"{self.repo}: your account may not merge it. Ask someone who may to publish it.")
                conflict = self._file_conflict(entry, pr.get("merge_base") or "")
                if conflict is not None:
                    raise conflict
                if response.status_code == 405 and attempt + 1 < MERGE_ATTEMPTS:
                    # Gitea answers 405 "Please try again later" while it still checks the PR after a push.
                    self._sleep(MERGE_RETRY_SECONDS)
                    continue
                raise ConflictError(
                    f"{entry.content_key}: Gitea cannot merge it into {self.default_branch()} "
                    f"({self.http.error_for(response, 'merge')})"
                )
            merged = self._json("GET", f"{self.base}pulls/{number}", what=f"read pull request #{number}")
            commit = merged.get("merge_commit_sha") or self.head()
            self._delete_branch(branch)
            return CommitResult(commit=commit, branch=self.default_branch(), ids={d.path: d.id for d in entry.diffs})

    def _file_conflict(self, entry: UnpublishedEntry, merge_base: str) -> ConflictError | None:
        """The first entry file the site branch also changed since the entry's merge base, as a conflict."""
        site = self.default_branch()
        paths = [d.path for d in entry.diffs]
        published, head = self._probe(site, paths)
        base_ids = self._ids_at(merge_base, paths)[0] if merge_base else {}
        for diff in entry.diffs:
            theirs_id = published.get(diff.path)
            if theirs_id != base_ids.get(diff.path) and theirs_id != diff.id:
                return ConflictError(
                    f"{diff.path}: changed on {site} and in the unpublished entry; cannot publish",
                    path=diff.path, theirs=None if theirs_id is None else _LazyBlobs(self).get(theirs_id),
                    theirs_id=theirs_id, head=head,
                )
        return None

    def _delete_branch(self, branch: str) -> None:
        self._request("DELETE", f"{self.base}branches/{_q(branch, '/')}", allow=(404,), what=f"delete branch {branch}")

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Close the PR and delete the entry branch."""
        with self._lock:
            branch, pr = self._require_pr(collection, slug)
            self._request("PATCH", f"{self.base}pulls/{pr['number']}", json={"state": "closed"},
                          what=f"close pull request #{pr['number']}")
            self._delete_branch(branch)

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """The PR head's commit status whose context is `preview_context`, else the first mentioning deploy."""
        self._require_workflow()
        pr = self._find_pr(workflow.branch_name(collection, slug))
        sha = (pr or {}).get("head", {}).get("sha")
        if not sha:
            return None
        statuses = self._json("GET", f"{self.base}commits/{sha}/statuses", what=f"read the statuses of {sha}") or []
        chosen = choose_preview_status(statuses, self.settings.preview_context, lambda s: str(s.get("context") or ""))
        if chosen is None or not chosen.get("target_url"):
            return None
        states = {"success": PREVIEW_READY, "pending": PREVIEW_BUILDING}  # else error, failure, warning
        return DeployPreview(url=chosen["target_url"], state=states.get(chosen.get("status") or "", PREVIEW_FAILED),
                             context=str(chosen.get("context") or ""))


class _LazyBlobs(Mapping[str, bytes]):
    """Blob contents fetched by id only when a conflict or a move needs them."""

    def __init__(self, backend: GiteaBackend) -> None:
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


def _next_page(response: httpx.Response) -> tuple[str, Mapping[str, Any] | None] | None:
    """The `Link: rel="next"` page, unless this page was empty (some Gitea versions link past the end)."""
    return next_link(response) if response.json() else None


def _next_tree_page(response: httpx.Response) -> tuple[str, Mapping[str, Any] | None] | None:
    """The next page of a truncated git tree (`page` + 1), none when the tree is complete."""
    body = response.json() or {}
    if not body.get("truncated") or not body.get("tree"):
        return None
    page = int(response.request.url.params.get("page") or "1")
    return str(response.request.url.copy_set_param("page", str(page + 1))), None
