"""GitHub adapter: REST v3 (Git Data API, pulls, labels, statuses) plus GraphQL for batched reads.

API pages used:
- trees https://docs.github.com/rest/git/trees, blobs https://docs.github.com/rest/git/blobs,
  commits https://docs.github.com/rest/git/commits, refs https://docs.github.com/rest/git/refs
- pulls https://docs.github.com/rest/pulls/pulls, labels https://docs.github.com/rest/issues/labels
- compare https://docs.github.com/rest/commits/commits#compare-two-commits
- statuses https://docs.github.com/rest/commits/statuses, forks https://docs.github.com/rest/repos/forks
- GraphQL objects https://docs.github.com/graphql/reference/objects#blob
- Git LFS batch API https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md (media stored in LFS)

Decisions:
- Reads of many files use batched GraphQL (`object(oid:)` aliases, 250 blobs per query) whatever
  `use_graphql` says: Decap's `use_graphql` switches its *whole* API, and its default (false) is about
  Decap's own code paths, not about what the repository accepts; batched reads are read-only and leave
  nothing Decap could see. A failing GraphQL endpoint (GitHub Enterprise without it, a token GraphQL
  refuses) falls back to REST blobs with 8 requests in flight. Binary blobs always come over REST.
- A commit is the Git Data API sequence Decap uses (text inline in the tree, binaries as blobs first,
  tree on the base commit, commit, ref update without force): 3 requests for an entry save that knows
  its head. The ref update is the compare-and-swap: when it is refused as not a fast forward, the files
  the commit touches are checked at the new head; if they are untouched the commit is rebuilt there,
  else ConflictError carries their side.
- With `use_graphql: true` a commit is one `createCommitOnBranch` mutation guarded by `expectedHeadOid`
  (STALE_DATA -> the same re-check as above); moves that keep their bytes, or a server without the
  mutation, use the Git Data API.
- Reading over Git (`git_route`, built by `git_route_for`): the site branch's head, listings and entry
  contents come through Git's smart HTTP protocol (3 requests cold for any N, 1 to reopen unchanged), with
  the token as Basic password (`x-access-token`); the API is used when Git answers 401/403/404, which the
  route remembers for the site. Writes, entry branches and pull requests stay on the API.
- Editorial workflow: later saves commit on the entry branch (as Bitbucket/Azure do in Decap) instead of
  rebasing it onto the site branch; publishing merges with GitHub's three-way merge, so the result is the
  same and no history on the entry branch is rewritten.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
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
    STATUS_PENDING_REVIEW,
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
from editor_app.backends.git import (
    GitProfile,
    GitProgress,
    GitReader,
    GitRoute,
    basic_auth,
    make_git_client,
    store_for,
)
from editor_app.backends.http import (
    Requester,
    RetryPolicy,
    authorization_of,
    login_key,
    make_client,
    require_credentials,
    site_api_root,
)
from editor_app.errors import AuthError, ConflictError, ContentError, EditorError, NetworkError, NotFoundError
from editor_app.hosts import HOSTS, api_root_for

log = logging.getLogger(__name__)

# What GitHub's REST API is asked for (the proxy of aws-cognito-github-proxy takes the same).
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
GRAPHQL_BATCH = 250  # blobs per GraphQL query (GitHub allows far more nodes; responses stay < a few MB)
REST_CONCURRENCY = 8
GRAPHQL_CONCURRENCY = 4
GRAPHQL_META_BATCH = 50  # `history(first: 1, path:)` lookups per GraphQL query (each walks history on GitHub's side)
COMMIT_ATTEMPTS = 4  # tries of one commit when the branch keeps moving under it
CREATE_COMMIT_MUTATION = (
    "mutation($input: CreateCommitOnBranchInput!) { createCommitOnBranch(input: $input) { commit { oid } } }"
)
# github.com speaks protocol v2 and serves `filter=blob:none` and blobs by id (partial clone).
GIT_PROFILE = GitProfile(protocol_v2=True, filters=True)
GIT_READ_BATCH = 1_000_000  # one fetch by id carries any number of blobs
FORK_POLL_SECONDS = 0.25
FORK_POLL_TRIES = 120


# Who am I, may I write, and the site branch's head: `open_site` in one query (with the branch named, or the
# repository's default branch when the config names none).
OPEN_QUERY = """query($owner: String!, $name: String!, $ref: String!) {
  viewer { login name email avatarUrl }
  repository(owner: $owner, name: $name) { viewerPermission ref(qualifiedName: $ref) { target { oid } } }
}"""
OPEN_DEFAULT_QUERY = """query($owner: String!, $name: String!) {
  viewer { login name email avatarUrl }
  repository(owner: $owner, name: $name) { viewerPermission defaultBranchRef { name target { oid } } }
}"""
# `viewerPermission` values that may push (Decap checks `permissions.push`, which these grant).
WRITE_PERMISSIONS = frozenset({"ADMIN", "MAINTAIN", "WRITE"})


def graphql_url(api_root: str) -> str:
    """Decap's rule: `<api_root>/graphql`, except Enterprise's `<host>/api/v3` -> `<host>/api/graphql`."""
    root = api_root.rstrip("/")
    if root.endswith("/api/v3"):
        return root[: -len("/v3")] + "/graphql"
    return root + "/graphql"


def _path(*parts: str) -> str:
    return "/".join(quote(p, safe="/") for p in parts)


class GitHubBackend(Backend):
    """A repository on GitHub (or GitHub Enterprise) as one logged-in user."""

    name = "github"
    api_read_batch = 4 * GRAPHQL_BATCH  # four GraphQL queries in flight per call

    def __init__(
        self,
        settings: BackendSettings,
        client: httpx.Client,
        *,
        on_wait: OnWait | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        scoped: bool = False,
        author: str | None = None,
        git_route: GitRoute | None = None,
    ) -> None:
        """`scoped`: the client's base URL already stands for one repository (Git Gateway's
        `/.netlify/git/github`), so paths leave out `repos/<owner>/<name>` and GraphQL, which names
        repositories itself, is not used; `repo` may then be learned later (`learn_repo`). `author`
        ("Name <email>") signs commits made with someone else's token (the gateway's). `git_route`: read the
        site branch over Git while that works."""
        self.settings = settings
        self.git_route = git_route
        self.scoped = scoped
        self.author = author
        self._clock = clock
        if "/" not in settings.repo and not scoped:
            raise ContentError(f"backend.repo must be 'owner/name', got {settings.repo!r}")
        self.api_root = api_root_for(self.name, settings.api_root, settings.base_url)
        self.http = Requester(client, policy=policy, on_wait=on_wait, sleep=sleep, clock=clock, host_label="GitHub")
        self.origin = settings.repo  # where the site lives and entries are read
        self.repo = settings.repo  # where this user writes (their fork under open authoring)
        self._sleep = sleep
        self._branch = settings.branch
        self._lock = threading.RLock()
        self._graphql_ok = not scoped
        self._login: str | None = None
        self._forked = False
        self._ref_etags: dict[tuple[str, str], tuple[str, str]] = {}  # (repo, branch) -> (ETag, head) last read

    def _repo_path(self, repo: str, *parts: str) -> str:
        """The API path of `parts` in `repo` (relative to the client's base URL)."""
        if self.scoped:
            return _path(*parts)
        return _path("repos", repo, *parts)

    def learn_repo(self, full_name: str) -> None:
        """Name the repository behind a scoped client (`owner/name`): pull requests are filtered by its owner."""
        if "/" in full_name:
            self.origin = self.repo = full_name

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
    ) -> GitHubBackend:
        """An adapter with its own client for `credentials` (open authoring sets up the fork here). GitHub's
        OAuth and personal tokens do not expire: `refresh` is not used. With `read_cache` the site branch is
        read over Git, its objects kept in a store below that folder (`git_route_for`; the same `transport`).
        `options`: `__init__`'s keyword options."""
        root = site_api_root(cls.name, settings)
        credentials = require_credentials(credentials, cls.name)
        client = make_client(
            root, token=credentials.token, auth_scheme="token", transport=transport, headers=API_HEADERS,
        )
        backend = cls(settings, client, on_wait=on_wait, **options)
        if read_cache is not None and backend.git_route is None:
            backend.git_route = git_route_for(settings, credentials, read_cache, transport=transport)
        if settings.open_authoring:
            backend.use_fork()
        return backend

    def close(self) -> None:
        """Release connections."""
        self.http.client.close()
        if self.git_route is not None:
            self.git_route.close()

    @property
    def read_batch_hint(self) -> int:  # type: ignore[override]  # a constant in Backend; here it follows the route
        """Files per `read_files` call: all at once over Git (one request for any number), else 4 GraphQL queries."""
        return GIT_READ_BATCH if self.read_route == "git" else self.api_read_batch

    @property
    def read_route(self) -> str:
        """How the site is read: "git" or "api" (for the status bar)."""
        return self.git_route.route if self.git_route is not None else "api"

    def _git_reads(self, branch: str) -> GitRoute | None:
        """The Git route when it serves reads of `branch` (the site branch of the site's own repository)."""
        route = self.git_route
        if route is None or not route.uses_git or branch != self.default_branch():
            return None
        return route

    @property
    def request_count(self) -> int:
        """Requests sent so far (retries included)."""
        return self.http.request_count

    # --- who am I --------------------------------------------------------------------------------

    def current_user(self) -> User:
        """GET /user and the repository's `permissions.push`; AuthError when the user cannot write."""
        answer = self.http.request("GET", "user", what="read the logged-in user")
        data = answer.json()
        self._login = data.get("login") or ""
        scopes = self._scopes(answer, self._login)
        repo = self.http.json("GET", self._repo_path(self.repo), what=f"open the repository {self.repo}")
        can_write = bool((repo.get("permissions") or {}).get("push"))
        if not can_write:
            raise AuthError(f"Your GitHub user account {self._login} does not have access to this repo ({self.repo}).")
        return User(
            login=self._login or "",
            name=data.get("name") or self._login or "Unknown",
            email=data.get("email") or "",
            avatar_url=data.get("avatar_url") or "",
            can_write=True,
            scopes=scopes,
        )

    @staticmethod
    def _scopes(answer: httpx.Response, login: str) -> tuple[str, ...]:
        """The token's scopes from `answer`; AuthError when a classic token lacks `repo` and `public_repo`."""
        # Classic tokens list their scopes; fine-grained ones have no header (their permission shows on the repo).
        header = answer.headers.get("X-OAuth-Scopes")
        scopes = tuple(s.strip() for s in (header or "").split(",") if s.strip())
        if header is not None and not {"repo", "public_repo"} & set(scopes):
            raise AuthError(
                f"the GitHub token of {login} lacks the scope 'repo' (or 'public_repo' for public repositories); "
                f"it has: {', '.join(scopes) or 'no scopes'}"
            )
        return scopes

    def login_key(self) -> str | None:
        """A hash of the API root, the repository and the token (`Backend.login_key`)."""
        return login_key(self.http.client, self.repo)

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """One request where GitHub allows it. With the user remembered for this token: the branch head alone
        (its 401 is the login check). Else one GraphQL query: the viewer, their permission on the repository
        and the branch head. Open authoring (a fork to set up) and any GraphQL trouble take the REST way."""
        if self.settings.open_authoring or self.scoped:
            return super().open_site(remembered)
        if remembered is not None and self._branch is not None:
            return self._open_by_head(remembered, self._branch)
        opened = self._open_by_graphql() if self._graphql_ok else None
        if opened is None:
            return super().open_site()
        if self._git_reads(opened.branch) is not None:
            # Read over Git, the head comes with the branch's trees (the listing right after needs them anyway).
            opened = replace(opened, head=self.head(opened.branch))
        return opened

    def _open_by_graphql(self) -> OpenedSite | None:
        """`open_site` in one GraphQL query; None when GraphQL cannot say (the REST check then says why)."""
        owner, name = self.repo.split("/", 1)
        branch = self._branch
        variables: dict[str, Any] = {"owner": owner, "name": name}
        if branch is not None:
            variables["ref"] = f"refs/heads/{branch}"
        response = self.http.request(
            "POST", graphql_url(self.api_root), json={"query": OPEN_QUERY if branch else OPEN_DEFAULT_QUERY,
                                                      "variables": variables},
            retry_unsafe=True, allow=(400, 404, 422), what="read the logged-in user and the site branch",
        )
        if response.status_code != 200:
            self._graphql_ok = False
            return None
        try:
            data = response.json().get("data") or {}
        except ValueError:
            return None
        viewer = data.get("viewer") or {}
        repository = data.get("repository") or {}
        ref = repository.get("ref" if branch else "defaultBranchRef") or {}
        head = (ref.get("target") or {}).get("oid")
        login = str(viewer.get("login") or "")
        if not login or not head:
            return None  # no such repository or branch, or not visible: the REST check reports it as before
        self._login = login
        scopes = self._scopes(response, login)
        if repository.get("viewerPermission") not in WRITE_PERMISSIONS:
            raise AuthError(f"Your GitHub user account {login} does not have access to this repo ({self.repo}).")
        if branch is None:
            branch = self._branch = str(ref.get("name") or "master")
        user = User(login=login, name=viewer.get("name") or login, email=viewer.get("email") or "",
                    avatar_url=viewer.get("avatarUrl") or "", can_write=True, scopes=scopes)
        return OpenedSite(user=user, branch=branch, head=str(head))

    def _user_login(self) -> str:
        if self._login is None:
            self._login = self.http.json("GET", "user", what="read the logged-in user").get("login") or ""
        return self._login

    def default_branch(self) -> str:
        """`branch` from the config, else the repository's default branch (asked once)."""
        if self._branch is None:
            repo = self.http.json("GET", self._repo_path(self.origin), what=f"open the repository {self.origin}")
            self._branch = repo.get("default_branch") or "master"
        return self._branch

    def head(self, branch: str | None = None) -> str:
        """The commit at the head of `branch` of the site's repository."""
        branch = branch or self.default_branch()
        route = self._git_reads(branch)
        head = route.head(branch) if route is not None else None
        return head if head is not None else self._head(self.origin, branch)

    def _head(self, repo: str, branch: str) -> str:
        # Conditional: an unchanged branch is a bodiless 304, which GitHub does not count against the rate limit.
        known = self._ref_etags.get((repo, branch))
        response = self.http.request(
            "GET", self._repo_path(repo, "git/ref/heads", branch), allow=(404,), what=f"read branch {branch}",
            headers={"If-None-Match": known[0]} if known is not None else None,
        )
        if response.status_code == 304 and known is not None:
            return known[1]
        if response.status_code == 404:
            self._ref_etags.pop((repo, branch), None)
            raise NotFoundError(f"branch {branch} not found in {repo}")
        head = str(response.json()["object"]["sha"])
        etag = response.headers.get("ETag")
        if etag:
            self._ref_etags[(repo, branch)] = (etag, head)
        return head

    # --- reading ---------------------------------------------------------------------------------

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """One recursive tree call of `folder` at the branch head (subtrees walked when GitHub truncates)."""
        repo = self._read_repo(branch)
        branch = branch or self.default_branch()
        folder = folder.strip("/")
        route = self._git_reads(branch)
        found = route.files(branch, folder) if route is not None else None
        if found is not None:
            head, tree_files = found
            ids = {f.path: f.id for f in tree_files}
            kept = workflow.filter_listing(ids, folder, extension, depth)
            return Listing(head=head, files=tuple(RepoFile(p, ids[p]) for p in kept))
        head = self._head(repo, branch)
        tree_ish = f"{head}:{folder}" if folder else head
        entries = self._tree_entries(repo, tree_ish, "")
        if entries is None:
            return Listing(head=head, files=())
        blobs = {f"{folder}/{path}" if folder else path: (sha, size) for path, sha, size in entries}
        kept = workflow.filter_listing({p: s for p, (s, _) in blobs.items()}, folder, extension, depth)
        return Listing(head=head, files=tuple(RepoFile(p, blobs[p][0], blobs[p][1]) for p in kept))

    def _tree_entries(self, repo: str, tree_ish: str, prefix: str) -> list[tuple[str, str, int | None]] | None:
        """(path, sha, size) of every blob below a tree; None when the tree does not exist."""
        response = self.http.request(
            "GET", self._repo_path(repo, "git/trees", tree_ish), params={"recursive": "1"}, allow=(404, 422),
            what=f"list {tree_ish}",
        )
        if response.status_code in (404, 422):
            return None
        data = response.json()
        if not data.get("truncated"):
            return [
                (prefix + e["path"], e["sha"], e.get("size"))
                for e in data.get("tree", []) if e.get("type") == "blob"
            ]
        # Too big for one answer: list this level alone, then each subtree by its id.
        level = self.http.json("GET", self._repo_path(repo, "git/trees", data["sha"]), what=f"list {tree_ish}")
        found: list[tuple[str, str, int | None]] = []
        for entry in level.get("tree", []):
            if entry.get("type") == "blob":
                found.append((prefix + entry["path"], entry["sha"], entry.get("size")))
            elif entry.get("type") == "tree":
                found += self._tree_entries(repo, entry["sha"], f"{prefix}{entry['path']}/") or []
        return found

    def _read_repo(self, branch: str | None) -> str:
        # Open authoring: the site is read from upstream, the entry branches live in the fork.
        if branch and branch != self.default_branch() and self.repo != self.origin:
            return self.repo
        return self.origin

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents keyed by path: batched GraphQL, else REST blobs 8 at a time; missing files left out."""
        repo = self._read_repo(branch)
        branch = branch or self.default_branch()
        known = [f for f in files if f.id]
        unknown = [f for f in files if not f.id]
        result: dict[str, bytes] = {}
        by_id: dict[str, bytes | None] = {}
        ids = list(dict.fromkeys(f.id for f in known))
        route = self._git_reads(branch)
        via_git = route.read(ids) if route is not None and ids else None
        if via_git is not None:
            by_id.update(via_git)
        elif ids and self._graphql_ok:
            by_id = self._graphql_blobs(repo, ids)
        missing = [i for i in ids if by_id.get(i) is None]
        if missing:
            by_id.update(self._rest_blobs(repo, missing))
        for f in known:
            data = by_id.get(f.id)
            if data is not None:
                result[f.path] = data
        for f in unknown:
            try:
                result[f.path] = self._read_at(repo, f.path, branch)[0]
            except NotFoundError:
                continue
        return result

    def _graphql(self, query: str, variables: Mapping[str, Any] | None = None, *, what: str) -> dict[str, Any] | None:
        """One GraphQL query; None (and GraphQL switched off for reads) when the endpoint cannot answer."""
        try:
            response = self.http.request(
                "POST", graphql_url(self.api_root), json={"query": query, "variables": dict(variables or {})},
                retry_unsafe=True, allow=(400, 404, 422), what=what,
            )
        except NetworkError:
            # Still failing after the retries: read the rest over REST, which may be served elsewhere.
            self._graphql_ok = False
            return None
        if response.status_code != 200:
            self._graphql_ok = False
            return None
        body = response.json()
        if body.get("errors") and not body.get("data"):
            self._graphql_ok = False
            return None
        return body.get("data") or {}

    def _graphql_blobs(self, repo: str, ids: Sequence[str]) -> dict[str, bytes | None]:
        chunks = [ids[start : start + GRAPHQL_BATCH] for start in range(0, len(ids), GRAPHQL_BATCH)]
        found: dict[str, bytes | None] = {}
        if len(chunks) == 1:
            found.update(self._graphql_chunk(repo, chunks[0]))
            return found
        # A few queries in flight hide the round trips; few enough not to trip secondary rate limits.
        with ThreadPoolExecutor(max_workers=GRAPHQL_CONCURRENCY) as pool:
            for part in pool.map(lambda chunk: self._graphql_chunk(repo, chunk), chunks):
                found.update(part)
        return found

    def _graphql_chunk(self, repo: str, chunk: Sequence[str]) -> dict[str, bytes | None]:
        owner, name = repo.split("/", 1)
        found: dict[str, bytes | None] = {}
        if not self._graphql_ok:
            return found
        # One named fragment rather than 250 inline ones: the same answer, and much cheaper to validate.
        fields = " ".join(f'b{i}: object(oid: "{oid}") {{ ...BlobText }}' for i, oid in enumerate(chunk))
        query = (
            f"query($owner: String!, $name: String!) {{ repository(owner: $owner, name: $name) {{ {fields} }} }} "
            "fragment BlobText on Blob { oid text isBinary isTruncated }"
        )
        data = self._graphql(query, {"owner": owner, "name": name}, what=f"read {len(chunk)} files")
        if data is None:
            return found
        objects = data.get("repository") or {}
        for i, oid in enumerate(chunk):
            blob = objects.get(f"b{i}") or {}
            text = blob.get("text")
            if text is None or blob.get("isBinary") or blob.get("isTruncated"):
                continue
            encoded = text.encode("utf-8")
            # Only trust text that round-trips to the very blob (GraphQL decodes; bytes must be exact).
            if workflow.git_blob_id(encoded) == oid:
                found[oid] = encoded
        return found

    def _rest_blobs(self, repo: str, ids: Sequence[str]) -> dict[str, bytes]:
        def fetch(oid: str) -> tuple[str, bytes | None]:
            response = self.http.request(
                "GET", self._repo_path(repo, "git/blobs", oid), allow=(404,), what=f"read blob {oid}"
            )
            if response.status_code == 404:
                return oid, None
            return oid, _decode_content(response.json())

        with ThreadPoolExecutor(max_workers=REST_CONCURRENCY) as pool:
            return {oid: data for oid, data in pool.map(fetch, ids) if data is not None}

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's bytes and blob id (contents API, then the blob when GitHub leaves it out). A Git LFS
        pointer is swapped for its object when the LFS server gives it; the id stays the pointer's."""
        repo = self._read_repo(branch)
        data, sha = self._read_at(repo, path, branch or self.default_branch())
        if lfs.is_pointer(data) and not self.scoped:
            data = self._lfs_object(repo, path, data) or data
        return data, sha

    def _lfs_root(self, repo: str) -> str:
        """The repository's Git LFS endpoint: `<web host>/<owner>/<name>.git/info/lfs`."""
        if self.api_root == HOSTS["github"].api_root:
            web = HOSTS["github"].web_root
        elif self.api_root.endswith("/api/v3"):
            web = self.api_root[: -len("/api/v3")]  # GitHub Enterprise Server
        else:
            web = self.api_root
        return f"{web}/{repo}.git/info/lfs"

    def _lfs_object(self, repo: str, path: str, pointer: bytes) -> bytes | None:
        """The content a pointer names (LFS batch API, basic transfer), or None when the server does not give it.

        Best effort, for showing media: the token goes to GitHub's LFS endpoint as git's password (as `git lfs`
        sends it), and the download goes only with the headers the batch answer names.
        """
        oid, size = lfs.parse_pointer(pointer)
        token = authorization_of(self.http.client).partition(" ")[2]
        credentials = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        try:
            status, actions = lfs.batch_actions(self.http.client, self._lfs_root(repo), "download", oid, size,
                                                f"Basic {credentials}")
            download = actions.get("download") or {}
            if not download.get("href"):
                log.info("Git LFS has no object for %s (HTTP %s)", path, status)
                return None
            data = lfs.run_action(self.http.client, download, "GET")
        except (httpx.HTTPError, ValueError) as error:
            log.info("Git LFS object of %s could not be read: %s", path, type(error).__name__)
            return None
        if data.status_code != 200 or hashlib.sha256(data.content).hexdigest() != oid:
            log.info("Git LFS object of %s could not be read (HTTP %s)", path, data.status_code)
            return None
        return data.content

    def _read_at(self, repo: str, path: str, ref: str) -> tuple[bytes, str]:
        response = self.http.request(
            "GET", self._repo_path(repo, "contents", path), params={"ref": ref}, allow=(404,), what=f"read {path}"
        )
        data = response.json() if response.status_code != 404 else None
        if not isinstance(data, dict) or data.get("type") not in (None, "file"):
            raise NotFoundError(f"{path}: no such file on {ref} in {repo}")
        sha = data["sha"]
        content = data.get("content")
        if data.get("encoding") == "base64" and content is not None and (content or not data.get("size")):
            return base64.b64decode(content), sha
        # Files over 1 MB come without content: read the blob.
        blob = self.http.json("GET", self._repo_path(repo, "git/blobs", sha), what=f"read {path}")
        return _decode_content(blob), sha

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Author and date of the last commit touching `path` (one request, only when asked)."""
        commits = self.http.json(
            "GET", self._repo_path(self.origin, "commits"),
            params={"path": path, "sha": branch or self.default_branch(), "per_page": "1"},
            what=f"read the history of {path}",
        )
        if not commits:
            return None
        author = (commits[0].get("commit") or {}).get("author") or {}
        return FileMeta(author=author.get("name") or author.get("email") or "", updated_on=author.get("date") or "")

    def files_meta(self, paths: Sequence[str], *, branch: str | None = None) -> dict[str, FileMeta]:
        """Last author/date of many files: one GraphQL query per 50 paths, each path an aliased
        `history(first: 1, path:)` of the branch's head commit (REST, one request per path, without GraphQL).
        https://docs.github.com/graphql/reference/objects#commit (`history`)
        """
        ref = branch or self.default_branch()
        owner, name = self.origin.split("/", 1)
        found: dict[str, FileMeta] = {}
        wanted = list(dict.fromkeys(paths))
        for start in range(0, len(wanted), GRAPHQL_META_BATCH):
            chunk = wanted[start : start + GRAPHQL_META_BATCH]
            data = None
            if self._graphql_ok:
                fields = " ".join(f"h{i}: history(first: 1, path: {json.dumps(path)}) {{ ...LastAuthor }}"
                                  for i, path in enumerate(chunk))
                query = (
                    "query($owner: String!, $name: String!, $ref: String!) { repository(owner: $owner, name: $name) "
                    f"{{ object(expression: $ref) {{ ... on Commit {{ {fields} }} }} }} }} "
                    "fragment LastAuthor on CommitHistoryConnection { nodes { author { name email date } } }"
                )
                data = self._graphql(query, {"owner": owner, "name": name, "ref": ref},
                                     what=f"read the history of {len(chunk)} files")
            if data is None:  # no GraphQL here: REST, one path at a time
                found.update(super().files_meta(chunk, branch=ref))
                continue
            commit = (data.get("repository") or {}).get("object") or {}
            for i, path in enumerate(chunk):
                nodes = (commit.get(f"h{i}") or {}).get("nodes") or []
                if nodes:
                    author = nodes[0].get("author") or {}
                    found[path] = FileMeta(author=author.get("name") or author.get("email") or "",
                                           updated_on=author.get("date") or "")
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
        """One commit of all `changes` on `branch` via the Git Data API; ConflictError when they are stale."""
        branch = branch or self.default_branch()
        if self.repo != self.origin and branch == self.default_branch():
            raise AuthError("Open authoring contributors can only save entries for review, not publish directly.")
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            return self._commit_on(self.repo, branch, changes, message, expected_head)

    def _commit_on(
        self, repo: str, branch: str, changes: Sequence[FileChange], message: str, expected_head: str | None
    ) -> CommitResult:
        where = f"{branch} of {repo}"
        base = expected_head or self._head(repo, branch)
        trust_expected = expected_head is not None
        for _attempt in range(COMMIT_ATTEMPTS):
            ids = self._current_ids(repo, base, changes, trust_expected=trust_expected)
            blobs = _LazyBlobs(self, repo)
            _files, new_blobs, written = workflow.apply_changes(ids, changes, blobs, where=where, head=base)
            if self.settings.use_graphql and self._graphql_ok and all(sha in new_blobs for sha in written.values()):
                made = self._commit_with_graphql(repo, branch, base, ids, written, new_blobs, changes, message)
                if made is not None:
                    return CommitResult(commit=made, branch=branch, ids=written)
                if self._graphql_ok:  # the branch moved: check again at its new head
                    base = self._head(repo, branch)
                    trust_expected = False
                    continue
            commit = self._write_commit(repo, base, ids, written, new_blobs, changes, message)
            response = self.http.request(
                "PATCH", self._repo_path(repo, "git/refs/heads", branch), json={"sha": commit, "force": False},
                allow=(409, 422), retry_unsafe=True, what=f"update {where}",
            )
            if response.is_success:
                return CommitResult(commit=commit, branch=branch, ids=written)
            # Not a fast forward: the branch moved. Check the touched files at the new head and retry there.
            base = self._head(repo, branch)
            trust_expected = False
        raise ConflictError(f"{where} keeps moving; the commit could not be placed, nothing was written", head=base)

    def _commit_with_graphql(
        self,
        repo: str,
        branch: str,
        base: str,
        before: Mapping[str, str],
        written: Mapping[str, str],
        new_blobs: Mapping[str, bytes],
        changes: Sequence[FileChange],
        message: str,
    ) -> str | None:
        """`createCommitOnBranch` guarded by `expectedHeadOid`: one request. The new commit id, or None when the
        branch moved (STALE_DATA) or GraphQL cannot commit here (then `_graphql_ok` is off and REST takes over)."""
        vacated = {c.previous_path for c in changes if c.previous_path and c.previous_path != c.path}
        vacated |= {c.path for c in changes if c.delete}
        deletions = [{"path": p} for p in sorted(vacated) if p in before and p not in written]
        additions = [
            {"path": path, "contents": base64.b64encode(new_blobs[sha]).decode()} for path, sha in written.items()
        ]
        headline, _, body = message.partition("\n")
        commit_input = {
            "branch": {"repositoryNameWithOwner": repo, "branchName": branch},
            "expectedHeadOid": base,
            "message": {"headline": headline, "body": body.strip("\n")} if body.strip() else {"headline": headline},
            "fileChanges": {"additions": additions, "deletions": deletions},
        }
        response = self.http.request(
            "POST", graphql_url(self.api_root),
            json={"query": CREATE_COMMIT_MUTATION, "variables": {"input": commit_input}},
            allow=(400, 404, 422, 502, 503), what=f"commit on {branch}",
        )
        answer = response.json() if response.status_code == 200 else {}
        made = ((answer.get("data") or {}).get("createCommitOnBranch") or {}).get("commit") or {}
        if made.get("oid"):
            return str(made["oid"])
        kinds = {e.get("type") for e in answer.get("errors") or []}
        if "STALE_DATA" in kinds:
            return None
        if "FORBIDDEN" in kinds:
            raise AuthError(f"GitHub refused the commit on {branch} of {repo}: the account lacks permission")
        self._graphql_ok = False  # e.g. an Enterprise server without the mutation: use the Git Data API
        return None

    def _current_ids(
        self, repo: str, head: str, changes: Sequence[FileChange], *, trust_expected: bool
    ) -> dict[str, str]:
        """Blob ids at `head` of every path the changes touch (present paths only)."""
        ids: dict[str, str] = {}
        unknown: list[str] = []
        for change in changes:
            source = change.previous_path or change.path
            if trust_expected and change.expected_id is not None:
                # The branch is assumed at the edit's head: the expected id is the current one.
                if change.expected_id != NEW_FILE:
                    ids[source] = change.expected_id
            else:
                unknown.append(source)
            if change.path != source:
                unknown.append(change.path)  # a move's target must be free
        unknown = [p for p in dict.fromkeys(unknown) if p not in ids]
        if unknown:
            ids.update(self._ids_at(repo, head, unknown))
        return ids

    def _ids_at(self, repo: str, commit: str, paths: Sequence[str]) -> dict[str, str]:
        """Blob ids of `paths` at `commit`: one listing of each directory involved."""
        found: dict[str, str] = {}
        folders: dict[str, list[str]] = {}
        for path in paths:
            folder, _, _name = path.rpartition("/")
            folders.setdefault(folder, []).append(path)
        for folder, members in folders.items():
            tree_ish = f"{commit}:{folder}" if folder else commit
            response = self.http.request(
                "GET", self._repo_path(repo, "git/trees", tree_ish), allow=(404, 422), what=f"list {folder or '/'}"
            )
            if response.status_code != 200:
                continue
            entries = {e["path"]: e for e in response.json().get("tree", [])}
            for path in members:
                entry = entries.get(path.rpartition("/")[2])
                if entry and entry.get("type") == "blob":
                    found[path] = entry["sha"]
        return found

    def _write_commit(
        self,
        repo: str,
        base: str,
        before: Mapping[str, str],
        written: Mapping[str, str],
        new_blobs: Mapping[str, bytes],
        changes: Sequence[FileChange],
        message: str,
    ) -> str:
        tree: list[dict[str, Any]] = []
        for change in changes:
            if change.previous_path and change.previous_path != change.path and change.previous_path not in written:
                tree.append({"path": change.previous_path, "mode": "100644", "type": "blob", "sha": None})
            if change.delete:
                if change.path not in written:
                    tree.append({"path": change.path, "mode": "100644", "type": "blob", "sha": None})
                continue
            sha = written[change.path]
            entry: dict[str, Any] = {"path": change.path, "mode": "100644", "type": "blob"}
            data = new_blobs.get(sha)
            text = workflow.as_text(data) if data is not None else None
            if text is not None:
                entry["content"] = text  # one request less per text file
            elif data is not None and before.get(change.path) != sha:
                entry["sha"] = self.http.json(
                    "POST", self._repo_path(repo, "git/blobs"),
                    json={"content": base64.b64encode(data).decode(), "encoding": "base64"},
                    retry_unsafe=True, what=f"upload {change.path}",
                )["sha"]
            else:
                entry["sha"] = sha
            tree.append(entry)
        new_tree = self.http.json(
            "POST", self._repo_path(repo, "git/trees"), json={"base_tree": base, "tree": tree},
            retry_unsafe=True, what="write the tree",
        )["sha"]
        return str(self.http.json(
            "POST", self._repo_path(repo, "git/commits"),
            json={"message": message, "tree": new_tree, "parents": [base], **self._author_field()},
            what="write the commit",
        )["sha"])

    def _author_field(self) -> dict[str, Any]:
        """`{"author": {name, email, date}}` when commits are signed for someone else (Decap's git-gateway does)."""
        name, address = email.utils.parseaddr(self.author or "")
        if not address:
            return {}
        when = datetime.fromtimestamp(self._clock(), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"author": {"name": name or address, "email": address, "date": when}}

    # --- editorial workflow ----------------------------------------------------------------------

    def _entry_branch(self, collection: str, slug: str) -> str:
        if self.repo != self.origin:
            # Decap's open-authoring content key: <fork owner>/<repo name>/<collection>/<slug>.
            return f"{workflow.CMS_BRANCH_PREFIX}/{self.repo}/{workflow.content_key(collection, slug)}"
        return workflow.branch_name(collection, slug)

    def _key_of_branch(self, branch: str) -> tuple[str, str] | None:
        if not workflow.is_cms_branch(branch):
            return None
        key = branch[len(workflow.CMS_BRANCH_PREFIX) + 1 :]
        if self.repo != self.origin:
            prefix = self.repo + "/"
            if not key.startswith(prefix):
                return None
            key = key[len(prefix) :]
        try:
            return workflow.parse_content_key(key)
        except ContentError:
            return None

    def _head_owner(self) -> str:
        return self.repo.split("/", 1)[0]

    def _find_pr(self, branch: str, *, state: str = "open") -> dict[str, Any] | None:
        pulls = self.http.json(
            "GET", self._repo_path(self.origin, "pulls"),
            params={"head": f"{self._head_owner()}:{branch}", "base": self.default_branch(), "state": state,
                    "per_page": "100"},
            what=f"find the pull request of {branch}",
        )
        for pr in pulls or []:
            if (pr.get("head") or {}).get("ref") == branch:
                return dict(pr)
        return None

    def _status_of(self, pr: dict[str, Any] | None) -> str | None:
        if self.repo != self.origin:
            # Contributors cannot label: an open PR is waiting for review, anything else is a draft.
            return STATUS_PENDING_REVIEW if pr and pr.get("state") == "open" else STATUS_DRAFT
        if pr is None:
            return None
        prefix = self.settings.label_prefix
        for label in pr.get("labels") or []:
            name = label.get("name", "") if isinstance(label, dict) else str(label)
            if workflow.is_cms_label(name, prefix):
                return workflow.label_to_status(name, prefix)
        return None

    def _entry(self, collection: str, slug: str, branch: str, head: str, pr: dict[str, Any] | None) -> UnpublishedEntry:
        status = self._status_of(pr)
        if status is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        head_spec = f"{self._head_owner()}:{branch}" if self.repo != self.origin else head
        compare = self.http.json(
            "GET", self._repo_path(self.origin, "compare", f"{self.default_branch()}...{head_spec}"),
            what=f"compare {branch}",
        )
        diffs = tuple(
            Diff(path=f["filename"], id=f["sha"], new_file=f.get("status") == "added")
            for f in compare.get("files") or [] if f.get("status") != "removed"
        )
        author = ((pr or {}).get("user") or {}).get("login", "")
        return UnpublishedEntry(
            collection=collection, slug=slug, status=status, branch=branch, head=head, diffs=diffs,
            updated_at=(pr or {}).get("updated_at", ""), author=author,
            pr_number=(pr or {}).get("number") if pr else None,
        )

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Open PRs to the site branch from `cms/` branches with a CMS label (fork branches under open authoring)."""
        found: list[UnpublishedEntry] = []
        if self.repo != self.origin:
            refs = self.http.json(
                "GET", self._repo_path(self.repo, "git/matching-refs/heads", f"cms/{self.repo}/"),
                what="list the entry branches of the fork",
            )
            for ref in refs or []:
                branch = ref["ref"].removeprefix("refs/heads/")
                key = self._key_of_branch(branch)
                if key is None:
                    continue
                pr = self._find_pr(branch, state="all")
                if pr is not None and pr.get("merged_at"):
                    continue
                open_pr = pr if pr and pr.get("state") == "open" else None
                found.append(self._entry(*key, branch, ref["object"]["sha"], open_pr))
            return found
        for page in self.http.pages(
            self._repo_path(self.origin, "pulls"),
            params={"base": self.default_branch(), "state": "open", "per_page": "100"},
            what="list unpublished entries",
        ):
            for pr in page:
                branch = (pr.get("head") or {}).get("ref", "")
                head_repo = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
                if head_repo and head_repo != self.origin:
                    continue  # a contributor's fork: its branch is not in this repository
                key = self._key_of_branch(branch)
                if key is None or self._status_of(pr) is None:
                    continue
                found.append(self._entry(*key, branch, pr["head"]["sha"], pr))
        return found

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """The entry's PR (status, author, date) and its diff against the site branch."""
        branch = self._entry_branch(collection, slug)
        if self.repo != self.origin:
            try:
                head = self._head(self.repo, branch)
            except NotFoundError:
                raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow") from None
            pr = self._find_pr(branch)
            return self._entry(collection, slug, branch, head, pr)
        pr = self._find_pr(branch)
        if pr is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        return self._entry(collection, slug, branch, pr["head"]["sha"], pr)

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to `cms/<collection>/<slug>`; the first save creates the branch, the PR and its label."""
        branch = self._entry_branch(collection, slug)
        status = workflow.check_status(status or STATUS_DRAFT)
        with self._lock:
            try:
                head = self._head(self.repo, branch)
            except NotFoundError:
                head = None
            if head is not None:
                result = self._commit_on(self.repo, branch, changes, message, None)
                if self.repo == self.origin and self._find_pr(branch) is None:
                    # A first save that stopped between branch and pull request: finish what it began.
                    self._set_labels(self._create_pr(branch, message), status)
                return result
            site = self.default_branch()
            base = self._head(self.repo, site)
            where = f"{site} of {self.repo}"
            ids = self._current_ids(self.repo, base, changes, trust_expected=False)
            _files, new_blobs, written = workflow.apply_changes(
                ids, changes, _LazyBlobs(self, self.repo), where=where, head=base
            )
            commit = self._write_commit(self.repo, base, ids, written, new_blobs, changes, message)
            response = self.http.request(
                "POST", self._repo_path(self.repo, "git/refs"), json={"ref": f"refs/heads/{branch}", "sha": commit},
                allow=(422,), what=f"create branch {branch}",
            )
            if response.status_code == 422:
                raise self._branch_refused(branch, response, base)
            if self.repo == self.origin or status != STATUS_DRAFT:
                pr = self._create_pr(branch, message)
                if self.repo == self.origin:
                    self._set_labels(pr, status)
            return CommitResult(commit=commit, branch=branch, ids=written)

    def _branch_refused(self, branch: str, response: httpx.Response, base: str) -> ConflictError:
        """Decap's message when a prefix of the entry branch exists as a branch (git forbids both)."""
        for candidate in workflow.conflicting_branches(branch):
            found = self.http.request(
                "GET", self._repo_path(self.repo, "git/ref/heads", candidate), allow=(404,),
                what=f"read branch {candidate}",
            )
            if found.status_code == 200 and found.json().get("ref") == f"refs/heads/{candidate}":
                return ConflictError(workflow.conflicting_branch_message(branch, candidate), head=base)
        return ConflictError(f"{branch}: {self.http.error_for(response, f'create branch {branch}')}", head=base)

    def _create_pr(self, branch: str, title: str) -> dict[str, Any]:
        return dict(self.http.json(
            "POST", self._repo_path(self.origin, "pulls"),
            json={"title": title, "body": workflow.DEFAULT_PR_BODY, "head": f"{self._head_owner()}:{branch}",
                  "base": self.default_branch()},
            what=f"open a pull request for {branch}",
        ))

    def _set_labels(self, pr: dict[str, Any], status: str) -> None:
        prefix = self.settings.label_prefix
        keep = [
            name
            for name in ((lab.get("name") if isinstance(lab, dict) else str(lab)) for lab in pr.get("labels") or [])
            if name and not workflow.is_cms_label(name, prefix)
        ]
        self.http.request(
            "PUT", self._repo_path(self.origin, "issues", str(pr["number"]), "labels"),
            json={"labels": [*keep, workflow.status_to_label(status, prefix)]},
            what=f"set the status of pull request #{pr['number']}",
        )

    def _require_pr(self, collection: str, slug: str) -> tuple[str, dict[str, Any]]:
        branch = self._entry_branch(collection, slug)
        pr = self._find_pr(branch)
        if pr is None or (self.repo == self.origin and self._status_of(pr) is None):
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        return branch, pr

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """Replace the PR's CMS label (open authoring: close or (re)open the PR, as Decap does)."""
        workflow.check_status(status)
        if self.repo != self.origin:
            self._set_contributor_status(collection, slug, status)
            return
        with self._lock:
            _branch, pr = self._require_pr(collection, slug)
            self._set_labels(pr, status)

    def _set_contributor_status(self, collection: str, slug: str, status: str) -> None:
        branch = self._entry_branch(collection, slug)
        with self._lock:
            try:
                head = self._head(self.repo, branch)
            except NotFoundError:
                raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow") from None
            pr = self._find_pr(branch, state="all")
            if status == STATUS_DRAFT:
                if pr is not None and pr.get("state") == "open":
                    self.http.request("PATCH", self._repo_path(self.origin, "pulls", str(pr["number"])),
                                      json={"state": "closed"}, what=f"close pull request #{pr['number']}")
                return
            if status != STATUS_PENDING_REVIEW:
                raise AuthError("Open authoring contributors can only mark an entry as draft or ready for review.")
            if pr is not None and pr.get("state") == "closed" and not pr.get("merged_at"):
                self.http.request("PATCH", self._repo_path(self.origin, "pulls", str(pr["number"])),
                                  json={"state": "open"}, what=f"reopen pull request #{pr['number']}")
            elif pr is None or pr.get("state") != "open":
                commit = self.http.json("GET", self._repo_path(self.repo, "git/commits", head), what=f"read {branch}")
                self._create_pr(branch, (commit.get("message") or branch).split("\n", 1)[0])

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the PR (squash when `squash_merges`) guarded by its head sha, then delete the branch."""
        if self.repo != self.origin:
            raise AuthError("Open authoring contributors cannot publish; a maintainer merges the pull request.")
        with self._lock:
            branch, pr = self._require_pr(collection, slug)
            entry = self._entry(collection, slug, branch, pr["head"]["sha"], pr)
            response = self.http.request(
                "PUT", self._repo_path(self.origin, "pulls", str(pr["number"]), "merge"),
                json={"commit_message": workflow.MERGE_COMMIT_MESSAGE, "sha": pr["head"]["sha"],
                      "merge_method": "squash" if self.settings.squash_merges else "merge"},
                allow=(405, 409), what=f"merge pull request #{pr['number']}",
            )
            if response.status_code in (405, 409):
                raise self._publish_conflict(entry, response)
            merged = response.json()["sha"]
            self._delete_branch(self.repo, branch)
            return CommitResult(
                commit=merged, branch=self.default_branch(), ids={d.path: d.id for d in entry.diffs}
            )

    def _publish_conflict(self, entry: UnpublishedEntry, response: httpx.Response) -> ConflictError:
        site = self.default_branch()
        head = self._head(self.origin, site)
        published = self._ids_at(self.origin, head, [d.path for d in entry.diffs])
        for diff in entry.diffs:
            theirs_id = published.get(diff.path)
            if theirs_id is not None and theirs_id != diff.id:
                theirs = self._rest_blobs(self.origin, [theirs_id]).get(theirs_id)
                return ConflictError(
                    f"{diff.path}: changed on {site} and in the unpublished entry; cannot publish",
                    path=diff.path, theirs=theirs, theirs_id=theirs_id, head=head,
                )
        return ConflictError(
            f"{entry.content_key}: GitHub cannot merge it into {site} ({self.http.error_for(response, 'merge')})",
            head=head,
        )

    def _delete_branch(self, repo: str, branch: str) -> None:
        # Already gone (GitHub's "delete branch on merge" setting) is fine.
        self.http.request("DELETE", self._repo_path(repo, "git/refs/heads", branch), allow=(404, 422),
                          what=f"delete branch {branch}")

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Close the PR and delete the entry branch."""
        with self._lock:
            branch = self._entry_branch(collection, slug)
            if self.repo != self.origin:
                try:
                    self._head(self.repo, branch)
                except NotFoundError:
                    key = workflow.content_key(collection, slug)
                    raise NotFoundError(f"{key}: not under editorial workflow") from None
                pr = self._find_pr(branch)
            else:
                branch, pr = self._require_pr(collection, slug)
            if pr is not None:
                self.http.request("PATCH", self._repo_path(self.origin, "pulls", str(pr["number"])),
                                  json={"state": "closed"}, what=f"close pull request #{pr['number']}")
            self._delete_branch(self.repo, branch)

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """The PR head's deploy preview: the commit status named `preview_context` (else the first mentioning
        deploy), as Decap reads it; failing that, the check run of that name (GitHub Apps such as Vercel's
        report there). https://docs.github.com/rest/commits/statuses, https://docs.github.com/rest/checks/runs
        """
        branch = self._entry_branch(collection, slug)
        pr = self._find_pr(branch)
        if pr is None:
            return None
        sha = pr["head"]["sha"]
        combined = self.http.json(
            "GET", self._repo_path(self.origin, "commits", sha, "status"), what=f"read the statuses of {branch}"
        )
        wanted = self.settings.preview_context
        chosen = choose_preview_status(combined.get("statuses") or [], wanted, lambda s: str(s.get("context") or ""))
        if chosen is not None and chosen.get("target_url"):
            states = {"success": PREVIEW_READY, "pending": PREVIEW_BUILDING}
            return DeployPreview(url=chosen["target_url"], state=states.get(chosen.get("state") or "", PREVIEW_FAILED),
                                 context=str(chosen.get("context") or ""))
        params = {"per_page": "100", **({"check_name": wanted} if wanted else {})}
        runs = self.http.json(
            "GET", self._repo_path(self.origin, "commits", sha, "check-runs"), params=params,
            what=f"read the checks of {branch}",
        )
        run = choose_preview_status(runs.get("check_runs") or [], wanted, lambda r: str(r.get("name") or ""))
        if run is None:
            return None
        if run.get("status") != "completed":
            state = PREVIEW_BUILDING
        else:
            state = PREVIEW_READY if run.get("conclusion") in ("success", "neutral") else PREVIEW_FAILED
        url = run.get("details_url") or ""
        if not url and state != PREVIEW_BUILDING:
            return None
        return DeployPreview(url=url, state=state, context=str(run.get("name") or ""))

    # --- open authoring --------------------------------------------------------------------------

    def use_fork(self) -> None:
        """Decap's open authoring: maintainers work upstream; others in their fork, created or synced here."""
        login = self._user_login()
        if login == self.origin.split("/", 1)[0] and not self.settings.options.get("always_fork"):
            return  # the owner maintains the site upstream
        if not self.settings.options.get("always_fork"):
            response = self.http.request(
                "GET", self._repo_path(self.origin, "collaborators", login, "permission"), allow=(403, 404),
                what="check your permission on the repository",
            )
            if response.status_code == 200 and response.json().get("permission") in ("admin", "write", "maintain"):
                return
        fork = f"{login}/{self.origin.split('/', 1)[1]}"
        response = self.http.request("GET", self._repo_path(fork), allow=(404,), what=f"look for your fork {fork}")
        existing = response.json() if response.status_code == 200 else None
        if existing and existing.get("fork") and (existing.get("parent") or {}).get("full_name") == self.origin:
            self.http.request("POST", self._repo_path(fork, "merge-upstream"), json={"branch": self.default_branch()},
                              allow=(409, 422), what=f"update your fork {fork}")
        else:
            self.http.request("POST", self._repo_path(self.origin, "forks"), json={}, what=f"fork {self.origin}")
            for _ in range(FORK_POLL_TRIES):
                answer = self.http.request("GET", self._repo_path(fork), allow=(404,), what=f"wait for {fork}")
                if answer.status_code == 200:
                    break
                self._sleep(FORK_POLL_SECONDS)
            else:
                raise EditorError(f"GitHub did not create the fork {fork} in time; try again")
        self.repo = fork
        self._forked = True


def github_git_url(api_root: str, repo: str) -> str:
    """The repository's address for Git over HTTPS: github.com for api.github.com, the Enterprise host else."""
    root = api_root.rstrip("/")
    host = HOSTS["github"]
    web = host.web_root if root == host.api_root.rstrip("/") else root.removesuffix("/api/v3")
    return f"{web.rstrip('/')}/{repo}.git"


def git_route_for(
    settings: BackendSettings,
    credentials: Credentials,
    cache_dir: Path,
    *,
    transport: httpx.BaseTransport | None = None,
    url: str | None = None,
    progress: Callable[[GitProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> GitRoute:
    """A Git route for the site's repository, its object store below `cache_dir`, the token in GitHub's form."""
    url = url or github_git_url(api_root_for("github", settings.api_root, settings.base_url), settings.repo)
    reader = GitReader(
        make_git_client(transport), url, store_for(cache_dir, url), profile=GIT_PROFILE,
        # Any username works; GitHub App installation tokens document `x-access-token`.
        auth=basic_auth("x-access-token", credentials.token), progress=progress, cancelled=cancelled,
    )
    return GitRoute(reader)


class _LazyBlobs(Mapping[str, bytes]):
    """Blob contents fetched only when a conflict needs to show their side."""

    def __init__(self, backend: GitHubBackend, repo: str) -> None:
        self._backend = backend
        self._repo = repo
        self._cache: dict[str, bytes] = {}

    def __getitem__(self, oid: str) -> bytes:
        if oid not in self._cache:
            data = self._backend._rest_blobs(self._repo, [oid]).get(oid)
            if data is None:
                raise KeyError(oid)
            self._cache[oid] = data
        return self._cache[oid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._cache)

    def __len__(self) -> int:
        return len(self._cache)


def _decode_content(blob: Mapping[str, Any]) -> bytes:
    content = blob.get("content") or ""
    if blob.get("encoding") == "base64":
        return base64.b64decode(content)
    return str(content).encode("utf-8")
