"""GitLab adapter: REST v4 (repository files, trees, commits with actions, merge requests) plus GraphQL reads.

API pages used:
- projects https://docs.gitlab.com/api/projects/, branches https://docs.gitlab.com/api/branches/
- repository tree, compare, blobs https://docs.gitlab.com/api/repositories/
- repository files https://docs.gitlab.com/api/repository_files/ (raw with `lfs=true` for Git LFS objects)
- commits (multi-file with actions) https://docs.gitlab.com/api/commits/
- merge requests https://docs.gitlab.com/api/merge_requests/ (rebase, merge, labels, state_event)
- GraphQL `Repository.blobs` https://docs.gitlab.com/api/graphql/reference/#repositoryblobs
- pagination headers https://docs.gitlab.com/api/rest/#pagination

Decisions:
- The project id is the URL-encoded `repo` path (`group%2Fsubgroup%2Frepo`). An empty `repo` means the
  client already points at one project (Git Gateway's `/.netlify/git/gitlab/` proxy): requests then go
  straight under `api_root` and GraphQL is not used.
- A listing is the paginated recursive tree at the branch head's commit (100 per page, following
  `X-Next-Page`), so the files and the head agree. GitLab's tree carries no sizes: non-text files (media)
  get theirs from GraphQL `blobs` (100 paths a query), or without GraphQL from one `HEAD` of the files API
  each; text files keep size None.
- Reads of many files use GraphQL `blobs(paths:, ref:)` 100 paths a query (a query refused as too complex
  is tried once as two halves); a blob is trusted only when its bytes hash to the listed id (binary content
  does not survive GraphQL's strings), else it is read over REST by its blob id, which is exact. Media
  (by name) go to REST straight away.
- A commit is one `POST /repository/commits` with actions, after one `HEAD` probe per touched path
  (blob id and last commit id, `X-Gitlab-Blob-Id` / `X-Gitlab-Last-Commit-Id`). The expected ids are
  checked locally (conflicts carry their side), and every checked action carries `last_commit_id`, so
  GitLab itself refuses the commit if a file moved on between probe and commit; then the probe runs again.
- Editorial workflow as Decap does it: branch `cms/<collection>/<slug>`, a merge request created with
  query parameters (Decap's title, description, label, `remove_source_branch`, `squash`), the MR rebased
  before a later save (a rebase GitLab cannot do is left to publish time, which reports the conflict),
  status in the MR labels, publish by the merge API guarded by the MR's head sha, and the source branch
  deleted right after (GitLab removes it asynchronously).
- Reading over Git (with the app's `read_cache`): the site branch's listings and entry contents come
  through Git's smart HTTP protocol (protocol v2, `filter=blob:none`, blobs by id: 3 requests cold for any
  N), the current token as Basic password for user `oauth2` as GitLab documents; the API is used when Git
  answers 401/403/404 (remembered per site), and for everything else (writes, merge requests).
- Auth: `Bearer` tokens. A 401 whose JSON `error` is `invalid_token` refreshes a token that has a
  refresh token and a `refresh` callback (PKCE), once, and repeats the request; otherwise AuthError(expired).
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
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
    require_credentials,
    site_api_root,
)
from editor_app.errors import AuthError, ConflictError, EditorError, NetworkError, NotFoundError
from editor_app.hosts import api_root_for

log = logging.getLogger(__name__)

GIT_PROFILE = GitProfile(protocol_v2=True, filters=True)  # Gitaly: v2, partial clone, any SHA-1 in want
GIT_READ_BATCH = 1_000_000  # one fetch by id carries any number of blobs
GRAPHQL_BATCH = 100  # paths per GraphQL `blobs` query (GitLab caps the paths of one query at 100)
PER_PAGE = 100  # GitLab's largest page
REST_CONCURRENCY = 8
GRAPHQL_CONCURRENCY = 4
GRAPHQL_META_BATCH = 8  # `tree { lastCommit }` lookups per query: Decap's batch, within GitLab's complexity limit
COMMIT_ATTEMPTS = 4
REBASE_POLL_SECONDS = 1.0
REBASE_POLL_TRIES = 30
WRITE_ACCESS = 30  # Developer
MAINTAINER_ACCESS = 40
BLOBS_QUERY = (
    "query($fullPath: ID!, $ref: String, $paths: [String!]!) { project(fullPath: $fullPath) { repository { "
    "blobs(ref: $ref, paths: $paths) { nodes { path oid size rawBlob } } } } }"
)
SIZES_QUERY = (
    "query($fullPath: ID!, $ref: String, $paths: [String!]!) { project(fullPath: $fullPath) { repository { "
    "blobs(ref: $ref, paths: $paths) { nodes { path oid size } } } } }"
)
# Names the editor reads as text (entries, data files): their listings need no sizes.
TEXT_SUFFIXES = (
    ".md", ".markdown", ".mdx", ".txt", ".yml", ".yaml", ".json", ".toml", ".html", ".htm", ".csv", ".xml",
)

# Media GraphQL cannot carry (its strings lose binary bytes): read over REST straight away.
BINARY_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".bmp", ".tif", ".tiff", ".pdf", ".zip", ".gz",
    ".mp3", ".mp4", ".mov", ".webm", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".psd",
)


def graphql_url(api_root: str) -> str:
    """GitLab's GraphQL endpoint beside its REST root: `<host>/api/v4` -> `<host>/api/graphql`."""
    root = api_root.rstrip("/")
    if root.endswith("/api/v4"):
        return root[: -len("/v4")] + "/graphql"
    return root + "/graphql"


def _q(part: str) -> str:
    """One URL path segment, slashes included (`cms/posts/a` -> `cms%2Fposts%2Fa`)."""
    return quote(part, safe="")


class GitLabBackend(Backend):
    """A project on GitLab.com or a self-hosted GitLab, as one logged-in user."""

    name = "gitlab"

    def __init__(
        self,
        settings: BackendSettings,
        client: httpx.Client,
        *,
        on_wait: OnWait | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        author: str | None = None,
        git_route: GitRoute | None = None,
    ) -> None:
        """`author` ("Name <email>") signs commits made with someone else's token (Git Gateway's). `git_route`:
        read the site branch over Git while that works."""
        self.settings = settings
        self.git_route = git_route
        self.author = author
        self.repo = settings.repo.strip("/")
        if self.repo and "/" not in self.repo:
            raise EditorError(f"backend.repo must be 'group/project' (subgroups allowed), got {settings.repo!r}")
        self.api_root = api_root_for(self.name, settings.api_root, settings.base_url)
        self.http = Requester(client, policy=policy, on_wait=on_wait, sleep=sleep, clock=clock, host_label="GitLab")
        self.project = f"projects/{_q(self.repo)}/" if self.repo else ""
        self._graphql = str(settings.options.get("graphql_api_root") or graphql_url(self.api_root))
        if isinstance(client.auth, RefreshingAuth):
            client.auth.add_origin(self._graphql)  # a GraphQL root of its own gets the token too
        self._graphql_ok = bool(self.repo)
        self._sleep = sleep
        self._branch = settings.branch
        self._lock = threading.RLock()

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
    ) -> GitLabBackend:
        """An adapter with its own client for `credentials`; `refresh` renews a PKCE token on `invalid_token`.

        With `read_cache` the site branch is read over Git, its objects kept in a store below that folder.
        `options`: `__init__`'s keyword options (retry policy, sleep and clock for tests, author)."""
        root = site_api_root(cls.name, settings)
        auth = RefreshingAuth(require_credentials(credentials, cls.name), origins=[root], refresh=refresh,
                              renews_on=_invalid_token)
        backend = cls(settings, make_client(root, transport=transport, auth=auth), on_wait=on_wait, **options)
        if read_cache is not None and backend.git_route is None and backend.repo:
            url = web_git_url(backend.api_root, "/api/v4", backend.repo)
            # GitLab takes `oauth2:<token>` for OAuth and personal tokens; a renewed token is used as it comes.
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
        """Files per `read_files` call: all at once over Git (one request for any number), else 4 GraphQL queries."""
        return GIT_READ_BATCH if self.read_route == "git" else GRAPHQL_CONCURRENCY * GRAPHQL_BATCH

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
        """`Requester.request` (the client's RefreshingAuth renews a token GitLab calls `invalid_token`)."""
        return self.http.request(method, url, **kwargs)

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NetworkError(f"GitLab answered {kwargs.get('what') or url} with a body that is not JSON") from None

    def _pages(self, url: str, params: Mapping[str, str], *, what: str) -> Iterator[Any]:
        """Every page of a GitLab list, following `X-Next-Page` (else `Link: rel="next"`); a 404 lists nothing."""
        for response in self.http.responses(url, params=params, next_page=_next_page, missing_ok=True, what=what):
            yield response.json()

    def _graphql_data(
        self, query: str, variables: Mapping[str, Any], *, what: str, may_shrink: bool = False
    ) -> dict[str, Any] | None:
        """One GraphQL query; None (and GraphQL off for reads) when the endpoint cannot answer it.

        `may_shrink`: the caller retries a refused query in smaller parts (GitLab refuses queries over its
        complexity or size limits with errors and no data), so such a refusal leaves GraphQL on.
        """
        if not self._graphql_ok:
            return None
        try:
            response = self._request(
                "POST", self._graphql, json={"query": query, "variables": dict(variables)}, retry_unsafe=True,
                allow=(400, 403, 404, 422), what=what,
            )
        except NetworkError:
            self._graphql_ok = False
            return None
        if response.status_code != 200:
            self._graphql_ok = False
            return None
        body = response.json()
        if body.get("errors") and not body.get("data"):
            log.info("GitLab GraphQL refused %s: %s", what, body["errors"][0].get("message"))
            if not may_shrink:
                self._graphql_ok = False
            return None
        return body.get("data") or {}

    # --- who am I --------------------------------------------------------------------------------

    def current_user(self) -> User:
        """GET /user and the project's access levels; AuthError when the user cannot push."""
        data = self._json("GET", "user", what="read the logged-in user")
        login = data.get("username") or data.get("login") or ""
        if self.repo and not self._can_write(self._project()):
            raise AuthError(f"Your GitLab user account {login} does not have access to this repo ({self.repo}).")
        return User(
            login=login, name=data.get("name") or login, email=data.get("email") or data.get("public_email") or "",
            avatar_url=data.get("avatar_url") or "", can_write=True,
        )

    def check_token(self) -> User:
        """A personal access token's own record first (revoked, scopes: `api` is needed to commit), then
        `current_user()`. OAuth tokens have no such record; their scope was asked for at login."""
        response = self._request("GET", "personal_access_tokens/self", allow=(403, 404), what="check the token")
        scopes: tuple[str, ...] = ()
        if response.status_code == 200:
            record = response.json() or {}
            scopes = tuple(str(s) for s in record.get("scopes") or ())
            if record.get("revoked") or record.get("active") is False:
                raise AuthError("the GitLab token is revoked or expired")
            if "api" not in scopes:
                raise AuthError(f"the GitLab token lacks the scope 'api'; it has: {', '.join(scopes) or 'no scopes'}")
        return replace(self.current_user(), scopes=scopes)

    def _project(self) -> dict[str, Any]:
        project: dict[str, Any] = self._json("GET", self.project.rstrip("/"), what=f"open the project {self.repo}")
        return project

    def _can_write(self, project: Mapping[str, Any]) -> bool:
        """Decap's `hasWriteAccess`: Developer on the project or its group, Maintainer through a shared group,
        or Developer through a shared group on a default branch developers may push to and merge into."""
        permissions = project.get("permissions") or {}
        for key in ("project_access", "group_access"):
            if ((permissions.get(key) or {}).get("access_level") or 0) >= WRITE_ACCESS:
                return True
        shared = [g.get("group_access_level") or 0 for g in project.get("shared_with_groups") or []]
        best = max(shared, default=0)
        if best >= MAINTAINER_ACCESS:
            return True
        if best >= WRITE_ACCESS:
            branch = self._json("GET", f"{self.project}repository/branches/{_q(self.default_branch())}",
                                what="check the site branch's protection")
            return bool(branch.get("developers_can_merge") and branch.get("developers_can_push"))
        return False

    def login_key(self) -> str | None:
        """A hash of the API root, the project and the token (`Backend.login_key`)."""
        return login_key(self.http.client, self.repo) if self.repo else None

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """With the user remembered for this token and the branch known: one request,
        `repository/branches/:branch` (its 401 is the login check). Else the full check."""
        return self._open_by_head(remembered, self._branch if self.repo else None)

    def default_branch(self) -> str:
        """`branch` from the config, else the project's default branch (asked once)."""
        if self._branch is None:
            if not self.repo:
                raise EditorError("GitLab: no branch configured and no project to ask for its default branch")
            self._branch = self._project().get("default_branch") or "main"
        return self._branch

    def head(self, branch: str | None = None) -> str:
        """The commit at the head of `branch`."""
        branch = branch or self.default_branch()
        response = self._request(
            "GET", f"{self.project}repository/branches/{_q(branch)}", allow=(404,), what=f"read branch {branch}"
        )
        if response.status_code == 404:
            raise NotFoundError(f"branch {branch} not found in {self.repo or 'the project'}")
        return str(response.json()["commit"]["id"])

    # --- reading ---------------------------------------------------------------------------------

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """The recursive tree of `folder` at the branch head, 100 entries a page (over Git: from the local store)."""
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
        params = {"ref": head, "recursive": "false" if depth == 1 else "true", "per_page": str(PER_PAGE)}
        if folder:
            params["path"] = folder
        blobs: dict[str, str] = {}
        for page in self._tree_pages(params, what=f"list {folder or '/'} on {branch}"):
            for entry in page or []:
                if entry.get("type") == "blob":
                    blobs[entry["path"]] = entry["id"]
        kept = workflow.filter_listing(blobs, folder, extension, depth)
        sizes = self._sizes([p for p in kept if not p.lower().endswith(TEXT_SUFFIXES)], head)
        return Listing(head=head, files=tuple(RepoFile(p, blobs[p], sizes.get(p)) for p in kept))

    def _tree_pages(self, params: Mapping[str, str], *, what: str) -> list[Any]:
        """Every page of a tree listing: the first, then the others at once when GitLab says how many there are
        (it leaves `X-Total-Pages` out of very large listings; then the pages are followed one by one)."""
        url = f"{self.project}repository/tree"
        first = self._request("GET", url, params=params, allow=(404,), what=what)
        if first.status_code == 404:
            return []
        total = first.headers.get("X-Total-Pages", "").strip()
        if not total.isdigit() or int(total) <= 1:
            following = first.headers.get("X-Next-Page", "").strip()
            rest = list(self._pages(url, {**params, "page": following}, what=what)) if following else []
            return [first.json(), *rest]

        def page(number: int) -> Any:
            return self._json("GET", url, params={**params, "page": str(number)}, what=what)

        with ThreadPoolExecutor(max_workers=REST_CONCURRENCY) as pool:
            return [first.json(), *pool.map(page, range(2, int(total) + 1))]

    def _sizes(self, paths: Sequence[str], ref: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(paths), GRAPHQL_BATCH):
            chunk = paths[start : start + GRAPHQL_BATCH]
            data = self._graphql_data(SIZES_QUERY, {"fullPath": self.repo, "ref": ref, "paths": list(chunk)},
                                      what=f"read the sizes of {len(chunk)} files")
            if data is None:
                break
            for node in _blob_nodes(data):
                if node.get("size") is not None:
                    found[node["path"]] = int(node["size"])
        missing = [p for p in paths if p not in found]
        if missing and not self._graphql_ok:
            # No GraphQL (Git Gateway's proxy): the files API's HEAD answer carries the size, one per file.
            found.update(self._head_sizes(missing, ref))
        return found

    def _head_sizes(self, paths: Sequence[str], ref: str) -> dict[str, int]:
        def one(path: str) -> tuple[str, int | None]:
            headers = self._file_headers(path, ref)
            size = headers.get("X-Gitlab-Size", "") if headers is not None else ""
            return path, int(size) if size.isdigit() else None

        with ThreadPoolExecutor(max_workers=REST_CONCURRENCY) as pool:
            return {path: size for path, size in pool.map(one, paths) if size is not None}

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents keyed by path: GraphQL `blobs` 100 paths a query, else REST 8 at a time; missing files left out."""
        ref = branch or self.default_branch()
        result: dict[str, bytes] = {}
        route = self._git_reads(ref)
        ids = list(dict.fromkeys(f.id for f in files if f.id))
        via_git = route.read(ids) if route is not None and ids else None
        if via_git is not None:
            result.update({f.path: via_git[f.id] for f in files if f.id and via_git.get(f.id) is not None})
            files = [f for f in files if f.path not in result]
        texts = [f for f in files if not f.path.lower().endswith(BINARY_SUFFIXES)]
        if self._graphql_ok and texts:
            chunks = [texts[i : i + GRAPHQL_BATCH] for i in range(0, len(texts), GRAPHQL_BATCH)]
            if len(chunks) == 1:
                result.update(self._graphql_chunk(chunks[0], ref))
            else:
                with ThreadPoolExecutor(max_workers=GRAPHQL_CONCURRENCY) as pool:
                    for part in pool.map(lambda chunk: self._graphql_chunk(chunk, ref), chunks):
                        result.update(part)
        rest = [f for f in files if f.path not in result]
        if rest:
            with ThreadPoolExecutor(max_workers=REST_CONCURRENCY) as pool:
                for path, data in pool.map(lambda f: (f.path, self._read_rest(f, ref)), rest):
                    if data is not None:
                        result[path] = data
        return result

    def _graphql_chunk(self, chunk: Sequence[RepoFile], ref: str, *, halves: bool = True) -> dict[str, bytes]:
        """One `blobs` query; a query GitLab refuses as too big is tried once more as two halves."""
        shrink = halves and len(chunk) > 1
        data = self._graphql_data(BLOBS_QUERY, {"fullPath": self.repo, "ref": ref, "paths": [f.path for f in chunk]},
                                  what=f"read {len(chunk)} files", may_shrink=shrink)
        if data is None:
            if shrink and self._graphql_ok:
                middle = len(chunk) // 2
                return {**self._graphql_chunk(chunk[:middle], ref, halves=False),
                        **self._graphql_chunk(chunk[middle:], ref, halves=False)}
            return {}
        wanted = {f.path: f.id for f in chunk}
        found: dict[str, bytes] = {}
        for node in _blob_nodes(data):
            path, raw = node.get("path"), node.get("rawBlob")
            if path not in wanted or raw is None:
                continue
            encoded = raw.encode("utf-8")
            # Only bytes that hash to the listed blob are exact (GraphQL strings lose binary content).
            expected = wanted[path] or node.get("oid")
            if workflow.git_blob_id(encoded) == expected:
                found[path] = encoded
        return found

    def _read_rest(self, file: RepoFile, ref: str) -> bytes | None:
        if file.id and not self.repo:
            # Git Gateway forwards the files API but not blobs: read by path, keep only the listed blob.
            data = self._raw_if(file.path, ref, file.id)
            if data is None:
                log.info("%s moved on %s since it was listed; it is read again at the next open", file.path, ref)
            return data
        if file.id:
            response = self._request("GET", f"{self.project}repository/blobs/{file.id}/raw", allow=(404,),
                                     what=f"read {file.path}")
            if response.status_code == 200:
                return response.content
        try:
            return self._raw(file.path, ref)[0]
        except NotFoundError:
            return None

    def _raw_if(self, path: str, ref: str, blob: str) -> bytes | None:
        """`path` at `ref` when it is still blob `blob` (read by path), else None."""
        try:
            data, found = self._raw(path, ref)
        except NotFoundError:
            return None
        return data if found == blob else None

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's bytes and blob id: one raw read (the id comes in `X-Gitlab-Blob-Id`). A Git LFS file
        is read once more with `lfs=true` for its content; its id stays the pointer's, as listings show it."""
        ref = branch or self.default_branch()
        data, blob = self._raw(path, ref)
        if lfs.is_pointer(data):
            response = self._request("GET", f"{self.project}repository/files/{_q(path)}/raw",
                                     params={"ref": ref, "lfs": "true"}, what=f"read {path} from Git LFS")
            data = response.content
        return data, blob

    def _raw(self, path: str, ref: str) -> tuple[bytes, str]:
        response = self._request(
            "GET", f"{self.project}repository/files/{_q(path)}/raw", params={"ref": ref}, allow=(404,),
            what=f"read {path}",
        )
        if response.status_code == 404:
            raise NotFoundError(f"{path}: no such file on {ref} in {self.repo or 'the project'}")
        data = response.content
        return data, response.headers.get("X-Gitlab-Blob-Id") or workflow.git_blob_id(data)

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Author and date of the last commit touching `path` (one request, only when asked)."""
        commits = self._json(
            "GET", f"{self.project}repository/commits",
            params={"path": path, "ref_name": branch or self.default_branch(), "per_page": "1"},
            what=f"read the history of {path}",
        )
        if not commits:
            return None
        last = commits[0]
        return FileMeta(author=last.get("author_name") or last.get("author_email") or "",
                        updated_on=last.get("authored_date") or "")

    def files_meta(self, paths: Sequence[str], *, branch: str | None = None) -> dict[str, FileMeta]:
        """Last author/date of many files: Decap's `lastCommits` query, one aliased `tree(ref:, path:) { lastCommit }`
        per path, 8 paths per GraphQL request (REST, one request per path, without GraphQL).
        https://docs.gitlab.com/api/graphql/reference/#tree
        """
        ref = branch or self.default_branch()
        found: dict[str, FileMeta] = {}
        wanted = list(dict.fromkeys(paths))
        use_graphql = self._graphql_ok
        for start in range(0, len(wanted), GRAPHQL_META_BATCH):
            chunk = wanted[start : start + GRAPHQL_META_BATCH]
            data = None
            if use_graphql:
                fields = " ".join(
                    f"t{i}: tree(ref: $ref, path: {json.dumps(path)}) "
                    "{ lastCommit { authorName authorEmail authoredDate } }"
                    for i, path in enumerate(chunk))
                query = ("query($fullPath: ID!, $ref: String!) { project(fullPath: $fullPath) "
                         f"{{ repository {{ {fields} }} }} }}")
                # may_shrink: a server refusing this query keeps GraphQL for reading files
                data = self._graphql_data(query, {"fullPath": self.repo, "ref": ref}, may_shrink=True,
                                          what=f"read the history of {len(chunk)} files")
            if data is None:
                use_graphql = False  # refused once: the rest of this call goes over REST
                found.update(super().files_meta(chunk, branch=ref))
                continue
            repository = (data.get("project") or {}).get("repository") or {}
            for i, path in enumerate(chunk):
                last = ((repository.get(f"t{i}") or {}).get("lastCommit")) or {}
                if last:
                    found[path] = FileMeta(author=last.get("authorName") or last.get("authorEmail") or "",
                                           updated_on=last.get("authoredDate") or "")
        return found

    def file_meta_batch(self) -> int:
        """Paths one `files_meta` request answers (GraphQL aliases)."""
        return GRAPHQL_META_BATCH if self._graphql_ok else 1

    # --- writing ---------------------------------------------------------------------------------

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One commit of all `changes` on `branch` (commits API with actions); ConflictError when they are stale."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            return self._commit_on(branch or self.default_branch(), changes, message)

    def _file_headers(self, path: str, ref: str) -> httpx.Headers | None:
        """The files API's HEAD answer for `path` at `ref` (blob id, commit ids, size), None when it is absent."""
        response = self._request("HEAD", f"{self.project}repository/files/{_q(path)}", params={"ref": ref},
                                 allow=(404,), what=f"look up {path} on {ref}")
        return None if response.status_code == 404 else response.headers

    def _probe(self, ref: str, paths: Sequence[str]) -> dict[str, tuple[str, str, str]]:
        """path -> (blob id, last commit id, head commit id) at `ref` for the paths that exist."""
        def one(path: str) -> tuple[str, tuple[str, str, str] | None]:
            headers = self._file_headers(path, ref)
            if headers is None:
                return path, None
            return path, (headers.get("X-Gitlab-Blob-Id", ""), headers.get("X-Gitlab-Last-Commit-Id", ""),
                          headers.get("X-Gitlab-Commit-Id", ""))

        unique = list(dict.fromkeys(paths))
        if len(unique) <= 1:
            found = [one(p) for p in unique]
        else:
            with ThreadPoolExecutor(max_workers=REST_CONCURRENCY) as pool:
                found = list(pool.map(one, unique))
        return {path: state for path, state in found if state is not None}

    def _commit_on(
        self, branch: str, changes: Sequence[FileChange], message: str, *, start_branch: str | None = None
    ) -> CommitResult:
        ref = start_branch or branch
        where = f"{ref} of {self.repo or 'the project'}"
        paths = [p for c in changes for p in (c.previous_path or c.path, c.path)]
        previous: dict[str, tuple[str, str, str]] | None = None
        for _attempt in range(COMMIT_ATTEMPTS):
            state = self._probe(ref, paths)
            head = next((s[2] for s in state.values() if s[2]), None)
            ids = {p: s[0] for p, s in state.items()}
            _files, new_blobs, written = workflow.apply_changes(
                ids, changes, _LazyBlobs(self, {s[0]: (p, ref) for p, s in state.items()}), where=where, head=head
            )
            body: dict[str, Any] = {"branch": branch, "commit_message": message,
                                    "actions": _actions(changes, state, new_blobs, written)}
            if start_branch:
                body["start_branch"] = start_branch
            name, address = email.utils.parseaddr(self.author or "")
            if address:
                body.update(author_name=name or address, author_email=address)
            response = self._request("POST", f"{self.project}repository/commits", json=body, allow=(400,),
                                     what=f"commit on {branch}")
            if response.status_code != 400:
                return CommitResult(commit=response.json()["id"], branch=branch, ids=written)
            said = error_message(response)
            if previous is not None and state == previous or not _is_stale(said):
                raise ConflictError(f"{branch}: GitLab refused the commit ({said})", head=head)
            previous = state  # a file moved on between the probe and the commit: check again
        raise ConflictError(f"{where} keeps moving; the commit could not be placed, nothing was written")

    # --- editorial workflow ----------------------------------------------------------------------

    def _find_mr(self, branch: str) -> dict[str, Any] | None:
        found = self._json(
            "GET", f"{self.project}merge_requests",
            params={"state": "opened", "labels": "Any", "per_page": str(PER_PAGE),
                    "target_branch": self.default_branch(), "source_branch": branch},
            what=f"find the merge request of {branch}",
        )
        for mr in found or []:
            if mr.get("source_branch") == branch:
                return dict(mr)
        return None

    def _status_of(self, mr: Mapping[str, Any]) -> str | None:
        prefix = self.settings.label_prefix
        for label in mr.get("labels") or []:
            name = label.get("name", "") if isinstance(label, dict) else str(label)
            if workflow.is_cms_label(name, prefix):
                return workflow.label_to_status(name, prefix)
        return None

    def _require_mr(self, collection: str, slug: str) -> tuple[str, dict[str, Any]]:
        branch = workflow.branch_name(collection, slug)
        mr = self._find_mr(branch)
        if mr is None or self._status_of(mr) is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        return branch, mr

    def _entry(self, collection: str, slug: str, branch: str, mr: Mapping[str, Any]) -> UnpublishedEntry:
        status = self._status_of(mr)
        if status is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        head = mr.get("sha") or self.head(branch)
        compare = self._json(
            "GET", f"{self.project}repository/compare", params={"from": self.default_branch(), "to": head},
            what=f"compare {branch}",
        )
        changed = [(d["new_path"], bool(d.get("new_file"))) for d in compare.get("diffs") or []
                   if not d.get("deleted_file")]
        ids = self._ids_at(head, [p for p, _ in changed])
        diffs = tuple(Diff(path=p, id=ids[p], new_file=new) for p, new in changed if p in ids)
        author = mr.get("author") or {}
        return UnpublishedEntry(
            collection=collection, slug=slug, status=status, branch=branch, head=head, diffs=diffs,
            updated_at=mr.get("updated_at") or "", author=author.get("name") or author.get("username") or "",
            pr_number=mr.get("iid"),
        )

    def _ids_at(self, ref: str, paths: Sequence[str]) -> dict[str, str]:
        """Blob ids of `paths` at `ref`: one GraphQL query per 100, else one HEAD probe each."""
        found: dict[str, str] = {}
        for start in range(0, len(paths), GRAPHQL_BATCH):
            chunk = list(paths[start : start + GRAPHQL_BATCH])
            data = self._graphql_data(SIZES_QUERY, {"fullPath": self.repo, "ref": ref, "paths": chunk},
                                      what=f"look up {len(chunk)} files")
            if data is None:
                break
            found.update({n["path"]: n["oid"] for n in _blob_nodes(data) if n.get("oid")})
        missing = [p for p in paths if p not in found]
        if missing:
            found.update({p: s[0] for p, s in self._probe(ref, missing).items()})
        return found

    def _key_of_branch(self, branch: str) -> tuple[str, str] | None:
        if not workflow.is_cms_branch(branch):
            return None
        try:
            return workflow.parse_content_key(workflow.content_key_from_branch(branch))
        except EditorError:
            return None

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Open MRs into the site branch from `cms/` branches that carry a CMS label."""
        found: list[UnpublishedEntry] = []
        params = {"state": "opened", "labels": "Any", "per_page": str(PER_PAGE), "target_branch": self.default_branch()}
        for page in self._pages(f"{self.project}merge_requests", params, what="list unpublished entries"):
            for mr in page or []:
                key = self._key_of_branch(mr.get("source_branch") or "")
                if key is None or self._status_of(mr) is None:
                    continue
                found.append(self._entry(*key, mr["source_branch"], mr))
        return found

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """The entry's MR (status, author, date) and its diff against the site branch."""
        branch, mr = self._require_mr(collection, slug)
        return self._entry(collection, slug, branch, mr)

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to `cms/<collection>/<slug>`: the first save creates the branch and the labelled MR,
        later ones rebase the MR onto the site branch first, as Decap does."""
        branch = workflow.branch_name(collection, slug)
        status = workflow.check_status(status or STATUS_DRAFT)
        with self._lock:
            try:
                self.head(branch)
                exists = True
            except NotFoundError:
                exists = False
            if not exists:
                result = self._commit_on(branch, changes, message, start_branch=self.default_branch())
                self._create_mr(branch, message, status)
                return result
            mr = self._find_mr(branch)
            if mr is not None:
                self._rebase(mr)
            result = self._commit_on(branch, changes, message)
            if mr is None:
                # A first save that stopped between the commit and the merge request: finish what it began.
                self._create_mr(branch, message, status)
            return result

    def _create_mr(self, branch: str, title: str, status: str) -> dict[str, Any]:
        # Query parameters, exactly as Decap sends them.
        return dict(self._json(
            "POST", f"{self.project}merge_requests",
            params={"source_branch": branch, "target_branch": self.default_branch(), "title": title,
                    "description": workflow.DEFAULT_PR_BODY,
                    "labels": workflow.status_to_label(status, self.settings.label_prefix),
                    "remove_source_branch": "true", "squash": _flag(self.settings.squash_merges)},
            what=f"open a merge request for {branch}",
        ))

    def _rebase(self, mr: Mapping[str, Any]) -> None:
        """Rebase the MR onto the site branch and wait for GitLab; a rebase it cannot do is left for publish."""
        iid = mr["iid"]
        response = self._request("PUT", f"{self.project}merge_requests/{iid}/rebase", params={"skip_ci": "true"},
                                 allow=(403, 405, 409), what=f"rebase merge request !{iid}")
        if response.status_code != 202 and not response.is_success:
            log.info("GitLab did not rebase merge request !%s (HTTP %s)", iid, response.status_code)
            return
        for attempt in range(REBASE_POLL_TRIES):
            state = self._json("GET", f"{self.project}merge_requests/{iid}",
                               params={"include_rebase_in_progress": "true"}, what=f"wait for the rebase of !{iid}")
            if not state.get("rebase_in_progress"):
                if state.get("merge_error"):
                    log.info("GitLab could not rebase merge request !%s: %s", iid, state["merge_error"])
                return
            if attempt + 1 < REBASE_POLL_TRIES:
                self._sleep(REBASE_POLL_SECONDS)
        raise NetworkError(f"GitLab timed out rebasing merge request !{iid}; try saving again")

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Replace the MR's CMS label, keeping its other labels."""
        workflow.check_status(status)
        with self._lock:
            _branch, mr = self._require_mr(collection, slug)
            prefix = self.settings.label_prefix
            keep = [str(lab.get("name") if isinstance(lab, dict) else lab) for lab in mr.get("labels") or []]
            labels = [lab for lab in keep if not workflow.is_cms_label(lab, prefix)]
            labels.append(workflow.status_to_label(status, prefix))
            self._request("PUT", f"{self.project}merge_requests/{mr['iid']}", params={"labels": ",".join(labels)},
                          what=f"set the status of merge request !{mr['iid']}")

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the MR (squash when `squash_merges`) guarded by its head sha, then remove the branch."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            branch, mr = self._require_mr(collection, slug)
            entry = self._entry(collection, slug, branch, mr)
            squash = self.settings.squash_merges
            merge = {"merge_commit_message": workflow.MERGE_COMMIT_MESSAGE,
                     "squash_commit_message": workflow.MERGE_COMMIT_MESSAGE, "squash": _flag(squash),
                     "should_remove_source_branch": "true", "sha": entry.head}
            url, what = f"{self.project}merge_requests/{mr['iid']}/merge", f"merge merge request !{mr['iid']}"
            response = self._request("PUT", url, params=merge, allow=(401, 405, 406, 409, 422), what=what)
            if response.status_code == 401 and not _invalid_token(response):
                # GitLab answers a user who may not merge into the target branch (`can_be_merged_by?`) with a
                # plain 401: a refusal, not an expired login, when the token still reads the user.
                self._request("GET", "user", what="check your login")
                raise AuthError(
                    f"GitLab refused to merge !{mr['iid']} into {self.default_branch()} of {self.repo}: your role "
                    "may not merge into that protected branch. Ask a Maintainer to publish it, or allow "
                    "Developers to merge into it (Settings > Repository > Protected branches)."
                )
            if response.status_code == 401:  # an expired token: refreshed and retried as for any request
                response = self._request("PUT", url, params=merge, allow=(405, 406, 409, 422), what=what)
            if not response.is_success:
                raise self._publish_conflict(entry, response)
            merged = response.json()
            commit = merged.get("merge_commit_sha") or merged.get("squash_commit_sha") or self.head()
            self._delete_branch(branch)
            return CommitResult(commit=commit, branch=self.default_branch(), ids={d.path: d.id for d in entry.diffs})

    def _publish_conflict(self, entry: UnpublishedEntry, response: httpx.Response) -> ConflictError:
        site = self.default_branch()
        published = self._probe(site, [d.path for d in entry.diffs])
        head = next((s[2] for s in published.values() if s[2]), None)
        for diff in entry.diffs:
            theirs_id = published.get(diff.path, ("",))[0]
            if theirs_id and theirs_id != diff.id:
                return ConflictError(
                    f"{diff.path}: changed on {site} and in the unpublished entry; cannot publish",
                    path=diff.path, theirs=_LazyBlobs(self, {theirs_id: (diff.path, site)}).get(theirs_id),
                    theirs_id=theirs_id, head=head,
                )
        return ConflictError(
            f"{entry.content_key}: GitLab cannot merge it into {site} ({self.http.error_for(response, 'merge')})",
            head=head,
        )

    def _delete_branch(self, branch: str) -> None:
        self._request("DELETE", f"{self.project}repository/branches/{_q(branch)}", allow=(404,),
                      what=f"delete branch {branch}")

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Close the MR and delete the entry branch."""
        with self._lock:
            branch, mr = self._require_mr(collection, slug)
            self._request("PUT", f"{self.project}merge_requests/{mr['iid']}", params={"state_event": "close"},
                          what=f"close merge request !{mr['iid']}")
            self._delete_branch(branch)

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """The MR head's commit status named `preview_context` (else the first mentioning deploy), as Decap reads it;
        failing that, the review app: the available environment last deployed from the MR's branch.
        https://docs.gitlab.com/api/commits/#list-the-statuses-of-a-commit, https://docs.gitlab.com/api/environments/
        """
        branch = workflow.branch_name(collection, slug)
        mr = self._find_mr(branch)
        if mr is None or not mr.get("sha"):
            return None
        statuses = self._json("GET", f"{self.project}repository/commits/{mr['sha']}/statuses",
                              params={"ref": branch}, what=f"read the statuses of {branch}") or []
        chosen = choose_preview_status(statuses, self.settings.preview_context, lambda s: str(s.get("name") or ""))
        # Pipeline job statuses: created, waiting_for_resource, preparing, pending, running, success, failed,
        # canceled, skipped, manual, scheduled; deployments: created, running, success, failed, canceled, blocked.
        states = {"success": PREVIEW_READY, "failed": PREVIEW_FAILED, "canceled": PREVIEW_FAILED,
                  "skipped": PREVIEW_FAILED}
        if chosen is not None and chosen.get("target_url"):
            state = states.get(chosen.get("status") or "", PREVIEW_BUILDING)
            return DeployPreview(url=chosen["target_url"], state=state, context=str(chosen.get("name") or ""))
        environments = self._json("GET", f"{self.project}environments",
                                  params={"states": "available", "per_page": "100"},
                                  what=f"read the environments of {branch}") or []
        for environment in environments:
            deployment = environment.get("last_deployment") or {}
            ours = deployment.get("ref") == branch or deployment.get("sha") == mr["sha"]
            if environment.get("external_url") and ours:
                return DeployPreview(url=environment["external_url"],
                                     state=states.get(deployment.get("status") or "", PREVIEW_BUILDING),
                                     context=str(environment.get("name") or ""))
        return None


class _LazyBlobs(Mapping[str, bytes]):
    """Blob contents fetched by id only when a conflict needs to show their side.

    `where` (blob id -> path, ref) lets them be read by path where blobs cannot be read by id (Git Gateway).
    """

    def __init__(self, backend: GitLabBackend, where: Mapping[str, tuple[str, str]] | None = None) -> None:
        self._backend = backend
        self._where = where or {}
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, oid: str) -> bytes:
        if oid not in self._cache:
            backend = self._backend
            if not backend.repo:
                if oid not in self._where:
                    raise KeyError(oid)
                data = backend._raw_if(*self._where[oid], oid)
                if data is None:
                    raise KeyError(oid)
                self._cache[oid] = data
                return data
            response = backend._request("GET", f"{backend.project}repository/blobs/{oid}/raw", allow=(404,),
                                        what=f"read blob {oid}")
            if response.status_code == 404:
                raise KeyError(oid)
            self._cache[oid] = response.content
        return self._cache[oid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)


def _actions(
    changes: Sequence[FileChange],
    state: Mapping[str, tuple[str, str, str]],
    new_blobs: Mapping[str, bytes],
    written: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The commits API actions for `changes`, in order; checked ones carry `last_commit_id`."""
    vacated = {c.previous_path for c in changes if c.previous_path and c.previous_path != c.path}
    vacated |= {c.path for c in changes if c.delete}
    actions: list[dict[str, Any]] = []
    for change in changes:
        source = change.previous_path or change.path
        action: dict[str, Any]
        if change.delete:
            action = {"action": "delete", "file_path": change.path}
        elif change.previous_path and change.previous_path != change.path:
            action = {"action": "move", "file_path": change.path, "previous_path": change.previous_path}
        else:
            exists = change.path in state and change.path not in vacated
            action = {"action": "update" if exists else "create", "file_path": change.path}
        if not change.delete and change.data is not None:
            action["content"] = base64.b64encode(new_blobs[written[change.path]]).decode()
            action["encoding"] = "base64"
        known = state.get(source)
        if change.expected_id not in (None, NEW_FILE) and known and known[1] and action["action"] != "create":
            action["last_commit_id"] = known[1]
        actions.append(action)
    return actions


def _blob_nodes(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    project = data.get("project") or {}
    blobs = ((project.get("repository") or {}).get("blobs")) or {}
    return [n for n in blobs.get("nodes") or [] if isinstance(n, dict)]


def _next_page(response: httpx.Response) -> tuple[str, Mapping[str, Any] | None] | None:
    """GitLab's next page: `X-Next-Page` (the same query with another `page`), else `Link: rel="next"`."""
    following = response.headers.get("X-Next-Page", "").strip()
    if following:
        return str(response.request.url.copy_set_param("page", following)), None
    return next_link(response)


def _invalid_token(response: httpx.Response) -> bool:
    """GitLab's "this OAuth token expired": `{"error": "invalid_token"}`, or (HEAD answers have no body)
    `WWW-Authenticate: Bearer ..., error="invalid_token"`."""
    if 'error="invalid_token"' in response.headers.get("WWW-Authenticate", ""):
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("error") == "invalid_token"


# GitLab's 400 answers when a file moved on between our probe and the commit.
STALE_MESSAGES = ("already exists", "doesn't exist", "does not exist", "has changed since", "has been changed")


def _is_stale(message: str) -> bool:
    lowered = message.lower()
    return any(text in lowered for text in STALE_MESSAGES)


def _flag(value: bool) -> str:
    return "true" if value else "false"
