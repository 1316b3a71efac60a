"""Bitbucket Cloud adapter: REST 2.0 (`src` listings and reads, multipart `POST /src` commits, pull requests).

API pages used (https://developer.atlassian.com/cloud/bitbucket/rest/):
- repositories (`mainbranch`), refs/branches (head, delete), user
- source: `GET /src/{commit}/{path}` (listing with `max_depth`/`pagelen`, following `next`; raw file bytes)
  and `POST /src` (one commit from multipart form fields; `files=` deletes; `parents` asserts the tip: 409)
- diffstat `/diffstat/{a}..{b}` (`topic=false`: plain two-commit diff; `topic=true`: since the merge base)
- commits `?path=&include=` (file history), pull requests, their comments, merge, decline and statuses
- Git LFS batch API https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md at `large_media_url`
  (default `https://bitbucket.org/<repo>/info/lfs`), as Decap's Bitbucket large media uses it

Decisions:
- Bitbucket reports no blob ids, yet the interface speaks in git blob ids (they key the app's caches and
  conflict checks). The adapter computes them from the bytes it reads, and remembers which blob each path
  has at each commit it has seen (a commit never changes). A listing at a head it has not seen reuses what
  it knows of an earlier commit of the branch plus one `diffstat` between the two, and reads only what
  changed; contents read for ids are kept (bounded) so the `read_files` that follows costs nothing.
- A save is ONE `POST /src` with `parents` = the head its checks ran against, so Bitbucket refuses it
  with 409 when the branch moved meanwhile; the adapter then checks again at the new head. When the
  caller's `expected_head` is the head, the caller's `expected_id`s are trusted and nothing is read.
- Editorial workflow as Decap does it: branch `cms/<collection>/<slug>`, a PR with Decap's title and body
  and `close_source_branch`, the status in the LAST PR comment `<prefix><status>` (a later human comment
  hides the entry, as in Decap), decline + branch delete, merge with `squash` or `merge_commit`.
- Auth: `Bearer` tokens. A 401 refreshes a token that has a refresh token and a `refresh` callback
  (Netlify-style popup login) once; otherwise (implicit grant, one hour) it is AuthError(expired) so the
  login flow can warn and resume.
- Git LFS as Decap does it: a binary file that `.gitattributes` sends through LFS (`filter=lfs`) is uploaded
  (batch `upload`, PUT with the store's own headers, verify) and its pointer committed; a failed upload
  commits nothing. Reads of LFS files follow Bitbucket's redirect to the media store; their id is the
  pointer's, as on every other host.
- Limits (1,000 requests/hour): no request is repeated that a cache can answer; 429s go through
  `Requester` (wait when short, RateLimitedError with the resume time when long, never hammer).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
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
    WORKFLOW_STATUSES,
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
from editor_app.backends.git import GitProfile, GitRoute, open_route
from editor_app.backends.http import (
    RefreshingAuth,
    Requester,
    RetryPolicy,
    authorization_of,
    json_object,
    login_key,
    make_client,
    require_credentials,
    site_api_root,
)
from editor_app.errors import AuthError, ConflictError, EditorError, NetworkError, NotFoundError
from editor_app.hosts import HOSTS, api_root_for
from editor_app.paths import write_atomically

log = logging.getLogger(__name__)

PAGELEN = 100  # the largest page `src` and most lists give
PR_PAGELEN = 50  # Bitbucket caps pull request pages at 50
ALL_DEPTHS = 100  # `max_depth` for "any depth"
READ_CONCURRENCY = 8
COMMIT_ATTEMPTS = 4
KNOWN_COMMITS = 64  # commits whose path -> blob id maps are kept
CONTENT_CACHE_BYTES = 64 * 1024 * 1024
MERGE_POLL_SECONDS = 1.0
MERGE_POLL_TRIES = 30


def _path(part: str) -> str:
    """A repository path or branch name in a URL: segments escaped, slashes kept (as Bitbucket routes them)."""
    return quote(part, safe="/")


class BitbucketBackend(Backend):
    """A repository on Bitbucket Cloud, as one logged-in user."""

    name = "bitbucket"
    api_read_batch = 100

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
        state_dir: Path | None = None,
        src_only: bool = False,
        git_route: GitRoute | None = None,
    ) -> None:
        """`author` ("Name <email>") signs commits made with someone else's token (Git Gateway's bot token);
        `state_dir` (the app's cache dir) keeps the last listings and their blob ids between sessions, so a
        new session after a change elsewhere reads only what changed. `src_only`: the client reaches only
        the source API (Git Gateway forwards `src/` alone): heads come from `src` metadata, listings are not
        moved forward by diffstat, and there is no file history and no editorial workflow. `git_route`: read
        the site branch over Git while that works."""
        self.settings = settings
        self.git_route = git_route
        self._size: int | None = None
        self.author = author
        self.src_only = src_only
        if src_only:
            self.supports_workflow = False  # type: ignore[misc]
            self.is_git = False  # type: ignore[misc]  # no history is reachable
        self.repo = settings.repo.strip("/")
        if self.repo and self.repo.count("/") != 1:
            raise EditorError(f"backend.repo must be 'workspace/repository', got {settings.repo!r}")
        self.api_root = api_root_for(self.name, settings.api_root, settings.base_url)
        self.http = Requester(client, policy=policy, on_wait=on_wait, sleep=sleep, clock=clock, host_label="Bitbucket")
        self.base = f"repositories/{self.repo}/" if self.repo else ""
        self._sleep = sleep
        self._clock = clock
        self._branch = settings.branch
        self._lock = threading.RLock()
        self._known = _Known()
        self._lfs_rules: dict[str, list[str]] = {}  # head commit -> `.gitattributes` patterns sent through LFS
        self._contents = _Contents(CONTENT_CACHE_BYTES)
        # (branch, folder, depth) -> (commit, path -> size) of the last listing; (commit, earlier) -> diffstat
        self._listings: dict[tuple[str, str, int | None], tuple[str, dict[str, int | None]]] = {}
        self._diffs: OrderedDict[tuple[str, str], list[tuple[str | None, str | None]]] = OrderedDict()
        self._state_file: Path | None = None
        if state_dir is not None:
            digest = hashlib.sha1(f"{self.api_root}\n{self.repo}".encode()).hexdigest()[:16]
            self._state_file = state_dir / f"bitbucket-{digest}.json"
            self._load_state()

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
    ) -> BitbucketBackend:
        """An adapter with its own client for `credentials`; `refresh` renews a token on a 401 when it can.

        A token known to have lapsed (implicit grant: one hour) is renewed before it is sent, or refused without
        spending a request of the hourly budget on a certain 401. `options`: `__init__`'s keyword options."""
        root = site_api_root(cls.name, settings)
        clock = options.get("clock", time.time)
        credentials = require_credentials(credentials, cls.name)
        scheme = "Bearer"
        if ":" in credentials.token and not credentials.refresh_token:
            # An app password, pasted as `username:app-password`: HTTP basic auth, as Bitbucket wants it.
            scheme = "Basic"
            credentials = replace(credentials, token=base64.b64encode(credentials.token.encode()).decode("ascii"))
        auth = RefreshingAuth(credentials, origins=[root], scheme=scheme, refresh=refresh,
                              renew_within=0.0, expired_message=_expired_message, clock=clock)
        backend = cls(settings, make_client(root, transport=transport, auth=auth), on_wait=on_wait, **options)
        if read_cache is not None and backend.git_route is None and backend.repo and not backend.src_only:
            backend.git_route = open_route(
                bitbucket_git_url(backend.api_root, backend.repo), _GitAuth(auth), read_cache, GIT_PROFILE,
                transport=transport, repository_size=backend._repository_size,
            )
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
        """Files per `read_files` call: all at once over Git (they are local after the open), else 100."""
        return GIT_READ_BATCH if self.read_route == "git" else self.api_read_batch

    def _git_reads(self, branch: str) -> GitRoute | None:
        """The Git route when it serves reads of `branch` (the site branch)."""
        route = self.git_route
        if route is None or not route.uses_git or branch != self.default_branch():
            return None
        return route

    def _repository_size(self) -> int | None:
        """The repository's size in bytes (one API request, once per adapter): a whole-tree Git fetch is made
        only below the bound, Bitbucket having no partial clone."""
        if self._size is None:
            size = self._repository().get("size")
            self._size = int(size) if isinstance(size, int) else -1
        return self._size if self._size >= 0 else None

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
        """`Requester.request` (the client's RefreshingAuth renews or refuses a lapsed token)."""
        return self.http.request(method, url, **kwargs)

    def _json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self._request(method, url, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise NetworkError(f"Bitbucket answered {kwargs.get('what') or url} with a body that is not JSON") from None

    def _pages(self, url: str, params: Mapping[str, str] | None, *, what: str,
               missing_ok: bool = False) -> Iterator[list[dict[str, Any]]]:
        """The `values` of every page of a Bitbucket list, following each page's `next` URL."""
        for response in self.http.responses(url, params=params, next_page=_next_page, missing_ok=missing_ok,
                                            what=what):
            yield list(response.json().get("values") or [])

    # --- who am I --------------------------------------------------------------------------------

    def current_user(self) -> User:
        """The repository (Decap's write check: it answers) and GET /user."""
        self._repository()
        data = self._json("GET", "user", what="read the logged-in user")
        login = data.get("username") or data.get("nickname") or data.get("account_id") or ""
        avatar = ((data.get("links") or {}).get("avatar") or {}).get("href") or ""
        return User(login=login, name=data.get("display_name") or login, avatar_url=avatar, can_write=True)

    def check_token(self) -> User:
        """`current_user()`, and write permission on the repository (`user/permissions/repositories`)."""
        user = self.current_user()
        if self.repo:
            query = {"q": f'repository.full_name="{self.repo}"'}
            values = (self._json("GET", "user/permissions/repositories", params=query,
                                 what="read your permission on the repository") or {}).get("values") or []
            permission = values[0].get("permission") if values else None
            if permission not in ("write", "admin"):
                raise AuthError(f"{user.login} has no write permission on the Bitbucket repository {self.repo} "
                                f"({permission or 'no access'})")
        return user

    def _repository(self) -> dict[str, Any]:
        # Without `repo` the client points at one repository already (Git Gateway's /.netlify/git/bitbucket).
        where = self.repo or "the repository behind the gateway"
        response = self._request("GET", self.base.rstrip("/"), allow=(404,), what=f"open {where}")
        if response.status_code == 404:
            raise AuthError(f"Bitbucket: {where} not found, or your account cannot access it")
        repository: dict[str, Any] = response.json()
        if self._branch is None:
            self._branch = ((repository.get("mainbranch") or {}).get("name")) or "master"
        return repository

    def login_key(self) -> str | None:
        """A hash of the API root, the repository and the token (`Backend.login_key`)."""
        return login_key(self.http.client, self.repo) if self.repo else None

    def open_site(self, remembered: User | None = None) -> OpenedSite:
        """With the user remembered for this token and the branch known: one request,
        `refs/branches/:branch` (its 401 is the login check). Else the full check."""
        return self._open_by_head(remembered, self._branch if self.repo else None)

    def default_branch(self) -> str:
        """`branch` from the config, else the repository's main branch (asked once)."""
        if self._branch is None:
            self._repository()
        assert self._branch is not None
        return self._branch

    def head(self, branch: str | None = None) -> str:
        """The commit at the tip of `branch`."""
        branch = branch or self.default_branch()
        if self.src_only:
            # The root's metadata at a branch names the commit the branch resolves to.
            response = self._request("GET", f"{self.base}src/{_path(branch)}/", params={"format": "meta"},
                                     allow=(404,), what=f"read branch {branch}")
            if response.status_code == 404:
                raise NotFoundError(f"branch {branch} not found in {self.repo or 'the repository'}")
            return str(response.json()["commit"]["hash"])
        response = self._request("GET", f"{self.base}refs/branches/{_path(branch)}", allow=(404,),
                                 what=f"read branch {branch}")
        if response.status_code == 404:
            raise NotFoundError(f"branch {branch} not found in {self.repo or 'the repository'}")
        return str(response.json()["target"]["hash"])

    # --- reading ---------------------------------------------------------------------------------

    def list_files(
        self, folder: str, *, extension: str | None = None, depth: int | None = None, branch: str | None = None
    ) -> Listing:
        """The `src` listing of `folder` at the branch head (100 a page), or, when this folder was listed at an
        earlier commit of the branch, that listing moved forward by one diffstat; ids from what is known or read."""
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
        key = (branch, folder, depth)
        sizes = self._listing_since(key, head)
        if sizes is None:
            sizes = {}
            url = f"{self.base}src/{head}/{_path(folder)}" if folder else f"{self.base}src/{head}/"
            params = {"max_depth": str(depth or ALL_DEPTHS), "pagelen": str(PAGELEN)}
            for values in self._pages(url, params, what=f"list {folder or '/'} on {branch}", missing_ok=True):
                for entry in values:
                    if entry.get("type") == "commit_file":
                        sizes[entry["path"]] = entry.get("size")
        ids = self._ids_at(head, list(sizes), branch=branch)
        for path in [p for p, size in sizes.items() if size is None and p in ids]:
            data = self._contents.get(ids[path])
            sizes[path] = None if data is None else len(data)
        sizes = {p: size for p, size in sizes.items() if p in ids}
        with self._lock:
            self._listings[key] = (head, dict(sizes))
        self._save_state()
        kept = workflow.filter_listing(dict.fromkeys(sizes, ""), folder, extension, depth)
        return Listing(head=head, files=tuple(RepoFile(p, ids[p], sizes.get(p)) for p in kept))

    def _load_state(self) -> None:
        """The listings and blob ids an earlier session kept (a damaged file is ignored)."""
        assert self._state_file is not None
        try:
            state = json.loads(self._state_file.read_text(encoding="utf-8"))
            for branch, folder, depth, commit, sizes in state["listings"]:
                self._listings[(branch, folder, depth)] = (commit, dict(sizes))
                self._known.seen(branch, commit)
            for commit, ids in state["ids"].items():
                self._known.learn(commit, ids)
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("Bitbucket: ignoring the listing state in %s (%s)", self._state_file.name, exc)
            self._listings.clear()

    def _save_state(self) -> None:
        """Keep the last listing of each folder and the blob ids at its commit for the next session."""
        if self._state_file is None:
            return
        with self._lock:
            listings = [[*key, commit, sizes] for key, (commit, sizes) in self._listings.items()]
            ids = {commit: self._known.at(commit) for _key, (commit, _sizes) in self._listings.items()}
            text = json.dumps({"listings": listings, "ids": ids}, separators=(",", ":"))
            try:
                self._state_file.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(self._state_file, text.encode("utf-8"), durable=False)
            except OSError as exc:  # a cache: the app works without it
                log.info("Bitbucket: could not keep the listing state (%s)", exc)

    def _listing_since(self, key: tuple[str, str, int | None], head: str) -> dict[str, int | None] | None:
        """path -> size under the folder of `key` at `head`, from its listing at an earlier commit plus the
        paths that changed since (sizes of changed paths None); None when there is no earlier listing."""
        with self._lock:
            earlier = self._listings.get(key)
        if earlier is None:
            return None
        commit, sizes = earlier
        if commit == head:
            return dict(sizes)
        changes = self._diff_paths(head, commit)
        if changes is None:
            return None
        result = dict(sizes)
        _branch, folder, depth = key
        for old, new in changes:
            if old:
                result.pop(old, None)
            if new:
                result[new] = None
        return {p: result[p] for p in workflow.filter_listing(dict.fromkeys(result, ""), folder, None, depth)}

    def _ids_at(self, commit: str, paths: Sequence[str], *, branch: str | None = None) -> dict[str, str]:
        """Blob ids of the existing `paths` at `commit`: known ones, those unchanged since a known commit of
        the branch (one diffstat), and the rest read (their bytes kept for `read_files`)."""
        known = self._known.at(commit)
        unknown = [p for p in paths if p not in known]
        if unknown and branch is not None:
            earlier = self._known.latest_of(branch, commit)
            changes = None if earlier is None else self._diff_paths(commit, earlier)
            if earlier is not None and changes is not None:
                changed = {p for pair in changes for p in pair if p}
                before = self._known.at(earlier)
                inherited = {p: before[p] for p in unknown if p in before and p not in changed}
                self._known.learn(commit, inherited)
                unknown = [p for p in unknown if p not in inherited]
        if unknown:
            self._read_at(commit, unknown)
        self._known.seen(branch, commit)
        known = self._known.at(commit)
        return {p: known[p] for p in paths if p in known}

    def _diff_paths(self, commit: str, earlier: str) -> list[tuple[str | None, str | None]] | None:
        """(old path, new path) of every file that differs between two commits (one paginated diffstat,
        remembered), None when Bitbucket cannot compare them."""
        if self.src_only:
            return None
        with self._lock:
            if (commit, earlier) in self._diffs:
                return list(self._diffs[(commit, earlier)])
        found: list[tuple[str | None, str | None]] = []
        try:
            for values in self._pages(f"{self.base}diffstat/{commit}..{earlier}",
                                      {"topic": "false", "pagelen": "500"}, what="compare with the last listing"):
                for stat in values:
                    found.append(((stat.get("old") or {}).get("path"), (stat.get("new") or {}).get("path")))
        except NotFoundError:
            return None
        with self._lock:
            self._diffs[(commit, earlier)] = found
            while len(self._diffs) > KNOWN_COMMITS:
                self._diffs.popitem(last=False)
        return list(found)

    def _read_at(self, commit: str, paths: Sequence[str]) -> dict[str, bytes]:
        """Read `paths` at `commit` (8 at a time), learning their blob ids; missing paths left out."""
        via_lfs: set[str] = set()

        def one(path: str) -> tuple[str, bytes | None]:
            response = self._request("GET", f"{self.base}src/{commit}/{_path(path)}", allow=(404,),
                                     what=f"read {path}")
            if response.status_code == 200 and response.history:
                via_lfs.add(path)  # sent on to the media store: the content of a Git LFS file
            return path, (response.content if response.status_code == 200 else None)

        unique = list(dict.fromkeys(paths))
        if len(unique) <= 1:
            found = [one(p) for p in unique]
        else:
            with ThreadPoolExecutor(max_workers=READ_CONCURRENCY) as pool:
                found = list(pool.map(one, unique))
        result: dict[str, bytes] = {}
        learnt: dict[str, str] = {}
        for path, data in found:
            if data is None:
                self._known.absent(commit, path)
                continue
            # A Git LFS file's id is its pointer's (what the repository holds), as every other host reports it.
            blob = workflow.git_blob_id(lfs.pointer_for(data)[1] if path in via_lfs else data)
            learnt[path] = blob
            self._contents.put(blob, data)
            result[path] = data
        self._known.learn(commit, learnt)
        return result

    def read_files(self, files: Sequence[RepoFile], *, branch: str | None = None) -> dict[str, bytes]:
        """Contents keyed by path: those read for the listing cost nothing, the rest one request each (over Git:
        from the local store, which the open filled)."""
        result: dict[str, bytes] = {}
        route = self._git_reads(branch or self.default_branch())
        ids = list(dict.fromkeys(f.id for f in files if f.id))
        via_git = route.read(ids) if route is not None and ids else None
        if via_git is not None:
            result.update({f.path: via_git[f.id] for f in files if f.id and via_git.get(f.id) is not None})
            files = [f for f in files if f.path not in result]
        missing: list[str] = []
        for file in files:
            data = self._contents.get(file.id) if file.id else None
            if data is None:
                missing.append(file.path)
            else:
                result[file.path] = data
        if not missing:
            return result
        # A blob seen at a known commit is read there (exact even if the branch moved on); others at the head.
        by_commit: dict[str, list[str]] = {}
        wanted = {f.path: f.id for f in files}
        head: str | None = None
        for path in missing:
            seen_at = self._known.where(wanted[path]) if wanted[path] else None
            if seen_at is None or seen_at[1] != path:
                head = head or self.head(branch or self.default_branch())
                by_commit.setdefault(head, []).append(path)
            else:
                by_commit.setdefault(seen_at[0], []).append(path)
        for commit, paths in by_commit.items():
            result.update(self._read_at(commit, paths))
        return result

    def read_file(self, path: str, *, branch: str | None = None) -> tuple[bytes, str]:
        """One file's bytes and blob id at the branch head (two requests: head, file)."""
        branch = branch or self.default_branch()
        head = self.head(branch)
        data = self._read_at(head, [path]).get(path)
        if data is None:
            raise NotFoundError(f"{path}: no such file on {branch} in {self.repo or 'the repository'}")
        return data, self._known.at(head).get(path) or workflow.git_blob_id(data)  # an LFS file: its pointer's id

    def file_meta(self, path: str, *, branch: str | None = None) -> FileMeta | None:
        """Author and date of the last commit touching `path` on the branch (one request, only when asked)."""
        if self.src_only:
            return None
        query = {"path": path, "include": branch or self.default_branch(), "pagelen": "1"}
        page = self._json("GET", f"{self.base}commits", params=query,
                          what=f"read the history of {path}")
        values = (page or {}).get("values") or []
        if not values:
            return None
        last = values[0]
        author = last.get("author") or {}
        user = author.get("user") or {}
        name = user.get("display_name") or user.get("nickname") or author.get("raw") or ""
        return FileMeta(author=name, updated_on=last.get("date") or "")

    # --- writing ---------------------------------------------------------------------------------

    def commit(
        self,
        changes: Sequence[FileChange],
        message: str,
        *,
        branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        """One `POST /src` with all `changes` on `branch`, its parent asserted; ConflictError when they are stale."""
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            return self._commit_on(branch or self.default_branch(), changes, message, expected_head=expected_head)

    def _commit_on(
        self,
        branch: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        start_branch: str | None = None,
        expected_head: str | None = None,
    ) -> CommitResult:
        ref = start_branch or branch
        where = f"{ref} of {self.repo or 'the repository'}"
        lfs_done: dict[str, bytes] = {}  # path -> the pointer its content was uploaded for
        for _attempt in range(COMMIT_ATTEMPTS):
            head = self.head(ref)
            changes = self._through_lfs(head, changes, lfs_done)
            state = self._state(head, changes, trust=expected_head == head)
            _files, new_blobs, written = workflow.apply_changes(state, changes, _Theirs(self, head, state),
                                                                where=where, head=head)
            body, content_type = _form(changes, new_blobs, written, self._moved_bytes(head, changes, state),
                                       message=message, branch=branch, parent=head, author=self.author)
            response = self._request("POST", f"{self.base}src", content=body,
                                     headers={"Content-Type": content_type}, allow=(409,), what=f"commit on {branch}")
            if response.status_code == 409:
                expected_head = None  # the branch moved between our checks and the commit: check again
                continue
            commit = response.headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1]
            if len(commit) != 40:
                commit = self.head(branch)
            self._known.derive(commit, head, _files, changes)
            self._known.seen(branch, commit)
            for blob, data in new_blobs.items():
                self._contents.put(blob, data)
            return CommitResult(commit=commit, branch=branch, ids=written)
        raise ConflictError(f"{where} keeps moving; the commit could not be placed, nothing was written")

    # --- Git LFS (Decap's Bitbucket large media: batch API, basic transfer, then the pointer is committed) ---

    def _lfs_patterns(self, head: str) -> list[str]:
        with self._lock:
            if head in self._lfs_rules:
                return self._lfs_rules[head]
        response = self._request("GET", f"{self.base}src/{head}/.gitattributes", allow=(404,),
                                 what="read .gitattributes")
        patterns = lfs.tracked_patterns(response.text) if response.status_code == 200 else []
        with self._lock:
            self._lfs_rules[head] = patterns
        return patterns

    def _through_lfs(self, head: str, changes: Sequence[FileChange], done: dict[str, bytes]) -> Sequence[FileChange]:
        """`changes` with the content of files `.gitattributes` sends through Git LFS uploaded and replaced by
        their pointers (Git Gateway's Bitbucket proxy forwards no LFS: there the files go in as they are)."""
        if self.src_only or all(c.data is None or workflow.as_text(c.data) is not None for c in changes):
            return changes  # entries (text) never go through LFS: a save of them costs no .gitattributes read
        patterns = self._lfs_patterns(head)
        if not patterns:
            return changes
        out = []
        for change in changes:
            if (change.data is None or workflow.as_text(change.data) is not None or lfs.is_pointer(change.data)
                    or not lfs.is_tracked(change.path, patterns)):
                out.append(change)
                continue
            if change.path not in done:
                done[change.path] = self._lfs_upload(change.path, change.data)
            out.append(replace(change, data=done[change.path]))
        return out

    def _lfs_upload(self, path: str, data: bytes) -> bytes:
        """Upload `data` to the repository's LFS store (unless it holds it already); the pointer to commit."""
        oid, pointer = lfs.pointer_for(data)
        root = str(self.settings.options.get("large_media_url") or f"https://bitbucket.org/{self.repo}/info/lfs")
        client = self.http.client
        token = authorization_of(client)
        try:
            status, actions = lfs.batch_actions(client, root, "upload", oid, len(data), token)
            if status != 200:
                raise NetworkError(f"Git LFS refused {path} (HTTP {status}); nothing was committed")
            upload, verify = actions.get("upload"), actions.get("verify")
            if upload:
                sent = lfs.run_action(client, upload, "PUT", content=data)
                if sent.status_code >= 300:
                    raise NetworkError(
                        f"uploading {path} to Git LFS failed (HTTP {sent.status_code}); nothing was committed"
                    )
            if upload and verify:
                claim = json.dumps({"oid": oid, "size": len(data)}).encode()
                checked = lfs.run_action(client, verify, "POST", content=claim, headers={
                    "Accept": lfs.MEDIA_TYPE, "Content-Type": lfs.MEDIA_TYPE, "Authorization": token})
                if checked.status_code >= 300:
                    raise NetworkError(
                        f"Git LFS did not confirm {path} (HTTP {checked.status_code}); nothing was committed"
                    )
        except httpx.HTTPError as error:
            raise NetworkError(
                f"uploading {path} to Git LFS failed ({type(error).__name__}); nothing was committed"
            ) from None
        except ValueError:
            raise NetworkError(f"Git LFS answered the upload of {path} with a body that is not JSON") from None
        return pointer

    def _state(self, head: str, changes: Sequence[FileChange], *, trust: bool) -> dict[str, str]:
        """path -> blob id at `head` for every path the changes touch that exists there.

        With `trust` (the caller's expected head is the head) a change's expected id is taken as the truth
        for its path; the other paths come from what is known of `head`, else they are read.
        """
        paths = list(dict.fromkeys(p for c in changes for p in (c.previous_path or c.path, c.path)))
        state: dict[str, str] = {}
        assumed: set[str] = set()
        if trust:
            for change in changes:
                source = change.previous_path or change.path
                if change.expected_id is None:
                    continue
                assumed.add(source)
                if change.expected_id != NEW_FILE:
                    state[source] = change.expected_id
        known = self._known.at(head)
        absent = self._known.missing(head)
        ask = [p for p in paths if p not in assumed and p not in known and p not in absent]
        if ask:
            self._read_at(head, ask)
            known = self._known.at(head)
        for path in paths:
            if path not in assumed and path in known:
                state[path] = known[path]
        return state

    def _moved_bytes(self, head: str, changes: Sequence[FileChange], state: Mapping[str, str]) -> dict[str, bytes]:
        """The bytes of moved files that keep their content (Bitbucket has no move: they are uploaded again)."""
        found: dict[str, bytes] = {}
        for change in changes:
            if change.previous_path and change.data is None and not change.delete:
                found[change.path] = _Theirs(self, head, state)[state[change.previous_path]]
        return found

    # --- editorial workflow ----------------------------------------------------------------------

    def _pr_query(self, *conditions: str) -> str:
        base = [f'source.repository.full_name = "{self.repo}"'] if self.repo else []
        base += ['state = "OPEN"', f'destination.branch.name = "{self.default_branch()}"']
        return " AND ".join([*base, *conditions])

    def _find_pr(self, branch: str) -> dict[str, Any] | None:
        for values in self._pages(f"{self.base}pullrequests",
                                  {"pagelen": str(PR_PAGELEN), "q": self._pr_query(f'source.branch.name = "{branch}"')},
                                  what=f"find the pull request of {branch}"):
            for pr in values:
                if ((pr.get("source") or {}).get("branch") or {}).get("name") == branch:
                    return pr
        return None

    def _status_of(self, pr: Mapping[str, Any]) -> str | None:
        """The workflow status in the PR's LAST comment (Decap's rule), None when that is not a status."""
        last: dict[str, Any] | None = None
        for values in self._pages(f"{self.base}pullrequests/{pr['id']}/comments", {"pagelen": str(PAGELEN)},
                                  what=f"read the comments of pull request #{pr['id']}"):
            for comment in values:
                if not comment.get("deleted"):
                    last = comment
        if last is None:
            return None
        text = str(((last.get("content") or {}).get("raw")) or "").strip()
        prefix = self.settings.label_prefix
        if not workflow.is_cms_label(text, prefix):
            return None
        status = workflow.label_to_status(text, prefix)
        return status if status in WORKFLOW_STATUSES else None

    def _require_pr(self, collection: str, slug: str) -> tuple[str, dict[str, Any], str]:
        branch = workflow.branch_name(collection, slug)
        pr = self._find_pr(branch)
        status = None if pr is None else self._status_of(pr)
        if pr is None or status is None:
            raise NotFoundError(f"{workflow.content_key(collection, slug)}: not under editorial workflow")
        return branch, pr, status

    def _entry(self, collection: str, slug: str, branch: str, pr: Mapping[str, Any], status: str) -> UnpublishedEntry:
        head = self.head(branch)
        changed: dict[str, bool] = {}
        for values in self._pages(f"{self.base}diffstat/{head}..{self.default_branch()}",
                                  {"topic": "true", "pagelen": "500"}, what=f"compare {branch}"):
            for stat in values:
                if stat.get("status") == "removed" or not stat.get("new"):
                    continue
                changed[stat["new"]["path"]] = stat.get("status") == "added"
        ids = self._ids_at(head, sorted(changed))
        diffs = tuple(Diff(path=p, id=ids[p], new_file=changed[p]) for p in sorted(changed) if p in ids)
        author = pr.get("author") or {}
        return UnpublishedEntry(
            collection=collection, slug=slug, status=status, branch=branch, head=head, diffs=diffs,
            updated_at=pr.get("updated_on") or "", author=author.get("display_name") or author.get("nickname") or "",
            pr_number=pr.get("id"),
        )

    def _key_of_branch(self, branch: str) -> tuple[str, str] | None:
        if not workflow.is_cms_branch(branch):
            return None
        try:
            return workflow.parse_content_key(workflow.content_key_from_branch(branch))
        except EditorError:
            return None

    def _require_workflow(self) -> None:
        if self.src_only:
            raise EditorError(
                "Git Gateway forwards only Bitbucket's source API, not its pull requests, so this site cannot use "
                "the editorial workflow here; set `publish_mode: simple` or use the bitbucket backend"
            )

    def list_unpublished(self) -> list[UnpublishedEntry]:
        """Open PRs into the site branch from `cms/` branches whose last comment is a status (Decap's query)."""
        if self.src_only:
            return []
        found: list[UnpublishedEntry] = []
        query = self._pr_query("comment_count > 0", 'source.branch.name ~ "cms/"')
        for values in self._pages(f"{self.base}pullrequests", {"pagelen": str(PR_PAGELEN), "q": query},
                                  what="list unpublished entries"):
            for pr in values:
                branch = ((pr.get("source") or {}).get("branch") or {}).get("name") or ""
                key = self._key_of_branch(branch)
                if key is None:
                    continue
                status = self._status_of(pr)
                if status is None:
                    continue
                try:
                    found.append(self._entry(*key, branch, pr, status))
                except NotFoundError:
                    log.info("Bitbucket pull request #%s has no source branch any more", pr.get("id"))
        return found

    def read_unpublished(self, collection: str, slug: str) -> UnpublishedEntry:
        """The entry's PR (status from its last comment, author, date) and its changes since the site branch."""
        self._require_workflow()
        branch, pr, status = self._require_pr(collection, slug)
        return self._entry(collection, slug, branch, pr, status)

    def save_unpublished(
        self,
        collection: str,
        slug: str,
        changes: Sequence[FileChange],
        message: str,
        *,
        status: str | None = None,
    ) -> CommitResult:
        """Commit to `cms/<collection>/<slug>`; the first save creates the branch (parent = the site branch's
        head), the PR and its status comment, as Decap does. Later saves just commit (Bitbucket: no rebase)."""
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
                result = self._commit_on(branch, changes, message, start_branch=self.default_branch())
                self._open_pr(branch, message, status)
                return result
            result = self._commit_on(branch, changes, message)
            pr = self._find_pr(branch)
            if pr is None:
                # A first save that stopped between the commit and the pull request: finish what it began.
                self._open_pr(branch, message, status)
            return result

    def _open_pr(self, branch: str, title: str, status: str) -> dict[str, Any]:
        pr = json_object(self._json(
            "POST", f"{self.base}pullrequests",
            json={"title": title, "source": {"branch": {"name": branch}},
                  "destination": {"branch": {"name": self.default_branch()}},
                  "description": workflow.DEFAULT_PR_BODY, "close_source_branch": True},
            what=f"open a pull request for {branch}",
        ), f"open a pull request for {branch}")
        self._comment(pr["id"], status)
        return dict(pr)

    def _comment(self, pr_id: int, status: str) -> None:
        self._request("POST", f"{self.base}pullrequests/{pr_id}/comments",
                      json={"content": {"raw": workflow.status_to_label(status, self.settings.label_prefix)}},
                      what=f"set the status of pull request #{pr_id}")

    def set_status(self, collection: str, slug: str, status: str) -> None:
        """A new PR comment carrying the status (the last comment is the status)."""
        self._require_workflow()
        workflow.check_status(status)
        with self._lock:
            _branch, pr, _old = self._require_pr(collection, slug)
            self._comment(pr["id"], status)

    def publish(self, collection: str, slug: str) -> CommitResult:
        """Merge the PR (`squash` when `squash_merges`, else `merge_commit`), closing its source branch."""
        self._require_workflow()
        with self._lock:
            if self.git_route is not None:
                self.git_route.invalidate()
            branch, pr, status = self._require_pr(collection, slug)
            entry = self._entry(collection, slug, branch, pr, status)
            self._check_mergeable(entry)
            strategy = "squash" if self.settings.squash_merges else "merge_commit"
            response = self._request(
                "POST", f"{self.base}pullrequests/{pr['id']}/merge",
                json={"message": workflow.MERGE_COMMIT_MESSAGE, "close_source_branch": True,
                      "merge_strategy": strategy},
                allow=(400, 409, 555), what=f"merge pull request #{pr['id']}",
            )
            if response.status_code == 202:
                self._wait_for_merge(response, pr["id"])
            elif not response.is_success:
                self._check_mergeable(entry)
                raise ConflictError(f"{entry.content_key}: Bitbucket cannot merge it into {self.default_branch()} "
                                    f"({self.http.error_for(response, 'merge')})")
            # Bitbucket closes the source branch asynchronously; a save right after must not find it still there.
            self._request("DELETE", f"{self.base}refs/branches/{_path(branch)}", allow=(404,),
                          what=f"delete branch {branch}")
            site = self.default_branch()
            commit = self.head(site)
            self._known.seen(site, commit)
            return CommitResult(commit=commit, branch=site, ids={d.path: d.id for d in entry.diffs})

    def _check_mergeable(self, entry: UnpublishedEntry) -> None:
        """ConflictError naming the first file both the entry and the site branch changed differently."""
        site = self.default_branch()
        site_head = self.head(site)
        theirs: set[str] = set()
        for values in self._pages(f"{self.base}diffstat/{site_head}..{entry.head}", {"topic": "true", "pagelen": "500"},
                                  what=f"compare {site} with {entry.branch}"):
            for stat in values:
                for side in ("old", "new"):
                    if stat.get(side):
                        theirs.add(stat[side]["path"])
        both = [d for d in entry.diffs if d.path in theirs]
        if not both:
            return
        published = self._ids_at(site_head, [d.path for d in both])
        for diff in both:
            now = published.get(diff.path)
            if now == diff.id:
                continue
            raise ConflictError(
                f"{diff.path}: changed on {site} and in the unpublished entry; cannot publish",
                path=diff.path, theirs=None if now is None else _Theirs(self, site_head, published)[now],
                theirs_id=now, head=site_head,
            )

    def _wait_for_merge(self, response: httpx.Response, pr_id: int) -> None:
        """Follow Bitbucket's merge task (202 + task-status link) until it is done."""
        link = response.headers.get("Location") or ((response.json().get("links") or {}).get("self") or {}).get("href")
        if not link:
            return
        for attempt in range(MERGE_POLL_TRIES):
            task = self._json("GET", link, what=f"wait for the merge of pull request #{pr_id}")
            if (task or {}).get("task_status") == "SUCCESS":
                return
            if attempt + 1 < MERGE_POLL_TRIES:
                self._sleep(MERGE_POLL_SECONDS)
        raise NetworkError(f"Bitbucket took too long to merge pull request #{pr_id}; check it on bitbucket.org")

    def delete_unpublished(self, collection: str, slug: str) -> None:
        """Decline the PR and delete the entry branch."""
        self._require_workflow()
        with self._lock:
            branch, pr, _status = self._require_pr(collection, slug)
            self._request("POST", f"{self.base}pullrequests/{pr['id']}/decline",
                          what=f"decline pull request #{pr['id']}")
            self._request("DELETE", f"{self.base}refs/branches/{_path(branch)}", allow=(404,),
                          what=f"delete branch {branch}")

    def deploy_preview(self, collection: str, slug: str) -> DeployPreview | None:
        """The PR's build status keyed `preview_context`, else the first whose key mentions deploy (as Decap)."""
        if self.src_only:
            return None
        pr = self._find_pr(workflow.branch_name(collection, slug))
        if pr is None:
            return None
        statuses: list[dict[str, Any]] = []
        for values in self._pages(f"{self.base}pullrequests/{pr['id']}/statuses", {"pagelen": str(PAGELEN)},
                                  what=f"read the statuses of pull request #{pr['id']}"):
            statuses.extend(values)
        chosen = choose_preview_status(statuses, self.settings.preview_context, lambda s: str(s.get("key") or ""))
        if chosen is None or not chosen.get("url"):
            return None
        states = {"SUCCESSFUL": PREVIEW_READY, "INPROGRESS": PREVIEW_BUILDING}  # else FAILED, STOPPED
        return DeployPreview(url=chosen["url"], state=states.get(chosen.get("state") or "", PREVIEW_FAILED),
                             context=str(chosen.get("key") or ""))


class _Known:
    """What the adapter knows of commits: path -> blob id, paths known absent, the last commit seen per branch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: OrderedDict[str, dict[str, str]] = OrderedDict()
        self._absent: dict[str, set[str]] = {}
        self._latest: dict[str, str] = {}
        self._where: dict[str, tuple[str, str]] = {}  # blob id -> (a commit, the path it had there)

    def at(self, commit: str) -> dict[str, str]:
        with self._lock:
            return dict(self._ids.get(commit, {}))

    def missing(self, commit: str) -> set[str]:
        with self._lock:
            return set(self._absent.get(commit, set()))

    def where(self, blob: str) -> tuple[str, str] | None:
        with self._lock:
            return self._where.get(blob)

    def learn(self, commit: str, ids: Mapping[str, str]) -> None:
        with self._lock:
            self._ids.setdefault(commit, {}).update(ids)
            for path, blob in ids.items():
                self._where[blob] = (commit, path)
            self._ids.move_to_end(commit)
            while len(self._ids) > KNOWN_COMMITS:
                dropped, _ = self._ids.popitem(last=False)
                self._absent.pop(dropped, None)

    def absent(self, commit: str, path: str) -> None:
        with self._lock:
            self._absent.setdefault(commit, set()).add(path)

    def seen(self, branch: str | None, commit: str) -> None:
        if branch is not None:
            with self._lock:
                self._latest[branch] = commit

    def latest_of(self, branch: str, other_than: str) -> str | None:
        with self._lock:
            commit = self._latest.get(branch)
            return commit if commit and commit != other_than and commit in self._ids else None

    def derive(self, commit: str, parent: str, files: Mapping[str, str], changes: Sequence[FileChange]) -> None:
        """A commit we made: its parent's knowledge with our changes applied (the state we computed)."""
        with self._lock:
            before = dict(self._ids.get(parent, {}))
            gone = {c.path for c in changes if c.delete} | {c.previous_path for c in changes if c.previous_path}
            for path in gone:
                before.pop(path, None)
            touched = {c.path for c in changes if not c.delete}
            before.update({p: files[p] for p in touched if p in files})
            absent = set(self._absent.get(parent, set())) | {p for p in gone if p and p not in touched}
        self.learn(commit, before)
        with self._lock:
            self._absent[commit] = absent - set(before)


class _Contents:
    """Blob id -> bytes, bounded by total size (least recently used dropped first)."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._size = 0
        self._data: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, blob: str) -> bytes | None:
        with self._lock:
            data = self._data.get(blob)
            if data is not None:
                self._data.move_to_end(blob)
            return data

    def put(self, blob: str, data: bytes) -> None:
        if len(data) > self._limit:
            return
        with self._lock:
            if blob in self._data:
                self._data.move_to_end(blob)
                return
            self._data[blob] = data
            self._size += len(data)
            while self._size > self._limit:
                _old, dropped = self._data.popitem(last=False)
                self._size -= len(dropped)


class _Theirs(Mapping[str, bytes]):
    """Contents of blobs at one commit, by id: from the cache, else read by the path that has that id."""

    def __init__(self, backend: BitbucketBackend, commit: str, ids: Mapping[str, str]) -> None:
        self._backend = backend
        self._commit = commit
        self._paths = {blob: path for path, blob in ids.items()}

    def __getitem__(self, blob: str) -> bytes:
        data = self._backend._contents.get(blob)
        if data is None and blob in self._paths:
            data = self._backend._read_at(self._commit, [self._paths[blob]]).get(self._paths[blob])
        if data is None:
            raise KeyError(blob)
        return data

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def _form(
    changes: Sequence[FileChange],
    new_blobs: Mapping[str, bytes],
    written: Mapping[str, str],
    moved: Mapping[str, bytes],
    *,
    message: str,
    branch: str,
    parent: str,
    author: str | None = None,
) -> tuple[bytes, str]:
    """The multipart body of `POST /src`: one file part per written path, `files` for each removed path."""
    boundary = "editor-app-" + secrets.token_hex(16)
    parts: list[bytes] = []

    def field(name: str, value: str) -> None:
        parts.append(f'Content-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode() + value.encode())

    field("message", message)
    field("branch", branch)
    field("parents", parent)
    if author:
        field("author", author)
    written_paths = {c.path for c in changes if not c.delete}
    removed = [c.path for c in changes if c.delete]
    removed += [c.previous_path for c in changes if c.previous_path and c.previous_path != c.path]
    for path in dict.fromkeys(removed):
        if path not in written_paths:
            field("files", path)
    for change in changes:
        if change.delete:
            continue
        data = new_blobs[written[change.path]] if change.data is not None else moved[change.path]
        filename = change.path.rsplit("/", 1)[-1]
        parts.append(
            f'Content-Disposition: form-data; name="{_quoted(change.path)}"; filename="{_quoted(filename)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode() + data
        )
    body = b"".join(f"--{boundary}\r\n".encode() + part + b"\r\n" for part in parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def _quoted(value: str) -> str:
    """A form-data name or filename: quotes and line breaks escaped as browsers do (WHATWG)."""
    return value.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


def _next_page(response: httpx.Response) -> tuple[str, Mapping[str, Any] | None] | None:
    """A Bitbucket page names the next one in its body (`next`, with its whole query)."""
    following = response.json().get("next")
    return (str(following), None) if following else None


def _expired_message(expires_at: float) -> str:
    when = time.strftime("%H:%M", time.localtime(expires_at))
    return f"The Bitbucket login expired at {when}. Log in again to continue."


GIT_PROFILE = GitProfile(protocol_v2=False, filters=False)  # no partial clone on Bitbucket Cloud
GIT_READ_BATCH = 1_000_000


def bitbucket_git_url(api_root: str, repo: str) -> str:
    """`https://bitbucket.org/<workspace>/<repo>.git` for Bitbucket's API; the API's own origin otherwise."""
    host = HOSTS["bitbucket"]
    root = api_root.rstrip("/")
    web = host.web_root if root == host.api_root.rstrip("/") else root.removesuffix("/2.0")
    return f"{web.rstrip('/')}/{repo}.git"


class _GitAuth(httpx.Auth):
    """The API client's current token in Bitbucket's Git form: Basic `x-token-auth:<token>` for OAuth and access
    tokens, the same Basic pair for an app password (`username:app-password`)."""

    def __init__(self, auth: RefreshingAuth) -> None:
        self._auth = auth

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._auth.credentials.token
        if self._auth.scheme == "Basic":
            request.headers["Authorization"] = f"Basic {token}"  # already `username:password` in base64
        else:
            pair = base64.b64encode(f"x-token-auth:{token}".encode()).decode("ascii")
            request.headers["Authorization"] = f"Basic {pair}"
        yield request
