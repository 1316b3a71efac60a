"""A fake GitHub (REST v3 + the GraphQL an adapter uses) over the in-memory git store.

`FakeGitHub(store)` is a plain callable httpx.Request -> httpx.Response: use it as
`httpx.MockTransport(fake)` in process or with `tests.fakes.server.serve(fake)` on 127.0.0.1.
Refs, pulls, merges and contents follow GitHub's semantics (fast-forward checks, sha guards),
computed from the store, not scripted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from tests.fakes.faults import Faults, RequestLog, timed
from tests.fakes.git_store import MODE_FILE, MODE_TREE, MODES, Commit, GitStore, Signature, StoreError

API = "https://api.github.com"
WEB = "https://github.com"
DOCS = "https://docs.github.com/rest"


class RawBody(bytes):
    """An answer sent as raw bytes (Accept: application/vnd.github.raw), not JSON."""


def wants_raw(headers: httpx.Headers | None) -> bool:
    """Whether the client asked for raw file content (GitHub's raw media type)."""
    return headers is not None and ".raw" in headers.get("Accept", "")


class ApiError(Exception):
    """An error answer: HTTP status and GitHub's JSON message."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"message": message, **extra, "documentation_url": DOCS}


def iso(timestamp: float) -> str:
    """GitHub's timestamp format."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def node_id(kind: str, key: str) -> str:
    """An opaque, stable node id in GitHub's legacy base64 style."""
    return base64.b64encode(f"0{len(kind)}:{kind}{key}".encode()).decode()


def b64_lines(data: bytes) -> str:
    """Base64 with a newline every 60 characters, as GitHub sends blob contents."""
    text = base64.b64encode(data).decode()
    return "".join(text[i:i + 60] + "\n" for i in range(0, len(text), 60))


@dataclass
class User:
    """An account of the fake."""

    login: str
    id: int
    name: str | None = None
    email: str | None = None


@dataclass
class PullRequest:
    """A pull request (also an issue, sharing its number)."""

    number: int
    id: int
    title: str
    body: str | None
    head_repo: str  # "owner/name" of the head's repository
    head_ref: str
    base_ref: str
    user: User
    created: float
    updated: float
    head_sha: str
    state: str = "open"
    merged_sha: str | None = None
    merged_at: float | None = None
    closed_at: float | None = None
    draft: bool = False
    maintainer_can_modify: bool = False


@dataclass
class Repo:
    """A repository: its own refs over an object store that forks share."""

    owner: str
    name: str
    store: GitStore
    default_branch: str = "main"
    private: bool = False
    id: int = 0
    parent: str | None = None  # "owner/name" of the repository this is a fork of
    created: float = 0.0
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> admin/maintain/write/triage/read
    # what users who are neither the owner nor listed collaborators may do
    permissions: dict[str, bool] = field(default_factory=lambda: {
        "admin": True, "maintain": True, "push": True, "triage": True, "pull": True})

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


Route = tuple[str, re.Pattern[str], Callable[..., Any]]
# list endpoints GitHub pages (handler names)
PAGINATED = {"list_commits", "list_pulls", "get_matching_refs", "list_statuses", "get_labels"}


class FakeGitHub:
    """A fake api.github.com: call it with an httpx.Request, get an httpx.Response."""

    def __init__(self, store: GitStore, *, owner: str = "owner", repo: str = "repo",
                 default_branch: str = "main", tokens: dict[str, str] | None = None,
                 users: list[User] | None = None, clock: Callable[[], float] = time.time,
                 faults: Faults | None = None, tree_limit: int = 100_000,
                 rate_limit: int = 5000, api_prefix: str = "") -> None:
        """`tokens` maps accepted tokens to logins (default {"token": owner})."""
        self.clock = clock
        self.users = {u.login: u for u in (users or [User(owner, 1, owner)])}
        self.tokens = tokens if tokens is not None else {"token": next(iter(self.users))}
        self.repos: dict[str, Repo] = {}
        self.ids = itertools.count(1000)
        self.add_repo(Repo(owner, repo, store, default_branch))
        self.pulls: dict[str, dict[int, PullRequest]] = {}
        self.numbers: dict[str, itertools.count[int]] = {}
        self.labels: dict[tuple[str, int], list[str]] = {}
        self.label_ids: dict[str, int] = {}
        self.statuses: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.check_runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.faults = faults or Faults(clock=clock)
        self.log = RequestLog()
        self.tree_limit = tree_limit
        self.rate_limit = rate_limit
        self.rate_used = 0
        self.rate_reset: int | None = None
        self.api_prefix = api_prefix.rstrip("/")
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> content of the Git LFS objects the repositories hold
        self.lock = threading.RLock()
        self.graphql: Any = None  # set lazily by tests.fakes.github_graphql
        self.routes: list[Route] = []
        self._register_routes()

    # ---- setup helpers ---------------------------------------------------------------------
    def add_repo(self, repo: Repo) -> Repo:
        """Host another repository (a fork, another owner's repository)."""
        repo.id = repo.id or next(self.ids)
        repo.created = repo.created or self.clock()
        self.repos[repo.full_name] = repo
        return repo

    def user(self, login: str) -> User:
        """The account named `login` (created on first use)."""
        if login not in self.users:
            self.users[login] = User(login, len(self.users) + 1, login)
        return self.users[login]

    def signature(self, login: str, spec: dict[str, Any] | None = None) -> Signature:
        """The signature of a commit made through the API now."""
        user = self.user(login)
        spec = spec or {}
        when = self.clock()
        if spec.get("date"):
            when = datetime.fromisoformat(spec["date"].replace("Z", "+00:00")).timestamp()
        return Signature(spec.get("name") or user.name or login,
                         spec.get("email") or user.email or f"{login}@users.noreply.github.com",
                         int(when))

    def commit_files(self, repo: str, branch: str, files: dict[str, bytes | None], message: str,
                     login: str | None = None) -> str:
        """Seed helper: commit `files` (path -> bytes, None deletes) on a branch (created if new)."""
        target = self.repos[repo] if "/" in repo else self.repos[f"{next(iter(self.repos)).split('/')[0]}/{repo}"]
        store = target.store
        login = login or target.owner
        ref = f"heads/{branch}"
        parent = store.refs.get(ref)
        base = store.commit(parent).tree if parent else None
        changes = {p: (None if d is None else (MODE_FILE, store.put_blob(d))) for p, d in files.items()}
        tree = store.write_tree(base, changes)
        sig = self.signature(login)
        sha = store.put_commit(tree, [parent] if parent else [], message, sig)
        store.set_ref(ref, sha, create=parent is None)
        return sha

    # ---- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _headers(self, resource: str) -> dict[str, str]:
        """Spend one request of the hourly budget (a new window starts when the last one ends)."""
        now = self.clock()
        if self.rate_reset is None or now >= self.rate_reset:
            self.rate_reset, self.rate_used = int(now) + 3600, 0
        self.rate_used += 1
        return {"X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(self.rate_limit - self.rate_used, 0)),
                "X-RateLimit-Reset": str(self.rate_reset),
                "X-RateLimit-Used": str(min(self.rate_used, self.rate_limit)), "X-RateLimit-Resource": resource,
                "X-GitHub-Media-Type": "github.v3; format=json"}

    def _handle(self, request: httpx.Request) -> httpx.Response:
        # one request at a time past the faults (latency rules sleep before this, in parallel)
        with self.lock:
            return self._handle_locked(request)

    def _handle_locked(self, request: httpx.Request) -> httpx.Response:
        lfs = self._lfs(request)
        if lfs is not None:
            return lfs
        headers = self._headers("graphql" if request.url.path.endswith("/graphql") else "core")
        try:
            login = self._authenticate(request)
            if self.rate_used > self.rate_limit:
                raise ApiError(403, f"API rate limit exceeded for user ID {self.user(login).id}.")
            path = request.url.raw_path.decode().split("?", 1)[0]
            if self.api_prefix and path.startswith(self.api_prefix):
                path = path[len(self.api_prefix):]
            query = {k: v[-1] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
            body: Any = None
            if request.content:
                try:
                    body = json.loads(request.content)
                except ValueError:
                    raise ApiError(400, "Problems parsing JSON") from None
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(path)
                if match and method == request.method:
                    with self.lock:
                        status, payload = handler(login=login, query=query, body=body, headers=request.headers,
                                                  **{k: unquote(v) for k, v in match.groupdict().items()})
                    if handler.__name__ in PAGINATED and isinstance(payload, list):
                        payload = self._paginate(request, query, payload, headers)
                    break
            else:
                raise ApiError(404, "Not Found")
        except ApiError as error:
            status, payload = error.status, error.body
        if status == 204:
            return httpx.Response(204, headers=headers)
        raw = isinstance(payload, RawBody)
        content = bytes(payload) if raw else json.dumps(payload).encode()
        if request.method == "GET" and status == 200:
            etag = f'W/"{hashlib.sha256(content).hexdigest()}"'
            headers["ETag"] = etag
            if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
                # GitHub does not count conditional requests answered 304 against the rate limit
                self.rate_used -= 1
                headers["X-RateLimit-Remaining"] = str(max(self.rate_limit - self.rate_used, 0))
                headers["X-RateLimit-Used"] = str(self.rate_used)
                return httpx.Response(304, headers=headers)
        headers["Content-Type"] = "application/vnd.github.raw" if raw else "application/json; charset=utf-8"
        return httpx.Response(status, content=content, headers=headers)

    @staticmethod
    def _paginate(request: httpx.Request, query: dict[str, str], items: list[Any],
                  headers: dict[str, str]) -> list[Any]:
        """GitHub's page/per_page (default 30, at most 100) with a Link header to the other pages."""
        try:
            per_page = min(max(int(query.get("per_page") or 30), 1), 100)
            page = max(int(query.get("page") or 1), 1)
        except ValueError:
            raise ApiError(422, "Invalid page or per_page") from None
        last = max((len(items) + per_page - 1) // per_page, 1)
        links = []
        for rel, number in (("prev", page - 1), ("next", page + 1), ("last", last), ("first", 1)):
            if (rel in ("prev", "first") and page > 1) or (rel in ("next", "last") and page < last):
                url = request.url.copy_merge_params({}).copy_set_param("page", str(number))
                links.append(f'<{url}>; rel="{rel}"')
        if links:
            headers["Link"] = ", ".join(links)
        return items[(page - 1) * per_page: page * per_page]

    # ---- Git LFS (https://github.com/git-lfs/git-lfs/blob/main/docs/api/batch.md) ----------
    def _lfs(self, request: httpx.Request) -> httpx.Response | None:
        """The LFS server of `<owner>/<repo>.git/info/lfs` (batch API, basic transfer) and its object store."""
        path = request.url.path
        batch = re.fullmatch(r"/(?P<repo>[^/]+/[^/]+)\.git/info/lfs/objects/batch", path)
        if batch and request.method == "POST":
            scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
            try:
                password = base64.b64decode(encoded).decode().partition(":")[2] if scheme.lower() == "basic" else ""
            except ValueError:
                password = ""
            if password not in self.tokens:
                return httpx.Response(401, json={"message": "Git credentials are required"},
                                      headers={"LFS-Authenticate": 'Basic realm="GitHub"'})
            body = json.loads(request.content)
            objects = []
            for wanted in body.get("objects") or []:
                oid = wanted.get("oid", "")
                if oid in self.lfs_objects and body.get("operation") == "download":
                    href = f"{request.url.scheme}://{request.url.netloc.decode()}/_lfs/{oid}"
                    objects.append(
                        {
                            "oid": oid,
                            "size": len(self.lfs_objects[oid]),
                            "authenticated": True,
                            "actions": {
                                "download": {
                                    "href": href,
                                    "header": {"Authorization": f"RemoteAuth {oid[:12]}"},
                                    "expires_in": 3600,
                                }
                            },
                        }
                    )
                else:
                    objects.append(
                        {
                            "oid": oid,
                            "size": wanted.get("size"),
                            "error": {"code": 404, "message": "Object does not exist"},
                        }
                    )
            return httpx.Response(200, json={"transfer": "basic", "objects": objects},
                                  headers={"Content-Type": "application/vnd.git-lfs+json"})
        stored = re.fullmatch(r"/_lfs/(?P<oid>[0-9a-f]{64})", path)
        if stored and request.method == "GET":
            oid = stored.group("oid")
            if request.headers.get("Authorization") != f"RemoteAuth {oid[:12]}" or oid not in self.lfs_objects:
                return httpx.Response(403, content=b"<Error><Code>AccessDenied</Code></Error>")
            return httpx.Response(
                200, content=self.lfs_objects[oid], headers={"Content-Type": "application/octet-stream"}
            )
        return None

    def _authenticate(self, request: httpx.Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("token", "bearer") or token.strip() not in self.tokens:
            raise ApiError(401, "Bad credentials")
        return self.tokens[token.strip()]

    def _register_routes(self) -> None:
        repo = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/user", self.get_user),
            ("POST", r"/graphql", self.post_graphql),
            ("GET", r"/rate_limit", self.get_rate_limit),
            ("GET", repo, self.get_repo),
            ("GET", repo + r"/branches/(?P<branch>.+)", self.get_branch),
            ("GET", repo + r"/collaborators/(?P<user>[^/]+)/permission", self.get_collaborator_permission),
            ("GET", repo + r"/git/trees/(?P<tree>.+)", self.get_tree),
            ("POST", repo + r"/git/trees", self.post_tree),
            ("GET", repo + r"/git/blobs/(?P<sha>[0-9a-f]{40})", self.get_blob),
            ("POST", repo + r"/git/blobs", self.post_blob),
            ("GET", repo + r"/git/commits/(?P<sha>[0-9a-f]{40})", self.get_git_commit),
            ("POST", repo + r"/git/commits", self.post_git_commit),
            ("GET", repo + r"/git/ref/(?P<ref>.+)", self.get_ref),
            ("GET", repo + r"/git/refs/(?P<ref>.+)", self.get_refs),
            ("GET", repo + r"/git/matching-refs/(?P<ref>.*)", self.get_matching_refs),
            ("POST", repo + r"/git/refs", self.post_ref),
            ("PATCH", repo + r"/git/refs?/(?P<ref>.+)", self.patch_ref),
            ("DELETE", repo + r"/git/refs?/(?P<ref>.+)", self.delete_ref),
            ("GET", repo + r"/contents/?(?P<path>.*)", self.get_contents),
            ("PUT", repo + r"/contents/(?P<path>.+)", self.put_contents),
            ("DELETE", repo + r"/contents/(?P<path>.+)", self.delete_contents),
            ("GET", repo + r"/commits", self.list_commits),
            ("GET", repo + r"/commits/(?P<ref>.+)/status", self.get_combined_status),
            ("GET", repo + r"/commits/(?P<ref>.+)/statuses", self.list_statuses),
            ("GET", repo + r"/commits/(?P<ref>.+)/check-runs", self.list_check_runs),
            ("GET", repo + r"/commits/(?P<ref>.+)", self.get_commit),
            ("POST", repo + r"/statuses/(?P<sha>[0-9a-f]{40})", self.post_status),
            ("GET", repo + r"/compare/(?P<base>.+?)\.\.\.(?P<head>.+)", self.get_compare),
            ("GET", repo + r"/pulls", self.list_pulls),
            ("POST", repo + r"/pulls", self.post_pull),
            ("GET", repo + r"/pulls/(?P<number>\d+)", self.get_pull),
            ("PATCH", repo + r"/pulls/(?P<number>\d+)", self.patch_pull),
            ("PUT", repo + r"/pulls/(?P<number>\d+)/merge", self.merge_pull),
            ("GET", repo + r"/pulls/(?P<number>\d+)/merge", self.get_pull_merged),
            ("GET", repo + r"/issues/(?P<number>\d+)/labels", self.get_labels),
            ("PUT", repo + r"/issues/(?P<number>\d+)/labels", self.put_labels),
            ("POST", repo + r"/issues/(?P<number>\d+)/labels", self.post_labels),
            ("DELETE", repo + r"/issues/(?P<number>\d+)/labels/(?P<label>.+)", self.delete_label),
            ("POST", repo + r"/forks", self.post_fork),
            ("POST", repo + r"/merge-upstream", self.merge_upstream),
        ]
        self.routes = [(m, re.compile(p), h) for m, p, h in table]

    # ---- shared lookups ------------------------------------------------------------------
    def repo(self, owner: str, name: str, login: str | None = None) -> Repo:
        """A hosted repository or 404."""
        found = self.repos.get(f"{owner}/{name}")
        if found is None:
            raise ApiError(404, "Not Found")
        return found

    def _commitish(self, repo: Repo, rev: str) -> str:
        try:
            return repo.store.commitish(rev)
        except StoreError:
            raise ApiError(404, "Not Found") from None

    @staticmethod
    def role(repo: Repo, login: str | None) -> str:
        """admin/maintain/write/triage/read: the owner is admin, collaborators have their role,
        everyone else what `repo.permissions` grants."""
        if login == repo.owner:
            return "admin"
        if login in repo.collaborators:
            return repo.collaborators[login]
        perms = repo.permissions
        if perms.get("push"):
            return "admin" if perms.get("admin") else "maintain" if perms.get("maintain") else "write"
        return "triage" if perms.get("triage") else "read"

    def can_push(self, repo: Repo, login: str | None) -> bool:
        """Whether `login` may write to `repo`."""
        return self.role(repo, login) in ("admin", "maintain", "write")

    def _require_push(self, repo: Repo, login: str) -> None:
        if not self.can_push(repo, login):
            raise ApiError(403, "Resource not accessible by integration")

    # ---- JSON shapes ---------------------------------------------------------------------
    def user_json(self, login: str) -> dict[str, Any]:
        """A simple user object (as in pulls, commits, repositories)."""
        user = self.user(login)
        url = f"{API}/users/{login}"
        return {
            "login": login, "id": user.id, "node_id": node_id("User", str(user.id)),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4", "gravatar_id": "",
            "url": url, "html_url": f"{WEB}/{login}", "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}", "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs", "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}", "received_events_url": f"{url}/received_events",
            "type": "User", "user_view_type": "public", "site_admin": False,
        }

    def repo_json(self, repo: Repo, login: str | None = None, full: bool = False) -> dict[str, Any]:
        """A repository object; `full` adds what GET /repos/{o}/{r} adds (permissions, parent...)."""
        url = f"{API}/repos/{repo.full_name}"
        now = iso(repo.created)  # stable, so answers (and their ETags) change only with content
        data: dict[str, Any] = {
            "id": repo.id, "node_id": node_id("Repository", str(repo.id)), "name": repo.name,
            "full_name": repo.full_name, "private": repo.private, "owner": self.user_json(repo.owner),
            "html_url": f"{WEB}/{repo.full_name}", "description": None, "fork": repo.parent is not None,
            "url": url,
        }
        for key in ("forks", "keys", "collaborators", "teams", "hooks", "issue_events", "events", "assignees",
                    "branches", "tags", "blobs", "git_tags", "git_refs", "trees", "statuses",
                    "languages", "stargazers", "contributors", "subscribers", "subscription", "commits",
                    "git_commits", "comments", "issue_comment", "contents", "compare", "merges",
                    "archive", "downloads", "issues", "pulls", "milestones", "notifications", "labels",
                    "releases", "deployments"):
            data[f"{key}_url"] = f"{url}/{key}"
        data.update({
            "created_at": now, "updated_at": now, "pushed_at": now,
            "git_url": f"git://github.com/{repo.full_name}.git", "ssh_url": f"git@github.com:{repo.full_name}.git",
            "clone_url": f"{WEB}/{repo.full_name}.git", "svn_url": f"{WEB}/{repo.full_name}",
            "homepage": None, "size": 0, "stargazers_count": 0, "watchers_count": 0, "language": None,
            "has_issues": True, "has_projects": True, "has_downloads": True, "has_wiki": True,
            "has_pages": False, "forks_count": sum(1 for r in self.repos.values() if r.parent == repo.full_name),
            "has_discussions": False, "mirror_url": None, "archived": False, "disabled": False, "open_issues_count": 0,
            "license": None, "allow_forking": True, "is_template": False, "web_commit_signoff_required": False,
            "has_pull_requests": True, "pull_request_creation_policy": "all", "topics": [],
            "visibility": "private" if repo.private else "public",
            "forks": 0, "open_issues": 0, "watchers": 0,
            "default_branch": repo.default_branch,
        })
        if full:
            order = ["read", "triage", "write", "maintain", "admin"]
            rank = order.index(self.role(repo, login))
            data["permissions"] = {"admin": rank >= 4, "maintain": rank >= 3, "push": rank >= 2,
                                   "triage": rank >= 1, "pull": True}
            data["temp_clone_token"] = ""
            data["allow_squash_merge"] = True
            data["allow_merge_commit"] = True
            data["allow_rebase_merge"] = True
            data["delete_branch_on_merge"] = False
            data["allow_auto_merge"] = False
            data["allow_update_branch"] = False
            data["use_squash_pr_title_as_default"] = False
            data["squash_merge_commit_message"] = "COMMIT_MESSAGES"
            data["squash_merge_commit_title"] = "COMMIT_OR_PR_TITLE"
            data["merge_commit_message"] = "PR_TITLE"
            data["merge_commit_title"] = "MERGE_MESSAGE"
            data["network_count"] = 0
            data["subscribers_count"] = 0
            if repo.parent:
                parent = self.repos[repo.parent]
                data["parent"] = self.repo_json(parent)
                data["source"] = self.repo_json(parent)
        return data

    def git_commit_json(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        """A git commit object (git/commits)."""
        url = f"{API}/repos/{repo.full_name}/git/commits/{commit.sha}"
        return {
            "sha": commit.sha, "node_id": node_id("Commit", commit.sha), "url": url,
            "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
            "author": self._sig_json(commit.author), "committer": self._sig_json(commit.committer),
            "tree": {"sha": commit.tree, "url": f"{API}/repos/{repo.full_name}/git/trees/{commit.tree}"},
            "message": commit.message,
            "parents": [{"sha": p, "url": f"{API}/repos/{repo.full_name}/git/commits/{p}",
                         "html_url": f"{WEB}/{repo.full_name}/commit/{p}"} for p in commit.parents],
            "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                             "verified_at": None},
        }

    @staticmethod
    def _sig_json(sig: Signature) -> dict[str, Any]:
        return {"name": sig.name, "email": sig.email, "date": iso(sig.timestamp)}

    def _login_of(self, sig: Signature) -> str | None:
        for user in self.users.values():
            if sig.email in (user.email, f"{user.login}@users.noreply.github.com") or sig.name == user.login:
                return user.login
        return None

    def commit_json(self, repo: Repo, commit: Commit) -> dict[str, Any]:
        """A commit as the commits API returns it (wrapping the git commit)."""
        url = f"{API}/repos/{repo.full_name}/commits/{commit.sha}"
        author = self._login_of(commit.author)
        committer = self._login_of(commit.committer)
        return {
            "sha": commit.sha, "node_id": node_id("Commit", commit.sha),
            "commit": {
                "author": self._sig_json(commit.author), "committer": self._sig_json(commit.committer),
                "message": commit.message,
                "tree": {"sha": commit.tree, "url": f"{API}/repos/{repo.full_name}/git/trees/{commit.tree}"},
                "url": f"{API}/repos/{repo.full_name}/git/commits/{commit.sha}", "comment_count": 0,
                "verification": {"verified": False, "reason": "unsigned", "signature": None, "payload": None,
                             "verified_at": None},
            },
            "url": url, "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
            "comments_url": f"{url}/comments",
            "author": self.user_json(author) if author else None,
            "committer": self.user_json(committer) if committer else None,
            "parents": [{"sha": p, "url": f"{API}/repos/{repo.full_name}/commits/{p}",
                         "html_url": f"{WEB}/{repo.full_name}/commit/{p}"} for p in commit.parents],
        }

    def ref_json(self, repo: Repo, ref: str) -> dict[str, Any]:
        """A git reference object."""
        sha = repo.store.refs[ref]
        return {"ref": f"refs/{ref}", "node_id": node_id("Ref", f"{repo.id}:{ref}"),
                "url": f"{API}/repos/{repo.full_name}/git/refs/{ref}",
                "object": {"sha": sha, "type": "commit",
                           "url": f"{API}/repos/{repo.full_name}/git/commits/{sha}"}}

    def tree_entry_json(self, repo: Repo, path: str, mode: str, kind: str, sha: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"path": path, "mode": mode, "type": kind, "sha": sha}
        if kind == "blob":
            entry["size"] = len(repo.store.blobs[sha]) if sha in repo.store.blobs else 0
            entry["url"] = f"{API}/repos/{repo.full_name}/git/blobs/{sha}"
        elif kind == "tree":
            entry["url"] = f"{API}/repos/{repo.full_name}/git/trees/{sha}"
        return entry

    def tree_json(self, repo: Repo, sha: str, recursive: bool) -> dict[str, Any]:
        """A tree (optionally recursive, truncated beyond `tree_limit` entries)."""
        store = repo.store
        if recursive:
            listed = list(store.walk(sha))
            truncated = len(listed) > self.tree_limit
            entries = [self.tree_entry_json(repo, e.path, e.mode, e.type, e.sha) for e in listed[:self.tree_limit]]
        else:
            truncated = False
            entries = [self.tree_entry_json(repo, e.name, e.mode, e.type, e.sha) for e in store.tree(sha)]
        return {"sha": sha, "url": f"{API}/repos/{repo.full_name}/git/trees/{sha}", "tree": entries,
                "truncated": truncated}

    # ---- REST handlers (each returns (status, payload)) ------------------------------------
    def get_user(self, login: str, **_: Any) -> tuple[int, Any]:
        user = self.user(login)
        data = self.user_json(login)
        data.update({"name": user.name, "company": None, "blog": "", "location": None,
                     "email": user.email, "hireable": None, "bio": None, "twitter_username": None,
                     "public_repos": 1, "public_gists": 0, "followers": 0, "following": 0,
                     "created_at": iso(0), "updated_at": iso(0), "user_view_type": "private",
                     "notification_email": user.email,
                     "private_gists": 0, "total_private_repos": 0, "owned_private_repos": 0, "disk_usage": 0,
                     "collaborators": 0, "two_factor_authentication": False})
        return 200, data

    def get_rate_limit(self, **_: Any) -> tuple[int, Any]:
        core = {"limit": self.rate_limit, "remaining": max(self.rate_limit - self.rate_used, 0),
                "reset": self.rate_reset, "used": self.rate_used}
        return 200, {"resources": {"core": core, "graphql": core}, "rate": core}

    def get_repo(self, owner: str, name: str, login: str, **_: Any) -> tuple[int, Any]:
        return 200, self.repo_json(self.repo(owner, name), login, full=True)

    def get_branch(self, owner: str, name: str, branch: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        sha = repo.store.refs.get(f"heads/{branch}")
        if sha is None:
            raise ApiError(404, "Branch not found")
        url = f"{API}/repos/{repo.full_name}/branches/{branch}"
        return 200, {"name": branch, "commit": self.commit_json(repo, repo.store.commit(sha)),
                     "_links": {"self": url, "html": f"{WEB}/{repo.full_name}/tree/{branch}"},
                     "protected": False,
                     "protection": {"enabled": False, "required_status_checks": {
                         "enforcement_level": "off", "contexts": [], "checks": []}},
                     "protection_url": f"{url}/protection"}

    def get_tree(self, owner: str, name: str, tree: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        store = repo.store
        rev, sep, path = tree.partition(":")
        try:
            root = store.resolve(rev)
            entry = store.lookup(root, path) if sep else store.lookup(root, "")
        except StoreError:
            raise ApiError(404, "Not Found") from None
        if entry is None or entry.mode != MODE_TREE:
            raise ApiError(404, "Not Found")
        recursive = query.get("recursive", "") not in ("", "0", "false")
        try:
            return 200, self.tree_json(repo, entry.sha, recursive)
        except StoreError:
            raise ApiError(404, "Not Found") from None

    def post_tree(self, owner: str, name: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        store = repo.store
        base = body.get("base_tree")
        base_tree = None
        if base:
            try:
                base_tree = store.resolve(base)
            except StoreError:
                raise ApiError(422, "Invalid tree info", errors=[f"base_tree {base} not found"]) from None
        changes: dict[str, tuple[str, str] | None] = {}
        for item in body.get("tree") or []:
            path, mode = item.get("path"), item.get("mode")
            if not path or mode not in MODES | {"40000"}:
                raise ApiError(422, "Invalid tree info", errors=[f"bad entry {item!r}"])
            mode = MODE_TREE if mode == "40000" else mode
            if "content" in item and item["content"] is not None:
                sha = store.put_blob(str(item["content"]).encode())
            else:
                sha = item.get("sha")
            if sha is None:
                changes[path] = None
                continue
            if not re.fullmatch(r"[0-9a-f]{40}", sha) or (mode != "160000" and store.kind(sha) is None):
                raise ApiError(422, "Invalid tree info", errors=[f"tree.sha {sha} is not a valid blob"])
            changes[path] = (mode, sha)
        try:
            sha = store.write_tree(base_tree, changes)
        except StoreError as error:
            raise ApiError(422, "Invalid tree info", errors=[str(error)]) from None
        return 201, self.tree_json(repo, sha, False) | {"truncated": False}

    def get_blob(self, owner: str, name: str, sha: str, headers: httpx.Headers | None = None,
                 **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        try:
            data = repo.store.blob(sha)
        except StoreError:
            raise ApiError(404, "Not Found") from None
        if wants_raw(headers):
            return 200, RawBody(data)
        return 200, {"sha": sha, "node_id": node_id("Blob", f"{repo.id}:{sha}"), "size": len(data),
                     "url": f"{API}/repos/{repo.full_name}/git/blobs/{sha}",
                     "content": b64_lines(data), "encoding": "base64"}

    def post_blob(self, owner: str, name: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        content = (body or {}).get("content")
        if not isinstance(content, str):
            raise ApiError(422, "Invalid request.\n\n\"content\" wasn't supplied.")
        if (body.get("encoding") or "utf-8") == "base64":
            try:
                data = base64.b64decode(content, validate=False)
            except binascii.Error:
                raise ApiError(422, "Invalid Base64 content") from None
        else:
            data = content.encode()
        sha = repo.store.put_blob(data)
        return 201, {"sha": sha, "url": f"{API}/repos/{repo.full_name}/git/blobs/{sha}"}

    def get_git_commit(self, owner: str, name: str, sha: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        try:
            return 200, self.git_commit_json(repo, repo.store.commit(sha))
        except StoreError:
            raise ApiError(404, "Not Found") from None

    def post_git_commit(self, owner: str, name: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        store = repo.store
        tree = body.get("tree")
        if not tree or store.kind(tree) != "tree":
            raise ApiError(422, "Tree SHA does not exist")
        parents = body.get("parents") or []
        for parent in parents:
            if parent not in store.commits:
                raise ApiError(422, "Parent SHA does not exist or is not a commit object")
        author = self.signature(login, body.get("author"))
        committer = self.signature(login, body.get("committer") or body.get("author"))
        sha = store.put_commit(tree, parents, body.get("message") or "", author, committer)
        return 201, self.git_commit_json(repo, store.commit(sha))

    @staticmethod
    def _ref_name(ref: str) -> str:
        ref = ref.removeprefix("refs/")
        if not ref.startswith(("heads/", "tags/")):
            raise ApiError(422, "Reference name is not valid")
        return ref

    def get_ref(self, owner: str, name: str, ref: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        ref = ref.removeprefix("refs/")
        if ref not in repo.store.refs:
            raise ApiError(404, "Not Found")
        return 200, self.ref_json(repo, ref)

    def get_refs(self, owner: str, name: str, ref: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        ref = ref.removeprefix("refs/")
        if ref in repo.store.refs:
            return 200, self.ref_json(repo, ref)
        # GitHub's legacy plural endpoint answers a list when the name is only a prefix of refs (Decap's
        # open authoring lists "heads/cms/<fork>" this way)
        below = sorted(r for r in repo.store.refs if r.startswith(ref.rstrip("/") + "/"))
        if below:
            return 200, [self.ref_json(repo, r) for r in below]
        raise ApiError(404, "Not Found")

    def get_collaborator_permission(self, owner: str, name: str, user: str, login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        # GitHub answers only callers with push access, even about themselves: an open-authoring contributor
        # asking for their own permission gets this 403 (seen in real traffic), never 200 "read".
        if not self.can_push(repo, login):
            raise ApiError(403, "Must have push access to view collaborator permission.")
        if user not in self.users and user not in self.tokens.values():
            raise ApiError(404, f"{user} is not a user")
        role = self.role(repo, user)
        legacy = {"maintain": "write", "triage": "read"}.get(role, role)
        return 200, {"permission": legacy, "role_name": role, "user": self.user_json(user)}

    def get_matching_refs(self, owner: str, name: str, ref: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        prefix = ref.removeprefix("refs/")
        return 200, [self.ref_json(repo, r) for r in sorted(repo.store.refs) if r.startswith(prefix)]

    def post_ref(self, owner: str, name: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        ref = str((body or {}).get("ref") or "")
        if not ref.startswith("refs/") or ref.count("/") < 2:
            raise ApiError(422, "Reference name is not valid")
        sha = body.get("sha")
        if sha not in repo.store.commits:
            raise ApiError(422, "Object does not exist")
        try:
            repo.store.set_ref(ref.removeprefix("refs/"), sha, create=True)
        except StoreError as error:
            raise ApiError(422, str(error)) from None
        return 201, self.ref_json(repo, ref.removeprefix("refs/"))

    def patch_ref(self, owner: str, name: str, ref: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        ref = self._ref_name(ref)
        sha = (body or {}).get("sha")
        if sha not in repo.store.commits:
            raise ApiError(422, "Object does not exist")
        if ref not in repo.store.refs:
            raise ApiError(422, "Reference does not exist")
        try:
            repo.store.set_ref(ref, sha, force=bool(body.get("force")))
        except StoreError as error:
            raise ApiError(
                422, "Update is not a fast forward" if "fast forward" in str(error) else str(error)
            ) from None
        self._sync_pulls(repo)
        return 200, self.ref_json(repo, ref)

    def delete_ref(self, owner: str, name: str, ref: str, login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        ref = self._ref_name(ref)
        try:
            repo.store.delete_ref(ref)
        except StoreError:
            raise ApiError(422, "Reference does not exist") from None
        self._sync_pulls(repo)
        return 204, None

    # ---- contents ------------------------------------------------------------------------
    def _content_json(self, repo: Repo, path: str, mode: str, sha: str, ref: str, data: bytes | None) -> dict[str, Any]:
        kind = {"040000": "dir", "120000": "symlink", "160000": "submodule"}.get(mode, "file")
        url = f"{API}/repos/{repo.full_name}/contents/{path}?ref={ref}"
        git_url = f"{API}/repos/{repo.full_name}/git/{'trees' if kind == 'dir' else 'blobs'}/{sha}"
        html = f"{WEB}/{repo.full_name}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
        item: dict[str, Any] = {
            "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
            "size": 0 if kind == "dir" or sha not in repo.store.blobs else len(repo.store.blobs[sha]),
            "url": url, "html_url": html, "git_url": git_url,
            "download_url": None if kind == "dir" else f"https://raw.githubusercontent.com/{repo.full_name}/{ref}/{path}",
            "type": kind, "_links": {"self": url, "git": git_url, "html": html},
        }
        if data is not None:
            item["content"] = b64_lines(data)
            item["encoding"] = "base64"
        return item

    def get_contents(self, owner: str, name: str, path: str, query: dict[str, str],
                     headers: httpx.Headers | None = None, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        ref = query.get("ref") or repo.default_branch
        store = repo.store
        try:
            root = store.resolve(ref)
            entry = store.lookup(root, path)
        except StoreError:
            raise ApiError(404, "Not Found") from None
        if entry is None:
            raise ApiError(404, "Not Found")
        path = path.strip("/")
        if entry.mode == MODE_TREE:
            return 200, [self._content_json(repo, f"{path}/{e.name}".lstrip("/"), e.mode, e.sha, ref, None)
                         for e in store.tree(entry.sha)]
        data = store.blobs.get(entry.sha, b"")
        if wants_raw(headers):
            return 200, RawBody(data)
        item = self._content_json(repo, path, entry.mode, entry.sha, ref, data)
        if len(data) > 1_000_000:  # GitHub leaves files over 1 MB out of JSON contents answers
            item["content"], item["encoding"] = "", "none"
        return 200, item

    def _commit_on_branch(self, repo: Repo, branch: str, changes: dict[str, tuple[str, str] | None],
                          message: str, login: str, body: dict[str, Any]) -> Commit:
        store = repo.store
        parent = store.refs.get(f"heads/{branch}")
        if parent is None:
            raise ApiError(404, f"Branch {branch} not found")
        tree = store.write_tree(store.commit(parent).tree, changes)
        author = self.signature(login, body.get("author") or body.get("committer"))
        committer = self.signature(login, body.get("committer"))
        sha = store.put_commit(tree, [parent], message, author, committer)
        store.set_ref(f"heads/{branch}", sha, expected=parent)
        self._sync_pulls(repo)
        return store.commit(sha)

    def put_contents(
        self, owner: str, name: str, path: str, body: dict[str, Any], login: str, **_: Any
    ) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        body = body or {}
        branch = body.get("branch") or repo.default_branch
        if "message" not in body or "content" not in body:
            raise ApiError(422, "Invalid request.\n\n\"message\", \"content\" weren't supplied.")
        store = repo.store
        try:
            current = store.lookup(store.resolve(branch), path)
        except StoreError:
            raise ApiError(404, f"Branch {branch} not found") from None
        given = body.get("sha")
        if current is not None and given is None:
            raise ApiError(422, "Invalid request.\n\n\"sha\" wasn't supplied.")
        if current is not None and given != current.sha or current is None and given is not None:
            raise ApiError(409, f"{path} does not match {given}")
        try:
            data = base64.b64decode(body["content"], validate=True)
        except (binascii.Error, ValueError):
            raise ApiError(422, "content is not valid Base64") from None
        blob = store.put_blob(data)
        commit = self._commit_on_branch(repo, branch, {path: (MODE_FILE, blob)}, body["message"], login, body)
        content = self._content_json(repo, path.strip("/"), MODE_FILE, blob, branch, None)
        return (200 if current else 201), {"content": content, "commit": self.git_commit_json(repo, commit)}

    def delete_contents(
        self, owner: str, name: str, path: str, body: dict[str, Any], login: str, **_: Any
    ) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        body = body or {}
        branch = body.get("branch") or repo.default_branch
        store = repo.store
        if "message" not in body or "sha" not in body:
            raise ApiError(422, "Invalid request.\n\n\"message\", \"sha\" weren't supplied.")
        try:
            current = store.lookup(store.resolve(branch), path)
        except StoreError:
            raise ApiError(404, f"Branch {branch} not found") from None
        if current is None:
            raise ApiError(404, "Not Found")
        if current.sha != body["sha"]:
            raise ApiError(409, f"{path} does not match {body['sha']}")
        commit = self._commit_on_branch(repo, branch, {path: None}, body["message"], login, body)
        return 200, {"content": None, "commit": self.git_commit_json(repo, commit)}

    # ---- commits, statuses, compare ------------------------------------------------------
    def list_commits(self, owner: str, name: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        head = self._commitish(repo, query.get("sha") or repo.default_branch)
        commits = repo.store.log(head, query.get("path") or None)
        return 200, [self.commit_json(repo, c) for c in commits]

    def get_commit(self, owner: str, name: str, ref: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        commit = repo.store.commit(self._commitish(repo, ref))
        data = self.commit_json(repo, commit)
        parent_tree = (
            repo.store.commit(commit.parents[0]).tree
            if commit.parents and commit.parents[0] in repo.store.commits
            else None
        )
        files = [self._file_json(repo, commit.sha, *f) for f in repo.store.diff(parent_tree, commit.tree)]
        data["files"] = files
        data["stats"] = {"total": 0, "additions": 0, "deletions": 0}
        return 200, data

    def _file_json(
        self, repo: Repo, at: str, path: str, status: str, old: str | None, new: str | None
    ) -> dict[str, Any]:
        return {"sha": new or old, "filename": path, "status": status, "additions": 0, "deletions": 0,
                "changes": 0, "blob_url": f"{WEB}/{repo.full_name}/blob/{at}/{path}",
                "raw_url": f"{WEB}/{repo.full_name}/raw/{at}/{path}",
                "contents_url": f"{API}/repos/{repo.full_name}/contents/{path}?ref={at}", "patch": ""}

    def post_status(
        self, owner: str, name: str, sha: str, body: dict[str, Any], login: str, **_: Any
    ) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        if sha not in repo.store.commits:
            raise ApiError(422, "No commit found for SHA: " + sha)
        state = (body or {}).get("state")
        if state not in ("error", "failure", "pending", "success"):
            raise ApiError(422, "Validation Failed")
        now = iso(self.clock())
        status = {"url": f"{API}/repos/{repo.full_name}/statuses/{sha}", "avatar_url": None,
                  "id": next(self.ids), "node_id": node_id("StatusContext", str(next(self.ids))),
                  "state": state, "description": body.get("description"),
                  "target_url": body.get("target_url"), "context": body.get("context") or "default",
                  "created_at": now, "updated_at": now, "creator": self.user_json(login)}
        items = self.statuses.setdefault((repo.full_name, sha), [])
        items[:] = [s for s in items if s["context"] != status["context"]] + [status]
        return 201, status

    def _combined_state(self, statuses: list[dict[str, Any]]) -> str:
        states = {s["state"] for s in statuses}
        if states & {"error", "failure"}:
            return "failure"
        if not statuses or "pending" in states:
            return "pending"
        return "success"

    def get_combined_status(self, owner: str, name: str, ref: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        sha = self._commitish(repo, ref)
        statuses = self.statuses.get((repo.full_name, sha), [])
        return 200, {"state": self._combined_state(statuses),
                     "statuses": [{k: v for k, v in s.items() if k != "creator"} for s in statuses],
                     "sha": sha, "total_count": len(statuses), "repository": self.repo_json(repo),
                     "commit_url": f"{API}/repos/{repo.full_name}/commits/{sha}",
                     "url": f"{API}/repos/{repo.full_name}/commits/{sha}/status"}

    def list_statuses(self, owner: str, name: str, ref: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        sha = self._commitish(repo, ref)
        return 200, list(reversed(self.statuses.get((repo.full_name, sha), [])))

    def add_check_run(self, sha: str, name: str, status: str, conclusion: str | None = None,
                      details_url: str | None = None, repo: str | None = None) -> dict[str, Any]:
        """A check run on a commit, as a GitHub App (Vercel, Netlify, Actions) creates it.

        Setup only: GitHub lets only Apps create check runs (`POST .../check-runs` answers 403 to a user's token).
        """
        full_name = repo or next(iter(self.repos))
        if status not in ("queued", "in_progress", "completed", "waiting", "requested", "pending"):
            raise ValueError(f"check run status {status!r}")
        if (status == "completed") != (conclusion is not None):
            raise ValueError("a check run has a conclusion exactly when it is completed")
        run_id = next(self.ids)
        now = iso(self.clock())
        run = {"id": run_id, "node_id": node_id("CheckRun", str(run_id)), "head_sha": sha, "name": name,
               "external_id": "", "url": f"{API}/repos/{full_name}/check-runs/{run_id}",
               "html_url": f"{WEB}/{full_name}/runs/{run_id}", "details_url": details_url,
               "status": status, "conclusion": conclusion, "started_at": now,
               "completed_at": now if status == "completed" else None,
               "output": {"title": None, "summary": None, "text": None, "annotations_count": 0,
                          "annotations_url": f"{API}/repos/{full_name}/check-runs/{run_id}/annotations"},
               "check_suite": {"id": next(self.ids)}, "app": None, "pull_requests": []}
        runs = self.check_runs.setdefault((full_name, sha), [])
        runs[:] = [r for r in runs if r["name"] != name] + [run]  # `filter=latest`: the newest run of each name
        return run

    def list_check_runs(self, owner: str, name: str, ref: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        sha = self._commitish(repo, ref)
        runs = [r for r in self.check_runs.get((repo.full_name, sha), [])
                if not query.get("check_name") or r["name"] == query["check_name"]]
        if query.get("status"):
            runs = [r for r in runs if r["status"] == query["status"]]
        return 200, {"total_count": len(runs), "check_runs": list(reversed(runs))}

    def _resolve_compare_side(self, repo: Repo, spec: str) -> tuple[Repo, str]:
        if ":" in spec:
            owner, _, branch = spec.partition(":")
            other = self.repos.get(f"{owner}/{repo.name}") or next(
                (r for r in self.repos.values() if r.owner == owner), None)
            if other is None:
                raise ApiError(404, "Not Found")
            return other, self._commitish(other, branch)
        return repo, self._commitish(repo, spec)

    def get_compare(self, owner: str, name: str, base: str, head: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        _, base_sha = self._resolve_compare_side(repo, base)
        head_repo, head_sha = self._resolve_compare_side(repo, head)
        result = repo.store.compare(base_sha, head_sha)
        url = f"{API}/repos/{repo.full_name}/compare/{base}...{head}"
        html = f"{WEB}/{repo.full_name}/compare/{base}...{head}"
        mb = result["merge_base"]
        commits = result["commits"]
        return 200, {
            "url": url,
            "html_url": html,
            "permalink_url": (
                f"{WEB}/{repo.full_name}/compare/{repo.owner}:{base_sha[:7]}...{head_repo.owner}:{head_sha[:7]}"
            ),
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "base_commit": self.commit_json(repo, repo.store.commit(base_sha)),
            "merge_base_commit": self.commit_json(repo, repo.store.commit(mb)) if mb else None,
            "status": result["status"],
            "ahead_by": result["ahead_by"],
            "behind_by": result["behind_by"],
            "total_commits": len(commits),  # type: ignore[arg-type]
            "commits": [self.commit_json(repo, c) for c in commits],  # type: ignore[attr-defined]
            "files": [self._file_json(repo, head_sha, *f) for f in result["files"]],  # type: ignore[attr-defined]
        }

    # ---- pulls ---------------------------------------------------------------------------
    def _pulls(self, repo: Repo) -> dict[int, PullRequest]:
        return self.pulls.setdefault(repo.full_name, {})

    def _next_number(self, repo: Repo) -> int:
        counter = self.numbers.setdefault(repo.full_name, itertools.count(1))
        return next(counter)

    def _sync_pulls(self, changed: Repo) -> None:
        """Open pulls follow their head branch (GitHub updates head.sha on push)."""
        for pulls in self.pulls.values():
            for pr in pulls.values():
                if pr.head_repo == changed.full_name and pr.state == "open":
                    sha = changed.store.refs.get(f"heads/{pr.head_ref}")
                    if sha is not None and sha != pr.head_sha:
                        pr.head_sha = sha
                        pr.updated = self.clock()

    def label_json(self, repo: Repo, label: str) -> dict[str, Any]:
        """A label object."""
        if label not in self.label_ids:
            self.label_ids[label] = next(self.ids)
        lid = self.label_ids[label]
        return {"id": lid, "node_id": node_id("Label", str(lid)), "url": f"{API}/repos/{repo.full_name}/labels/{label}",
                "name": label, "color": "ededed", "default": False, "description": ""}

    def pull_json(self, repo: Repo, pr: PullRequest) -> dict[str, Any]:
        """A pull request object."""
        url = f"{API}/repos/{repo.full_name}/pulls/{pr.number}"
        html = f"{WEB}/{repo.full_name}/pull/{pr.number}"
        issue = f"{API}/repos/{repo.full_name}/issues/{pr.number}"
        head_repo = self.repos.get(pr.head_repo)
        base_sha = repo.store.refs.get(f"heads/{pr.base_ref}", "")

        def side(r: Repo | None, ref: str, sha: str, owner: str) -> dict[str, Any]:
            return {"label": f"{owner}:{ref}", "ref": ref, "sha": sha, "user": self.user_json(owner),
                    "repo": self.repo_json(r) if r else None}

        return {
            "url": url,
            "id": pr.id,
            "node_id": node_id("PullRequest", str(pr.id)),
            "html_url": html,
            "diff_url": html + ".diff",
            "patch_url": html + ".patch",
            "issue_url": issue,
            "number": pr.number,
            "state": pr.state,
            "locked": False,
            "title": pr.title,
            "user": self.user_json(pr.user.login),
            "body": pr.body,
            "created_at": iso(pr.created),
            "updated_at": iso(pr.updated),
            "closed_at": iso(pr.closed_at) if pr.closed_at else None,
            "merged_at": iso(pr.merged_at) if pr.merged_at else None,
            "merge_commit_sha": pr.merged_sha,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [self.label_json(repo, lab) for lab in self.labels.get((repo.full_name, pr.number), [])],
            "milestone": None,
            "draft": pr.draft,
            "commits_url": url + "/commits",
            "review_comments_url": url + "/comments",
            "review_comment_url": f"{API}/repos/{repo.full_name}/pulls/comments{{/number}}",
            "comments_url": issue + "/comments",
            "statuses_url": f"{API}/repos/{repo.full_name}/statuses/{pr.head_sha}",
            "head": side(head_repo, pr.head_ref, pr.head_sha, head_repo.owner if head_repo else pr.user.login),
            "base": side(repo, pr.base_ref, base_sha, repo.owner),
            "_links": {
                k: {"href": v}
                for k, v in {
                    "self": url,
                    "html": html,
                    "issue": issue,
                    "comments": issue + "/comments",
                    "review_comments": url + "/comments",
                    "review_comment": f"{API}/repos/{repo.full_name}/pulls/comments{{/number}}",
                    "commits": url + "/commits",
                    "statuses": f"{API}/repos/{repo.full_name}/statuses/{pr.head_sha}",
                }.items()
            },
            "author_association": "OWNER" if pr.user.login == repo.owner else "CONTRIBUTOR",
            "auto_merge": None,
            "active_lock_reason": None,
        }

    def _split_head(self, repo: Repo, head: str) -> tuple[Repo, str]:
        if ":" in head:
            owner, _, branch = head.partition(":")
            head_repo = self.repos.get(f"{owner}/{repo.name}") or next(
                (r for r in self.repos.values() if r.owner == owner and r.parent == repo.full_name), None)
            if head_repo is None:
                raise ApiError(422, "Validation Failed", errors=[{"resource": "PullRequest", "field": "head",
                                                                   "code": "invalid"}])
            return head_repo, branch
        return repo, head

    def list_pulls(self, owner: str, name: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        state = query.get("state") or "open"
        chosen = []
        head_filter = query.get("head")
        for pr in sorted(self._pulls(repo).values(), key=lambda p: -p.number):
            if state != "all" and pr.state != state:
                continue
            if query.get("base") and pr.base_ref != query["base"]:
                continue
            if head_filter:
                head_owner, _, head_ref = head_filter.partition(":")
                if not head_ref:
                    continue  # GitHub ignores a head without "owner:"... and matches nothing useful
                if pr.head_ref != head_ref or self.repos.get(pr.head_repo, repo).owner != head_owner:
                    continue
            chosen.append(pr)
        return 200, [self.pull_json(repo, pr) for pr in chosen]

    def _pull(self, repo: Repo, number: str) -> PullRequest:
        pr = self._pulls(repo).get(int(number))
        if pr is None:
            raise ApiError(404, "Not Found")
        return pr

    def post_pull(self, owner: str, name: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        body = body or {}
        head_repo, head_ref = self._split_head(repo, str(body.get("head") or ""))
        base = str(body.get("base") or "")
        head_sha = head_repo.store.refs.get(f"heads/{head_ref}")
        if head_sha is None or f"heads/{base}" not in repo.store.refs:
            raise ApiError(
                422,
                "Validation Failed",
                errors=[
                    {"resource": "PullRequest", "field": "head" if head_sha is None else "base", "code": "invalid"}
                ],
            )
        for pr in self._pulls(repo).values():
            if (
                pr.state == "open"
                and pr.head_repo == head_repo.full_name
                and pr.head_ref == head_ref
                and pr.base_ref == base
            ):
                raise ApiError(422, "Validation Failed", errors=[{
                    "resource": "PullRequest", "code": "custom",
                    "message": f"A pull request already exists for {head_repo.owner}:{head_ref}."}])
        if (
            repo.store.is_ancestor(head_sha, repo.store.refs[f"heads/{base}"])
            if head_repo.store.commits is repo.store.commits
            else False
        ):
            raise ApiError(422, "Validation Failed", errors=[{
                "resource": "PullRequest", "code": "custom", "message": f"No commits between {base} and {head_ref}"}])
        now = self.clock()
        pr = PullRequest(self._next_number(repo), next(self.ids), str(body.get("title") or ""), body.get("body"),
                         head_repo.full_name, head_ref, base, self.user(login), now, now, head_sha,
                         draft=bool(body.get("draft")), maintainer_can_modify=bool(body.get("maintainer_can_modify")))
        self._pulls(repo)[pr.number] = pr
        return 201, self.full_pull_json(repo, pr)

    def get_pull(self, owner: str, name: str, number: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        return 200, self.full_pull_json(repo, self._pull(repo, number))

    def full_pull_json(self, repo: Repo, pr: PullRequest) -> dict[str, Any]:
        """A pull request as its own endpoints return it (with merge state and counts)."""
        data = self.pull_json(repo, pr)
        data.update(
            {
                "merged": pr.merged_sha is not None,
                "mergeable": pr.state == "open" or None,
                "rebaseable": True,
                "mergeable_state": "clean" if pr.state == "open" else "unknown",
                "merged_by": None,
                "comments": 0,
                "review_comments": 0,
                "maintainer_can_modify": pr.maintainer_can_modify,
                "commits": 1,
                "additions": 0,
                "deletions": 0,
                "changed_files": 0,
            }
        )
        return data

    def patch_pull(
        self, owner: str, name: str, number: str, body: dict[str, Any], login: str, **_: Any
    ) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        pr = self._pull(repo, number)
        body = body or {}
        if "title" in body:
            pr.title = body["title"]
        if "body" in body:
            pr.body = body["body"]
        if "base" in body:
            pr.base_ref = body["base"]
        if body.get("state") == "closed" and pr.state == "open":
            pr.state, pr.closed_at = "closed", self.clock()
        elif body.get("state") == "open" and pr.state == "closed" and pr.merged_sha is None:
            pr.state, pr.closed_at = "open", None
        pr.updated = self.clock()
        return 200, self.full_pull_json(repo, pr)

    def get_pull_merged(self, owner: str, name: str, number: str, **_: Any) -> tuple[int, Any]:
        pr = self._pull(self.repo(owner, name), number)
        if pr.merged_sha is None:
            raise ApiError(404, "Not Found")
        return 204, None

    def three_way(self, store: GitStore, base: str | None, ours: str, theirs: str) -> str | None:
        """Merge two trees file by file; None on a conflict."""
        base_files = store.files(store.commit(base).tree) if base else {}
        our_files = store.files(store.commit(ours).tree)
        their_files = store.files(store.commit(theirs).tree)
        changes: dict[str, tuple[str, str] | None] = {}
        for path in set(base_files) | set(our_files) | set(their_files):
            b, o, t = base_files.get(path), our_files.get(path), their_files.get(path)
            if o == t or t == b:
                continue
            if o == b:
                changes[path] = None if t is None else (self._mode_at(store, theirs, path), t)
                continue
            return None
        return store.write_tree(store.commit(ours).tree, changes)

    @staticmethod
    def _mode_at(store: GitStore, commit: str, path: str) -> str:
        entry = store.lookup(store.commit(commit).tree, path)
        return entry.mode if entry else MODE_FILE

    def merge_pull(
        self, owner: str, name: str, number: str, body: dict[str, Any], login: str, **_: Any
    ) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        pr = self._pull(repo, number)
        body = body or {}
        if pr.state != "open":
            raise ApiError(405, "Pull Request is not mergeable")
        if body.get("sha") and body["sha"] != pr.head_sha:
            raise ApiError(409, "Head branch was modified. Review and try the merge again.")
        store = repo.store
        base_ref = f"heads/{pr.base_ref}"
        ours = store.refs[base_ref]
        theirs = pr.head_sha
        mb = store.merge_base(ours, theirs)
        tree = self.three_way(store, mb, ours, theirs)
        if tree is None:
            raise ApiError(405, "Pull Request is not mergeable")
        method = body.get("merge_method") or "merge"
        title = body.get("commit_title") or (
            f"Merge pull request #{pr.number} from {self.repos[pr.head_repo].owner}/{pr.head_ref}"
            if method == "merge" else f"{pr.title} (#{pr.number})")
        message = title + ("\n\n" + body["commit_message"] if body.get("commit_message") else "")
        author = self.signature(login)
        if method == "merge":
            sha = store.put_commit(tree, [ours, theirs], message, author)
        elif method == "squash":
            sha = store.put_commit(tree, [ours], message, author)
        elif method == "rebase":
            # replay each commit's own changes on top of the base branch, keeping its author
            sha = ours
            for commit in store.compare(ours, theirs)["commits"]:  # type: ignore[attr-defined]
                parent_tree = store.commit(commit.parents[0]).tree if commit.parents else None
                changes: dict[str, tuple[str, str] | None] = {
                    path: None if new is None else (self._mode_at(store, commit.sha, path), new)
                    for path, _status, _old, new in store.diff(parent_tree, commit.tree)}
                rebased = store.write_tree(store.commit(sha).tree, changes)
                sha = store.put_commit(rebased, [sha], commit.message, commit.author, author)
        else:
            raise ApiError(422, "Invalid merge_method")
        store.set_ref(base_ref, sha, expected=ours)
        now = self.clock()
        pr.state, pr.merged_sha, pr.merged_at, pr.closed_at, pr.updated = "closed", sha, now, now, now
        self._sync_pulls(repo)
        return 200, {"sha": sha, "merged": True, "message": "Pull Request successfully merged"}

    # ---- labels --------------------------------------------------------------------------
    def _issue(self, repo: Repo, number: str) -> int:
        if int(number) not in self._pulls(repo):
            raise ApiError(404, "Not Found")
        return int(number)

    def get_labels(self, owner: str, name: str, number: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        n = self._issue(repo, number)
        return 200, [self.label_json(repo, lab) for lab in self.labels.get((repo.full_name, n), [])]

    @staticmethod
    def _label_names(body: Any) -> list[str]:
        labels = body.get("labels", []) if isinstance(body, dict) else body or []
        return [lab["name"] if isinstance(lab, dict) else str(lab) for lab in labels]

    def put_labels(self, owner: str, name: str, number: str, body: Any, login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        n = self._issue(repo, number)
        self.labels[(repo.full_name, n)] = list(dict.fromkeys(self._label_names(body)))
        return 200, [self.label_json(repo, lab) for lab in self.labels[(repo.full_name, n)]]

    def post_labels(self, owner: str, name: str, number: str, body: Any, login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        n = self._issue(repo, number)
        current = self.labels.setdefault((repo.full_name, n), [])
        current[:] = list(dict.fromkeys(current + self._label_names(body)))
        return 200, [self.label_json(repo, lab) for lab in current]

    def delete_label(self, owner: str, name: str, number: str, label: str, login: str, **_: Any) -> tuple[int, Any]:
        repo = self.repo(owner, name)
        self._require_push(repo, login)
        n = self._issue(repo, number)
        current = self.labels.setdefault((repo.full_name, n), [])
        if label not in current:
            raise ApiError(404, "Label does not exist")
        current.remove(label)
        return 200, [self.label_json(repo, lab) for lab in current]

    # ---- forks ---------------------------------------------------------------------------
    def post_fork(self, owner: str, name: str, login: str, body: Any, **_: Any) -> tuple[int, Any]:
        upstream = self.repo(owner, name)
        fork_owner = (body or {}).get("organization") or login
        full = f"{fork_owner}/{upstream.name}"
        if full not in self.repos:
            shared = GitStore(blobs=upstream.store.blobs, trees=upstream.store.trees,
                              commits=upstream.store.commits, lock=upstream.store.lock)
            shared.refs.update({r: s for r, s in upstream.store.refs.items() if r.startswith("heads/")})
            self.add_repo(Repo(fork_owner, upstream.name, shared, upstream.default_branch,
                               parent=upstream.full_name))
        return 202, self.repo_json(self.repos[full], login, full=True)

    def merge_upstream(self, owner: str, name: str, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        fork = self.repo(owner, name)
        self._require_push(fork, login)
        if fork.parent is None:
            raise ApiError(422, "This repository is not a fork")
        upstream = self.repos[fork.parent]
        branch = (body or {}).get("branch") or fork.default_branch
        theirs = upstream.store.refs.get(f"heads/{branch}")
        ours = fork.store.refs.get(f"heads/{branch}")
        if theirs is None or ours is None:
            raise ApiError(422, "Branch not found")
        if ours == theirs or fork.store.is_ancestor(theirs, ours):
            return 200, {"message": "This branch is not behind the upstream", "merge_type": "none",
                         "base_branch": f"{upstream.owner}:{branch}"}
        if not fork.store.is_ancestor(ours, theirs):
            raise ApiError(409, "There are merge conflicts")
        fork.store.set_ref(f"heads/{branch}", theirs, force=False)
        return 200, {"message": f"Successfully fetched and fast-forwarded from upstream {upstream.owner}:{branch}.",
                     "merge_type": "fast-forward", "base_branch": f"{upstream.owner}:{branch}"}

    # ---- GraphQL -------------------------------------------------------------------------
    def post_graphql(self, body: dict[str, Any], login: str, **_: Any) -> tuple[int, Any]:
        from tests.fakes.github_graphql import execute  # graphql-core is loaded only when used

        return 200, execute(self, body or {}, login)
