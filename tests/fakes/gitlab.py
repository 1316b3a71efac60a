"""A fake GitLab (REST v4 + the GraphQL `blobs` read an adapter uses) over the in-memory git store.

`FakeGitLab(store)` is a plain callable httpx.Request -> httpx.Response: use it as
`httpx.MockTransport(fake)` in process or with `tests.fakes.server.serve(fake)` on 127.0.0.1.
Branches, the commits API's actions (create/update/delete/move, `last_commit_id` checks,
`start_branch`), merge requests (labels, rebase, merge with squash, close) and the paginated
tree follow GitLab's documented semantics, computed from the store, not scripted.
Error bodies are GitLab's: `{"message": "404 File Not Found"}`, `{"error": "invalid_token", ...}`.
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
from tests.fakes.git_store import MODE_FILE, Commit, GitStore, Signature, StoreError, lfs_oid

WEB = "https://gitlab.com"
EXPIRED_TOKEN_BODY = {"error": "invalid_token",
                      "error_description": "Token is expired. You can either do re-authorization or token refresh."}


EXPIRED_TOKEN_CHALLENGE = ('Bearer realm="Protected by OAuth 2", error="invalid_token", '
                           'error_description="Token is expired. You can either do re-authorization or token refresh."')


class ApiError(Exception):
    """An error answer: HTTP status, GitLab's JSON body and any extra headers."""

    def __init__(self, status: int, message: Any, *, body: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(str(message))
        self.status = status
        self.body = body if body is not None else {"message": message}
        self.headers = headers or {}


def iso(timestamp: float) -> str:
    """GitLab's timestamp format (milliseconds, Z)."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def commit_time(timestamp: float) -> str:
    """GitLab's commit date format (offset written out)."""
    return datetime.fromtimestamp(int(timestamp), tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000+00:00")


@dataclass
class Account:
    """A user of the fake."""

    username: str
    id: int
    name: str
    email: str = ""


@dataclass
class MergeRequest:
    """A merge request of the project."""

    iid: int
    id: int
    title: str
    description: str
    source_branch: str
    target_branch: str
    author: Account
    created: float
    updated: float
    sha: str
    labels: list[str] = field(default_factory=list)
    state: str = "opened"
    squash: bool = False
    remove_source_branch: bool = False
    merge_commit_sha: str | None = None
    squash_commit_sha: str | None = None
    merge_error: str | None = None
    merged_at: float | None = None
    closed_at: float | None = None


Route = tuple[str, re.Pattern[str], Callable[..., Any]]
PAGINATED = {"get_tree", "list_commits", "list_merge_requests", "list_statuses", "list_environments"}


class FakeGitLab:
    """A fake gitlab.com API: call it with an httpx.Request, get an httpx.Response."""

    def __init__(self, store: GitStore, *, project: str = "owner/repo", default_branch: str = "main",
                 tokens: dict[str, str] | None = None, clock: Callable[[], float] = time.time,
                 faults: Faults | None = None, api_prefix: str = "/api/v4", access_level: int = 40,
                 project_id: int = 18082616, totals_limit: int = 10_000) -> None:
        """`tokens` maps accepted tokens to usernames (default {"token": <project's namespace>}); lists longer
        than `totals_limit` come without X-Total, X-Total-Pages and the last link, as GitLab's do."""
        self.store = store
        self.lfs_objects: dict[str, bytes] = {}  # sha256 -> content of the Git LFS objects the project holds
        self.project_path = project
        self.project_id = project_id
        self.default_branch = default_branch
        self.clock = clock
        owner = project.split("/", 1)[0]
        self.tokens = tokens if tokens is not None else {"token": owner}
        self.accounts: dict[str, Account] = {}
        self.expired: set[str] = set()
        self.access_level: int | None = access_level  # the user's own role on the project (None: not a member)
        self.shared_group_levels: list[int] = []  # roles granted through groups the project is shared with
        self.developers_can_push = False  # the default branch's protection
        self.developers_can_merge = False
        self.totals_limit = totals_limit
        self.faults = faults or Faults(clock=clock)
        self.log = RequestLog()
        self.api_prefix = api_prefix.rstrip("/")
        self.graphql_path = self.api_prefix.rsplit("/", 1)[0] + "/graphql" if self.api_prefix else "/graphql"
        self.lock = threading.RLock()
        self.merge_requests: dict[int, MergeRequest] = {}
        self.iids = itertools.count(1)
        self.ids = itertools.count(55484290)
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.environments: list[dict[str, Any]] = []
        self.routes: list[Route] = []
        self._register_routes()

    # ---- setup helpers ---------------------------------------------------------------------
    def account(self, username: str) -> Account:
        """The user named `username` (created on first use)."""
        if username not in self.accounts:
            self.accounts[username] = Account(username, len(self.accounts) + 1, username, f"{username}@example.org")
        return self.accounts[username]

    def signature(self, username: str, name: str | None = None, email: str | None = None) -> Signature:
        account = self.account(username)
        return Signature(name or account.name, email or account.email, int(self.clock()))

    def commit_files(self, branch: str, files: dict[str, bytes | None], message: str,
                     username: str | None = None) -> str:
        """Seed helper: commit `files` (path -> bytes, None deletes) on a branch (created if new)."""
        store = self.store
        ref = f"heads/{branch}"
        parent = store.refs.get(ref)
        base = store.commit(parent).tree if parent else None
        changes = {p: (None if d is None else (MODE_FILE, store.put_blob(d))) for p, d in files.items()}
        tree = store.write_tree(base, changes)
        sha = store.put_commit(tree, [parent] if parent else [], message,
                               self.signature(username or self.project_path.split("/", 1)[0]))
        store.set_ref(ref, sha, create=parent is None)
        return sha

    def add_status(self, sha: str, name: str, status: str, target_url: str) -> None:
        """A commit status (CI job or deploy) on a commit."""
        self.statuses.setdefault(sha, []).append(
            {"id": next(self.ids), "sha": sha, "ref": None, "status": status, "name": name,
             "target_url": target_url, "description": None, "created_at": iso(self.clock()),
             "started_at": None, "finished_at": None, "allow_failure": False, "coverage": None,
             "author": self.user_json(next(iter(self.tokens.values())))})

    def add_environment(self, name: str, external_url: str | None, ref: str, sha: str, status: str) -> None:
        """An environment (a review app) whose last deployment ran from `ref` at `sha` with `status`."""
        now = iso(self.clock())
        env_id = next(self.ids)
        deployment = {"id": next(self.ids), "iid": len(self.environments) + 1, "ref": ref, "sha": sha,
                      "created_at": now, "updated_at": now, "status": status,
                      "user": self.user_json(next(iter(self.tokens.values()))), "deployable": None}
        self.environments[:] = [e for e in self.environments if e["name"] != name] + [
            {"id": env_id, "name": name, "slug": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
             "external_url": external_url, "created_at": now, "updated_at": now, "tier": "development",
             "state": "available", "auto_stop_at": None, "last_deployment": deployment}]

    # ---- dispatch ------------------------------------------------------------------------
    def __call__(self, request: httpx.Request) -> httpx.Response:
        return timed(self._handle, self.faults, self.log, request)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        with self.lock:  # one request at a time past the faults, as GitLab serialises writes to a ref
            return self._handle_locked(request)

    def _handle_locked(self, request: httpx.Request) -> httpx.Response:
        headers: dict[str, str] = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "SAMEORIGIN"}
        try:
            username = self._authenticate(request)
            path = request.url.raw_path.decode().split("?", 1)[0]
            query = {k: v[-1] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
            body: Any = None
            if request.content:
                try:
                    body = json.loads(request.content)
                except ValueError:
                    raise ApiError(400, "400 Bad request - the body is not JSON") from None
            if request.method == "POST" and path == self.graphql_path:
                from tests.fakes.gitlab_graphql import execute

                status, payload = 200, execute(self, body or {}, username)
            else:
                if not path.startswith(self.api_prefix + "/"):
                    raise ApiError(404, "404 Not Found")
                path = path[len(self.api_prefix):]
                for method, pattern, handler in self.routes:
                    match = pattern.fullmatch(path)
                    if match and (method == request.method or (method == "GET" and request.method == "HEAD")):
                        args = {k: unquote(v) for k, v in match.groupdict().items()}
                        if "project" in args:
                            self._project(args.pop("project"))
                        # Query parameters and JSON bodies are interchangeable in GitLab's API.
                        params = {**query, **(body if isinstance(body, dict) else {})}
                        status, payload = handler(username=username, query=params, headers=headers,
                                                  request=request, **args)
                        if handler.__name__ in PAGINATED and isinstance(payload, list):
                            payload = self._paginate(request, query, payload, headers)
                        break
                else:
                    raise ApiError(404, "404 Not Found")
        except ApiError as error:
            status, payload = error.status, error.body
            headers.update(error.headers)
        except StoreError as error:
            status, payload = (404, {"message": f"404 {error}"}) if error.kind == "not_found" else (
                400, {"message": str(error)})
        if status == 204:
            return httpx.Response(204, headers=headers)
        if isinstance(payload, bytes):
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
            content = payload
        else:
            headers["Content-Type"] = "application/json"
            content = json.dumps(payload).encode()
        if request.method == "HEAD":
            headers["Content-Length"] = str(len(content))
            return httpx.Response(status, headers=headers)
        return httpx.Response(status, content=content, headers=headers)

    def _paginate(self, request: httpx.Request, query: dict[str, str], items: list[Any],
                  headers: dict[str, str]) -> list[Any]:
        """GitLab's page/per_page (default 20, at most 100): X-Page, X-Total-Pages, X-Next-Page, Link."""
        try:
            per_page = min(max(int(query.get("per_page") or 20), 1), 100)
            page = max(int(query.get("page") or 1), 1)
        except ValueError:
            raise ApiError(400, {"error": "page is invalid"}) from None
        last = max((len(items) + per_page - 1) // per_page, 1)
        headers.update(
            {
                "X-Page": str(page),
                "X-Per-Page": str(per_page),
                "X-Next-Page": str(page + 1) if page < last else "",
                "X-Prev-Page": str(page - 1) if page > 1 else "",
            }
        )
        counted = len(items) <= self.totals_limit
        if counted:
            headers.update({"X-Total": str(len(items)), "X-Total-Pages": str(last)})
        links = []
        for rel, number in (("prev", page - 1), ("next", page + 1), ("first", 1), ("last", last)):
            if (rel == "prev" and page <= 1) or (rel == "next" and page >= last) or (rel == "last" and not counted):
                continue
            url = request.url.copy_set_param("page", str(number)).copy_set_param("per_page", str(per_page))
            links.append(f'<{url}>; rel="{rel}"')
        headers["Link"] = ", ".join(links)
        return items[(page - 1) * per_page: page * per_page]

    def _authenticate(self, request: httpx.Request) -> str:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() == "bearer" and token in self.expired:
            raise ApiError(
                401, "", body=dict(EXPIRED_TOKEN_BODY), headers={"WWW-Authenticate": EXPIRED_TOKEN_CHALLENGE}
            )
        if scheme.lower() != "bearer" or token not in self.tokens:
            raise ApiError(401, "401 Unauthorized")
        return self.tokens[token]

    def _project(self, project: str) -> None:
        if project not in (self.project_path, str(self.project_id)):
            raise ApiError(404, "404 Project Not Found")

    def _register_routes(self) -> None:
        p = r"/projects/(?P<project>[^/]+)"
        table: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", r"/user", self.get_user),
            ("GET", p, self.get_project),
            ("GET", p + r"/repository/branches/(?P<branch>[^/]+)", self.get_branch),
            ("DELETE", p + r"/repository/branches/(?P<branch>[^/]+)", self.delete_branch),
            ("GET", p + r"/repository/tree", self.get_tree),
            ("GET", p + r"/repository/files/(?P<path>[^/]+)/raw", self.get_raw_file),
            ("GET", p + r"/repository/files/(?P<path>[^/]+)", self.get_file),
            ("GET", p + r"/repository/blobs/(?P<sha>[0-9a-f]{40})/raw", self.get_raw_blob),
            ("GET", p + r"/repository/commits", self.list_commits),
            ("POST", p + r"/repository/commits", self.post_commit),
            ("GET", p + r"/repository/commits/(?P<sha>[^/]+)/statuses", self.list_statuses),
            ("GET", p + r"/repository/compare", self.get_compare),
            ("GET", p + r"/environments", self.list_environments),
            ("GET", p + r"/merge_requests", self.list_merge_requests),
            ("POST", p + r"/merge_requests", self.post_merge_request),
            ("GET", p + r"/merge_requests/(?P<iid>\d+)", self.get_merge_request),
            ("PUT", p + r"/merge_requests/(?P<iid>\d+)", self.put_merge_request),
            ("PUT", p + r"/merge_requests/(?P<iid>\d+)/rebase", self.rebase_merge_request),
            ("PUT", p + r"/merge_requests/(?P<iid>\d+)/merge", self.merge_merge_request),
        ]
        self.routes = [(m, re.compile(pattern), handler) for m, pattern, handler in table]

    # ---- JSON shapes ---------------------------------------------------------------------
    def user_json(self, username: str) -> dict[str, Any]:
        account = self.account(username)
        return {"id": account.id, "username": account.username, "name": account.name, "state": "active",
                "avatar_url": f"{WEB}/uploads/-/system/user/avatar/{account.id}/avatar.png",
                "web_url": f"{WEB}/{account.username}"}

    def commit_json(self, commit: Commit) -> dict[str, Any]:
        title = commit.message.split("\n", 1)[0]
        return {"id": commit.sha, "short_id": commit.sha[:8], "created_at": commit_time(commit.committer.timestamp),
                "parent_ids": list(commit.parents), "title": title, "message": commit.message,
                "author_name": commit.author.name, "author_email": commit.author.email,
                "authored_date": commit_time(commit.author.timestamp), "committer_name": commit.committer.name,
                "committer_email": commit.committer.email,
                "committed_date": commit_time(commit.committer.timestamp), "trailers": {}, "extended_trailers": {},
                "web_url": f"{WEB}/{self.project_path}/-/commit/{commit.sha}"}

    def mr_json(self, mr: MergeRequest) -> dict[str, Any]:
        author = self.user_json(mr.author.username)
        return {
            "id": mr.id, "iid": mr.iid, "project_id": self.project_id, "title": mr.title,
            "description": mr.description, "state": mr.state, "created_at": iso(mr.created),
            "updated_at": iso(mr.updated), "merged_by": author if mr.state == "merged" else None,
            "merged_at": iso(mr.merged_at) if mr.merged_at else None,
            "closed_by": author if mr.state == "closed" else None,
            "closed_at": iso(mr.closed_at) if mr.closed_at else None,
            "target_branch": mr.target_branch, "source_branch": mr.source_branch, "user_notes_count": 0,
            "upvotes": 0, "downvotes": 0, "assignee": None, "author": author, "assignees": [], "reviewers": [],
            "source_project_id": self.project_id, "target_project_id": self.project_id, "labels": list(mr.labels),
            "work_in_progress": False, "draft": False, "milestone": None,
            "merge_when_pipeline_succeeds": False,
            "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
            "sha": mr.sha, "merge_commit_sha": mr.merge_commit_sha, "squash_commit_sha": mr.squash_commit_sha,
            "discussion_locked": None, "should_remove_source_branch": mr.remove_source_branch if mr.state == "merged"
            else None, "force_remove_source_branch": mr.remove_source_branch,
            "reference": f"!{mr.iid}", "references": {"short": f"!{mr.iid}", "relative": f"!{mr.iid}",
                                                       "full": f"{self.project_path}!{mr.iid}"},
            "web_url": f"{WEB}/{self.project_path}/-/merge_requests/{mr.iid}",
            "time_stats": {"time_estimate": 0, "total_time_spent": 0, "human_time_estimate": None,
                           "human_total_time_spent": None},
            "squash": mr.squash, "task_completion_status": {"count": 0, "completed_count": 0},
            "has_conflicts": mr.merge_error is not None, "blocking_discussions_resolved": True,
            "approvals_before_merge": None, "subscribed": True, "changes_count": str(len(self._mr_diff(mr))),
            "latest_build_started_at": None, "latest_build_finished_at": None,
            "first_deployed_to_production_at": None, "pipeline": None, "head_pipeline": None,
            "diff_refs": self._diff_refs(mr), "merge_error": mr.merge_error, "user": {"can_merge": True},
        }

    def _mr_base(self, mr: MergeRequest) -> str | None:
        target = self.store.refs.get(f"heads/{mr.target_branch}")
        if target is None or mr.sha not in self.store.commits:
            return None
        return self.store.merge_base(target, mr.sha)

    def _mr_diff(self, mr: MergeRequest) -> list[Any]:
        base = self._mr_base(mr)
        if base is None:
            return []
        return self.store.diff(self.store.commit(base).tree, self.store.commit(mr.sha).tree)

    def _diff_refs(self, mr: MergeRequest) -> dict[str, Any]:
        base = self._mr_base(mr)
        return {"base_sha": base, "head_sha": mr.sha, "start_sha": self.store.refs.get(f"heads/{mr.target_branch}")}

    # ---- users and project -----------------------------------------------------------------
    def get_user(self, username: str, **_: Any) -> tuple[int, Any]:
        account = self.account(username)
        return 200, {**self.user_json(username), "email": account.email, "public_email": account.email,
                     "created_at": iso(0), "bio": "", "location": None, "can_create_group": True,
                     "can_create_project": True, "two_factor_enabled": False, "external": False}

    def get_project(self, username: str, **_: Any) -> tuple[int, Any]:
        namespace, _, name = self.project_path.rpartition("/")
        api = f"{WEB}/api/v4/projects/{self.project_id}"
        web = f"{WEB}/{self.project_path}"
        owner = self.user_json(namespace.split("/", 1)[0])
        return 200, {
            "id": self.project_id,
            "description": None,
            "name": name,
            "name_with_namespace": f"{namespace.replace('/', ' / ')} / {name}",
            "path": name,
            "path_with_namespace": self.project_path,
            "created_at": iso(0),
            "default_branch": self.default_branch,
            "tag_list": [],
            "topics": [],
            "ssh_url_to_repo": f"git@gitlab.com:{self.project_path}.git",
            "http_url_to_repo": f"{web}.git",
            "web_url": web,
            "readme_url": f"{web}/-/blob/{self.default_branch}/README.md",
            "avatar_url": None,
            "star_count": 0,
            "forks_count": 0,
            "last_activity_at": iso(self.clock()),
            "namespace": {
                "id": 1,
                "name": namespace.rsplit("/", 1)[-1],
                "path": namespace.rsplit("/", 1)[-1],
                "kind": "group" if "/" in namespace else "user",
                "full_path": namespace,
                "parent_id": None,
                "avatar_url": None,
                "web_url": f"{WEB}/{namespace}",
            },
            "_links": {
                "self": api,
                "issues": f"{api}/issues",
                "merge_requests": f"{api}/merge_requests",
                "repo_branches": f"{api}/repository/branches",
                "labels": f"{api}/labels",
                "events": f"{api}/events",
                "members": f"{api}/members",
            },
            "empty_repo": not self.store.refs,
            "archived": False,
            "visibility": "private",
            "owner": owner,
            "resolve_outdated_diff_discussions": False,
            "container_registry_enabled": False,
            "container_expiration_policy": {
                "cadence": "1d",
                "enabled": False,
                "keep_n": 10,
                "older_than": "90d",
                "name_regex": ".*",
                "name_regex_keep": None,
                "next_run_at": iso(self.clock() + 86400),
            },
            "packages_enabled": True,
            "service_desk_enabled": False,
            "service_desk_address": None,
            "allow_merge_on_skipped_pipeline": None,
            "compliance_frameworks": [],
            "issues_enabled": True,
            "merge_requests_enabled": True,
            "wiki_enabled": False,
            "jobs_enabled": True,
            "snippets_enabled": False,
            "can_create_merge_request_in": True,
            "issues_access_level": "enabled",
            "repository_access_level": "enabled",
            "merge_requests_access_level": "enabled",
            "forking_access_level": "enabled",
            "wiki_access_level": "disabled",
            "builds_access_level": "enabled",
            "snippets_access_level": "disabled",
            "pages_access_level": "private",
            "emails_disabled": None,
            "shared_runners_enabled": True,
            "lfs_enabled": True,
            "creator_id": owner["id"],
            "import_status": "none",
            "import_error": None,
            "open_issues_count": 0,
            "runners_token": "fake-runners-token",
            "ci_default_git_depth": 20,
            "public_jobs": True,
            "build_git_strategy": "fetch",
            "build_timeout": 3600,
            "auto_cancel_pending_pipelines": "enabled",
            "build_coverage_regex": None,
            "ci_config_path": None,
            "shared_with_groups": [
                {
                    "group_id": 100 + i,
                    "group_name": f"team{i}",
                    "group_full_path": f"team{i}",
                    "group_access_level": level,
                    "expires_at": None,
                }
                for i, level in enumerate(self.shared_group_levels)
            ],
            "only_allow_merge_if_pipeline_succeeds": False,
            "request_access_enabled": True,
            "only_allow_merge_if_all_discussions_are_resolved": False,
            "remove_source_branch_after_merge": True,
            "printing_merge_request_link_enabled": True,
            "merge_method": "merge",
            "squash_option": "default_off",
            "suggestion_commit_message": None,
            "auto_devops_enabled": False,
            "auto_devops_deploy_strategy": "continuous",
            "autoclose_referenced_issues": True,
            "external_authorization_classification_label": "",
            "permissions": {
                "project_access": None
                if self.access_level is None
                else {"access_level": self.access_level, "notification_level": 3},
                "group_access": None,
            },
        }

    # ---- branches --------------------------------------------------------------------------
    def branch_json(self, branch: str) -> dict[str, Any]:
        sha = self.store.branch(branch)
        return {
            "name": branch,
            "commit": self.commit_json(self.store.commit(sha)),
            "merged": False,
            "protected": branch == self.default_branch,
            "developers_can_push": branch != self.default_branch or self.developers_can_push,
            "developers_can_merge": branch != self.default_branch or self.developers_can_merge,
            "can_push": True,
            "default": branch == self.default_branch,
            "web_url": f"{WEB}/{self.project_path}/-/tree/{branch}",
        }

    # ---- what the user may do (GitLab enforces it on every write, not only in `permissions`) ---------------
    def level(self) -> int:
        """The user's best role: their own membership or a group the project is shared with."""
        return max([self.access_level or 0, *self.shared_group_levels])

    def may_push_to(self, branch: str) -> bool:
        """GitLab's `can_push_to_branch?`: Maintainers anywhere, Developers outside the protected default branch
        unless it lets developers push, Reporters and Guests nowhere."""
        level = self.level()
        return level >= 40 or (level >= 30 and (branch != self.default_branch or self.developers_can_push))

    def may_merge_into(self, branch: str) -> bool:
        """GitLab's `can_be_merged_by?`: the same rule with the branch's "allowed to merge" setting."""
        level = self.level()
        return level >= 40 or (level >= 30 and (branch != self.default_branch or self.developers_can_merge))

    def get_branch(self, branch: str, **_: Any) -> tuple[int, Any]:
        if f"heads/{branch}" not in self.store.refs:
            raise ApiError(404, "404 Branch Not Found")
        return 200, self.branch_json(branch)

    def delete_branch(self, branch: str, **_: Any) -> tuple[int, Any]:
        if self.level() < 30:  # authorize! :push_code
            raise ApiError(403, "403 Forbidden")
        if f"heads/{branch}" not in self.store.refs:
            raise ApiError(404, "404 Branch Not Found")
        if branch == self.default_branch:
            raise ApiError(400, "400 Bad request - The default branch of a project cannot be deleted.")
        self.store.delete_ref(f"heads/{branch}")
        return 204, None

    def _commit_of(self, ref: str) -> str:
        try:
            return self.store.commitish(ref)
        except StoreError:
            raise ApiError(404, "404 Commit Not Found") from None

    # ---- reading ---------------------------------------------------------------------------
    def get_tree(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        ref = query.get("ref") or self.default_branch
        try:
            commit = self.store.commitish(ref)
        except StoreError:
            raise ApiError(404, "404 Tree Not Found") from None
        folder = (query.get("path") or "").strip("/")
        root = self.store.commit(commit).tree
        entry = self.store.lookup(root, folder) if folder else None
        if folder and (entry is None or entry.type != "tree"):
            return 200, []  # GitLab lists a missing folder as empty
        tree = entry.sha if entry else root
        prefix = f"{folder}/" if folder else ""
        if query.get("recursive") == "true":
            items = [{"id": e.sha, "name": e.path.rsplit("/", 1)[-1], "type": e.type, "path": prefix + e.path,
                      "mode": e.mode} for e in self.store.walk(tree)]
        else:
            items = [{"id": e.sha, "name": e.name, "type": e.type, "path": prefix + e.name, "mode": e.mode}
                     for e in self.store.tree(tree)]
        return 200, items

    def _file_at(self, path: str, ref: str) -> tuple[str, str, bytes, str]:
        """(commit, blob id, bytes, last commit id) of `path` at `ref`; 404 when absent."""
        try:
            commit = self.store.commitish(ref)
        except StoreError:
            raise ApiError(404, "404 File Not Found") from None
        entry = self.store.lookup(self.store.commit(commit).tree, path)
        if entry is None or entry.type != "blob":
            raise ApiError(404, "404 File Not Found")
        history = self.store.log(commit, path)
        last = history[0].sha if history else commit
        return commit, entry.sha, self.store.blob(entry.sha), last

    def _file_headers(self, path: str, ref: str, commit: str, blob: str, data: bytes, last: str) -> dict[str, str]:
        return {"X-Gitlab-Blob-Id": blob, "X-Gitlab-Commit-Id": commit,
                "X-Gitlab-Content-Sha256": hashlib.sha256(data).hexdigest(), "X-Gitlab-Encoding": "base64",
                "X-Gitlab-File-Name": path.rsplit("/", 1)[-1], "X-Gitlab-File-Path": path,
                "X-Gitlab-Last-Commit-Id": last, "X-Gitlab-Ref": ref, "X-Gitlab-Size": str(len(data)),
                "X-Gitlab-Execute-Filemode": "false"}

    def get_file(self, path: str, query: dict[str, str], headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        ref = query.get("ref")
        if not ref:
            raise ApiError(400, {"error": "ref is missing"}, body={"error": "ref is missing"})
        commit, blob, data, last = self._file_at(path, ref)
        headers.update(self._file_headers(path, ref, commit, blob, data, last))
        return 200, {"file_name": path.rsplit("/", 1)[-1], "file_path": path, "size": len(data),
                     "encoding": "base64", "content_sha256": hashlib.sha256(data).hexdigest(), "ref": ref,
                     "blob_id": blob, "commit_id": commit, "last_commit_id": last, "execute_filemode": False,
                     "content": base64.b64encode(data).decode()}

    def get_raw_file(self, path: str, query: dict[str, str], headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        ref = query.get("ref") or self.default_branch
        commit, blob, data, last = self._file_at(path, ref)
        headers.update(self._file_headers(path, ref, commit, blob, data, last))
        headers["Content-Type"] = "text/plain; charset=utf-8"
        oid = lfs_oid(data)
        if query.get("lfs") == "true" and oid is not None:
            # `lfs=true`: the LFS object's bytes instead of the pointer (GitLab sends them as a download).
            content = self.lfs_objects.get(oid)
            if content is None:
                raise ApiError(404, "404 LFS Object Not Found")
            headers["Content-Type"] = "application/octet-stream"
            return 200, content
        return 200, data

    def get_raw_blob(self, sha: str, headers: dict[str, str], **_: Any) -> tuple[int, Any]:
        if sha not in self.store.blobs:
            raise ApiError(404, "404 Blob Not Found")
        headers["Content-Type"] = "application/octet-stream"
        return 200, self.store.blob(sha)

    def list_commits(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        head = self._commit_of(query.get("ref_name") or self.default_branch)
        return 200, [self.commit_json(c) for c in self.store.log(head, query.get("path") or None)]

    def list_statuses(self, sha: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        return 200, [
            s for s in self.statuses.get(sha, []) if not query.get("ref") or s.get("ref") in (None, query["ref"])
        ]

    def list_environments(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        if query.get("states") not in (None, "available", "stopping", "stopped"):
            message = "states does not have a valid value"
            raise ApiError(400, message, body={"error": message})
        return 200, [e for e in self.environments if not query.get("states") or e["state"] == query["states"]]

    def get_compare(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        base = self._commit_of(query.get("from") or "")
        head = self._commit_of(query.get("to") or "")
        if query.get("straight") == "true":
            start = base
        else:
            start = self.store.merge_base(base, head) or base
        commits = self.store.compare(start, head)["commits"]
        diffs = []
        for path, status, _old, _new in self.store.diff(self.store.commit(start).tree, self.store.commit(head).tree):
            diffs.append({"diff": "", "collapsed": False, "too_large": False, "new_path": path, "old_path": path,
                          "a_mode": "0" if status == "added" else MODE_FILE,
                          "b_mode": "0" if status == "removed" else MODE_FILE,
                          "new_file": status == "added", "renamed_file": False, "deleted_file": status == "removed",
                          "generated_file": False})
        return 200, {"commit": self.commit_json(self.store.commit(head)),
                     "commits": [self.commit_json(c) for c in commits],  # type: ignore[attr-defined]
                     "diffs": diffs, "compare_timeout": False, "compare_same_ref": base == head,
                     "web_url": f"{WEB}/{self.project_path}/-/compare/{base}...{head}"}

    # ---- the commits API -------------------------------------------------------------------
    def post_commit(self, username: str, query: dict[str, Any], **_: Any) -> tuple[int, Any]:
        branch = query.get("branch")
        message = query.get("commit_message")
        actions = query.get("actions")
        if not branch or not message or not isinstance(actions, list) or not actions:
            raise ApiError(400, {"error": "branch, commit_message, actions are missing"},
                           body={"error": "branch, commit_message, actions are missing"})
        if not self.may_push_to(branch):  # lib/api/commits.rb: authorize_push_to_branch!
            raise ApiError(403, "403 Forbidden - You are not allowed to push into this branch")
        start = query.get("start_branch") or query.get("start_sha")
        exists = f"heads/{branch}" in self.store.refs
        if exists and start and start != branch:
            raise ApiError(
                400, f"A branch called '{branch}' already exists. Switch to that branch in order to make changes"
            )
        parent_ref = branch if exists else start
        if parent_ref is None:
            raise ApiError(400, "You can only create or edit files when you are on a branch")
        parent = self._commit_of(parent_ref)
        tree = self.store.commit(parent).tree
        files = dict(self.store.files(tree))
        for action in actions:
            files = self._apply(files, action, parent)
        new_tree = self.store.write_tree(None, {p: (MODE_FILE, s) for p, s in files.items()}) if files else \
            self.store.put_tree([])
        account = self.account(username)
        signature = self.signature(username, query.get("author_name") or account.name,
                                   query.get("author_email") or account.email)
        sha = self.store.put_commit(new_tree, [parent], message, signature)
        if exists:
            self.store.set_ref(f"heads/{branch}", sha, expected=parent)
        else:
            try:
                self.store.set_ref(f"heads/{branch}", sha, create=True)
            except StoreError:
                raise ApiError(400, f"Failed to create branch '{branch}': invalid reference name '{branch}'") from None
        self._sync_merge_requests()
        return 201, {**self.commit_json(self.store.commit(sha)), "stats": {"additions": 0, "deletions": 0, "total": 0},
                     "status": None, "project_id": self.project_id, "last_pipeline": None}

    def _apply(self, files: dict[str, str], action: dict[str, Any], parent: str) -> dict[str, str]:
        kind = action.get("action")
        path = action.get("file_path")
        if not isinstance(path, str) or not path or path.startswith("/") or ".." in path.split("/"):
            raise ApiError(
                400, {"error": "actions[file_path] is invalid"}, body={"error": "actions[file_path] is invalid"}
            )
        content = action.get("content")
        data: bytes | None = None
        if content is not None:
            if action.get("encoding") == "base64":
                try:
                    data = base64.b64decode(content, validate=True)
                except binascii.Error:
                    raise ApiError(400, "Invalid base64 content") from None
            else:
                data = str(content).encode("utf-8")
        last = action.get("last_commit_id")
        checked = action.get("previous_path") if kind == "move" else path
        if last and checked in files:
            history = self.store.log(parent, checked)
            if history and history[0].sha != last:
                raise ApiError(400, f"The file has changed since you started editing it: {checked}")
        if kind == "create":
            if path in files:
                raise ApiError(400, "A file with this name already exists")
            if data is None:
                data = b""
            files[path] = self.store.put_blob(data)
        elif kind == "update":
            if path not in files:
                raise ApiError(400, "A file with this name doesn't exist")
            files[path] = self.store.put_blob(data if data is not None else b"")
        elif kind == "delete":
            if path not in files:
                raise ApiError(400, "A file with this name doesn't exist")
            del files[path]
        elif kind == "move":
            previous = action.get("previous_path")
            if not previous or previous not in files:
                raise ApiError(400, "A file with this name doesn't exist")
            if path in files and path != previous:
                raise ApiError(400, "A file with this name already exists")
            blob = files.pop(previous)
            files[path] = self.store.put_blob(data) if data is not None else blob
        elif kind == "chmod":
            if path not in files:
                raise ApiError(400, "A file with this name doesn't exist")
        else:
            raise ApiError(400, {"error": "actions[action] does not have a valid value"},
                           body={"error": "actions[action] does not have a valid value"})
        return files

    # ---- merge requests --------------------------------------------------------------------
    def _sync_merge_requests(self) -> None:
        """Open MRs follow their source branch's head."""
        for mr in self.merge_requests.values():
            if mr.state == "opened":
                sha = self.store.refs.get(f"heads/{mr.source_branch}")
                if sha is not None and sha != mr.sha:
                    mr.sha, mr.updated = sha, self.clock()

    def _mr(self, iid: str) -> MergeRequest:
        mr = self.merge_requests.get(int(iid))
        if mr is None:
            raise ApiError(404, "404 Not found")
        return mr

    def list_merge_requests(self, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        self._sync_merge_requests()
        state = query.get("state") or "all"
        labels = query.get("labels")
        found = []
        for mr in sorted(self.merge_requests.values(), key=lambda m: -m.created):
            if state != "all" and mr.state != state:
                continue
            if query.get("target_branch") and mr.target_branch != query["target_branch"]:
                continue
            if query.get("source_branch") and mr.source_branch != query["source_branch"]:
                continue
            if labels == "Any" and not mr.labels:
                continue
            if labels == "None" and mr.labels:
                continue
            if labels not in (None, "", "Any", "None") and not set(labels.split(",")) <= set(mr.labels):
                continue
            found.append(self.mr_json(mr))
        return 200, found

    def post_merge_request(self, username: str, query: dict[str, Any], **_: Any) -> tuple[int, Any]:
        source, target, title = query.get("source_branch"), query.get("target_branch"), query.get("title")
        if not source or not target or not title:
            raise ApiError(400, {"error": "source_branch, target_branch, title are missing"},
                           body={"error": "source_branch, target_branch, title are missing"})
        if self.level() < 30:  # authorize! :create_merge_request_from / _in: Developer and up
            raise ApiError(403, "403 Forbidden")
        for branch in (source, target):
            if f"heads/{branch}" not in self.store.refs:
                raise ApiError(404, "404 Branch Not Found")
        for mr in self.merge_requests.values():
            if mr.state == "opened" and mr.source_branch == source and mr.target_branch == target:
                raise ApiError(409, [f"Another open merge request already exists for this source branch: !{mr.iid}"])
        now = self.clock()
        mr = MergeRequest(
            iid=next(self.iids),
            id=next(self.ids),
            title=title,
            description=query.get("description") or "",
            source_branch=source,
            target_branch=target,
            author=self.account(username),
            created=now,
            updated=now,
            sha=self.store.branch(source),
            labels=_labels(query.get("labels")),
            squash=_truthy(query.get("squash")),
            remove_source_branch=_truthy(query.get("remove_source_branch")),
        )
        self.merge_requests[mr.iid] = mr
        return 201, self.mr_json(mr)

    def get_merge_request(self, iid: str, query: dict[str, str], **_: Any) -> tuple[int, Any]:
        self._sync_merge_requests()
        mr = self._mr(iid)
        body = self.mr_json(mr)
        if _truthy(query.get("include_rebase_in_progress")):
            body["rebase_in_progress"] = False
        body["first_contribution"] = False
        return 200, body

    def put_merge_request(self, iid: str, query: dict[str, Any], **_: Any) -> tuple[int, Any]:
        mr = self._mr(iid)
        if "labels" in query:
            mr.labels = _labels(query["labels"])
        if query.get("title"):
            mr.title = query["title"]
        event = query.get("state_event")
        if event == "close" and mr.state == "opened":
            mr.state, mr.closed_at = "closed", self.clock()
        elif event == "reopen" and mr.state == "closed":
            mr.state, mr.closed_at = "opened", None
        mr.updated = self.clock()
        return 200, self.mr_json(mr)

    def rebase_merge_request(self, iid: str, **_: Any) -> tuple[int, Any]:
        """Rebase done at once (GitLab does it in the background; the poll sees it finished)."""
        mr = self._mr(iid)
        if mr.state != "opened":
            raise ApiError(403, "403 Forbidden")
        store = self.store
        target = store.branch(mr.target_branch)
        source = store.branch(mr.source_branch)
        mr.merge_error = None
        if not store.is_ancestor(target, source):
            rebased = self._replay(store.merge_base(target, source), source, target)
            if rebased is None:
                mr.merge_error = "Rebase failed: Rebase locally, resolve all conflicts, then push the branch."
            else:
                store.set_ref(f"heads/{mr.source_branch}", rebased, expected=source)
                self._sync_merge_requests()
        return 202, {"rebase_in_progress": True}

    def _replay(self, base: str | None, source: str, onto: str) -> str | None:
        """The commits of `source` since `base` replayed on `onto`; None on a conflict."""
        store = self.store
        sha = onto
        theirs = store.files(store.commit(onto).tree)
        base_files = store.files(store.commit(base).tree) if base else {}
        for commit in store.compare(onto, source)["commits"]:  # type: ignore[attr-defined]
            parent_tree = store.commit(commit.parents[0]).tree if commit.parents else None
            changes: dict[str, tuple[str, str] | None] = {}
            for path, _status, old, new in store.diff(parent_tree, commit.tree):
                if theirs.get(path) != base_files.get(path) and theirs.get(path) not in (old, new):
                    return None
                changes[path] = None if new is None else (MODE_FILE, new)
            sha = store.put_commit(store.write_tree(store.commit(sha).tree, changes), [sha], commit.message,
                                   commit.author, commit.committer)
        return sha

    def merge_merge_request(self, iid: str, username: str, query: dict[str, Any], **_: Any) -> tuple[int, Any]:
        self._sync_merge_requests()
        mr = self._mr(iid)
        if not self.may_merge_into(mr.target_branch):  # unauthorized! unless can_be_merged_by?(current_user)
            raise ApiError(401, "401 Unauthorized")
        if mr.state != "opened":
            raise ApiError(405, "405 Method Not Allowed")
        if query.get("sha") and query["sha"] != mr.sha:
            raise ApiError(409, "SHA does not match HEAD of source branch: " + mr.sha)
        store = self.store
        ours = store.branch(mr.target_branch)
        theirs = mr.sha
        base = store.merge_base(ours, theirs)
        merged = self._three_way(base, ours, theirs)
        if merged is None:
            raise ApiError(406, "Branch cannot be merged")
        squash = _truthy(query["squash"]) if "squash" in query else mr.squash
        author = self.signature(username)
        head = theirs
        if squash:
            message = query.get("squash_commit_message") or mr.title
            head = store.put_commit(store.commit(theirs).tree, [base] if base else [], message, author)
            mr.squash_commit_sha = head
        message = query.get("merge_commit_message") or (
            f"Merge branch '{mr.source_branch}' into '{mr.target_branch}'\n\n{mr.title}\n\nSee merge request "
            f"{self.project_path}!{mr.iid}")
        sha = store.put_commit(merged, [ours, head], message, author)
        store.set_ref(f"heads/{mr.target_branch}", sha, expected=ours)
        now = self.clock()
        mr.state, mr.merge_commit_sha, mr.merged_at, mr.updated = "merged", sha, now, now
        remove = _truthy(query.get("should_remove_source_branch")) or mr.remove_source_branch
        if remove and f"heads/{mr.source_branch}" in store.refs:
            store.delete_ref(f"heads/{mr.source_branch}")
        return 200, self.mr_json(mr)

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


def _labels(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1")
