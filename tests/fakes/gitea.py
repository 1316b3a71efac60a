"""A fake Gitea (REST API v1, the parts an adapter uses) over the in-memory git store.

`FakeGitea(store)` is a plain callable httpx.Request -> httpx.Response: use it as
`httpx.MockTransport(fake)` in process or with `tests.fakes.server.serve(fake)` on 127.0.0.1.
Branches, git trees (`sha` or `ref:path` tree-ish, `recursive`, `page`/`per_page` with `truncated`),
blobs, raw files, the multi-file `POST /contents` (create/update/delete checked against the branch's
commit: `sha` must match, a created file must not exist, all or nothing, `new_branch`), commits by path,
pull requests (labels by id, changed files, merge/squash guarded by `head_commit_id`, close), labels and
commit statuses follow Gitea 1.22's documented semantics, computed from the store, not scripted.
Errors are Gitea's `{"message": ..., "url": ...}` with its statuses (422 for a stale `sha` or an existing
file, 404 for a missing branch or file, 405 for an unmergeable PR, 409 for a moved PR head). An unknown or
expired token is 401 `user does not exist [uid: 0, name: ]`, as Gitea answers a token it cannot resolve.
Fields Gitea sends as null are left out (its OpenAPI description marks none nullable), except the null
entries of `FilesResponse.files` for deleted paths, which Gitea really sends.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import itertools
import json
import re
import tarfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from tests.fakes.faults import Faults, RequestLog, timed
from tests.fakes.git_store import MODE_FILE, MODE_TREE, Commit, GitStore, Signature, StoreError, lfs_oid

WEB = "https://gitea.example"
INVALID_TOKEN_MESSAGE = "user does not exist [uid: 0, name: ]"


class ApiError(Exception):
    """An error answer: HTTP status and Gitea's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def iso(timestamp: float) -> str:
    """Gitea's timestamp format (RFC 3339 with offset)."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    """A user of the fake."""

    login: str
    id: int
    full_name: str
    email: str


@dataclass
class PullRequest:
    """A pull request of the repository (also an issue: labels live on it)."""

    number: int
    id: int
    title: str
    body: str
    head: str
    base: str
    user: Account
    created: float
    updated: float
    head_sha: str
    labels: list[int] = field(default_factory=list)
    state: str = "open"
    merged: bool = False
    merge_commit_sha: str | None = None
    merged_at: float | None = None
    closed_at: float | None = None


Route = tuple[str, re.Pattern[str], Callable[..., Any]]


class FakeGitea:
    """A fake Gitea API: call it with an httpx.Request, get an httpx.Response."""

    def __init__(self, store: GitStore, *, owner: str = "owner", repo: str = "repo", default_branch: str = "main",
                 tokens: dict[str, str] | None = None, clock: Callable[[], float] = time.time,
                 faults: Faults | None = None, api_prefix: str = "/api/v1", has_pull_requests: bool = True,
                 version: str = "1.22.3", can_push: bool = True) -> None:
        """`tokens` maps accepted tokens to logins (default {"token": owner})."""
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> content of the Git LFS objects the repository holds
        self.store = store
        self.owner = owner
        self.repo = repo
        self.default_branch = default_branch
        self.clock = clock
        self.tokens = tokens if tokens is not None else {"token": owner}
        self.accounts: dict[str, Account] = {}
        self.faults = faults or Faults(clock=clock)
        self.log = RequestLog()
        self.api_prefix = api_prefix.rstrip("/")
        self.has_pull_requests = has_pull_requests
        self.version = version
        self.can_push = can_push
        self.checking = 0  # merges still answered "Please try again later", as while Gitea checks a pushed PR
        self.lock = threading.RLock()
        self.pulls: dict[int, PullRequest] = {}
        self.numbers = itertools.count(1)
        self.ids = itertools.count(4101)
        self.labels: dict[int, dict[str, Any]] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.routes: list[Route] = []
        self._register_routes()

    # ---- setup helpers ---------------------------------------------------------------------
    def account(self, login: str) -> Account:
        """The user named `login` (created on first use)."""
        if login not in self.accounts:
            self.accounts[login] = Account(login, len(self.accounts) + 1, login.capitalize(), f"{login}@example.org")
        return self.accounts[login]

    def signature(self, login: str, name: str | None = None, email: str | None = None) -> Signature:
        account = self.account(login)
        return Signature(name or account.full_name, email or account.email, int(self.clock()))

    def commit_files(self, branch: str, files: dict[str, bytes | None], message: str, login: str | None = None) -> str:
        """Seed helper: commit `files` (path -> bytes, None deletes) on a branch (created if new)."""
        store = self.store
        ref = f"heads/{branch}"
        parent = store.refs.get(ref)
        base = store.commit(parent).tree if parent else None
        changes = {p: (None if d is None else (MODE_FILE, store.put_blob(d))) for p, d in files.items()}
        tree = store.write_tree(base, changes)
        sha = store.put_commit(tree, [parent] if parent else [], message, self.signature(login or self.owner))
        store.set_ref(ref, sha, create=parent is None)
        return sha

    def add_status(self, sha: str, context: str, status: str, target_url: str) -> None:
        """A commit status (CI or deploy preview) on a commit."""
        now = iso(self.clock())
        self.statuses.setdefault(sha, []).insert(0, {
            "id": next(self.ids), "context": context, "status": status, "target_url": target_url,
            "description": "", "created_at": now, "updated_at": now,
            "url": f"{WEB}/api/v1/repos/{self.owner}/{self.repo}/statuses/{sha}",
            "creator": self.user_json(self.owner)})

    # ---- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:  # one request at a time past the faults, as Gitea serialises writes to a repository
            return self._handle_locked(request)

    def _handle_locked(self, request: httpx.Request) -> httpx.Response:
        headers: dict[str, str] = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN"}
        try:
            login = self._authenticate(request)
            raw = request.url.raw_path.decode().split("?", 1)[0]
            if not raw.startswith(self.api_prefix + "/"):
                raise ApiError(404, "404 page not found")
            path = raw[len(self.api_prefix):]
            query = {k: v[-1] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
            body: Any = None
            if request.content:
                try:
                    body = json.loads(request.content)
                except ValueError:
                    raise ApiError(422, "invalid JSON body") from None
            for method, pattern, handler in self.routes:
                match = pattern.fullmatch(path)
                if match and method == request.method:
                    args = {k: unquote(v) for k, v in match.groupdict().items()}
                    if "owner" in args:
                        self._repository(args.pop("owner"), args.pop("name"))
                    status, payload = handler(login=login, query=query, body=body, headers=headers,
                                              request=request, **args)
                    break
            else:
                raise ApiError(404, "404 page not found")
        except ApiError as error:
            status, payload = error.status, {"message": error.message, "url": f"{WEB}/api/swagger"}
        except StoreError as error:
            status = 404 if error.kind == "not_found" else 422
            payload = {"message": str(error), "url": f"{WEB}/api/swagger"}
        if status == 204 or payload is None:
            return httpx.Response(status, headers=headers)
        if isinstance(payload, bytes):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            return httpx.Response(status, content=payload, headers=headers)
        headers["Content-Type"] = "application/json;charset=utf-8"
        return httpx.Response(status, content=json.dumps(payload).encode(), headers=headers)

    def _authenticate(self, request: httpx.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if not scheme:
            raise ApiError(401, "token is required")
        if scheme.lower() not in ("token", "bearer") or token not in self.tokens:
            raise ApiError(401, INVALID_TOKEN_MESSAGE)
        return self.tokens[token]

    def _repository(self, owner: str, name: str) -> None:
        if (owner.lower(), name.lower()) != (self.owner.lower(), self.repo.lower()):
            raise ApiError(404, "The target couldn't be found.")

    def _register_routes(self) -> None:
        r = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/version", self.get_version),
            ("GET", r"/user", self.get_user),
            ("GET", r, self.get_repo),
            ("GET", r + r"/branches/(?P<branch>.+)", self.get_branch),
            ("DELETE", r + r"/branches/(?P<branch>.+)", self.delete_branch),
            ("GET", r + r"/git/trees/(?P<sha>[^/]+)", self.get_tree),
            ("GET", r + r"/git/blobs/(?P<sha>[^/]+)", self.get_blob),
            ("GET", r + r"/raw/(?P<path>.+)", self.get_raw),
            ("GET", r + r"/media/(?P<path>.+)", self.get_media),
            ("GET", r + r"/archive/(?P<archive>.+)", self.get_archive),
            ("GET", r + r"/commits", self.list_commits),
            ("GET", r + r"/commits/(?P<ref>.+)/statuses", self.list_statuses),
            ("POST", r + r"/contents", self.change_files),
            ("GET", r + r"/pulls", self.list_pulls),
            ("POST", r + r"/pulls", self.create_pull),
            ("GET", r + r"/pulls/(?P<number>\d+)", self.get_pull),
            ("PATCH", r + r"/pulls/(?P<number>\d+)", self.edit_pull),
            ("GET", r + r"/pulls/(?P<number>\d+)/files", self.pull_files),
            ("POST", r + r"/pulls/(?P<number>\d+)/merge", self.merge_pull),
            ("PUT", r + r"/issues/(?P<number>\d+)/labels", self.replace_labels),
            ("GET", r + r"/labels", self.list_labels),
            ("POST", r + r"/labels", self.create_label),
        ]
        self.routes = [(m, re.compile(pattern), handler) for m, pattern, handler in table]

    def _paginate(self, request: httpx.Request, query: dict[str, str], items: list[Any],
                  headers: dict[str, str], *, default: int = 30, maximum: int = 50,
                  size_param: str = "limit") -> list[Any]:
        """Gitea's page/limit paging: X-Total-Count and a Link header (next, last, first, prev)."""
        try:
            per_page = min(max(int(query.get(size_param) or default), 1), maximum)
            page = max(int(query.get("page") or 1), 1)
        except ValueError:
            raise ApiError(422, "page and limit must be numbers") from None
        last = max((len(items) + per_page - 1) // per_page, 1)
        headers["X-Total-Count"] = str(len(items))
        links = []
        for rel, number in (("next", page + 1), ("last", last), ("first", 1), ("prev", page - 1)):
            if (
                (rel == "next" and page >= last)
                or (rel == "prev" and page <= 1)
                or (rel in ("last", "first") and last == 1)
            ):
                continue
            url = request.url.copy_set_param("page", str(number)).copy_set_param(size_param, str(per_page))
            links.append(f'<{url}>; rel="{rel}"')
        if links:
            headers["Link"] = ",".join(links)
        return items[(page - 1) * per_page: page * per_page]

    # ---- JSON shapes ---------------------------------------------------------------------
    def user_json(self, login: str) -> dict[str, Any]:
        account = self.account(login)
        return {"id": account.id, "login": account.login, "login_name": "", "source_id": 0,
                "full_name": account.full_name, "email": account.email,
                "avatar_url": f"{WEB}/avatars/{account.id}", "html_url": f"{WEB}/{account.login}",
                "language": "en-US", "is_admin": False, "last_login": iso(self.clock()), "created": iso(0),
                "restricted": False, "active": True, "prohibit_login": False, "location": "", "website": "",
                "description": "", "visibility": "public", "followers_count": 0, "following_count": 0,
                "starred_repos_count": 0, "username": account.login}

    def repo_json(self, login: str) -> dict[str, Any]:
        full = f"{self.owner}/{self.repo}"
        return {
            "id": 71,
            "owner": self.user_json(self.owner),
            "name": self.repo,
            "full_name": full,
            "description": "",
            "empty": False,
            "private": True,
            "fork": False,
            "template": False,
            "mirror": False,
            "size": self.size_kb(),
            "language": "",
            "languages_url": f"{WEB}/api/v1/repos/{full}/languages",
            "html_url": f"{WEB}/{full}",
            "url": f"{WEB}/api/v1/repos/{full}",
            "link": "",
            "ssh_url": f"git@gitea.example:{full}.git",
            "clone_url": f"{WEB}/{full}.git",
            "original_url": "",
            "website": "",
            "stars_count": 0,
            "forks_count": 0,
            "watchers_count": 1,
            "open_issues_count": 0,
            "open_pr_counter": sum(1 for p in self.pulls.values() if p.state == "open"),
            "release_counter": 0,
            "default_branch": self.default_branch,
            "archived": False,
            "created_at": iso(0),
            "updated_at": iso(self.clock()),
            "archived_at": iso(0),
            "permissions": {"admin": False, "push": self.can_push, "pull": True},
            "has_issues": True,
            "internal_tracker": {
                "enable_time_tracker": False,
                "allow_only_contributors_to_track_time": True,
                "enable_issue_dependencies": True,
            },
            "has_wiki": False,
            "has_pull_requests": self.has_pull_requests,
            "has_projects": False,
            "projects_mode": "all",
            "has_releases": True,
            "has_packages": False,
            "has_actions": False,
            "ignore_whitespace_conflicts": False,
            "allow_merge_commits": True,
            "allow_rebase": True,
            "allow_rebase_explicit": True,
            "allow_squash_merge": True,
            "allow_fast_forward_only_merge": False,
            "allow_rebase_update": True,
            "default_delete_branch_after_merge": False,
            "default_merge_style": "merge",
            "default_allow_maintainer_edit": False,
            "avatar_url": "",
            "internal": False,
            "mirror_interval": "",
            "object_format_name": "sha1",
            "mirror_updated": iso(0),
        }

    def commit_user(self, signature: Signature) -> dict[str, Any]:
        return {"name": signature.name, "email": signature.email, "date": iso(signature.timestamp)}

    def commit_json(self, commit: Commit) -> dict[str, Any]:
        full = f"{self.owner}/{self.repo}"
        return {
            "url": f"{WEB}/api/v1/repos/{full}/git/commits/{commit.sha}", "sha": commit.sha,
            "created": iso(commit.committer.timestamp), "html_url": f"{WEB}/{full}/commit/{commit.sha}",
            "commit": {"url": f"{WEB}/api/v1/repos/{full}/git/commits/{commit.sha}",
                       "author": self.commit_user(commit.author), "committer": self.commit_user(commit.committer),
                       "message": commit.message,
                       "tree": {"url": f"{WEB}/api/v1/repos/{full}/git/trees/{commit.tree}", "sha": commit.tree,
                                "created": iso(commit.committer.timestamp)},
                       "verification": {"verified": False, "reason": "gpg.error.not_signed_commit",
                                        "signature": "", "payload": ""}},
            "parents": [{"url": f"{WEB}/api/v1/repos/{full}/git/commits/{p}", "sha": p,
                         "created": iso(commit.committer.timestamp)} for p in commit.parents],
        }

    def label_json(self, label_id: int) -> dict[str, Any]:
        label = self.labels[label_id]
        return {"id": label_id, "name": label["name"], "exclusive": False, "is_archived": False,
                "color": label["color"].lstrip("#"), "description": label.get("description", ""),
                "url": f"{WEB}/api/v1/repos/{self.owner}/{self.repo}/labels/{label_id}"}

    def branch_info(self, ref: str, sha: str) -> dict[str, Any]:
        return {"label": ref, "ref": ref, "sha": sha, "repo_id": 71, "repo": self.repo_json(self.owner)}

    def pull_json(self, pr: PullRequest) -> dict[str, Any]:
        full = f"{self.owner}/{self.repo}"
        base_sha = self.store.refs.get(f"heads/{pr.base}", "")
        merge_base = self.store.merge_base(base_sha, pr.head_sha) if base_sha else None
        body: dict[str, Any] = {
            "id": pr.id, "url": f"{WEB}/{full}/pulls/{pr.number}", "number": pr.number,
            "user": self.user_json(pr.user.login), "title": pr.title, "body": pr.body,
            "labels": [self.label_json(i) for i in pr.labels if i in self.labels], "state": pr.state,
            "is_locked": False, "comments": 0, "html_url": f"{WEB}/{full}/pulls/{pr.number}",
            "diff_url": f"{WEB}/{full}/pulls/{pr.number}.diff", "patch_url": f"{WEB}/{full}/pulls/{pr.number}.patch",
            "mergeable": pr.state == "open" and self._mergeable(pr), "merged": pr.merged,
            "allow_maintainer_edit": False, "base": self.branch_info(pr.base, base_sha),
            "head": self.branch_info(pr.head, pr.head_sha), "merge_base": merge_base or "",
            "created_at": iso(pr.created), "updated_at": iso(pr.updated), "draft": False, "review_comments": 0,
            "assignees": [], "requested_reviewers": [], "pin_order": 0,
        }
        if pr.merge_commit_sha:
            body["merge_commit_sha"] = pr.merge_commit_sha
        if pr.merged_at is not None:
            body["merged_at"] = iso(pr.merged_at)
            body["merged_by"] = self.user_json(pr.user.login)
        if pr.closed_at is not None:
            body["closed_at"] = iso(pr.closed_at)
        return body

    # ---- handlers: server, user, repository --------------------------------------------------
    def get_version(self, **_: Any) -> tuple[int, Any]:
        return 200, {"version": self.version}

    def get_user(self, login: str, **_: Any) -> tuple[int, Any]:
        return 200, self.user_json(login)

    def get_repo(self, login: str, **_: Any) -> tuple[int, Any]:
        return 200, self.repo_json(login)

    def _branch_json(self, name: str) -> dict[str, Any]:
        sha = self.store.branch(name)
        commit = self.store.commit(sha)
        full = f"{self.owner}/{self.repo}"
        return {"name": name, "commit": {
            "id": sha, "message": commit.message, "url": f"{WEB}/{full}/commit/{sha}",
            "author": {"name": commit.author.name, "email": commit.author.email, "username": ""},
            "committer": {"name": commit.committer.name, "email": commit.committer.email, "username": ""},
            "verification": {"verified": False, "reason": "gpg.error.not_signed_commit", "signature": "",
                             "payload": ""},
            "timestamp": iso(commit.committer.timestamp), "added": [], "removed": [], "modified": []},
            "protected": False, "required_approvals": 0, "enable_status_check": False, "status_check_contexts": [],
            "user_can_push": self.can_push, "user_can_merge": self.can_push, "effective_branch_protection_name": ""}

    def get_branch(self, branch: str, **_: Any) -> tuple[int, Any]:
        if f"heads/{branch}" not in self.store.refs:
            raise ApiError(404, f"branch does not exist [name: {branch}]")
        return 200, self._branch_json(branch)

    def delete_branch(self, branch: str, **_: Any) -> tuple[int, Any]:
        if branch == self.default_branch:
            raise ApiError(403, "can not delete default branch")
        if f"heads/{branch}" not in self.store.refs:
            raise ApiError(404, f"branch does not exist [name: {branch}]")
        self.store.delete_ref(f"heads/{branch}")
        return 204, None

    # ---- handlers: reading -------------------------------------------------------------------
    def _commit_of(self, rev: str) -> str:
        try:
            return self.store.commitish(rev)
        except StoreError:
            raise ApiError(404, f"object does not exist [id: {rev}, rel_path: ]") from None

    def _tree_of(self, tree_ish: str) -> str | None:
        """The tree a `sha`, branch or `rev:path` names; None when it names nothing or a file."""
        rev, sep, path = tree_ish.partition(":")
        store = self.store
        try:
            root = store.resolve(rev)
        except StoreError:
            return None
        if not sep or not path.strip("/"):
            return root
        entry = store.lookup(root, path)
        if entry is None or entry.mode != MODE_TREE:
            return None
        return entry.sha

    def get_tree(self, sha: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        tree = self._tree_of(sha)
        if tree is None:
            raise ApiError(400, f"sha not found [{sha}]")
        full = f"{self.owner}/{self.repo}"
        if query.get("recursive", "").lower() in ("true", "1"):
            listed = list(self.store.walk(tree))
        else:
            listed = [e for e in self.store.walk(tree) if "/" not in e.path]
        try:
            per_page = int(query.get("per_page") or 1000)
            page = max(int(query.get("page") or 1), 1)
        except ValueError:
            raise ApiError(422, "page and per_page must be numbers") from None
        if per_page <= 0 or per_page > 1000:
            per_page = 1000  # Gitea's DEFAULT_GIT_TREES_PER_PAGE caps a page
        start = per_page * (page - 1)
        end = min(start + per_page, len(listed))
        entries = []
        for entry in listed[start:end] if start < len(listed) else []:
            kind = "tree" if entry.mode == MODE_TREE else entry.type
            entries.append(
                {
                    "path": entry.path,
                    "mode": entry.mode,
                    "type": kind,
                    "size": entry.size if kind == "blob" and entry.size is not None else 0,
                    "sha": entry.sha,
                    "url": f"{WEB}/api/v1/repos/{full}/git/{'trees' if kind == 'tree' else 'blobs'}/{entry.sha}",
                }
            )
        return 200, {"sha": tree, "url": f"{WEB}/api/v1/repos/{full}/git/trees/{tree}", "tree": entries,
                     "truncated": start < len(listed) and end < len(listed), "page": page,
                     "total_count": len(listed)}

    def get_blob(self, sha: str, **_: Any) -> tuple[int, Any]:
        try:
            data = self.store.blob(sha)
        except StoreError:
            raise ApiError(400, f"object does not exist [id: {sha}, rel_path: ]") from None
        return 200, {"content": base64.b64encode(data).decode(), "encoding": "base64",
                     "url": f"{WEB}/api/v1/repos/{self.owner}/{self.repo}/git/blobs/{sha}", "sha": sha,
                     "size": len(data)}

    def get_raw(self, path: str, query: dict[str, str], headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        ref = query.get("ref") or self.default_branch
        commit = self._commit_of(ref)
        entry = self.store.lookup(self.store.commit(commit).tree, path)
        if entry is None or entry.type != "blob":
            raise ApiError(404, "The target couldn't be found.")
        headers["Content-Type"] = "application/octet-stream"
        return 200, self.store.blob(entry.sha)

    def get_media(self, path: str, query: dict[str, str], headers: dict[str, str], **kw: Any) -> tuple[int, Any]:
        """A file, or the Git LFS object its pointer names."""
        status, data = self.get_raw(path, query, headers, **kw)
        oid = lfs_oid(data)
        if oid is not None:
            content = self.lfs_objects.get(oid)
            if content is None:
                raise ApiError(404, "The target couldn't be found.")
            return 200, content
        return status, data

    def size_kb(self) -> int:
        """The repository's size as Gitea reports it (KiB of git objects; here the blobs' bytes)."""
        return sum(len(b) for b in self.store.blobs.values()) // 1024

    def get_archive(self, archive: str, headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        """`git archive --prefix=<repo>/` of a ref as .tar.gz (the only format this fake makes)."""
        if not archive.endswith(".tar.gz"):
            raise ApiError(400, f"Unknown archive format: {archive}")
        commit = self._commit_of(archive[: -len(".tar.gz")])
        stamp = self.store.commit(commit).committer.timestamp
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for entry in self.store.walk(self.store.commit(commit).tree):
                info = tarfile.TarInfo(f"{self.repo}/{entry.path}")
                info.mtime = stamp
                if entry.type == "tree":
                    info.type, info.mode = tarfile.DIRTYPE, 0o775
                    tar.addfile(info)
                elif entry.type == "blob":
                    data = self.store.blob(entry.sha)
                    info.size, info.mode = len(data), 0o664
                    tar.addfile(info, io.BytesIO(data))
        headers["Content-Type"] = "application/octet-stream"
        headers["Content-Disposition"] = f'attachment; filename="{self.repo}-{archive}"'
        return 200, gzip.compress(buffer.getvalue(), mtime=0)

    def list_commits(self, request: httpx.Request, query: dict[str, str], headers: dict[str, str],
                     **_: Any) -> tuple[int, Any]:
        head = self._commit_of(query.get("sha") or self.default_branch)
        commits = self.store.log(head, query.get("path") or None)
        page = self._paginate(request, query, commits, headers)
        headers["X-HasMore"] = "true" if "rel=\"next\"" in headers.get("Link", "") else "false"
        return 200, [self.commit_json(c) for c in page]

    def list_statuses(self, ref: str, request: httpx.Request, query: dict[str, str], headers: dict[str, str],
                      **_: Any) -> tuple[int, Any]:
        sha = self._commit_of(ref)
        return 200, self._paginate(request, query, list(self.statuses.get(sha, [])), headers)

    # ---- handlers: the multi-file contents API ---------------------------------------------
    def change_files(self, login: str, body: Any, **_: Any) -> tuple[int, Any]:
        if not self.can_push:
            raise ApiError(403, f"user cannot commit to repo [user: {login}]")
        if not isinstance(body, dict) or not isinstance(body.get("files"), list) or not body["files"]:
            raise ApiError(422, "[Files]: Required")
        branch = body.get("branch") or self.default_branch
        new_branch = body.get("new_branch") or ""
        if f"heads/{branch}" not in self.store.refs:
            raise ApiError(404, f"branch does not exist [name: {branch}]")
        if new_branch and f"heads/{new_branch}" in self.store.refs:
            raise ApiError(422, f"branch already exists [name: {new_branch}]")
        parent = self.store.branch(branch)
        before = self.store.files(self.store.commit(parent).tree)
        after = dict(before)
        paths = []
        # Every operation is checked against the branch's commit (`before`), as Gitea does.
        for operation in body["files"]:
            kind, path = operation.get("operation"), operation.get("path")
            if kind not in ("create", "update", "delete") or not isinstance(path, str) or not path:
                raise ApiError(422, "[Files.Operation]: must be one of create, update, delete")
            if path.startswith("/") or any(part in ("", ".", "..") for part in path.split("/")):
                raise ApiError(422, f"path contains a malformed path component [path: {path}]")
            source = operation.get("from_path") or path
            data = b""
            if kind != "delete":
                try:
                    data = base64.b64decode(operation.get("content") or "", validate=True)
                except binascii.Error:
                    raise ApiError(422, "illegal base64 data") from None
            if kind == "create":
                if path in before:
                    raise ApiError(422, f"repository file already exists [path: {path}]")
                after[path] = self.store.put_blob(data)
            else:
                if source not in before:
                    raise ApiError(404, f"repository file does not exist [path: {source}]")
                given = operation.get("sha") or ""
                if not given:
                    raise ApiError(422, "a SHA or commit ID must be provided when updating a file")
                if given != before[source]:
                    raise ApiError(422, f"sha does not match [given: {given}, expected: {before[source]}]")
                if kind == "delete":
                    after.pop(source, None)
                else:
                    if source != path and path in before:
                        raise ApiError(422, f"repository file already exists [path: {path}]")
                    after.pop(source, None)
                    after[path] = self.store.put_blob(data)
            paths.append((kind, path))
        tree = self.store.write_tree(None, {p: (MODE_FILE, s) for p, s in after.items()}) if after else \
            self.store.put_tree([])
        account = self.account(login)
        author = body.get("author") or {}
        signature = self.signature(login, author.get("name") or account.full_name, author.get("email") or account.email)
        message = body.get("message") or f"Update {paths[-1][1]}"
        sha = self.store.put_commit(tree, [parent], message, signature)
        if new_branch:
            self.store.set_ref(f"heads/{new_branch}", sha, create=True)
        else:
            self.store.set_ref(f"heads/{branch}", sha, expected=parent)
        self._sync_pulls()
        files: list[Any] = [None if kind == "delete" else self.contents_json(path, after[path], sha)
                            for kind, path in paths]
        commit = self.store.commit(sha)
        full = f"{self.owner}/{self.repo}"
        return 201, {
            "files": files,
            "commit": {
                "url": f"{WEB}/api/v1/repos/{full}/git/commits/{sha}",
                "sha": sha,
                "created": iso(commit.committer.timestamp),
                "html_url": f"{WEB}/{full}/commit/{sha}",
                "author": self.commit_user(commit.author),
                "committer": self.commit_user(commit.committer),
                "message": commit.message,
                "parents": [
                    {
                        "url": f"{WEB}/api/v1/repos/{full}/git/commits/{parent}",
                        "sha": parent,
                        "created": iso(commit.committer.timestamp),
                    }
                ],
                "tree": {
                    "url": f"{WEB}/api/v1/repos/{full}/git/trees/{commit.tree}",
                    "sha": commit.tree,
                    "created": iso(commit.committer.timestamp),
                },
            },
            "verification": {
                "verified": False,
                "reason": "gpg.error.not_signed_commit",
                "signature": "",
                "payload": "",
            },
        }

    def contents_json(self, path: str, blob: str, commit: str) -> dict[str, Any]:
        full = f"{self.owner}/{self.repo}"
        data = self.store.blob(blob)
        return {"name": path.rsplit("/", 1)[-1], "path": path, "sha": blob, "last_commit_sha": commit,
                "type": "file", "size": len(data), "encoding": "base64", "content": base64.b64encode(data).decode(),
                "url": f"{WEB}/api/v1/repos/{full}/contents/{path}?ref={commit}",
                "html_url": f"{WEB}/{full}/src/commit/{commit}/{path}",
                "git_url": f"{WEB}/api/v1/repos/{full}/git/blobs/{blob}",
                "download_url": f"{WEB}/{full}/raw/commit/{commit}/{path}",
                "_links": {"self": f"{WEB}/api/v1/repos/{full}/contents/{path}?ref={commit}",
                           "git": f"{WEB}/api/v1/repos/{full}/git/blobs/{blob}",
                           "html": f"{WEB}/{full}/src/commit/{commit}/{path}"}}

    # ---- handlers: pull requests and labels ------------------------------------------------
    def _require_pulls(self) -> None:
        if not self.has_pull_requests:
            raise ApiError(404, "The target couldn't be found.")

    def _sync_pulls(self) -> None:
        """Open pull requests follow their head branch."""
        for pr in self.pulls.values():
            if pr.state == "open":
                sha = self.store.refs.get(f"heads/{pr.head}")
                if sha is not None and sha != pr.head_sha:
                    pr.head_sha, pr.updated = sha, self.clock()

    def _pull(self, number: str) -> PullRequest:
        self._require_pulls()
        pr = self.pulls.get(int(number))
        if pr is None:
            raise ApiError(404, f"pull request does not exist [id: 0, issue_id: 0, head_repo_id: 0, base_repo_id: 0, "
                                f"head_branch: , base_branch: ] [number: {number}]")
        return pr

    def list_pulls(self, request: httpx.Request, query: dict[str, str], headers: dict[str, str],
                   **_: Any) -> tuple[int, Any]:
        self._require_pulls()
        self._sync_pulls()
        state = query.get("state") or "open"
        found = [p for p in sorted(self.pulls.values(), key=lambda p: -p.number)
                 if state == "all" or p.state == state]
        return 200, [self.pull_json(p) for p in self._paginate(request, query, found, headers)]

    def create_pull(self, login: str, body: Any, **_: Any) -> tuple[int, Any]:
        self._require_pulls()
        body = body if isinstance(body, dict) else {}
        head, base, title = body.get("head"), body.get("base"), body.get("title")
        if not head or not base or not title:
            raise ApiError(422, "[Title]: Required")
        for branch in (head, base):
            if f"heads/{branch}" not in self.store.refs:
                raise ApiError(404, f"branch does not exist [name: {branch}]")
        for pr in self.pulls.values():
            if pr.state == "open" and pr.head == head and pr.base == base:
                raise ApiError(409, f"pull request already exists for these targets [id: {pr.id}, issue_id: {pr.id}, "
                                    f"head_repo_id: 71, base_repo_id: 71, head_branch: {head}, base_branch: {base}]")
        labels = [int(i) for i in body.get("labels") or []]
        for label in labels:
            if label not in self.labels:
                raise ApiError(422, f"label does not exist [label_id: {label}]")
        now = self.clock()
        pr = PullRequest(number=next(self.numbers), id=next(self.ids), title=title, body=body.get("body") or "",
                         head=head, base=base, user=self.account(login), created=now, updated=now,
                         head_sha=self.store.branch(head), labels=labels)
        self.pulls[pr.number] = pr
        return 201, self.pull_json(pr)

    def get_pull(self, number: str, **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        return 200, self.pull_json(self._pull(number))

    def edit_pull(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        pr = self._pull(number)
        body = body if isinstance(body, dict) else {}
        if body.get("title"):
            pr.title = body["title"]
        if "labels" in body:
            pr.labels = [int(i) for i in body["labels"] or []]
        state = body.get("state")
        if state == "closed" and pr.state == "open":
            pr.state, pr.closed_at = "closed", self.clock()
        elif state == "open" and pr.state == "closed" and not pr.merged:
            pr.state, pr.closed_at = "open", None
        pr.updated = self.clock()
        return 201, self.pull_json(pr)

    def pull_files(self, number: str, request: httpx.Request, query: dict[str, str], headers: dict[str, str],
                   **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        pr = self._pull(number)
        store = self.store
        base = store.merge_base(store.refs.get(f"heads/{pr.base}", pr.head_sha), pr.head_sha) or pr.head_sha
        full = f"{self.owner}/{self.repo}"
        changed = []
        for path, status, _old, _new in store.diff(store.commit(base).tree, store.commit(pr.head_sha).tree):
            changed.append({"filename": path, "status": {"added": "added", "removed": "deleted"}.get(status, "changed"),
                            "additions": 0, "deletions": 0, "changes": 0,
                            "html_url": f"{WEB}/{full}/src/commit/{pr.head_sha}/{path}",
                            "contents_url": f"{WEB}/api/v1/repos/{full}/contents/{path}?ref={pr.head_sha}",
                            "raw_url": f"{WEB}/{full}/raw/commit/{pr.head_sha}/{path}"})
        return 200, self._paginate(request, query, changed, headers)

    def _three_way(self, base: str | None, ours: str, theirs: str) -> str | None:
        store = self.store
        base_files = store.files(store.commit(base).tree) if base else {}
        our_files = store.files(store.commit(ours).tree)
        their_files = store.files(store.commit(theirs).tree)
        changes: dict[str, tuple[str, str] | None] = {}
        for path in set(base_files) | set(our_files) | set(their_files):
            b, o, t = base_files.get(path), our_files.get(path), their_files.get(path)
            if o == t or t == b:
                continue
            if o == b:
                changes[path] = None if t is None else (MODE_FILE, t)
                continue
            return None
        return store.write_tree(store.commit(ours).tree, changes)

    def _mergeable(self, pr: PullRequest) -> bool:
        ours = self.store.refs.get(f"heads/{pr.base}")
        if ours is None:
            return False
        return self._three_way(self.store.merge_base(ours, pr.head_sha), ours, pr.head_sha) is not None

    def merge_pull(self, number: str, login: str, body: Any, **_: Any) -> tuple[int, Any]:
        self._sync_pulls()
        pr = self._pull(number)
        body = body if isinstance(body, dict) else {}
        style = body.get("Do")
        if style not in ("merge", "squash"):
            raise ApiError(422, f"[Do]: merge style {style!r} is not allowed here")
        if pr.merged or pr.state != "open":
            raise ApiError(405, "The PR is already merged or closed")
        if body.get("head_commit_id") and body["head_commit_id"] != pr.head_sha:
            raise ApiError(409, "head out of date")
        if self.checking > 0:
            self.checking -= 1
            raise ApiError(405, "Please try again later")
        store = self.store
        ours = store.branch(pr.base)
        base = store.merge_base(ours, pr.head_sha)
        merged = self._three_way(base, ours, pr.head_sha)
        if merged is None:
            raise ApiError(405, "Please try again later")
        title = (
            body.get("MergeTitleField")
            or f"Merge pull request '{pr.title}' (#{pr.number}) from {pr.head} into {pr.base}"
        )
        message = title + ("\n\n" + body["MergeMessageField"] if body.get("MergeMessageField") else "")
        author = self.signature(login)
        parents = [ours] if style == "squash" else [ours, pr.head_sha]
        sha = store.put_commit(merged, parents, message, author)
        store.set_ref(f"heads/{pr.base}", sha, expected=ours)
        now = self.clock()
        pr.state, pr.merged, pr.merge_commit_sha, pr.merged_at, pr.closed_at, pr.updated = (
            "closed", True, sha, now, now, now)
        if body.get("delete_branch_after_merge") and f"heads/{pr.head}" in store.refs:
            store.delete_ref(f"heads/{pr.head}")
        return 200, None

    def replace_labels(self, number: str, body: Any, **_: Any) -> tuple[int, Any]:
        pr = self._pull(number)
        wanted = (body.get("labels") or []) if isinstance(body, dict) else []
        ids = []
        for item in wanted:
            if isinstance(item, str) and not item.isdigit():
                match = [i for i, lab in self.labels.items() if lab["name"] == item]
                if not match:
                    raise ApiError(422, f"label does not exist [name: {item}]")
                ids.append(match[0])
            else:
                if int(item) not in self.labels:
                    raise ApiError(422, f"label does not exist [label_id: {item}]")
                ids.append(int(item))
        pr.labels, pr.updated = ids, self.clock()
        return 200, [self.label_json(i) for i in ids]

    def list_labels(self, request: httpx.Request, query: dict[str, str], headers: dict[str, str],
                    **_: Any) -> tuple[int, Any]:
        return 200, self._paginate(request, query, [self.label_json(i) for i in sorted(self.labels)], headers)

    def create_label(self, body: Any, **_: Any) -> tuple[int, Any]:
        body = body if isinstance(body, dict) else {}
        name, color = body.get("name"), str(body.get("color") or "")
        if not name or not re.fullmatch(r"#?[0-9a-fA-F]{6}", color):
            raise ApiError(422, "[Name]: Required / [Color]: invalid color")
        if any(lab["name"] == name for lab in self.labels.values()):
            raise ApiError(422, f"label already exists [name: {name}]")
        label_id = next(self.ids)
        self.labels[label_id] = {"name": name, "color": "#" + color.lstrip("#"),
                                 "description": body.get("description") or ""}
        return 201, self.label_json(label_id)
